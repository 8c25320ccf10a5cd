// Chaos: scans injected on the bus while the agent, mosquitto and the ledger are each killed
// with SIGKILL many times at random (seeded) moments, alone or together, and restarted after
// a random time down. At the end everything drains and the ledger must hold, per stream of
// the device, exactly seqs 1..N (N the device's last seq), none applied twice, every scan
// whose reply said stored at the seq and id the reply promised.
//
// The e2e_chaos executable holds the run of `make test` (100,000 scans, a fault every
// 300..1200 scans); e2e_soak_chaos (the same file built with SCANEDGE_SOAK_BUILD, ctest label
// "soak") a run with four times the faults, which runs only with SCANEDGE_SOAK=1.
// SCANEDGE_CHAOS_SEED=N repeats a run's fault schedule (the scans' timing still varies);
// SCANEDGE_CHAOS_SCANS=N changes the number of scans, SCANEDGE_CHAOS_EVERY_MIN/MAX the number
// of scans between two faults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <numeric>
#include <random>

#include "edge/bus/bus_client.h"
#include "tests/e2e/fault_support.h"
#include "tests/support/mosquitto.h"

namespace scanedge::testing::faults {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct ChaosPlan {
  int scans = 100000;
  int clients = 4;
  int every_min = 300;  // scans between two faults: uniform in [every_min, every_max]
  int every_max = 1200;
  std::chrono::milliseconds jitter_max{300};  // then a random delay: the fault lands mid-flight
  std::chrono::milliseconds down_max{1000};   // how long a killed process stays down
};

std::uint64_t chaos_seed() {
  if (const char* s = std::getenv("SCANEDGE_CHAOS_SEED"); s != nullptr && *s != '\0') return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

int env_int(const char* name, int fallback) {
  const char* s = std::getenv(name);
  return s != nullptr && *s != '\0' ? std::atoi(s) : fallback;
}

constexpr int kUnitsPerTask = 200;

void run_chaos(ChaosPlan plan) {
  plan.scans = env_int("SCANEDGE_CHAOS_SCANS", plan.scans);
  plan.every_min = env_int("SCANEDGE_CHAOS_EVERY_MIN", plan.every_min);
  plan.every_max = std::max(plan.every_min, env_int("SCANEDGE_CHAOS_EVERY_MAX", plan.every_max));
  const std::uint64_t seed = chaos_seed();
  std::cout << "chaos: seed " << seed << " (SCANEDGE_CHAOS_SEED=" << seed << " repeats the fault schedule), "
            << plan.scans << " scans from " << plan.clients << " clients" << std::endl;

  TempDir dir;
  Mosquitto broker;
  broker.start();
  LedgerProcess ledger(dir.file("ledger.db"), dir.file("ledger.log"), broker.uri());
  ledger.start();
  AgentSpec spec;
  spec.mqtt_uri = broker.uri();
  AgentProcess agent(dir, spec);
  agent.start();
  // Pick tasks of 200 units, walked through in order: tasks complete and the next one starts
  // while processes die. (One task of 100,000 units would measure something else: the agent
  // rewrites a task's whole state, every picked unit, in each commit.)
  const int tasks = plan.scans / kUnitsPerTask + 2;
  ASSERT_TRUE(load_pick_tasks(agent, "PICK-CHAOS", tasks, kUnitsPerTask));

  FeedOptions fo;
  fo.bus_endpoint = agent.bus_endpoint();
  fo.clients = plan.clients;
  fo.limit = plan.scans;
  fo.other_every = 20;  // 5% wrong items: scan.rejected on the telemetry stream
  fo.timeout = 1s;      // a reply lost to a kill stalls its client this long
  ScanFeed feed(fo);

  std::atomic<bool> done{false};
  std::map<std::string, int> kills;  // per process
  std::map<std::string, int> fault_kinds;
  std::vector<std::string> died_alone;
  std::string restart_failure;
  std::thread chaos([&] {
    std::mt19937_64 rng(seed);
    auto pick_ms = [&](std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
      return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(lo.count(), hi.count())(rng));
    };
    auto sleep_unless_done = [&](std::chrono::milliseconds d) {
      const auto end = Clock::now() + d;
      while (!done && Clock::now() < end) std::this_thread::sleep_for(5ms);
    };
    // Fault kinds: one process, or several at the same moment.
    const std::vector<std::vector<std::string>> kinds{{"agent"},  {"agent"},           {"agent"},  {"mosquitto"},
                                                      {"mosquitto"}, {"ledger"},       {"ledger"}, {"agent", "ledger"},
                                                      {"agent", "mosquitto"}, {"agent", "mosquitto", "ledger"}};
    auto pick_n = [&] { return std::uniform_int_distribution<int>(plan.every_min, plan.every_max)(rng); };
    int next_at = pick_n();
    auto last_report = Clock::now();
    while (!done) {
      while (!done && feed.attempted() < next_at) {
        std::this_thread::sleep_for(5ms);
        if (Clock::now() - last_report > 15s) {
          last_report = Clock::now();
          std::cout << "chaos: " << feed.attempted() << " scans, " << std::accumulate(fault_kinds.begin(), fault_kinds.end(), 0, [](int a, const auto& kv) { return a + kv.second; })
                    << " faults so far" << std::endl;
        }
      }
      sleep_unless_done(pick_ms(0ms, plan.jitter_max));
      if (done) return;
      next_at += pick_n();  // from the previous fault's point: the count of faults is the plan's
      if (!agent.alive()) died_alone.push_back("agent");
      if (!broker.running()) died_alone.push_back("mosquitto");
      if (!ledger.alive()) died_alone.push_back("ledger");
      const auto& kind = kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(rng)];
      std::string name;
      for (const auto& k : kind) {
        if (k == "agent") agent.kill();
        if (k == "mosquitto") broker.kill();
        if (k == "ledger") ledger.kill();
        ++kills[k];
        name += (name.empty() ? "" : "+") + k;
      }
      ++fault_kinds[name];
      std::this_thread::sleep_for(pick_ms(0ms, plan.down_max));
      try {
        for (const auto& k : kind) {
          if (k == "mosquitto") broker.start();
        }
        for (const auto& k : kind) {
          if (k == "ledger") ledger.start();
          if (k == "agent") agent.start();
        }
      } catch (const std::exception& e) {
        restart_failure = e.what();
        feed.cancel();
        return;
      }
    }
  });

  const auto t0 = Clock::now();
  feed.start();
  feed.wait();
  const double inject_s = seconds_since(t0);
  done = true;
  chaos.join();
  ASSERT_TRUE(restart_failure.empty()) << "a restart failed: " << restart_failure;
  EXPECT_TRUE(died_alone.empty()) << "a process died without being killed: " << died_alone.front()
                                  << "\nagent log tail:\n" << agent.log_tail();
  int faults = 0;
  for (const auto& [k, n] : fault_kinds) faults += n;
  EXPECT_GE(faults, plan.scans / plan.every_max) << "too few faults for a meaningful run";

  const auto d0 = Clock::now();
  auto last = wait_drained(agent, ledger.db(), 300s);
  const double drain_s = seconds_since(d0);
  ASSERT_TRUE(last) << "no drain within 300 s; agent log tail:\n" << agent.log_tail();

  const auto records = feed.records();
  const Audit audit = audit_ledger(ledger.db(), spec.site, spec.device, *last, records, tasks);
  for (const auto& p : audit.problems) ADD_FAILURE() << p;

  const int confirmed = feed.count("confirmed");
  const int rejected = feed.count("rejected");
  const int unknown = feed.count("unknown");
  const int not_stored = feed.count("not_stored");
  EXPECT_EQ(not_stored, 0) << "no scan may be refused storage here";
  EXPECT_GT(confirmed + rejected, plan.scans * 8 / 10) << "most scans must be stored despite the faults";
  std::cout << "chaos: seed " << seed << ": " << plan.scans << " scans in " << inject_s << " s ("
            << static_cast<int>(plan.scans / inject_s) << "/s): " << confirmed << " confirmed, " << rejected
            << " rejected (wrong item, telemetry), " << unknown << " reply lost to a kill, " << not_stored
            << " not stored\nchaos: " << faults << " faults:";
  for (const auto& [k, n] : fault_kinds) std::cout << " " << k << " x" << n;
  std::cout << "; SIGKILLs: agent " << kills["agent"] << ", mosquitto " << kills["mosquitto"] << ", ledger "
            << kills["ledger"] << "\nchaos: drain after the last fault " << drain_s << " s; ledger: " << audit.summary()
            << std::endl;
}

#ifndef SCANEDGE_SOAK_BUILD

// About 3.5 minutes on the 2-core development machine: 100,000 scans, ~130 faults.
TEST(Chaos, HundredThousandScansWhileAgentBrokerAndLedgerAreKilledAtRandom) {
  ChaosPlan plan;
  plan.scans = 100000;
  run_chaos(plan);
}

#else

// Four times the fault density: a kill every 100..400 scans (~400 faults).
TEST(Soak, ChaosHundredThousandScansWithAKillEveryFewHundredScans) {
  if (std::getenv("SCANEDGE_SOAK") == nullptr || std::string(std::getenv("SCANEDGE_SOAK")) != "1") {
    GTEST_SKIP() << "soak run: set SCANEDGE_SOAK=1 (ctest -L soak) to run the dense-fault chaos";
  }
  ChaosPlan plan;
  plan.scans = 100000;
  plan.every_min = 100;
  plan.every_max = 400;
  run_chaos(plan);
}

#endif

}  // namespace
}  // namespace scanedge::testing::faults
