// Every task type through its state machine, with its exceptions and event fields.
#include "tests/unit/tasks/tasks_fixture.h"

namespace scanedge::tasks::testing {
namespace {

using TypesTest = TasksTest;

TEST_F(TypesTest, PackCartonsAndShort) {
  add(doc("PACK-1", "pack", {line(1, kGtinA, 2), line(2, kGtinB, 1)}, {{"order", "O-5"}}));
  auto none = scan(sscc_scan(sscc(1)));
  EXPECT_EQ(none.reason.code, "no_open_carton");
  EXPECT_NE(none.reason.message.find("no open carton"), std::string::npos) << none.reason.message;
  auto a = scan(gs1(kGtinA, "L1"));
  ASSERT_TRUE(a.accepted) << a.reason.message;
  expect_task_event(primary(a), "pack.item", "PACK-1", "pack", "in_progress");
  expect_scan_fields(primary(a));
  EXPECT_EQ(primary(a)["carton"], 1);
  EXPECT_EQ(primary(a)["line"], 1);
  EXPECT_EQ(primary(a)["qty"], 1);
  EXPECT_EQ(primary(a)["order"], "O-5");
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  auto close = scan(sscc_scan(sscc(1)));
  ASSERT_TRUE(close.accepted) << close.reason.message;
  const json& c = primary(close);
  expect_task_event(c, "pack.carton_closed", "PACK-1", "pack", "in_progress");
  EXPECT_EQ(c["carton"], 1);
  EXPECT_EQ(c["sscc"], sscc(1));
  EXPECT_EQ(c["contents"], json::parse(R"([{"gtin":"09506000134352","lot":"L1","serial":null,"qty":2}])"));
  EXPECT_EQ(scan(sscc_scan(sscc(2))).reason.code, "no_open_carton") << "carton 1 is closed, none open";
  EXPECT_EQ(scan(gs1(kGtinA)).reason.code, "over_pick");
  auto b = scan("4006381333931");
  EXPECT_EQ(primary(b)["carton"], 2);
  // All packed but the carton is open: complete is refused until its SSCC is scanned.
  auto early = act({{"op", "task.complete"}, {"task_id", "PACK-1"}});
  EXPECT_EQ(early.reason.code, "not_allowed");
  auto last = scan(sscc_scan(sscc(2)));
  EXPECT_EQ(primary(last)["task_state"], "packed");
  EXPECT_EQ(task("PACK-1").state, TaskState::packed);

  add(doc("PACK-2", "pack", {line(1, kGtinC, 3)}));
  ASSERT_TRUE(scan("5901234123457").accepted);
  auto s = act({{"op", "task.complete"}, {"task_id", "PACK-2"}});
  ASSERT_TRUE(s.accepted) << s.reason.message;
  expect_task_event(primary(s), "pack.short", "PACK-2", "pack", "short");
  EXPECT_EQ(primary(s)["lines"], json::parse(R"([{"line":1,"gtin":"05901234123457","qty":2}])"));
}

TEST_F(TypesTest, ReceiveOverShortPalletAndDamage) {
  add(doc("RCV-1", "receive", {line(1, kGtinA, 10), line(2, kGtinB, 2), line(3, kGtinC, 5)},
          {{"po", "PO-1"}, {"asn", "ASN-9"},
           {"pallets", {{{"sscc", sscc(7)}, {"contents", {{{"line", 1}, {"qty", 10}, {"lot", "P1"}}}}}}}}));
  // The pallet receives its contents at once.
  auto p = scan(sscc_scan(sscc(7)));
  ASSERT_TRUE(p.accepted) << p.reason.message;
  const json& pe = primary(p);
  expect_task_event(pe, "receive.pallet", "RCV-1", "receive", "in_progress");
  expect_scan_fields(pe);
  EXPECT_EQ(pe["po"], "PO-1");
  EXPECT_EQ(pe["asn"], "ASN-9");
  EXPECT_EQ(pe["sscc"], sscc(7));
  EXPECT_EQ(pe["contents"], json::parse(R"([{"line":1,"gtin":"09506000134352","lot":"P1","qty":10}])"));
  EXPECT_EQ(task("RCV-1").lines[0].done, 10);
  auto twice = scan(sscc_scan(sscc(7)));
  EXPECT_EQ(twice.reason.code, "already_received");
  EXPECT_EQ(task("RCV-1").lines[0].done, 10);
  EXPECT_EQ(scan(sscc_scan(sscc(8))).reason.code, "wrong_item");
  // Item scans: up to qty confirmed, beyond it over.
  auto r1 = scan("4006381333931");
  expect_task_event(primary(r1), "receive.confirmed", "RCV-1", "receive", "in_progress");
  EXPECT_EQ(primary(r1)["line"], 2);
  EXPECT_EQ(primary(r1)["qty"], 1);
  ASSERT_TRUE(scan("4006381333931").accepted);
  auto over = scan("4006381333931");
  ASSERT_TRUE(over.accepted) << over.reason.message;
  expect_task_event(primary(over), "receive.over", "RCV-1", "receive", "in_progress");
  EXPECT_EQ(primary(over)["expected"], 2);
  EXPECT_EQ(primary(over)["received"], 3);
  EXPECT_EQ(primary(over)["qty"], 1);
  EXPECT_EQ(over.feedback, Feedback::warning);
  // Damage on arrival (bus exception).
  auto dmg = act({{"op", "exception.report"}, {"type", "damage"}, {"task_id", "RCV-1"}, {"gtin", kGtinC}, {"qty", 2}});
  ASSERT_TRUE(dmg.accepted) << dmg.reason.message;
  expect_task_event(primary(dmg), "receive.damaged", "RCV-1", "receive", "in_progress");
  EXPECT_EQ(primary(dmg)["line"], 3);
  EXPECT_EQ(primary(dmg)["qty"], 2);
  EXPECT_EQ(primary(dmg)["item"]["gtin"], kGtinC);
  ASSERT_TRUE(scan("5901234123457").accepted);
  // Complete with line 3 missing 2.
  auto c = act({{"op", "task.complete"}, {"task_id", "RCV-1"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  expect_task_event(primary(c), "receive.short", "RCV-1", "receive", "short");
  EXPECT_EQ(primary(c)["lines"], json::parse(R"([{"line":3,"gtin":"05901234123457","qty":2}])"));
}

TEST_F(TypesTest, ReceiveCompletesByItselfAndStillTakesOverReceipts) {
  add(doc("RCV-1", "receive", {line(1, kGtinA, 1)}));
  auto d = scan(gs1(kGtinA));
  EXPECT_EQ(primary(d)["task_state"], "received");
  auto over = scan(gs1(kGtinA));
  ASSERT_TRUE(over.accepted) << over.reason.message;
  EXPECT_EQ(primary(over)["type"], "receive.over");
  EXPECT_EQ(primary(over)["task_state"], "received");
  // An open task wanting the GTIN takes it before an over-receipt.
  add(doc("RCV-2", "receive", {line(1, kGtinA, 1)}));
  EXPECT_EQ(scan(gs1(kGtinA)).reply["task"], "RCV-2");
}

TEST_F(TypesTest, DamageOutsideReceive) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  auto d = act({{"op", "exception.report"}, {"type", "damage"}, {"data", gs1(kGtinA, "L9")}, {"qty", 3},
                {"location", "A-09"}});
  ASSERT_TRUE(d.accepted) << d.reason.message;
  const json& e = primary(d);
  expect_envelope(e, "exception.damage");
  EXPECT_EQ(e["task"], nullptr);
  EXPECT_EQ(e["qty"], 3);
  EXPECT_EQ(e["location"], "A-09");
  EXPECT_EQ(e["item"]["lot"], "L9");
  auto t = act({{"op", "exception.report"}, {"type", "damage"}, {"task_id", "PICK-1"}, {"line", 1}});
  ASSERT_TRUE(t.accepted) << t.reason.message;
  EXPECT_EQ(primary(t)["task"], "PICK-1");
  EXPECT_EQ(primary(t)["location"], "L-1");
  EXPECT_EQ(primary(t)["qty"], 1);
  EXPECT_EQ(primary(t)["item"]["gtin"], kGtinA);
  auto bad = act({{"op", "exception.report"}, {"type", "damage"}, {"gtin", "123"}});
  EXPECT_EQ(bad.reason.code, "bad_request");
  EXPECT_EQ(bad.reason.message.rfind("gtin:", 0), 0u) << bad.reason.message;
}

TEST_F(TypesTest, ReturnScanInspectEveryDisposition) {
  add(doc("RET-1", "return", {line(1, kGtinA, 3), line(2, kGtinB, 1)}, {{"rma", "RMA-4"}, {"order", "O-3"}}));
  auto r = scan(gs1(kGtinA, "LR"));
  ASSERT_TRUE(r.accepted) << r.reason.message;
  expect_task_event(primary(r), "return.received", "RET-1", "return", "in_progress");
  expect_scan_fields(primary(r));
  EXPECT_EQ(primary(r)["rma"], "RMA-4");
  EXPECT_EQ(primary(r)["line"], 1);
  EXPECT_EQ(primary(r)["qty"], 1);
  ASSERT_TRUE(scan(gs1(kGtinA, "LR")).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "LR")).accepted);
  EXPECT_EQ(scan(gs1(kGtinA, "LR")).reason.code, "over_return");
  // Over-inspection is refused and changes nothing.
  auto over = act({{"op", "return.inspect"}, {"task_id", "RET-1"}, {"line", 1}, {"disposition", "restock"}, {"qty", 4}});
  EXPECT_EQ(over.reason.code, "not_allowed");
  EXPECT_TRUE(over.events.empty());
  EXPECT_EQ(task("RET-1").lines[0].inspected, 0);
  auto bad = act({{"op", "return.inspect"}, {"task_id", "RET-1"}, {"line", 1}, {"disposition", "sell"}});
  EXPECT_EQ(bad.reason.code, "bad_request");
  EXPECT_EQ(bad.reason.message.rfind("disposition:", 0), 0u);
  for (const char* disp : {"restock", "damaged", "dispose"}) {
    auto i = act({{"op", "return.inspect"}, {"task_id", "RET-1"}, {"line", 1}, {"disposition", disp}});
    ASSERT_TRUE(i.accepted) << i.reason.message;
    expect_task_event(primary(i), "return.inspected", "RET-1", "return", "in_progress");
    EXPECT_EQ(primary(i)["disposition"], disp);
    EXPECT_EQ(primary(i)["qty"], 1);
    EXPECT_EQ(primary(i)["item"], json::parse(R"({"gtin":"09506000134352","lot":"LR"})"));
    EXPECT_EQ(primary(i)["line"], 1);
  }
  EXPECT_EQ(act({{"op", "return.inspect"}, {"task_id", "RET-1"}, {"line", 1}, {"disposition", "restock"}}).reason.code,
            "not_allowed");
  auto last = scan("4006381333931");
  EXPECT_EQ(primary(last)["task_state"], "returned");
  auto i = act({{"op", "return.inspect"}, {"task_id", "RET-1"}, {"line", 2}, {"disposition", "refurbish"}});
  ASSERT_TRUE(i.accepted) << i.reason.message;
  expect_task_event(primary(i), "return.inspected", "RET-1", "return", "inspected");
  EXPECT_EQ(task("RET-1").state, TaskState::inspected);
}

TEST_F(TypesTest, ReturnClosedBeforeEveryUnitCame) {
  add(doc("RET-2", "return", {line(1, kGtinA, 2)}, {{"rma", "RMA-5"}}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto c = act({{"op", "task.complete"}, {"task_id", "RET-2"}});
  ASSERT_TRUE(c.accepted);
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(task("RET-2").state, TaskState::returned);
  auto i = act({{"op", "return.inspect"}, {"task_id", "RET-2"}, {"line", 1}, {"disposition", "restock"}});
  EXPECT_EQ(primary(i)["task_state"], "inspected");
}

TEST_F(TypesTest, PickupPickedUp) {
  add(doc("PU-1", "pickup", {line(1, kGtinA, 2, {{"lot", "L1"}})},
          {{"window_end", "2026-11-27T18:00:00Z"}, {"order", "O-8"}, {"channel", "click_collect"}}));
  EXPECT_EQ(task("PU-1").state, TaskState::ready);
  EXPECT_EQ(scan(gs1(kGtinA, "L2")).reason.code, "wrong_lot");
  auto h = scan(gs1(kGtinA, "L1"));
  ASSERT_TRUE(h.accepted) << h.reason.message;
  expect_task_event(primary(h), "pickup.handed_over", "PU-1", "pickup", "ready");
  expect_scan_fields(primary(h));
  EXPECT_EQ(primary(h)["channel"], "click_collect");
  EXPECT_EQ(primary(h)["line"], 1);
  EXPECT_EQ(primary(h)["qty"], 1);
  EXPECT_EQ(primary(scan(gs1(kGtinA, "L1")))["task_state"], "picked_up");
  clock.advance(std::chrono::hours(48));
  for (const auto& d : tick()) EXPECT_TRUE(d.events.empty()) << "a finished pickup never misses";
}

TEST_F(TypesTest, PickupPartialAndMissedByWindow) {
  add(doc("PU-1", "pickup", {line(1, kGtinA, 2)}, {{"window_end", "2026-11-26T18:00:00Z"}}));
  add(doc("PU-2", "pickup", {line(1, kGtinB, 1)}, {{"window_end", "2026-11-26T18:00:00Z"}}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  clock.advance(std::chrono::hours(18));  // exactly window_end: not passed
  EXPECT_TRUE(tick().empty());
  clock.advance(std::chrono::seconds(1));
  auto out = tick();
  ASSERT_EQ(out.size(), 2u);
  const json& partial = primary(out[0]);
  expect_task_event(partial, "pickup.partial", "PU-1", "pickup", "partial");
  EXPECT_EQ(partial["cause"], "window_passed");
  EXPECT_EQ(partial["lines"], json::parse(R"([{"line":1,"gtin":"09506000134352","qty":1}])"));
  const json& missed = primary(out[1]);
  expect_task_event(missed, "pickup.missed", "PU-2", "pickup", "missed");
  EXPECT_EQ(missed["cause"], "window_passed");
  EXPECT_EQ(missed["lines"], json::parse(R"([{"line":1,"gtin":"04006381333931","qty":1}])"));
  EXPECT_EQ(out[0].changed_keys, std::vector<std::string>{"task/PU-1"});
  EXPECT_TRUE(tick().empty());
}

TEST_F(TypesTest, PickupPartialAndMissedByOperator) {
  add(doc("PU-1", "pickup", {line(1, kGtinA, 2)}, {{"window_end", "2026-11-27T18:00:00Z"}}));
  add(doc("PU-2", "pickup", {line(1, kGtinB, 1)}, {{"window_end", "2026-11-27T18:00:00Z"}}));
  add(doc("PU-3", "pickup", {line(1, kGtinC, 1)}, {{"window_end", "2026-11-27T18:00:00Z"}}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto refused = act({{"op", "exception.report"}, {"type", "missed_pickup"}, {"task_id", "PU-1"}});
  EXPECT_EQ(refused.reason.code, "not_allowed");
  auto p = act({{"op", "task.complete"}, {"task_id", "PU-1"}});
  expect_task_event(primary(p), "pickup.partial", "PU-1", "pickup", "partial");
  EXPECT_EQ(primary(p)["cause"], "operator");
  auto m = act({{"op", "exception.report"}, {"type", "missed_pickup"}, {"task_id", "PU-2"}});
  ASSERT_TRUE(m.accepted) << m.reason.message;
  expect_task_event(primary(m), "pickup.missed", "PU-2", "pickup", "missed");
  EXPECT_EQ(primary(m)["cause"], "operator");
  auto c = act({{"op", "task.complete"}, {"task_id", "PU-3"}});
  expect_task_event(primary(c), "pickup.missed", "PU-3", "pickup", "missed");
  EXPECT_EQ(scan(gs1(kGtinB)).reason.code, "task_complete");
}

TEST_F(TypesTest, ShipFromStorePickPackShip) {
  add(doc("SFS-1", "ship_from_store", {line(1, kGtinA, 2), line(2, kGtinB, 1)},
          {{"order", "WEB-1"}, {"channel", "web"}}));
  EXPECT_EQ(scan(sscc_scan(sscc(1))).reason.code, "no_open_carton");
  auto p = scan(gs1(kGtinA, "L1", "", "S1"));
  expect_task_event(primary(p), "pick.confirmed", "SFS-1", "ship_from_store", "in_progress");
  ASSERT_TRUE(scan(gs1(kGtinA, "L1", "", "S2")).accepted);
  EXPECT_EQ(scan("1Z999AA10123456784").reason.code, "not_an_item") << "not packed yet";
  auto last = scan("4006381333931");
  EXPECT_EQ(primary(last)["task_state"], "picked");
  EXPECT_EQ(scan(gs1(kGtinA)).reason.code, "over_pick");
  EXPECT_EQ(act({{"op", "task.complete"}, {"task_id", "SFS-1"}}).reason.code, "not_allowed");
  auto pack = scan(sscc_scan(sscc(3)));
  ASSERT_TRUE(pack.accepted) << pack.reason.message;
  expect_task_event(primary(pack), "pack.carton_closed", "SFS-1", "ship_from_store", "packed");
  EXPECT_EQ(primary(pack)["carton"], 1);
  EXPECT_EQ(primary(pack)["contents"].size(), 3u);
  EXPECT_EQ(scan(gs1(kGtinA)).reason.code, "not_a_carrier_label");
  auto ship = scan("1Z999AA10123456784");
  ASSERT_TRUE(ship.accepted) << ship.reason.message;
  const json& e = primary(ship);
  expect_task_event(e, "ship.confirmed", "SFS-1", "ship_from_store", "shipped");
  expect_scan_fields(e);
  EXPECT_EQ(e["order"], "WEB-1");
  EXPECT_EQ(e["carrier_label"], "1Z999AA10123456784");
  EXPECT_EQ(e["cartons"], json::array({sscc(3)}));
  EXPECT_EQ(e["contents"], json::parse(R"([{"gtin":"09506000134352","lot":"L1","serial":"S1","qty":1},
                                           {"gtin":"09506000134352","lot":"L1","serial":"S2","qty":1},
                                           {"gtin":"04006381333931","lot":null,"serial":null,"qty":1}])"));
  EXPECT_FALSE(e.contains("short"));
  EXPECT_EQ(task("SFS-1").state, TaskState::shipped);
}

TEST_F(TypesTest, ShipFromStorePartialShipmentWithGs1CarrierLabel) {
  add(doc("SFS-2", "ship_from_store", {line(1, kGtinA, 2), line(2, kGtinB, 1)}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto c = act({{"op", "task.complete"}, {"task_id", "SFS-2"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  expect_task_event(primary(c), "pick.short", "SFS-2", "ship_from_store", "picked");
  ASSERT_TRUE(scan(sscc_scan(sscc(4))).accepted);
  EXPECT_EQ(task("SFS-2").state, TaskState::packed);
  EXPECT_EQ(scan("hello").reason.code, "not_a_carrier_label");
  auto ship = scan("]C1402" + with_check("0614141000000000"));  // GSIN (AI 402)
  ASSERT_TRUE(ship.accepted) << ship.reason.message;
  const json& e = primary(ship);
  expect_task_event(e, "ship.partial", "SFS-2", "ship_from_store", "partial");
  EXPECT_EQ(e["carrier_label"], with_check("0614141000000000"));
  EXPECT_EQ(e["short"], json::parse(R"([{"line":1,"gtin":"09506000134352","qty":1},
                                        {"line":2,"gtin":"04006381333931","qty":1}])"));
  EXPECT_EQ(e["contents"], json::parse(R"([{"gtin":"09506000134352","lot":null,"serial":null,"qty":1}])"));
}

TEST_F(TypesTest, LateCancellationMakesAPutBackTask) {
  add(doc("PICK-9", "pick", {line(1, kGtinA, 3), line(2, kGtinB, 2)}, {{"order", "O-9"}, {"channel", "web"}}));
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "L2")).accepted);
  ASSERT_TRUE(act({{"op", "task.start"}, {"task_id", "PICK-9"}}).accepted);
  auto c = put({{"task_id", "PICK-9"}, {"version", 2}, {"cancel", true}, {"reason", "customer"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  EXPECT_EQ(c.reply["outcome"], "cancelled");
  EXPECT_EQ(c.reply["put_back_task"], "PB-PICK-9");
  const json& e = primary(c);
  expect_task_event(e, "task.cancelled", "PICK-9", "pick", "cancelled");
  EXPECT_EQ(e["version"], 2);
  EXPECT_EQ(e["reason"], "customer");
  EXPECT_EQ(e["by"], "ledger");
  EXPECT_EQ(e["order"], "O-9");
  EXPECT_EQ(e["put_back_task"], "PB-PICK-9");
  EXPECT_EQ(e["put_back"], json::parse(R"([{"gtin":"09506000134352","lot":"L1","qty":2,"location":"L-1"},
                                           {"gtin":"09506000134352","lot":"L2","qty":1,"location":"L-1"}])"));
  EXPECT_NE(std::find(c.changed_keys.begin(), c.changed_keys.end(), "task/PB-PICK-9"), c.changed_keys.end());
  EXPECT_NE(std::find(c.changed_keys.begin(), c.changed_keys.end(), "work/session"), c.changed_keys.end());
  EXPECT_FALSE(state.active_task().has_value()) << "a cancelled task stops being active";
  const Task& pb = task("PB-PICK-9");
  EXPECT_EQ(pb.type, TaskType::put_back);
  EXPECT_EQ(pb.origin_task, "PICK-9");
  EXPECT_EQ(pb.channel, "web");
  ASSERT_EQ(pb.lines.size(), 2u);
  EXPECT_EQ(pb.lines[0].qty, 2);
  EXPECT_EQ(pb.lines[1].lot, "L2");
  // A scan after the cancel is refused, not put back silently.
  auto after = scan(gs1(kGtinA, "L1"));
  EXPECT_EQ(after.reason.code, "task_cancelled") << after.reason.message;
  // The put-back task takes scans once started.
  restart();
  ASSERT_TRUE(act({{"op", "task.start"}, {"task_id", "PB-PICK-9"}}).accepted);
  EXPECT_EQ(scan(gs1(kGtinA, "L3")).reason.code, "wrong_lot");
  auto back = scan(gs1(kGtinA, "L2"));
  ASSERT_TRUE(back.accepted) << back.reason.message;
  const json& b = primary(back);
  expect_task_event(b, "putback.confirmed", "PB-PICK-9", "put_back", "in_progress");
  expect_scan_fields(b);
  EXPECT_EQ(b["line"], 2);
  EXPECT_EQ(b["origin_task"], "PICK-9");
  EXPECT_EQ(b["location"], "L-1");
  EXPECT_EQ(b["qty"], 1);
  EXPECT_EQ(b["order"], "O-9");
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  auto s = act({{"op", "task.complete"}, {"task_id", "PB-PICK-9"}});
  expect_task_event(primary(s), "putback.short", "PB-PICK-9", "put_back", "short");
  EXPECT_EQ(primary(s)["lines"], json::parse(R"([{"line":1,"gtin":"09506000134352","qty":1}])"));
}

TEST_F(TypesTest, CancelWithNothingPickedAndShipFromStoreLateCancel) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  auto c = act({{"op", "task.cancel"}, {"task_id", "PICK-1"}, {"reason", "stock"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  expect_task_event(primary(c), "task.cancelled", "PICK-1", "pick", "cancelled");
  EXPECT_EQ(primary(c)["by"], "device");
  EXPECT_EQ(primary(c)["put_back_task"], nullptr);
  EXPECT_EQ(primary(c)["put_back"], json::array());
  EXPECT_EQ(state.tasks().count("PB-PICK-1"), 0u);
  EXPECT_EQ(act({{"op", "task.cancel"}, {"task_id", "PICK-1"}}).reason.code, "not_allowed");

  add(doc("SFS-1", "ship_from_store", {line(1, kGtinB, 1)}));
  ASSERT_TRUE(scan("4006381333931").accepted);
  ASSERT_TRUE(scan(sscc_scan(sscc(5))).accepted);
  auto sc = put({{"task_id", "SFS-1"}, {"version", 2}, {"cancel", true}});
  EXPECT_EQ(primary(sc)["put_back_task"], "PB-SFS-1");
  EXPECT_EQ(primary(sc)["task_type"], "ship_from_store");
}

// The pallet completes the task; scanning it again still says it was already received
// (not "not an item": the picker must learn the pallet is in).
TEST_F(TypesTest, PalletScannedAgainAfterTheTaskIsReceived) {
  add(doc("RCV-P", "receive", {line(1, kGtinA, 4)},
          {{"pallets", {{{"sscc", sscc(7)}, {"contents", {{{"line", 1}, {"qty", 4}}}}}}}}));
  ASSERT_TRUE(scan(sscc_scan(sscc(7))).accepted);
  ASSERT_EQ(task("RCV-P").state, TaskState::received);
  auto again = scan(sscc_scan(sscc(7)));
  EXPECT_FALSE(again.accepted);
  EXPECT_EQ(again.reason.code, "already_received") << again.reason.message;
  EXPECT_EQ(task("RCV-P").lines[0].done, 4);
}

}  // namespace
}  // namespace scanedge::tasks::testing
