// Agent + ledger + a real mosquitto: scans injected on the bus reach the ledger once, in
// order; bad input of every kind leaves stored state alone and crashes nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>
#include <set>

#include "edge/bus/bus_client.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/scan_injector.h"

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

struct AgentLedger : ::testing::Test {
  TempDir dir;
  Mosquitto broker;
  std::unique_ptr<EdgeStack> stack;
  void SetUp() override {
    broker.start();
    stack = std::make_unique<EdgeStack>(dir, broker.uri());
    stack->start_ledger();
    stack->start_agent();
  }
  nlohmann::json status() {
    bus::BusClient c(stack->bus_endpoint());
    auto r = c.request({{"v", 1}, {"op", "status"}}, 3s);
    return r ? *r : nlohmann::json::object();
  }
  void put_task(const nlohmann::json& task) {
    bus::BusClient c(stack->bus_endpoint());
    auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", task}}, 5s);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->value("ok", false)) << r->dump();
  }
  bool drained(std::int64_t exec_seq, std::chrono::seconds timeout) {
    return eventually(
        [&] {
          auto s = status();
          return s.contains("outbox") && s["outbox"]["exec"].value("depth", -1) == 0 &&
                 stack->ledger_last_seq("exec") == exec_seq;
        },
        timeout, 200ms);
  }
};

TEST_F(AgentLedger, ThousandInjectedScansArriveOnceAndInOrder) {
  put_task(big_pick_task("PICK-INT", 1000000));
  const auto res = inject_scans(stack->bus_endpoint(), 1000, 4);
  ASSERT_EQ(res.confirmed, 1000);
  // exec seq 1 is the task itself (task.received: the ledger reserves its lines).
  ASSERT_TRUE(drained(1001, 60s)) << "ledger exec last_seq " << stack->ledger_last_seq("exec");

  auto events = stack->ledger_events("exec");
  ASSERT_EQ(events.size(), 1001u);
  EXPECT_EQ(events.front().value("type", ""), "task.received");
  EXPECT_EQ(events.front().value("task", ""), "PICK-INT");
  events.erase(events.begin());
  std::map<std::int64_t, InjectedScan> by_seq;
  for (const auto& s : res.scans) by_seq[s.seq] = s;
  std::set<std::string> serials;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ASSERT_EQ(e.value("seq", 0), static_cast<std::int64_t>(i + 2));
    const auto& s = by_seq.at(e.value("seq", 0));
    EXPECT_EQ(e.value("id", ""), s.id) << "seq " << i + 1;
    EXPECT_EQ(e["item"].value("serial", ""), s.serial);
    EXPECT_TRUE(serials.insert(s.serial).second) << "applied twice: " << s.serial;
  }
  // Per client, confirmations got increasing seqs in the order the client scanned.
  std::map<int, std::int64_t> last;
  for (const auto& s : res.scans) {
    EXPECT_GT(s.seq, last[s.client]);
    last[s.client] = s.seq;
  }
}

TEST_F(AgentLedger, BadInputIsRejectedNeverFatalAndChangesNothing) {
  put_task(big_pick_task("PICK-BAD", 10));  // exec seq 1: task.received
  ASSERT_EQ(inject_scans(stack->bus_endpoint(), 3, 1).confirmed, 3);
  ASSERT_TRUE(drained(4, 30s));
  const auto before = status();

  // Bus: not JSON, not an object, unknown op, wrong types, oversized.
  bus::BusClient c(stack->bus_endpoint());
  for (const std::string& bad : std::vector<std::string>{"not json", "[1,2]", R"({"v":1,"op":"launch"})", R"({"v":1,"op":"scan.inject"})",
                                R"({"v":1,"op":"scan.inject","data":42})", R"({"v":2,"op":"status"})",
                                R"({"v":1,"op":"task.put","task":{"task_id":"X"}})",
                                std::string(200000, '{')}) {
    auto r = c.request_raw(bad, 5s);
    ASSERT_TRUE(r) << "no reply to: " << bad.substr(0, 40);
    EXPECT_FALSE(r->value("ok", true)) << r->dump();
    EXPECT_TRUE((*r)["error"]["code"].is_string());
    EXPECT_FALSE((*r)["error"].value("message", "").empty());
  }
  // MQTT: nonsense acks, acks beyond what was sent, foreign topics, garbage tasks, a huge
  // payload, all straight to the device's topics.
  const std::string root = "scanedge/v1/site-1/dev-1/";
  const std::vector<std::pair<std::string, std::string>> junk{
      {root + "ack/exec", "garbage"},
      {root + "ack/exec", R"({"v":1,"stream":"exec","acked_through":999999})"},
      {root + "ack/exec", R"({"v":1,"stream":"exec","acked_through":-5})"},
      {root + "ack/exec", R"({"v":1,"stream":"telemetry","acked_through":1})"},
      {root + "ack/nonsense", R"({"v":1})"},
      {root + "tasks", "{not json"},
      {root + "tasks", R"({"task_id":"T","version":"one"})"},
      {root + "config", R"({"x":1})"},
      {"scanedge/v1/site-1/dev-2/ack/exec", R"({"v":1,"stream":"exec","acked_through":1})"},
      {root + "tasks", std::string(3 * 1024 * 1024, 'x')},
  };
  for (const auto& [topic, payload] : junk) {
    const std::string file = dir.file("payload");
    std::ofstream(file, std::ios::binary | std::ios::trunc) << payload;
    const auto r = run_capture({"mosquitto_pub", "-p", std::to_string(broker.port()), "-h", "127.0.0.1", "-q", "1",
                                "-t", topic, "-f", file},
                               10s);
    ASSERT_EQ(r.status, 0) << topic;
  }
  std::this_thread::sleep_for(1s);
  const auto after = status();
  ASSERT_TRUE(after.value("ok", false)) << "the agent must still answer";
  EXPECT_EQ(after["outbox"], before["outbox"]);
  EXPECT_EQ(after["tasks"], before["tasks"]);
  EXPECT_EQ(stack->ledger_last_seq("exec"), 4);
  // And it still works.
  ASSERT_EQ(inject_scans(stack->bus_endpoint(), 2, 1).confirmed, 2);
  EXPECT_TRUE(drained(6, 30s));
}

// Invariants 1 and 5 together: the outbox has a size cap; a scan that does not fit is not
// confirmed (storage-full reply), nothing confirmed is lost, and the agent recovers by itself
// once the ledger's acks free space.
TEST(AgentStorageCap, FullOutboxRefusesScansUntilTheLedgerAcksFreeSpace) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri(), StackOptions{.max_mb = 1});
  stack.start_agent();  // no ledger yet: nothing gets acked, the outbox fills up
  bus::BusClient c(stack.bus_endpoint());
  auto t = c.request({{"v", 1}, {"op", "task.put"}, {"task", big_pick_task("PICK-CAP", 1000000)}}, 5s);
  ASSERT_TRUE(t && t->value("ok", false));

  const auto res = inject_scans(stack.bus_endpoint(), 4000, 4);
  int refused = 0;
  for (const auto& s : res.scans) refused += s.outcome == "not_stored" ? 1 : 0;
  ASSERT_GT(refused, 0) << "a 1 MiB outbox cannot hold 4000 events";
  ASSERT_GT(res.confirmed, 500);
  EXPECT_EQ(res.confirmed + refused, 4000);
  {
    auto r = c.request({{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan("FULL")}}, 5s);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->value("ok", true));
    EXPECT_EQ(r->value("decision", ""), "not_confirmed");
    EXPECT_EQ((*r)["error"].value("code", ""), "storage_full");
  }
  auto st = c.request({{"v", 1}, {"op", "status"}}, 5s);
  ASSERT_TRUE(st);
  // exec seq 1 is the task (task.received); refused scans consume no seq.
  EXPECT_EQ((*st)["outbox"]["exec"].value("last_seq", 0), res.confirmed + 1) << "refused scans consume no seq";

  stack.start_ledger();
  ASSERT_TRUE(eventually(
      [&] {
        auto s = c.request({{"v", 1}, {"op", "status"}}, 2s);
        return s && (*s)["outbox"]["exec"].value("depth", -1) == 0 && stack.ledger_last_seq("exec") == res.confirmed + 1;
      },
      60s, 200ms));
  auto again = c.request({{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan("AFTER")}}, 5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->value("decision", ""), "confirmed") << again->dump();
  EXPECT_EQ(again->value("seq", 0), res.confirmed + 2);
}

}  // namespace
}  // namespace scanedge::testing
