// Operators (badges, bus login/logout, operator_required), started tasks, actions that are
// refused, persistence round trips, pruning.
#include "tests/unit/tasks/tasks_fixture.h"

namespace scanedge::tasks::testing {
namespace {

using SessionTest = TasksTest;

TEST_F(SessionTest, BadgeLoginSwitchLogoutAndOperatorOnEveryEvent) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 5)}));
  auto in = scan("BADGE:ana.k");
  ASSERT_TRUE(in.accepted) << in.reason.message;
  EXPECT_EQ(in.feedback, Feedback::good);
  ASSERT_EQ(in.events.size(), 1u);
  const json& e = primary(in);
  expect_envelope(e, "operator.login", "ana.k");
  EXPECT_EQ(e["previous"], nullptr);
  EXPECT_EQ(e["scan"]["raw"], "BADGE:ana.k");
  EXPECT_EQ(in.reply["decision"], "confirmed");
  EXPECT_EQ(in.changed_keys, std::vector<std::string>{"work/session"});
  EXPECT_EQ(state.operator_id(), "ana.k");
  // Same operator again: accepted, nothing changes.
  auto same = scan("]Q0BADGE:ana.k");
  EXPECT_TRUE(same.accepted);
  EXPECT_TRUE(same.events.empty());
  EXPECT_TRUE(same.changed_keys.empty());
  // The operator is on task and rejection events.
  expect_envelope(primary(scan(gs1(kGtinA))), "pick.confirmed", "ana.k");
  expect_envelope(primary(scan("4006381333931")), "scan.rejected", "ana.k");
  // Another operator: login with previous; the started task ends with the shift.
  ASSERT_TRUE(act({{"op", "task.start"}, {"task_id", "PICK-1"}}).accepted);
  auto other = scan("]C0BADGE:BEN-2");
  expect_envelope(primary(other), "operator.login", "BEN-2");
  EXPECT_EQ(primary(other)["previous"], "ana.k");
  EXPECT_FALSE(state.active_task().has_value());
  // Bad badges.
  for (const char* bad : {"BADGE:", "BADGE:has space", "BADGE:x/y", "BADGE:123456789012345678901234567890123"}) {
    auto r = scan(bad);
    EXPECT_EQ(r.reason.code, "bad_badge") << bad;
    EXPECT_EQ(state.operator_id(), "BEN-2");
  }
  // Logout via the bus.
  auto out = act({{"op", "operator.logout"}});
  ASSERT_TRUE(out.accepted);
  expect_envelope(primary(out), "operator.logout", nullptr);
  EXPECT_EQ(primary(out)["previous"], "BEN-2");
  EXPECT_FALSE(state.operator_id().has_value());
  EXPECT_TRUE(act({{"op", "operator.logout"}}).events.empty());
  // Login via the bus with a bare id or the badge data.
  auto bus = act({{"op", "operator.login"}, {"badge", "carla"}});
  expect_envelope(primary(bus), "operator.login", "carla");
  EXPECT_EQ(act({{"op", "operator.login"}, {"badge", "BADGE:dan"}}).reply["operator"], "dan");
  EXPECT_EQ(act({{"op", "operator.login"}, {"badge", "no way"}}).reason.code, "bad_request");
  EXPECT_EQ(act({{"op", "operator.login"}}).reason.message.rfind("badge:", 0), 0u);
}

TEST_F(SessionTest, OperatorRequired) {
  options.operator_required = true;
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  auto r = scan(gs1(kGtinA));
  EXPECT_EQ(r.reason.code, "no_operator");
  EXPECT_EQ(task("PICK-1").lines[0].done, 0);
  ASSERT_TRUE(scan("BADGE:op1").accepted);
  auto d = scan(gs1(kGtinA));
  ASSERT_TRUE(d.accepted) << d.reason.message;
  expect_envelope(primary(d), "pick.confirmed", "op1");
}

TEST_F(SessionTest, StartedTaskTakesScansOnlyAndRefusalsNameIt) {
  add(doc("A", "pick", {line(1, kGtinA, 1)}));
  add(doc("B", "pick", {line(1, kGtinA, 1), line(2, kGtinB, 1)}));
  auto st = act({{"op", "task.start"}, {"task_id", "B"}});
  ASSERT_TRUE(st.accepted) << st.reason.message;
  EXPECT_TRUE(st.events.empty());
  EXPECT_EQ(st.changed_keys, std::vector<std::string>{"work/session"});
  EXPECT_EQ(state.active_task(), "B");
  EXPECT_EQ(scan(gs1(kGtinA)).reply["task"], "B");
  auto refused = scan("5901234123457");
  EXPECT_EQ(refused.reason.code, "wrong_item");
  EXPECT_EQ(refused.reply["task"], "B");
  EXPECT_EQ(primary(refused)["task"], "B");
  auto done = scan("4006381333931");
  EXPECT_EQ(primary(done)["task_state"], "picked");
  EXPECT_NE(std::find(done.changed_keys.begin(), done.changed_keys.end(), "work/session"), done.changed_keys.end());
  EXPECT_FALSE(state.active_task().has_value()) << "a finished task stops being active";
  EXPECT_EQ(scan(gs1(kGtinA)).reply["task"], "A");
}

TEST_F(SessionTest, RefusedActionsChangeNothing) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 2)}));
  add(doc("RCV-1", "receive", {line(1, kGtinB, 2)}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  const json before = state.tasks_json();
  struct Case {
    json req;
    const char* code;
    const char* in_message;
  };
  std::vector<Case> cases{
      {json::array(), "bad_request", "request"},
      {{{"task_id", "PICK-1"}}, "bad_request", "op"},
      {{{"op", "task.fly"}}, "unknown_op", "task.fly"},
      {{{"op", "outbox.stats"}}, "unknown_op", "outbox.stats"},
      {{{"op", "task.start"}}, "bad_request", "task_id"},
      {{{"op", "task.start"}, {"task_id", "NOPE"}}, "unknown_task", "NOPE"},
      {{{"op", "task.complete"}, {"task_id", 5}}, "bad_request", "task_id"},
      {{{"op", "task.cancel"}, {"task_id", "PICK-1"}, {"reason", 7}}, "bad_request", "reason"},
      {{{"op", "exception.report"}}, "bad_request", "type"},
      {{{"op", "exception.report"}, {"type", "fire"}, {"task_id", "PICK-1"}}, "bad_request", "type"},
      {{{"op", "exception.report"}, {"type", "short"}, {"task_id", "PICK-1"}}, "bad_request", "line"},
      {{{"op", "exception.report"}, {"type", "short"}, {"task_id", "PICK-1"}, {"line", 9}}, "bad_request", "line"},
      {{{"op", "exception.report"}, {"type", "short"}, {"task_id", "RCV-1"}, {"line", 1}}, "not_allowed", "receive"},
      {{{"op", "exception.report"}, {"type", "missed_pickup"}, {"task_id", "PICK-1"}}, "not_allowed", "pickup"},
      {{{"op", "exception.report"}, {"type", "substitution"}, {"task_id", "PICK-1"}, {"line", 1}, {"data", "hello"},
        {"approved_by", "sup"}},
       "bad_request", "data"},
      {{{"op", "return.inspect"}, {"task_id", "PICK-1"}, {"line", 1}, {"disposition", "restock"}}, "not_allowed", "pick"},
      {{{"op", "task.list"}, {"state", "flying"}}, "bad_request", "state"},
  };
  for (const auto& c : cases) {
    auto d = act(c.req);
    EXPECT_FALSE(d.accepted) << c.req.dump();
    EXPECT_EQ(d.reason.code, c.code) << c.req.dump() << ": " << d.reason.message;
    EXPECT_NE(d.reason.message.find(c.in_message), std::string::npos) << d.reason.message;
    EXPECT_TRUE(d.events.empty());
    EXPECT_TRUE(d.changed_keys.empty());
  }
  EXPECT_EQ(state.tasks_json(), before);
  // not_allowed names the state.
  ASSERT_TRUE(act({{"op", "task.cancel"}, {"task_id", "PICK-1"}}).accepted);
  auto start = act({{"op", "task.start"}, {"task_id", "PICK-1"}});
  EXPECT_EQ(start.reason.code, "not_allowed");
  EXPECT_NE(start.reason.message.find("cancelled"), std::string::npos);
  EXPECT_EQ(act({{"op", "task.complete"}, {"task_id", "PICK-1"}}).reason.code, "not_allowed");
  EXPECT_TRUE(WorkExecutor::handles("task.list"));
  EXPECT_TRUE(WorkExecutor::handles("return.inspect"));
  EXPECT_FALSE(WorkExecutor::handles("status"));
}

TEST_F(SessionTest, TaskListAndSummary) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 2), line(2, kGtinB, 3)}, {{"order", "O-1"}}));
  add(doc("RCV-1", "receive", {line(1, kGtinC, 2)}, {{"po", "PO-1"}}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto all = act({{"op", "task.list"}});
  ASSERT_TRUE(all.accepted);
  ASSERT_EQ(all.reply["tasks"].size(), 2u);
  const json& t = all.reply["tasks"][0];
  EXPECT_EQ(t["task_id"], "PICK-1");
  EXPECT_EQ(t["version"], 1);
  EXPECT_EQ(t["type"], "pick");
  EXPECT_EQ(t["channel"], "default");
  EXPECT_EQ(t["state"], "in_progress");
  EXPECT_EQ(t["order"], "O-1");
  EXPECT_EQ(t["picked"], 1);
  EXPECT_EQ(t["qty"], 5);
  EXPECT_EQ(t["lines"][0]["done"], 1);
  EXPECT_EQ(t["lines"][0]["gtin"], kGtinA);
  EXPECT_EQ(all.reply["tasks"][1]["po"], "PO-1");
  auto released = act({{"op", "task.list"}, {"state", "released"}});
  ASSERT_EQ(released.reply["tasks"].size(), 1u);
  EXPECT_EQ(released.reply["tasks"][0]["task_id"], "RCV-1");
  EXPECT_EQ(state.tasks_json(), all.reply["tasks"]);
}

TEST_F(SessionTest, PersistenceRoundTripKeepsBehaviour) {
  add(doc("PICK-1", "pick", {line(1, kGtinA, 2, {{"substitutes", {kGtinC}}}), line(2, kGtinB, 1)}));
  add(doc("PACK-1", "pack", {line(1, kGtinA, 3)}));
  add(doc("PU-1", "pickup", {line(1, kGtinC, 1)}, {{"window_end", "2026-11-26T12:00:00Z"}}));
  ASSERT_TRUE(scan("BADGE:op1").accepted);
  ASSERT_TRUE(act({{"op", "task.start"}, {"task_id", "PACK-1"}}).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  const json before = state.tasks_json();
  restart();
  EXPECT_EQ(state.tasks_json(), before);
  EXPECT_EQ(state.operator_id(), "op1");
  EXPECT_EQ(state.active_task(), "PACK-1");
  // The open carton survived: the next item goes into carton 1, the SSCC closes it.
  EXPECT_EQ(primary(scan(gs1(kGtinA, "L1")))["carton"], 1);
  EXPECT_EQ(primary(scan(sscc_scan(sscc(1))))["contents"][0]["qty"], 2);
  ASSERT_TRUE(act({{"op", "operator.logout"}}).accepted);
  restart();
  EXPECT_FALSE(state.active_task().has_value());
  EXPECT_EQ(primary(scan("5901234123457"))["type"], "pick.substituted");
  clock.advance(std::chrono::hours(13));
  EXPECT_EQ(primary(tick().at(0))["type"], "pickup.missed") << "window_end survives the restart";
}

TEST_F(SessionTest, OldFormatPickTasksLoadAndWork) {
  const std::string old =
      R"({"task_id":"PICK-1","version":1,"type":"pick","state":"in_progress",)"
      R"("lines":[{"line":1,"gtin":"09506000134352","qty":2,"location":"A-01","picked":1}]})";
  std::vector<std::string> bad;
  state = WorkState::from_state({{"task/PICK-1", old}, {"task/X", "{not json"}, {"task/Y", R"({"task_id":"Z","version":1,"lines":[{"gtin":"09506000134352","qty":1}]})"}}, &bad);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_NE(bad[0].find("task/X"), std::string::npos);
  EXPECT_NE(bad[1].find("task/Y"), std::string::npos);
  ASSERT_EQ(state.size(), 1u);
  auto d = scan(gs1(kGtinA));
  ASSERT_TRUE(d.accepted) << d.reason.message;
  EXPECT_EQ(primary(d)["task_state"], "picked");
  EXPECT_EQ(primary(d)["location"], "A-01");
  EXPECT_EQ(d.reply["remaining"], 0);
  auto w = state.state_write("task/PICK-1");
  ASSERT_TRUE(w.value);
  EXPECT_EQ(json::parse(*w.value)["lines"][0]["picked"], 2);
  EXPECT_FALSE(state.state_write("task/NOPE").value.has_value());
}

TEST_F(SessionTest, FinishedTasksArePrunedAfterKeepFinished) {
  options.keep_finished = std::chrono::hours(2);
  add(doc("PICK-1", "pick", {line(1, kGtinA, 1)}));
  add(doc("PICK-2", "pick", {line(1, kGtinB, 1)}));
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  clock.advance(std::chrono::minutes(119));
  EXPECT_TRUE(tick().empty());
  clock.advance(std::chrono::minutes(2));
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].events.empty());
  EXPECT_EQ(out[0].changed_keys, std::vector<std::string>{"task/PICK-1"});
  EXPECT_EQ(state.tasks().count("PICK-1"), 0u);
  EXPECT_EQ(state.tasks().count("PICK-2"), 1u);
  // A finished task from an older build (no finished_at) starts counting when first seen.
  state = WorkState::from_state({{"task/OLD", R"({"task_id":"OLD","version":1,"type":"pick","state":"picked",
      "lines":[{"line":1,"gtin":"09506000134352","qty":1,"location":"","picked":1}]})"}});
  auto first = tick();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(state.tasks().count("OLD"), 1u);
  clock.advance(std::chrono::hours(3));
  tick();
  EXPECT_EQ(state.tasks().count("OLD"), 0u);
}

}  // namespace
}  // namespace scanedge::tasks::testing
