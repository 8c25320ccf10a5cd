// The work model end to end: real scanedged processes (two devices of one site), a real
// mosquitto and the real scanedge-ledger. Tasks travel the MQTT `tasks` downlink
// (scanedge-ledger publish-task), scans and actions go through each agent's bus, and the
// ledger's availability is read with `scanedge-ledger availability`.
//
// The story, one site, two GTINs:
//   1. dev-1 receives an ASN: 3 items of A scanned, a 4th (over receipt), a pallet SSCC
//      that receives its 2 units of B, and one damaged unit of A.
//   2. dev-2 ships-from-store 2 B for the web channel; dev-1 hands 1 B to a store pickup
//      customer in between. Only 2 B were received: the last unit is confirmed twice, for
//      two channels, and the ledger records the oversell.
//   3. dev-2 packs (carton SSCC) and ships (carrier label) what it picked.
//   4. dev-1 takes back a return: A is not available until inspected as restock.
//   5. dev-1 picks one A for the web; the ledger cancels the task mid-pick; the device
//      stops it and the picked unit goes back to stock through the put-back task.
// Every step checks what a user relies on: the bus replies, the task states, the ledger's
// events (exactly once, in order) and the availability figures per item and channel.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "edge/bus/bus_client.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kA = "09506000134352";
const std::string kB = "04006381333931";
const std::string kPallet = "106141411234567897";  // SSCC with a valid check digit
const std::string kCarton = "106141411234567880";
std::string item(const std::string& gtin) { return "]C101" + gtin; }
std::string sscc(const std::string& s) { return "]C100" + s; }

struct WorkModel : ::testing::Test {
  TempDir dir1, dir2;
  Mosquitto broker;
  std::unique_ptr<EdgeStack> dev1, dev2;

  void SetUp() override {
    broker.start();
    StackOptions o1;
    o1.device = "dev-1";
    StackOptions o2;
    o2.device = "dev-2";
    dev1 = std::make_unique<EdgeStack>(dir1, broker.uri(), o1);
    dev2 = std::make_unique<EdgeStack>(dir2, broker.uri(), o2);
    dev1->start_ledger();  // ONE ledger for both devices (dev1's database)
    dev1->start_agent();
    dev2->start_agent();
  }

  static json bus(EdgeStack& s, json req) {
    req["v"] = 1;
    bus::BusClient c(s.bus_endpoint());
    auto r = c.request(req, 10s);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : json::object();
  }
  static json scan(EdgeStack& s, const std::string& data) { return bus(s, {{"op", "scan.inject"}, {"data", data}}); }
  static void expect_ok(const json& r) { EXPECT_TRUE(r.value("ok", false)) << r.dump(); }

  // The ledger publishes the document on the device's `tasks` topic.
  void publish_task(EdgeStack& s, const json& doc) {
    const std::string file = dir1.file("task-" + doc.value("task_id", "x") + ".json");
    std::ofstream(file) << doc.dump();
    auto r = run_capture({EdgeStack::ledger_bin(), "publish-task", "--broker", broker.uri(), "--site", "site-1",
                          "--device", s.options().device, file},
                         30s);
    ASSERT_EQ(r.status, 0) << r.out;
  }
  static json task(EdgeStack& s, const std::string& id) {
    for (const auto& t : bus(s, {{"op", "task.list"}}).value("tasks", json::array())) {
      if (t.value("task_id", "") == id) return t;
    }
    return json();
  }
  static bool wait_task(EdgeStack& s, const std::string& id, const std::string& state) {
    return eventually([&] { return task(s, id).value("state", "") == state; }, 20s, 100ms);
  }
  // Every confirmed event of both devices applied by the ledger.
  bool synced() {
    return eventually(
        [&] {
          for (EdgeStack* s : {dev1.get(), dev2.get()}) {
            const auto st = bus(*s, {{"op", "outbox.stats"}});
            if (st["outbox"]["exec"].value("depth", -1) != 0) return false;
            if (ledger_last_seq(s->options().device) != st["outbox"]["exec"].value("last_seq", -2)) return false;
          }
          return true;
        },
        30s, 200ms);
  }
  std::int64_t ledger_last_seq(const std::string& device) {
    for (const auto& d : dev1->ledger_query().value("devices", json::array())) {
      if (d.value("device", "") == device) return d["streams"]["exec"].value("last_seq", 0);
    }
    return 0;
  }
  std::vector<json> ledger_events(const std::string& device) {
    auto r = run_capture({EdgeStack::ledger_bin(), "events", "--db", dev1->ledger_db(), "--site", "site-1", "--device",
                          device, "--stream", "exec"},
                         20s);
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(json::parse(line)["event"]);
    }
    return out;
  }
  json availability(const std::string& policy = {}) {
    std::vector<std::string> argv{EdgeStack::ledger_bin(), "availability", "--db", dev1->ledger_db()};
    if (!policy.empty()) argv.insert(argv.end(), {"--policy", policy});
    auto r = run_capture(argv, 20s);
    EXPECT_EQ(r.status, 0) << r.out;
    auto j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json::object() : j;
  }
  static json stock(const json& avail, const std::string& gtin) {
    for (const auto& i : avail.value("items", json::array())) {
      if (i.value("site", "") == "site-1" && i.value("gtin", "") == gtin) return i;
    }
    return json::object();
  }
};

TEST_F(WorkModel, ReceivePickupShipReturnAndLateCancelThroughTheLedger) {
  // 1. Receiving on dev-1 (the ASN arrives over MQTT).
  publish_task(*dev1, {{"task_id", "RCV-1"},
                       {"version", 1},
                       {"type", "receive"},
                       {"asn", "ASN-1"},
                       {"po", "PO-1"},
                       {"lines", {{{"line", 1}, {"gtin", kA}, {"qty", 3}}, {{"line", 2}, {"gtin", kB}, {"qty", 2}}}},
                       {"pallets", {{{"sscc", kPallet}, {"contents", {{{"line", 2}, {"qty", 2}}}}}}}});
  ASSERT_TRUE(wait_task(*dev1, "RCV-1", "released")) << json(task(*dev1, "RCV-1")).dump();
  expect_ok(bus(*dev1, {{"op", "task.start"}, {"task_id", "RCV-1"}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(scan(*dev1, item(kA)).value("type", ""), "receive.confirmed") << i;
  EXPECT_EQ(scan(*dev1, item(kA)).value("type", ""), "receive.over");
  const json pallet = scan(*dev1, sscc(kPallet));
  EXPECT_EQ(pallet.value("type", ""), "receive.pallet") << pallet.dump();
  const json again = scan(*dev1, sscc(kPallet));
  EXPECT_EQ(again.value("decision", ""), "rejected");
  EXPECT_EQ(again["reason"].value("code", ""), "already_received") << again.dump();
  const json damaged = bus(*dev1, {{"op", "exception.report"},
                                   {"type", "damage"},
                                   {"task_id", "RCV-1"},
                                   {"line", 1},
                                   {"gtin", kA},
                                   {"qty", 1}});
  expect_ok(damaged);
  EXPECT_EQ(damaged.value("type", ""), "receive.damaged");
  EXPECT_EQ(task(*dev1, "RCV-1").value("state", ""), "received");

  // 2. Two channels want B; only 2 were received.
  publish_task(*dev2, {{"task_id", "SFS-1"},
                       {"version", 1},
                       {"type", "ship_from_store"},
                       {"channel", "web"},
                       {"order", "WEB-9"},
                       {"lines", {{{"line", 1}, {"gtin", kB}, {"qty", 2}}}}});
  publish_task(*dev1, {{"task_id", "PU-1"},
                       {"version", 1},
                       {"type", "pickup"},
                       {"channel", "store"},
                       {"order", "STORE-3"},
                       {"window_end", "2099-01-01T00:00:00Z"},
                       {"lines", {{{"line", 1}, {"gtin", kB}, {"qty", 1}}}}});
  ASSERT_TRUE(wait_task(*dev2, "SFS-1", "released"));
  ASSERT_TRUE(wait_task(*dev1, "PU-1", "ready"));
  ASSERT_TRUE(synced());
  {
    const json b = stock(availability(), kB);
    EXPECT_EQ(b.value("on_hand", -99), 2) << b.dump();
    EXPECT_EQ(b.value("reserved", -99), 3) << b.dump();
    EXPECT_EQ(b.value("available", -99), -1) << "3 promised, 2 on hand: " << b.dump();
  }
  expect_ok(bus(*dev2, {{"op", "task.start"}, {"task_id", "SFS-1"}}));
  EXPECT_EQ(scan(*dev2, item(kB)).value("type", ""), "pick.confirmed");
  ASSERT_TRUE(synced());
  expect_ok(bus(*dev1, {{"op", "task.start"}, {"task_id", "PU-1"}}));
  const json handed = scan(*dev1, item(kB));
  EXPECT_EQ(handed.value("type", ""), "pickup.handed_over") << handed.dump();
  EXPECT_EQ(handed.value("task_state", ""), "picked_up");
  ASSERT_TRUE(synced());  // the store took the last unit first
  EXPECT_EQ(scan(*dev2, item(kB)).value("task_state", ""), "picked");  // ... and the web confirms it too
  ASSERT_TRUE(synced());
  {
    const json a = availability();
    const json b = stock(a, kB);
    EXPECT_EQ(b.value("on_hand", -99), -1) << b.dump();
    EXPECT_EQ(b.value("staged", -99), 2) << b.dump();
    EXPECT_EQ(b.value("reserved", -99), 0) << b.dump();
    ASSERT_EQ(a.value("oversells", json::array()).size(), 1u) << a.dump();
    const json o = a["oversells"][0];
    EXPECT_EQ(o.value("gtin", ""), kB);
    EXPECT_EQ(o.value("short", 0), 1);
    EXPECT_EQ(o["event"].value("device", ""), "dev-2");
    EXPECT_EQ(o["event"].value("channel", ""), "web");
    EXPECT_EQ(o["previous"].value("device", ""), "dev-1");
    EXPECT_EQ(o["previous"].value("channel", ""), "store");
  }

  // 3. dev-2 packs and ships.
  const json packed = scan(*dev2, sscc(kCarton));
  EXPECT_EQ(packed.value("type", ""), "pack.carton_closed") << packed.dump();
  EXPECT_EQ(packed.value("task_state", ""), "packed");
  const json shipped = scan(*dev2, "1Z999AA10123456784");
  EXPECT_EQ(shipped.value("type", ""), "ship.confirmed") << shipped.dump();
  EXPECT_EQ(shipped.value("task_state", ""), "shipped");

  // 4. A return is not available until inspected as restock.
  ASSERT_TRUE(synced());
  const std::int64_t a_before = stock(availability(), kA).value("available", -99);
  EXPECT_EQ(a_before, 4) << "3 received + 1 over receipt; the damaged unit is not on hand";
  publish_task(*dev1, {{"task_id", "RMA-1"},
                       {"version", 1},
                       {"type", "return"},
                       {"rma", "RMA-1"},
                       {"lines", {{{"line", 1}, {"gtin", kA}, {"qty", 1}}}}});
  ASSERT_TRUE(wait_task(*dev1, "RMA-1", "released"));
  expect_ok(bus(*dev1, {{"op", "task.start"}, {"task_id", "RMA-1"}}));
  EXPECT_EQ(scan(*dev1, item(kA)).value("type", ""), "return.received");
  ASSERT_TRUE(synced());
  {
    const json a = stock(availability(), kA);
    EXPECT_EQ(a.value("available", -99), a_before) << "an uninspected return is not sellable: " << a.dump();
    EXPECT_EQ(a.value("returned_uninspected", -99), 1) << a.dump();
  }
  const json inspected =
      bus(*dev1, {{"op", "return.inspect"}, {"task_id", "RMA-1"}, {"line", 1}, {"disposition", "restock"}});
  expect_ok(inspected);
  EXPECT_EQ(inspected.value("type", ""), "return.inspected");
  ASSERT_TRUE(synced());
  {
    const json a = stock(availability(), kA);
    EXPECT_EQ(a.value("available", -99), a_before + 1) << a.dump();
    EXPECT_EQ(a.value("returned_uninspected", -99), 0) << a.dump();
  }

  // 5. Late cancellation: the ledger cancels a pick after one unit was picked.
  publish_task(*dev1, {{"task_id", "PICK-9"},
                       {"version", 1},
                       {"type", "pick"},
                       {"channel", "web"},
                       {"lines", {{{"line", 1}, {"gtin", kA}, {"qty", 2}, {"location", "A-01"}}}}});
  ASSERT_TRUE(wait_task(*dev1, "PICK-9", "released"));
  expect_ok(bus(*dev1, {{"op", "task.start"}, {"task_id", "PICK-9"}}));
  EXPECT_EQ(scan(*dev1, item(kA)).value("type", ""), "pick.confirmed");
  publish_task(*dev1, {{"task_id", "PICK-9"}, {"version", 2}, {"cancel", true}, {"reason", "customer cancelled"}});
  ASSERT_TRUE(wait_task(*dev1, "PICK-9", "cancelled"));
  const json put_back = task(*dev1, "PB-PICK-9");
  ASSERT_TRUE(put_back.is_object()) << "the picked unit must become a put-back task";
  EXPECT_EQ(put_back.value("qty", 0), 1);
  expect_ok(bus(*dev1, {{"op", "task.start"}, {"task_id", "PB-PICK-9"}}));
  EXPECT_EQ(scan(*dev1, item(kA)).value("type", ""), "putback.confirmed");
  EXPECT_EQ(task(*dev1, "PB-PICK-9").value("state", ""), "done");
  ASSERT_TRUE(synced());

  // The ledger: every event once, in order, and the stock as the story says.
  for (const char* dev : {"dev-1", "dev-2"}) {
    const auto events = ledger_events(dev);
    ASSERT_FALSE(events.empty());
    for (std::size_t i = 0; i < events.size(); ++i) ASSERT_EQ(events[i].value("seq", 0), static_cast<std::int64_t>(i + 1));
  }
  std::vector<std::string> dev1_types;
  for (const auto& e : ledger_events("dev-1")) dev1_types.push_back(e.value("type", ""));
  ASSERT_GE(dev1_types.size(), 3u);
  EXPECT_EQ(dev1_types.back(), "putback.confirmed");
  const auto cancelled = std::find(dev1_types.begin(), dev1_types.end(), "task.cancelled");
  ASSERT_NE(cancelled, dev1_types.end());
  EXPECT_EQ(*(cancelled - 1), "pick.confirmed") << "the cancel came after the pick, as on the device";

  const std::string policy = dir1.file("policy.toml");
  std::ofstream(policy) << "[channels.web]\npriority = 1\nsafety_stock = 2\n\n[channels.store]\npriority = 2\n"
                           "safety_stock = 0\n";
  const json final_avail = availability(policy);
  const json a = stock(final_avail, kA);
  EXPECT_EQ(a.value("on_hand", -99), 5) << a.dump();
  EXPECT_EQ(a.value("staged", -99), 0) << a.dump();
  EXPECT_EQ(a.value("damaged", -99), 1) << a.dump();
  EXPECT_EQ(a.value("reserved", -99), 0) << a.dump();
  EXPECT_EQ(a.value("available", -99), 5) << a.dump();
  EXPECT_EQ(a["channels"]["web"].value("available", -99), 3) << "safety stock 2 held back from the web: " << a.dump();
  EXPECT_EQ(a["channels"]["store"].value("available", -99), 5) << a.dump();
  const json b = stock(final_avail, kB);
  EXPECT_EQ(b.value("shipped", -99), 2) << b.dump();
  EXPECT_EQ(b.value("handed_over", -99), 1) << b.dump();
  EXPECT_EQ(b.value("staged", -99), 0) << b.dump();
  EXPECT_EQ(b["channels"]["web"].value("available", -99), 0) << b.dump();
}

}  // namespace
}  // namespace scanedge::testing
