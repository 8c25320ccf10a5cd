// scanedge-demo: the whole product, end to end, on this machine (`make demo`).
//
// It starts a mosquitto broker on a free loopback port, the reference ledger on SQLite, and
// the agent with an emulated serial scanner (umockdev + the real libserialport path). The
// ledger sends a pick task to the device; the "picker" scans good items, a wrong item, an
// over-pick and a damaged label; the broker is stopped mid-run so that events buffer on the
// device; it comes back, the backlog drains, the ledger acks. Everything it started is
// stopped at the end. Exit 0 when the ledger ends with exactly what was confirmed.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "edge/bus/bus_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace {

using namespace std::chrono_literals;
using scanedge::testing::eventually;
using scanedge::testing::Mosquitto;
using scanedge::testing::Process;
using scanedge::testing::run_capture;
using scanedge::testing::TempDir;

const bool kColor = ::isatty(1) != 0;
std::string bold(const std::string& s) { return kColor ? "\033[1m" + s + "\033[0m" : s; }
std::string green(const std::string& s) { return kColor ? "\033[32m" + s + "\033[0m" : s; }
std::string red(const std::string& s) { return kColor ? "\033[31m" + s + "\033[0m" : s; }

void step(int n, const std::string& what) { std::cout << "\n" << bold("[" + std::to_string(n) + "/6] " + what) << "\n"; }

nlohmann::json query_ledger(const std::string& db) {
  auto r = run_capture({LEDGER_BIN, "query", "--db", db}, 10s);
  if (r.status != 0) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

std::int64_t ledger_applied(const nlohmann::json& q, const std::string& stream) {
  for (const auto& d : q.value("devices", nlohmann::json::array())) {
    if (d.value("device", "") == "hh-01" && d.contains("streams") && d["streams"].contains(stream)) {
      return d["streams"][stream].value("last_seq", 0);
    }
  }
  return 0;
}

}  // namespace

int main() {
  std::cout << std::unitbuf;  // interleave correctly with the child processes' output
  TempDir dir;
  std::cout << bold("scanedge demo") << ": broker, ledger and agent on this machine (loopback only), work dir "
            << dir.path() << "\n";

  // 1. Broker
  step(1, "Broker");
  Mosquitto broker;
  broker.start();
  std::cout << "  mosquitto listening on 127.0.0.1:" << broker.port() << "\n";

  // 2. Ledger
  step(2, "Ledger");
  const std::string ledger_db = dir.file("ledger.db");
  Process ledger = Process::spawn({LEDGER_BIN, "run", "--broker", broker.uri(), "--db", ledger_db},
                                  dir.file("ledger.log"));
  std::cout << "  scanedge-ledger applying events into " << ledger_db << "\n";

  // 3. Agent with an emulated serial scanner
  step(3, "Agent with an emulated serial scanner");
  const std::string bus = "ipc://" + dir.file("bus.sock");
  const std::string pub = "ipc://" + dir.file("events.sock");
  {
    std::ofstream cfg(dir.file("scanedged.toml"));
    cfg << "[device]\nsite = \"demo-store\"\nid = \"hh-01\"\n\n"
        << "[storage]\npath = \"" << dir.file("outbox.db") << "\"\n\n"
        << "[mqtt]\nuri = \"" << broker.uri() << "\"\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\n"
        << "ack_timeout_ms = 3000\n\n"
        << "[bus]\nendpoint = \"" << bus << "\"\npub_endpoint = \"" << pub << "\"\n\n"
        << "[profiles]\ndir = \"" << PROFILES_DIR << "\"\n\n"
        << "[[scanner]]\nprofile = \"generic-serial-ascii\"\nport = \"/dev/ttyUSB0\"\n";
  }
  // What the picker scans, as the scanner sends it (umockdev script: ms after the previous
  // line; ^] is the GS byte, ^M^J is CR LF). Phase 1 while online, phase 2 during the outage.
  {
    std::ofstream script(dir.file("scanner.script"));
    script << "r 5000 ]C1010950600013435210ABC123^]21SN0001^M^J\n"  // item A, lot ABC123, serial SN0001
           << "r 700 ]E05901234123457^M^J\n"                         // an item that is not on the task
           << "r 700 ]E04006381333931^M^J\n"                         // item B (EAN-13)
           << "r 8000 ]C1010950600013435210ABC123^]21SN0002^M^J\n"   // item A again (offline)
           << "r 700 ]C1010950600013435210ABC123^]21SN0003^M^J\n"    // one more A than wanted
           << "r 700 ]C10109506000134353^M^J\n";                     // damaged label: bad check digit
  }
  Process agent = Process::spawn({"bash", SERIAL_SCANNER_SCRIPT, dir.file("scanner.script"), "--", SCANEDGED_BIN,
                                  "--config", dir.file("scanedged.toml")},
                                 dir.file("agent.log"), {std::string("SCANEDGE_SHIM=") + SHIM_LIB});
  scanedge::bus::BusClient client(bus);
  nlohmann::json status;
  const bool up = eventually(
      [&] {
        auto r = client.request({{"v", 1}, {"op", "status"}}, 500ms);
        if (!r) return false;
        status = *r;
        return status["broker"].value("connected", false);
      },
      10s, 100ms);
  if (!up) {
    std::cerr << red("the agent did not come up; its log: " + dir.file("agent.log")) << "\n";
    return 1;
  }
  std::cout << "  scanedged: site demo-store, device hh-01, bus " << bus << ", broker connected\n";
  for (const auto& s : status["scanners"]) {
    std::cout << "  scanner " << s.value("id", "") << " (profile " << s.value("profile", "") << "): "
              << s.value("state", "") << "\n";
  }

  // Live view of every decision, from the bus's PUB stream.
  std::atomic<bool> watching{true};
  std::map<std::string, int> reasons;
  std::atomic<int> confirmed{0}, rejected{0};
  std::thread watcher([&] {
    scanedge::bus::BusSubscriber sub(pub, "decision");
    while (watching) {
      auto m = sub.receive(200ms);
      if (!m) continue;
      const auto& d = m->second;
      if (d.value("decision", "") == "confirmed") {
        ++confirmed;
        std::cout << "  " << green("GOOD BEEP") << "  confirmed  task " << d.value("task", "") << " line "
                  << d.value("line", 0) << "  GTIN " << d["item"].value("gtin", "") << "  -> exec seq "
                  << d.value("seq", 0) << " (" << d.value("remaining", 0) << " still wanted)\n";
      } else if (d.value("decision", "") == "rejected") {
        ++rejected;
        reasons[d["reason"].value("code", "")]++;
        std::cout << "  " << red("BAD BEEP ") << "  rejected   " << d["reason"].value("code", "") << ": "
                  << d["reason"].value("message", "") << "  -> telemetry seq " << d.value("seq", 0) << "\n";
      } else {
        std::cout << "  " << red("BAD BEEP ") << "  NOT STORED " << d.dump() << "\n";
      }
    }
  });

  // 4. The ledger sends the pick task to the device.
  step(4, "The ledger sends pick task PICK-1001 to the device; the picker starts scanning");
  {
    std::ofstream t(dir.file("task.json"));
    t << R"({"task_id":"PICK-1001","version":1,"type":"pick","lines":[)"
      << R"({"line":1,"gtin":"09506000134352","qty":2,"location":"A-01-03"},)"
      << R"({"line":2,"gtin":"04006381333931","qty":1,"location":"B-02-01"}]})";
  }
  auto pubres = run_capture({LEDGER_BIN, "publish-task", "--broker", broker.uri(), "--site", "demo-store", "--device",
                             "hh-01", dir.file("task.json")},
                            15s);
  if (pubres.status != 0) {
    std::cerr << red("publishing the task failed") << "\n";
    return 1;
  }
  std::cout << "  task: 2 x 09506000134352 at A-01-03, 1 x 04006381333931 at B-02-01\n";
  // The task itself is an exec event (task.received: the ledger reserves its lines); then two picks.
  eventually([&] { return ledger_applied(query_ledger(ledger_db), "exec") >= 3; }, 30s, 200ms);

  // 5. Outage
  step(5, "Wi-Fi outage: the broker goes away, the picker keeps working");
  broker.stop();
  std::cout << "  broker stopped; scans are confirmed against local storage and wait in the outbox\n";
  std::int64_t buffered = 0;
  eventually(
      [&] {
        auto r = client.request({{"v", 1}, {"op", "status"}}, 500ms);
        if (!r) return false;
        status = *r;
        return status["outbox"]["exec"].value("last_seq", 0) + status["outbox"]["telemetry"].value("last_seq", 0) >= 7;
      },
      40s, 200ms);
  buffered = status["outbox"]["exec"].value("depth", 0) + status["outbox"]["telemetry"].value("depth", 0);
  std::cout << "  buffered on the device while offline: " << buffered << " event(s) (exec "
            << status["outbox"]["exec"].value("depth", 0) << ", telemetry "
            << status["outbox"]["telemetry"].value("depth", 0) << ")\n";

  // 6. Recovery
  step(6, "The broker is back: the backlog drains and the ledger acks");
  broker.start();
  const bool drained = eventually(
      [&] {
        auto r = client.request({{"v", 1}, {"op", "status"}}, 500ms);
        if (!r) return false;
        status = *r;
        return status["outbox"]["exec"].value("depth", -1) == 0 && status["outbox"]["telemetry"].value("depth", -1) == 0;
      },
      60s, 200ms);
  watching = false;
  watcher.join();
  const auto q = query_ledger(ledger_db);
  const std::int64_t exec_seq = status["outbox"]["exec"].value("last_seq", 0);
  const std::int64_t tele_seq = status["outbox"]["telemetry"].value("last_seq", 0);
  const std::int64_t ledger_exec = ledger_applied(q, "exec");
  const std::int64_t ledger_tele = ledger_applied(q, "telemetry");

  std::cout << "\n" << bold("What happened") << "\n";
  std::cout << "  confirmed to the picker (good beep):  " << confirmed << "\n";
  std::cout << "  rejected (bad beep):                  " << rejected;
  std::string sep = "  (";
  for (const auto& [code, n] : reasons) {
    std::cout << sep << code << " " << n;
    sep = ", ";
  }
  std::cout << (reasons.empty() ? "" : ")") << "\n";
  std::cout << "  buffered on the device while offline: " << buffered << "\n";
  std::cout << "  applied by the ledger:                exec seq 1.." << ledger_exec
            << " (the task as received + the picks), telemetry seq 1.." << ledger_tele << "\n";
  std::cout << "  left in the device outbox:            "
            << status["outbox"]["exec"].value("depth", -1) + status["outbox"]["telemetry"].value("depth", -1)
            << " (acked events are deleted only after the ledger's ack)\n";

  agent.stop(10s);
  ledger.stop(10s);
  broker.stop();
  const bool ok = drained && confirmed == 3 && rejected == 3 && ledger_exec == exec_seq && ledger_tele == tele_seq &&
                  ledger_exec == 1 + 3;
  std::cout << "\n" << (ok ? green("OK: the ledger holds exactly what was confirmed, once, in order.")
                           : red("FAILED: see the logs in " + dir.path()))
            << "\n";
  if (!ok) {
    std::cout << "--- agent log ---\n" << std::ifstream(dir.file("agent.log")).rdbuf() << "\n";
    std::cout << "--- ledger log ---\n" << std::ifstream(dir.file("ledger.log")).rdbuf() << "\n";
  }
  return ok ? 0 : 1;
}
