// The command-line contracts of scanedged and scanedgectl, run as processes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/scan_injector.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

// Runs a command with stdout+stderr to a file; returns {exit status, output}.
std::pair<int, std::string> run_all(const TempDir& dir, const std::vector<std::string>& argv) {
  const std::string log = dir.file("run.log");
  std::remove(log.c_str());
  Process p = Process::spawn(argv, log);
  auto st = p.wait(30s);
  return {st.value_or(-1), read_text_file(log)};
}

TEST(ScanedgedCli, BadConfigExitsTwoWithFileLineAndReason) {
  TempDir dir;
  const std::string cfg = dir.file("bad.toml");
  std::ofstream(cfg) << "[device]\nsite = \"s\"\nid = \"d\"\n\n[mqtt]\nkeepalive_s = \"often\"\n";
  auto [status, out] = run_all(dir, {EdgeStack::agent_bin(), "--config", cfg});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find(cfg + ":6: mqtt.keepalive_s: expected an integer"), std::string::npos) << out;

  std::ofstream(cfg, std::ios::trunc) << "[device]\nsite = \"s\"\nid = \"d\"\n[storage]\npath = \"" << dir.file("o.db")
                                      << "\"\n[bus]\nendpoint = \"ipc://" << dir.file("b.sock")
                                      << "\"\npub_endpoint = \"ipc://" << dir.file("p.sock")
                                      << "\"\n[profiles]\ndir = \"" << dir.path()
                                      << "\"\n[[scanner]]\nprofile = \"no-such-scanner\"\nport = \"/dev/ttyUSB9\"\n";
  std::tie(status, out) = run_all(dir, {EdgeStack::agent_bin(), "--config", cfg});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("no-such-scanner"), std::string::npos) << out;

  std::tie(status, out) = run_all(dir, {EdgeStack::agent_bin(), "--config", dir.file("missing.toml")});
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find(dir.file("missing.toml") + ":1:"), std::string::npos) << out;
}

TEST(ScanedgectlCli, DecodeJsonContractAndExitCodes) {
  auto ok = run_capture({EdgeStack::ctl_bin(), "decode", "--json", "]C10109506000134352\x1d" "10ABC123"});
  ASSERT_EQ(ok.status, 0);
  auto j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["aim"], "]C1");
  EXPECT_EQ(j["symbology"], "gs1-128");
  EXPECT_EQ(j["kind"], "gs1");
  EXPECT_EQ(j["identity"]["gtin"], "09506000134352");
  EXPECT_EQ(j["identity"]["lot"], "ABC123");
  EXPECT_EQ(j["digital_link"], "https://id.gs1.org/01/09506000134352/10/ABC123");

  auto bad = run_capture({EdgeStack::ctl_bin(), "decode", "--json", "]C10109506000134353"});
  ASSERT_EQ(bad.status, 1);
  auto e = nlohmann::json::parse(bad.out);
  EXPECT_EQ(e["ok"], false);
  EXPECT_EQ(e["error"]["code"], "bad_check_digit");
  EXPECT_TRUE(e["error"]["offset"].is_number_integer());
}

TEST(ScanedgectlCli, DecodeEpcContract) {
  auto ok = run_capture({EdgeStack::ctl_bin(), "decode", "--json", "--epc", "3074257BF7194E4000001A85"});
  ASSERT_EQ(ok.status, 0) << ok.out;
  auto j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["kind"], "epc");
  EXPECT_EQ(j["scheme"], "sgtin-96");
  EXPECT_EQ(j["filter"], 3);
  EXPECT_EQ(j["uri"], "urn:epc:id:sgtin:0614141.812345.6789");
  EXPECT_EQ(j["tag_uri"], "urn:epc:tag:sgtin-96:3.0614141.812345.6789");
  EXPECT_EQ(j["identity"]["gtin"], "80614141123458");
  EXPECT_EQ(j["identity"]["serial"], "6789");

  auto bad = run_capture({EdgeStack::ctl_bin(), "decode", "--json", "--epc", "FF74257BF7194E4000001A85"});
  ASSERT_EQ(bad.status, 1);
  EXPECT_EQ(nlohmann::json::parse(bad.out)["error"]["code"], "bad_epc");

  auto usage = run_capture({EdgeStack::ctl_bin(), "decode", "--json"});
  EXPECT_EQ(usage.status, 2) << "neither DATA nor --epc is a usage error";
}

TEST(ScanedgectlCli, ProfilesCheckValidatesTheShippedSetAndNamesFileLineColumnOfProblems) {
  auto all = run_capture({EdgeStack::ctl_bin(), "--profiles", SCANEDGE_PROFILES_DIR, "profiles", "check"});
  EXPECT_EQ(all.status, 0) << all.out;
  EXPECT_NE(all.out.find("ok   " + std::string(SCANEDGE_PROFILES_DIR) + "/zebra-ds2208.toml (driver hid-keyboard"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find(" profile(s) checked, 0 invalid"), std::string::npos) << all.out;

  TempDir dir;
  const std::string bad = dir.file("bad.toml");
  std::ofstream(bad) << "driver = \"hid-keyboard\"\n[keyboard]\nlayout = \"dvorak\"\n[feedback]\ngood = \"hex:07\"\n";
  auto r = run_capture({EdgeStack::ctl_bin(), "profiles", "check", bad,
                        std::string(SCANEDGE_PROFILES_DIR) + "/generic-serial-ascii.toml"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find(bad + ":3:10: 'keyboard.layout' = \"dvorak\" is not one of: us, de, fr, uk, it"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no command channel"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 profile(s) checked, 1 invalid"), std::string::npos) << r.out;

  auto empty = run_capture({EdgeStack::ctl_bin(), "--profiles", dir.file("none"), "profiles", "check"});
  EXPECT_EQ(empty.status, 1);
}

TEST(ScanedgectlCli, DevicesListsWhatIsAttachedAndSaysTheAgentIsNotRunning) {
  TempDir dir;
  auto r = run_capture({EdgeStack::ctl_bin(), "--profiles", SCANEDGE_PROFILES_DIR, "--bus",
                        "ipc://" + dir.file("none.sock"), "--timeout", "300", "devices", "--json"});
  ASSERT_EQ(r.status, 0) << r.out;
  auto rows = nlohmann::json::parse(r.out);  // whatever this machine has attached, it is a JSON array
  ASSERT_TRUE(rows.is_array());
  for (const auto& row : rows) {
    EXPECT_TRUE(row.contains("identity") && row.contains("state") && row.contains("profile")) << row.dump();
    EXPECT_NE(row["state"], "in_service") << "no agent runs: nothing can be in service";
  }
}

TEST(ScanedgectlCli, UnreachableAgentExitsThree) {
  TempDir dir;
  auto r = run_capture({EdgeStack::ctl_bin(), "--bus", "ipc://" + dir.file("none.sock"), "--timeout", "300", "status"});
  EXPECT_EQ(r.status, 3);
}

TEST(ScanedgectlCli, StatusScanAndTaskAgainstARunningAgent) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri());
  stack.start_agent();
  const std::string bus = stack.bus_endpoint();
  const std::string task = dir.file("task.json");
  std::ofstream(task) << big_pick_task("PICK-CLI", 1).dump();

  auto put = run_capture({EdgeStack::ctl_bin(), "--bus", bus, "task", "put", task});
  ASSERT_EQ(put.status, 0) << put.out;
  EXPECT_EQ(nlohmann::json::parse(put.out)["outcome"], "added");

  auto good = run_capture({EdgeStack::ctl_bin(), "--bus", bus, "scan", serial_scan("CLI1")});
  ASSERT_EQ(good.status, 0) << good.out;
  auto g = nlohmann::json::parse(good.out);
  EXPECT_EQ(g["decision"], "confirmed");
  EXPECT_EQ(g["seq"], 2) << "exec seq 1 is the task itself (task.received)";

  auto over = run_capture({EdgeStack::ctl_bin(), "--bus", bus, "scan", serial_scan("CLI2")});
  EXPECT_EQ(over.status, 1) << over.out;
  EXPECT_EQ(nlohmann::json::parse(over.out)["reason"]["code"], "over_pick");

  auto st = run_capture({EdgeStack::ctl_bin(), "--bus", bus, "status"});
  ASSERT_EQ(st.status, 0);
  auto s = nlohmann::json::parse(st.out);
  EXPECT_EQ(s["outbox"]["exec"]["last_seq"], 2);
  EXPECT_EQ(s["outbox"]["telemetry"]["last_seq"], 1);
  EXPECT_EQ(s["counters"]["confirmed"], 1);
  EXPECT_EQ(s["counters"]["rejected"], 1);
  EXPECT_EQ(s["device"], "dev-1");
  EXPECT_TRUE(s["broker"].contains("connected"));
  EXPECT_EQ(stack.stop_agent(), 0) << "SIGTERM is a clean stop";
}

// The staff commands of the work model: each sends its bus action and says by its exit
// status whether the agent did it (0), refused it (1, the reply names why) or could not be
// reached (3).
TEST(ScanedgectlCli, TaskLoginExceptionAndInspectCommands) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri());
  stack.start_agent();
  const std::string bus = stack.bus_endpoint();
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {EdgeStack::ctl_bin(), "--bus", bus});
    return run_capture(args);
  };
  const std::string task = dir.file("pick.json");
  std::ofstream(task) << R"({"task_id":"PICK-STAFF","version":1,"type":"pick","channel":"web",
    "lines":[{"line":1,"gtin":"09506000134352","qty":1},{"line":2,"gtin":"04006381333931","qty":2}]})";
  ASSERT_EQ(ctl({"task", "put", task}).status, 0);

  auto list = ctl({"task", "list"});
  ASSERT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("PICK-STAFF"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("released"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("0/3"), std::string::npos) << list.out;

  auto login = ctl({"login", "BADGE:op-5"});
  ASSERT_EQ(login.status, 0) << login.out;
  EXPECT_EQ(nlohmann::json::parse(login.out)["type"], "operator.login");

  ASSERT_EQ(ctl({"task", "start", "PICK-STAFF"}).status, 0);
  ASSERT_EQ(ctl({"scan", "]C10109506000134352"}).status, 0);
  auto shortage = ctl({"exception", "short", "--task", "PICK-STAFF", "--line", "2"});
  ASSERT_EQ(shortage.status, 0) << shortage.out;
  const auto sj = nlohmann::json::parse(shortage.out);
  EXPECT_EQ(sj["type"], "pick.short");
  EXPECT_EQ(sj["stream"], "exec");

  auto listed = ctl({"task", "list", "--json"});
  ASSERT_EQ(listed.status, 0);
  const auto tasks = nlohmann::json::parse(listed.out);
  ASSERT_EQ(tasks.size(), 1u) << listed.out;
  EXPECT_EQ(tasks[0]["state"], "short") << "line 1 picked, line 2 short: the task is finished short";

  auto unknown = ctl({"task", "start", "NOPE"});
  EXPECT_EQ(unknown.status, 1) << unknown.out;
  EXPECT_EQ(nlohmann::json::parse(unknown.out)["error"]["code"], "unknown_task");
  auto wrong = ctl({"inspect", "--task", "PICK-STAFF", "--line", "1", "--disposition", "restock"});
  EXPECT_EQ(wrong.status, 1) << "a pick task has nothing to inspect: " << wrong.out;
  EXPECT_EQ(ctl({"inspect", "--task", "X", "--line", "1", "--disposition", "sell"}).status, 2) << "not a disposition";
  EXPECT_EQ(ctl({"exception", "damage"}).status, 2) << "damage needs --data or --gtin";
  ASSERT_EQ(ctl({"logout"}).status, 0);

  // Every event after the login carries the operator.
  auto st = nlohmann::json::parse(ctl({"status"}).out);
  EXPECT_TRUE(st["operator"].is_null()) << st.dump();
  stack.stop_agent();
  EXPECT_EQ(ctl({"task", "list"}).status, 3) << "the agent is gone";
}

}  // namespace
}  // namespace scanedge::testing
