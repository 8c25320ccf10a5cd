// scanedged under a stand-in for systemd (Type=notify, WatchdogSec=): the test binds the
// NOTIFY_SOCKET, starts the real agent with WATCHDOG_USEC and WATCHDOG_PID (= the agent's
// own pid, through an exec wrapper), and checks what systemd would see:
//   READY=1 only once the local bus answers; STATUS= lines following the broker and the
//   backlog; WATCHDOG=1 pings every ~0.5 s, all from the main pid (NotifyAccess=main);
//   NO pings while the pipeline is stuck in a commit, although the main loop still runs
//   (its STATUS= changes keep coming); pings again once the commit goes through; STOPPING=1
//   and exit 0 on SIGTERM.
// The stall is a real one: another process (this test) holds the outbox database's write
// lock (BEGIN IMMEDIATE), so the pipeline's commit waits in SQLite's busy handler.
// scanedge-ledger likewise: its apply worker stuck on the ledger database's lock.
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "edge/bus/bus_client.h"
#include "tests/integration/systemd/notify_listener.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/scan_injector.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto kNever = Clock::time_point::max();

// The agent's config: bus sockets, outbox and log in `dir`, the given broker, no hardware.
std::string write_agent_config(const TempDir& dir, const std::string& broker_uri) {
  const std::string path = dir.file("scanedged.toml");
  std::ofstream cfg(path);
  cfg << "[device]\nsite = \"site-1\"\nid = \"dev-1\"\n\n"
      << "[storage]\npath = \"" << dir.file("outbox.db") << "\"\n\n"
      << "[mqtt]\nuri = \"" << broker_uri << "\"\nreconnect_min_ms = 50\nreconnect_max_ms = 200\n\n"
      << "[bus]\nendpoint = \"ipc://" << dir.file("bus.sock") << "\"\npub_endpoint = \"ipc://"
      << dir.file("events.sock") << "\"\n\n"
      << "[profiles]\ndir = \"" << SCANEDGE_PROFILES_DIR << "\"\nautodetect = false\n\n"
      << "[log]\nlevel = \"info\"\n";
  return path;
}

// Starts `argv` so that WATCHDOG_PID is the pid of the process itself (systemd sets it to
// the main pid): a shell exports its own pid, then execs the program in its place.
Process spawn_as_watched(const std::vector<std::string>& argv, const std::string& log, const std::string& notify_socket,
                         std::chrono::microseconds watchdog) {
  std::vector<std::string> args = {"/bin/sh", "-c", "WATCHDOG_PID=$$; export WATCHDOG_PID; exec \"$0\" \"$@\""};
  args.insert(args.end(), argv.begin(), argv.end());
  return Process::spawn(args, log,
                        {"NOTIFY_SOCKET=" + notify_socket, "WATCHDOG_USEC=" + std::to_string(watchdog.count())});
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(AgentUnderSystemd, ReadyStatusWatchdogAndNoPingsWhileThePipelineIsStuck) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  NotifyListener notify(dir.file("notify.sock"));
  const std::string config = write_agent_config(dir, broker.uri());
  const std::string log = dir.file("agent.log");
  // WatchdogSec=1s: the agent pings while no commit has been running for 0.5 s or more.
  Process agent = spawn_as_watched({EdgeStack::agent_bin(), "--config", config}, log, notify.path(), 1s);
  const pid_t pid = agent.pid();

  const auto ready = notify.wait_for("READY=1", 20s);
  ASSERT_NE(ready, kNever) << "no READY=1; agent log:\n" << read_text_file(log);
  // READY means the bus is bound: a client gets an answer right away.
  bus::BusClient client("ipc://" + dir.file("bus.sock"));
  auto st = client.request({{"v", 1}, {"op", "status"}}, 2s);
  ASSERT_TRUE(st) << st.error().message;

  ASSERT_NE(notify.wait_for("STATUS=online, backlog 0", 15s), kNever) << "agent log:\n" << read_text_file(log);
  // Healthy: pings about every 0.5 s.
  std::this_thread::sleep_for(2s);
  const auto now0 = Clock::now();
  EXPECT_GE(notify.count("WATCHDOG=1", now0 - 2s, now0), 3);

  // Stall the pipeline: hold the outbox's write lock from another process (this one).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.file("outbox.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 3000);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  const auto t0 = Clock::now();
  // A scan now waits in the pipeline's commit (SQLite busy handler, up to 5 s).
  auto reply = std::async(std::launch::async, [&] {
    bus::BusClient c("ipc://" + dir.file("bus.sock"));
    return c.request({{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan("WD0001")}}, 15s);
  });
  // While it is stuck, the broker goes away: the main loop must still report it.
  std::this_thread::sleep_for(1200ms);
  broker.stop();
  const auto offline = notify.wait_for("STATUS=offline, backlog 0", 2500ms, t0);
  const auto hold_until = t0 + 3500ms;
  std::this_thread::sleep_until(hold_until);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  const auto t1 = Clock::now();

  // From 1 s after the stall began (the 0.5 s limit plus one 0.5 s tick) until the lock
  // went away: not a single ping, yet the main loop ran (the STATUS change came).
  EXPECT_EQ(notify.count("WATCHDOG=1", t0 + 1s, t1), 0) << "pings during a " << seconds(t1 - t0) << " s stall";
  EXPECT_NE(offline, kNever) << "no STATUS=offline while the pipeline was stuck: the main loop stalled too";
  EXPECT_LT(offline, t1);

  // The commit goes through once the lock is gone; pings and the backlog follow.
  ASSERT_EQ(reply.wait_for(10s), std::future_status::ready);
  auto r = reply.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->dump().find("rejected"), std::string::npos) << r->dump();  // no task: scan.rejected, stored
  EXPECT_NE(notify.wait_for("WATCHDOG=1", 2s, t1), kNever) << "pings did not resume after the stall";
  EXPECT_NE(notify.wait_for("STATUS=offline, backlog 1", 5s, t1), kNever);

  // Clean stop.
  agent.signal(SIGTERM);
  const auto code = agent.wait(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_NE(notify.wait_for("STOPPING=1", 1s, t1), kNever);

  // systemd (NotifyAccess=main) ignores notifications from any other pid.
  for (const Notification& n : notify.all()) EXPECT_EQ(n.pid, pid) << n.line;
}

TEST(AgentUnderSystemd, NoWatchdogPingsWhenTheWatchdogIsForAnotherProcess) {
  // WATCHDOG_PID names another process (a child that inherited the variables): the agent
  // must not ping (sd_watchdog_enabled), but still reports READY and STATUS.
  TempDir dir;
  NotifyListener notify(dir.file("notify.sock"));
  const std::string config = write_agent_config(dir, "tcp://127.0.0.1:" + std::to_string(free_tcp_port()));
  Process agent = Process::spawn({EdgeStack::agent_bin(), "--config", config}, dir.file("agent.log"),
                                 {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=1000000", "WATCHDOG_PID=1"});
  ASSERT_NE(notify.wait_for("READY=1", 20s), kNever) << read_text_file(dir.file("agent.log"));
  ASSERT_NE(notify.wait_for("STATUS=offline, backlog 0", 5s), kNever);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(notify.count("WATCHDOG=1", Clock::time_point{}, kNever), 0);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(15s).value_or(-1), 0);
}

TEST(LedgerUnderSystemd, ReadyStatusWatchdogAndNoPingsWhileTheApplyWorkerIsStuck) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  NotifyListener notify(dir.file("notify.sock"));
  const std::string ledger_db = dir.file("ledger.db");
  const std::string ledger_log = dir.file("ledger.log");
  Process ledger = spawn_as_watched({EdgeStack::ledger_bin(), "run", "--broker", broker.uri(), "--db", ledger_db},
                                    ledger_log, notify.path(), 1s);
  const pid_t pid = ledger.pid();
  ASSERT_NE(notify.wait_for("READY=1", 20s), kNever) << "ledger log:\n" << read_text_file(ledger_log);
  ASSERT_NE(notify.wait_for("STATUS=online, 0 batches, 0 events applied, 0 rejected", 15s), kNever)
      << "ledger log:\n" << read_text_file(ledger_log);

  // A device whose batches the ledger applies.
  TempDir agent_dir;
  Process agent = Process::spawn({EdgeStack::agent_bin(), "--config", write_agent_config(agent_dir, broker.uri())},
                                 agent_dir.file("agent.log"));
  bus::BusClient client("ipc://" + agent_dir.file("bus.sock"));
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(client.request({{"v", 1}, {"op", "status"}}, 300ms)); }, 20s))
      << read_text_file(agent_dir.file("agent.log"));
  std::this_thread::sleep_for(2s);
  const auto now0 = Clock::now();
  EXPECT_GE(notify.count("WATCHDOG=1", now0 - 2s, now0), 3);

  // Stall the apply worker: hold the ledger database's write lock, then let a batch arrive.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(ledger_db.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 3000);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  const auto t0 = Clock::now();
  auto r = client.request({{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan("WD0002")}}, 10s);
  ASSERT_TRUE(r) << r.error().message;  // stored on the device; the batch goes to the ledger
  std::this_thread::sleep_for(1500ms);
  broker.stop();  // the main loop must still report this while the worker is stuck
  const auto offline = notify.wait_for("STATUS=offline, ", 2000ms, t0, true);
  std::this_thread::sleep_until(t0 + 3500ms);
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  const auto t1 = Clock::now();

  // The batch reached the ledger at once (loopback); 0.5 s limit + 0.5 s tick later the
  // pings stopped until the lock went away.
  EXPECT_EQ(notify.count("WATCHDOG=1", t0 + 1500ms, t1), 0) << "pings during a " << seconds(t1 - t0) << " s stall";
  EXPECT_NE(offline, kNever) << "no STATUS=offline while the worker was stuck: the main loop stalled too";
  EXPECT_NE(notify.wait_for("WATCHDOG=1", 2s, t1), kNever) << "pings did not resume after the stall";
  // The batch was applied once the lock was free.
  EXPECT_NE(notify.wait_for("STATUS=offline, 1 batches, 1 events applied, 0 rejected", 5s, t1), kNever)
      << "ledger log:\n" << read_text_file(ledger_log);

  ledger.signal(SIGTERM);
  EXPECT_EQ(ledger.wait(15s).value_or(-1), 0);
  EXPECT_NE(notify.wait_for("STOPPING=1", 1s, t1), kNever);
  for (const Notification& n : notify.all()) EXPECT_EQ(n.pid, pid) << n.line;
}

}  // namespace
}  // namespace scanedge::testing
