// The promise, end to end: every scan confirmed to a picker reaches the ledger exactly once,
// in order, while the agent is SIGKILLed and the broker restarted under load.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "edge/bus/bus_client.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/scan_injector.h"

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

TEST(CrashRestart, TenThousandScansWithAgentKillsAndBrokerRestarts) {
  constexpr int kScans = 10000;
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri(), StackOptions{.ack_timeout_ms = 2000});
  stack.start_ledger();
  stack.start_agent();
  {
    bus::BusClient c(stack.bus_endpoint());
    auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", big_pick_task("PICK-E2E", 1000000)}}, 5s);
    ASSERT_TRUE(r && r->value("ok", false));
  }

  // Faults at fixed points of the run: SIGKILL the agent 6 times, restart the broker twice.
  const std::set<int> kill_at{1200, 2600, 4000, 5400, 7000, 8600};
  const std::set<int> broker_restart_at{3300, 6200};
  std::mutex fault_mu;
  int kills = 0;
  int broker_restarts = 0;
  std::vector<int> points;
  for (int p : kill_at) points.push_back(p);
  for (int p : broker_restart_at) points.push_back(p);
  std::sort(points.begin(), points.end());
  std::atomic<int> progress{0};
  std::atomic<bool> done{false};
  std::atomic<int> faults_done{0};
  std::thread chaos([&] {
    for (int p : points) {
      while (!done && progress < p) std::this_thread::sleep_for(1ms);
      if (done) return;
      std::lock_guard lock(fault_mu);
      if (kill_at.count(p) != 0) {
        stack.kill_agent();
        ++kills;
        stack.start_agent();
      } else {
        broker.stop();
        std::this_thread::sleep_for(1500ms);  // scans keep being confirmed offline
        broker.start();
        ++broker_restarts;
      }
      ++faults_done;
    }
  });
  // Faults land while scans are in flight, but the injectors never run more than 200 scans
  // past a fault that has not happened yet: every fault happens before the run ends.
  const auto res = inject_scans(stack.bus_endpoint(), kScans, 4, [&](int n) {
    int cur = progress.load();
    while (n > cur && !progress.compare_exchange_weak(cur, n)) {
    }
    int due = 0;
    for (int p : points) due += n > p + 200 ? 1 : 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (faults_done < due && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  });
  done = true;
  chaos.join();
  ASSERT_GE(kills, 5);
  ASSERT_GE(broker_restarts, 2);
  EXPECT_GT(res.confirmed, kScans * 9 / 10) << "unknown " << res.unknown << " other " << res.other;
  EXPECT_EQ(res.other, 0) << "no scan may be rejected or left unstored here";

  // Drain: the ledger catches up with everything the device stored.
  bus::BusClient client(stack.bus_endpoint());
  std::int64_t device_last = -1;
  const bool drained = eventually(
      [&] {
        auto s = client.request({{"v", 1}, {"op", "status"}}, 3s);
        if (!s) return false;
        device_last = (*s)["outbox"]["exec"].value("last_seq", std::int64_t{-1});
        return (*s)["outbox"]["exec"].value("depth", -1) == 0 && stack.ledger_last_seq("exec") == device_last;
      },
      180s, 500ms);
  ASSERT_TRUE(drained) << "device last seq " << device_last << ", ledger " << stack.ledger_last_seq("exec");

  // Exactly seqs 1..N, each serial at most once, every confirmed scan present once with the
  // id and seq its reply promised.
  const auto events = stack.ledger_events("exec");
  ASSERT_EQ(static_cast<std::int64_t>(events.size()), device_last);
  std::map<std::string, std::pair<std::int64_t, std::string>> in_ledger;  // serial -> seq, id
  for (std::size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].value("seq", 0), static_cast<std::int64_t>(i + 1)) << "gap or reorder at " << i;
    if (i == 0) {  // exec seq 1: the task as the device received it
      ASSERT_EQ(events[i].value("type", ""), "task.received");
      continue;
    }
    ASSERT_EQ(events[i].value("type", ""), "pick.confirmed") << "seq " << i + 1;
    const std::string serial = events[i]["item"].value("serial", "");
    ASSERT_TRUE(in_ledger.emplace(serial, std::pair{events[i].value("seq", std::int64_t{0}), events[i].value("id", "")}).second)
        << "serial applied twice: " << serial;
  }
  int confirmed_found = 0;
  for (const auto& s : res.scans) {
    if (s.outcome != "confirmed") continue;
    auto it = in_ledger.find(s.serial);
    ASSERT_NE(it, in_ledger.end()) << "confirmed scan missing from the ledger: " << s.serial;
    EXPECT_EQ(it->second.first, s.seq) << s.serial;
    EXPECT_EQ(it->second.second, s.id) << s.serial;
    ++confirmed_found;
  }
  EXPECT_EQ(confirmed_found, res.confirmed);
  // Everything in the ledger was either confirmed or had its reply lost to a kill.
  EXPECT_LE(static_cast<int>(events.size()) - 1, res.confirmed + res.unknown);
  std::cout << "scans " << kScans << ": confirmed " << res.confirmed << ", reply lost to a kill " << res.unknown
            << "; agent kills " << kills << ", broker restarts " << broker_restarts << "; ledger exec seqs 1.."
            << events.size() << "\n";
}

}  // namespace
}  // namespace scanedge::testing
