// Pick tasks through the WorkExecutor: confirmations, every refusal reason, FEFO, lots,
// substitutes, shorts, and the event fields of WORK_MODEL.md.
#include "tests/unit/tasks/tasks_fixture.h"

namespace scanedge::tasks::testing {
namespace {

using PickTest = TasksTest;

TEST_F(PickTest, WantedGtinIsConfirmedWithTheFullEvent) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 2)}, {{"channel", "web"}, {"order", "ORD-77"}}));
  auto d = scan(gs1(kGtinA, "ABC123", "", "X1"));
  ASSERT_TRUE(d.accepted) << d.reason.message;
  EXPECT_EQ(d.feedback, Feedback::good);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].stream, Stream::exec);
  const json& e = primary(d);
  expect_task_event(e, "pick.confirmed", "PICK-1", "pick", "in_progress");
  expect_scan_fields(e);
  EXPECT_EQ(e["channel"], "web");
  EXPECT_EQ(e["order"], "ORD-77");
  EXPECT_FALSE(e.contains("po"));
  EXPECT_EQ(e["line"], 1);
  EXPECT_EQ(e["location"], "L-1");
  EXPECT_EQ(e["qty"], 1);
  EXPECT_EQ(e["item"]["gtin"], kGtinA);
  EXPECT_EQ(e["item"]["lot"], "ABC123");
  EXPECT_EQ(e["item"]["serial"], "X1");
  EXPECT_EQ(e["item"]["epc"], nullptr);
  EXPECT_EQ(e["scan"]["symbology"], "gs1-128");
  EXPECT_EQ(e["mono_ms"], 4242);
  // Reply fields for the bus.
  EXPECT_EQ(d.reply["decision"], "confirmed");
  EXPECT_EQ(d.reply["type"], "pick.confirmed");
  EXPECT_EQ(d.reply["task"], "PICK-1");
  EXPECT_EQ(d.reply["task_type"], "pick");
  EXPECT_EQ(d.reply["task_state"], "in_progress");
  EXPECT_EQ(d.reply["line"], 1);
  EXPECT_EQ(d.reply["remaining"], 1);
  EXPECT_EQ(d.reply["symbology"], "gs1-128");
  EXPECT_EQ(d.changed_keys, std::vector<std::string>{"task/PICK-1"});
  EXPECT_EQ(task("PICK-1").lines[0].done, 1);

  auto last = scan("4006381333931");  // not on the task
  EXPECT_EQ(last.reason.code, "wrong_item");
  auto done = scan(gs1(kGtinA));
  ASSERT_TRUE(done.accepted);
  EXPECT_EQ(primary(done)["task_state"], "picked");
  EXPECT_EQ(task("PICK-1").state, TaskState::picked);
  EXPECT_TRUE(task("PICK-1").finished_at.has_value());
  auto over = scan(gs1(kGtinA));
  EXPECT_EQ(over.reason.code, "over_pick");
}

TEST_F(PickTest, RejectionsAreOnTelemetryAndChangeNothing) {
  EXPECT_EQ(scan("4006381333931").reason.code, "no_task");
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  const json before = state.tasks_json();
  struct Case {
    std::string data;
    const char* code;
  };
  for (const Case& c : {Case{"4006381333931", "wrong_item"}, Case{"]C10109506000134353", "bad_check_digit"},
                        Case{"hello", "not_an_item"}, Case{sscc_scan(sscc(1)), "not_an_item"}}) {
    auto d = scan(c.data);
    EXPECT_FALSE(d.accepted) << c.data;
    EXPECT_EQ(d.reason.code, c.code) << c.data << ": " << d.reason.message;
    EXPECT_EQ(d.feedback, Feedback::bad);
    ASSERT_EQ(d.events.size(), 1u);
    EXPECT_EQ(d.events[0].stream, Stream::telemetry);
    const json& e = primary(d);
    expect_envelope(e, "scan.rejected");
    EXPECT_EQ(e["reason"]["code"], c.code);
    EXPECT_FALSE(e["reason"]["message"].get<std::string>().empty());
    EXPECT_TRUE(e.contains("item"));
    EXPECT_EQ(e["scan"]["raw"], c.data);
    EXPECT_FALSE(e.contains("task"));
    EXPECT_EQ(d.reply["decision"], "rejected");
    EXPECT_EQ(d.reply["type"], "scan.rejected");
    EXPECT_EQ(d.reply["reason"]["code"], c.code);
    EXPECT_TRUE(d.changed_keys.empty());
  }
  EXPECT_EQ(scan("]C10109506000134353").events[0].body["item"], nullptr);
  EXPECT_EQ(state.tasks_json(), before);
}

TEST_F(PickTest, DeviceRefusalAndRfidAndGarbage) {
  add(doc("PICK-RF", "pick", {line(1, "80614141123458", 1), line(2, kGtinA, 1)}));
  RawScan refused{gs1(kGtinA), "bus:test", std::chrono::seconds(1)};
  refused.refusal_code = "symbology_disabled";
  refused.refusal_message = "QR Code is not enabled";
  auto ex = executor();
  auto r = ex.scan(refused, state);
  EXPECT_EQ(r.reason.code, "symbology_disabled");
  EXPECT_EQ(primary(r)["reason"]["message"], "QR Code is not enabled");
  EXPECT_EQ(primary(r)["item"]["gtin"], kGtinA);
  EXPECT_EQ(task("PICK-RF").lines[1].done, 0);

  RawScan tag{"3074257BF7194E4000001A85", "rfid:1", std::chrono::seconds(1)};
  EXPECT_FALSE(ex.scan(tag, state).accepted) << "hex without the RFID flag is only text";
  tag.rfid_epc = true;
  auto d = ex.scan(tag, state);
  ASSERT_TRUE(d.accepted) << d.reason.message;
  EXPECT_EQ(primary(d)["item"]["serial"], "6789");
  EXPECT_EQ(primary(d)["scan"]["symbology"], "epc");

  auto g = scan(std::string("\xff\xfe\x00\x80garbage", 11));
  EXPECT_FALSE(g.accepted);
  EXPECT_NO_THROW((void)primary(g).dump());
  EXPECT_NO_THROW((void)g.reply.dump());
}

TEST_F(PickTest, UnsyncedClockIsRecorded) {
  clock.set_synced(false);
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  EXPECT_EQ(primary(scan(gs1(kGtinA)))["clock"], "unsynced");
}

TEST_F(PickTest, InProgressTasksArePreferredThenTaskIdOrder) {
  add(doc("A-TASK", "pick", {line(1, kGtinA, 5)}));
  add(doc("B-TASK", "pick", {line(1, kGtinB, 1), line(2, kGtinA, 5)}));
  EXPECT_EQ(scan("4006381333931").reply["task"], "B-TASK");
  EXPECT_EQ(scan(gs1(kGtinA)).reply["task"], "B-TASK");
  add(doc("C-TASK", "pick", {line(1, kGtinC, 1)}));
  add(doc("0-TASK", "pick", {line(1, kGtinC, 1)}));
  EXPECT_EQ(scan("5901234123457").reply["task"], "0-TASK");
}

TEST_F(PickTest, FefoExpiredTooSoonAndWrongLot) {
  // The device's date is 2026-11-26 (FakeClock).
  add(doc("PICK-1", "pick",
          {line(1, kGtinA, 3, {{"lot", "LOT1"}, {"min_expiry", "2027-01-01"}}), line(2, kGtinB, 2)}));
  auto expired = scan(gs1(kGtinA, "LOT1", "261125"));
  EXPECT_EQ(expired.reason.code, "expired") << expired.reason.message;
  auto too_soon = scan(gs1(kGtinA, "LOT1", "261231"));
  EXPECT_EQ(too_soon.reason.code, "expiry_too_soon") << too_soon.reason.message;
  auto wrong_lot = scan(gs1(kGtinA, "LOT2", "270601"));
  EXPECT_EQ(wrong_lot.reason.code, "wrong_lot") << wrong_lot.reason.message;
  auto no_lot = scan("]C101" + std::string(kGtinA));
  EXPECT_EQ(no_lot.reason.code, "wrong_lot") << "a required lot must be scanned";
  EXPECT_EQ(task("PICK-1").lines[0].done, 0);
  // Today's date is not expired; the exact min_expiry is fine.
  EXPECT_TRUE(scan(gs1(kGtinA, "LOT1", "270101")).accepted);
  // Expired stock is refused on lines without lot or min_expiry too.
  EXPECT_EQ(scan(gs1(kGtinB, "ANY", "260101")).reason.code, "expired");
  EXPECT_TRUE(scan(gs1(kGtinB, "ANY", "261126")).accepted);
}

TEST_F(PickTest, AllowedSubstituteIsPickSubstitutedByTask) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 2, {{"substitutes", {"4006381333931"}}})}));
  auto d = scan("4006381333931");
  ASSERT_TRUE(d.accepted) << d.reason.message;
  const json& e = primary(d);
  expect_task_event(e, "pick.substituted", "PICK-1", "pick", "in_progress");
  expect_scan_fields(e);
  EXPECT_EQ(e["line"], 1);
  EXPECT_EQ(e["ordered_gtin"], kGtinA);
  EXPECT_EQ(e["item"]["gtin"], kGtinB);
  EXPECT_EQ(e["approved_by"], "task");
  EXPECT_EQ(e["qty"], 1);
  EXPECT_EQ(task("PICK-1").lines[0].substituted, 1);
  // The ordered GTIN still counts on the same line.
  EXPECT_EQ(primary(scan(gs1(kGtinA)))["task_state"], "picked");
}

TEST_F(PickTest, OperatorApprovedSubstitution) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  EXPECT_EQ(scan("4006381333931").reason.code, "wrong_item");
  auto d = act({{"op", "exception.report"}, {"type", "substitution"}, {"task_id", "PICK-1"}, {"line", 1},
                {"data", "4006381333931"}, {"approved_by", "sup-1"}});
  ASSERT_TRUE(d.accepted) << d.reason.message;
  const json& e = primary(d);
  expect_task_event(e, "pick.substituted", "PICK-1", "pick", "picked");
  EXPECT_EQ(e["approved_by"], "sup-1");
  EXPECT_EQ(e["ordered_gtin"], kGtinA);
  EXPECT_EQ(e["item"]["gtin"], kGtinB);
  EXPECT_EQ(e["qty"], 1);
  // Refused: no data GTIN, line full, unknown line.
  auto again = act({{"op", "exception.report"}, {"type", "substitution"}, {"task_id", "PICK-1"}, {"line", 1},
                    {"data", "4006381333931"}, {"approved_by", "sup-1"}});
  EXPECT_EQ(again.reason.code, "not_allowed");
  EXPECT_TRUE(again.events.empty());
}

TEST_F(PickTest, ShortExceptionAndCompleteWithUnpickedLines) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 3), line(2, kGtinB, 2)}, {{"order", "O-1"}}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto s = act({{"op", "exception.report"}, {"type", "short"}, {"task_id", "PICK-1"}, {"line", 1}, {"qty", 1}});
  ASSERT_TRUE(s.accepted) << s.reason.message;
  const json& e = primary(s);
  expect_task_event(e, "pick.short", "PICK-1", "pick", "in_progress");
  EXPECT_EQ(e["order"], "O-1");
  EXPECT_EQ(e["lines"], json::parse(R"([{"line":1,"gtin":"09506000134352","qty":1}])"));
  EXPECT_FALSE(e.contains("scan"));
  // Too many units short: refused, nothing changes.
  auto too_many = act({{"op", "exception.report"}, {"type", "short"}, {"task_id", "PICK-1"}, {"line", 1}, {"qty", 5}});
  EXPECT_EQ(too_many.reason.code, "bad_request");
  EXPECT_NE(too_many.reason.message.find("qty"), std::string::npos);
  EXPECT_EQ(task("PICK-1").lines[0].short_qty, 1);
  auto c = act({{"op", "task.complete"}, {"task_id", "PICK-1"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  expect_task_event(primary(c), "pick.short", "PICK-1", "pick", "short");
  EXPECT_EQ(primary(c)["lines"],
            json::parse(R"([{"line":1,"gtin":"09506000134352","qty":1},{"line":2,"gtin":"04006381333931","qty":2}])"));
  EXPECT_EQ(c.reply["task_state"], "short");
  // Complete again: already complete, no event.
  auto again = act({{"op", "task.complete"}, {"task_id", "PICK-1"}});
  EXPECT_TRUE(again.accepted);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(scan(gs1(kGtinB)).reason.code, "task_complete");
}

}  // namespace
}  // namespace scanedge::tasks::testing
