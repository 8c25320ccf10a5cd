// Task documents through put_task: outcomes, idempotency, updates keeping progress,
// cancels (tombstones, too_late), and the task.received event.
#include "tests/unit/tasks/tasks_fixture.h"

namespace scanedge::tasks::testing {
namespace {

using DocumentsTest = TasksTest;

json pick_doc(int version, int qty = 3) {
  json d = doc("PICK-1", "pick", {line(1, kGtinA, qty, {{"lot", "L1"}}), line(2, kGtinB, 1)},
               {{"order", "O-1"}, {"channel", "web"}});
  d["version"] = version;
  return d;
}

TEST_F(DocumentsTest, AddedEmitsTaskReceived) {
  auto d = put(pick_doc(1));
  ASSERT_TRUE(d.accepted) << d.reason.message;
  EXPECT_EQ(d.reply, json::parse(R"({"task_id":"PICK-1","outcome":"added"})"));
  ASSERT_EQ(d.events.size(), 1u);
  const json& e = primary(d);
  expect_task_event(e, "task.received", "PICK-1", "pick", "released");
  EXPECT_EQ(e["version"], 1);
  EXPECT_EQ(e["channel"], "web");
  EXPECT_EQ(e["order"], "O-1");
  EXPECT_EQ(e["lines"], json::parse(R"([{"line":1,"gtin":"09506000134352","qty":3,"lot":"L1","location":"L-1"},
                                        {"line":2,"gtin":"04006381333931","qty":1,"lot":null,"location":"L-2"}])"));
  EXPECT_EQ(e["window_end"], nullptr);
  EXPECT_EQ(e["pallets"], nullptr);
  EXPECT_EQ(d.changed_keys, std::vector<std::string>{"task/PICK-1"});
  const json pallets = {{{"sscc", sscc(1)}, {"contents", {{{"line", 1}, {"qty", 2}}}}}};
  auto r = put(doc("RCV-1", "receive", {line(1, kGtinA, 2)}, {{"pallets", pallets}}));
  EXPECT_EQ(primary(r)["pallets"], pallets);
  auto p = put(doc("PU-1", "pickup", {line(1, kGtinA, 2)}, {{"window_end", "2026-11-27T18:00:00Z"}}));
  EXPECT_EQ(primary(p)["window_end"], "2026-11-27T18:00:00Z");
  EXPECT_EQ(primary(p)["task_state"], "ready");
}

TEST_F(DocumentsTest, IdempotentByVersionAndUpdatesKeepProgress) {
  ASSERT_TRUE(put(pick_doc(2)).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA, "L1")).accepted);
  auto same = put(pick_doc(2));
  EXPECT_EQ(same.reply["outcome"], "unchanged");
  EXPECT_TRUE(same.events.empty());
  EXPECT_TRUE(same.changed_keys.empty());
  auto older = put(pick_doc(1));
  EXPECT_EQ(older.reply["outcome"], "stale");
  EXPECT_TRUE(older.events.empty());
  EXPECT_EQ(task("PICK-1").version, 2);
  auto newer = put(pick_doc(3, 5));
  EXPECT_EQ(newer.reply["outcome"], "updated");
  expect_task_event(primary(newer), "task.received", "PICK-1", "pick", "in_progress");
  EXPECT_EQ(task("PICK-1").lines[0].qty, 5);
  EXPECT_EQ(task("PICK-1").lines[0].done, 2);
  // A newer version whose line 1 is already fully picked and line 2 gone: picked.
  json smaller = pick_doc(4, 2);
  smaller["lines"].erase(1);
  auto d = put(smaller);
  EXPECT_EQ(d.reply["outcome"], "updated");
  EXPECT_EQ(primary(d)["task_state"], "picked");
  // Finished: newer versions are stale.
  EXPECT_EQ(put(pick_doc(5)).reply["outcome"], "stale");
}

TEST_F(DocumentsTest, ProgressInADocumentIsIgnoredAndPutBackIsRefused) {
  json d = pick_doc(1);
  d["state"] = "picked";
  d["lines"][0]["picked"] = 3;
  ASSERT_TRUE(put(d).accepted);
  EXPECT_EQ(task("PICK-1").state, TaskState::released);
  EXPECT_EQ(task("PICK-1").lines[0].done, 0);
  auto pb = put(doc("PB-X", "put_back", {line(1, kGtinA, 1)}));
  EXPECT_FALSE(pb.accepted);
  EXPECT_EQ(pb.reason.code, "bad_task");
  EXPECT_EQ(pb.reason.message.rfind("type:", 0), 0u);
}

TEST_F(DocumentsTest, BadDocumentsChangeNothing) {
  ASSERT_TRUE(put(pick_doc(1)).accepted);
  const json before = state.tasks_json();
  json bad = pick_doc(2);
  bad["lines"][1]["gtin"] = "123";
  auto d = put(bad);
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.reason.code, "bad_task");
  EXPECT_EQ(d.reason.message, "lines[1].gtin: \"123\" is not a valid GTIN (length: expected 8, 12, 13 or 14 digits)");
  EXPECT_TRUE(d.events.empty());
  EXPECT_TRUE(d.changed_keys.empty());
  EXPECT_EQ(put(json::array()).reason.code, "bad_task");
  EXPECT_EQ(put({{"task_id", "PICK-1"}, {"cancel", true}}).reason.message.rfind("version:", 0), 0u);
  json retype = pick_doc(2);
  retype["type"] = "receive";
  EXPECT_EQ(put(retype).reason.message.rfind("type:", 0), 0u);
  EXPECT_EQ(state.tasks_json(), before);
}

TEST_F(DocumentsTest, CancelOfAFinishedTaskIsTooLate) {
  ASSERT_TRUE(put(doc("PICK-1", "pick", {line(1, kGtinA, 1)})).accepted);
  ASSERT_TRUE(scan(gs1(kGtinA)).accepted);
  auto c = put({{"task_id", "PICK-1"}, {"version", 2}, {"cancel", true}, {"reason", "customer"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  EXPECT_EQ(c.reply["outcome"], "too_late");
  ASSERT_EQ(c.events.size(), 1u);
  const json& e = primary(c);
  expect_task_event(e, "task.cancel_refused", "PICK-1", "pick", "picked");
  EXPECT_EQ(e["version"], 2);
  EXPECT_EQ(e["reason"], "customer");
  EXPECT_EQ(task("PICK-1").state, TaskState::picked);
  // Redelivered: unchanged, no second event.
  auto again = put({{"task_id", "PICK-1"}, {"version", 2}, {"cancel", true}, {"reason", "customer"}});
  EXPECT_EQ(again.reply["outcome"], "unchanged");
  EXPECT_TRUE(again.events.empty());
}

TEST_F(DocumentsTest, CancelTombstoneBlocksAnOlderDocument) {
  auto c = put({{"task_id", "PICK-7"}, {"version", 3}, {"cancel", true}, {"reason", "customer"}});
  ASSERT_TRUE(c.accepted) << c.reason.message;
  EXPECT_EQ(c.reply["outcome"], "cancelled");
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.changed_keys, std::vector<std::string>{"task/PICK-7"});
  EXPECT_EQ(state.tasks_json(), json::array()) << "a tombstone is not a task";
  restart();
  auto late = put(doc("PICK-7", "pick", {line(1, kGtinA, 1)}));
  EXPECT_EQ(late.reply["outcome"], "stale");
  EXPECT_TRUE(late.events.empty());
  json newer = doc("PICK-7", "pick", {line(1, kGtinA, 1)});
  newer["version"] = 4;
  EXPECT_EQ(put(newer).reply["outcome"], "stale") << "a newer version of a cancelled task is stale";
  EXPECT_EQ(scan(gs1(kGtinA)).reason.code, "no_task");
  // Dropped keep_finished after it arrived.
  clock.advance(std::chrono::hours(25));
  auto out = tick();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].changed_keys, std::vector<std::string>{"task/PICK-7"});
  EXPECT_FALSE(state.state_write("task/PICK-7").value.has_value());
  EXPECT_EQ(put(doc("PICK-7", "pick", {line(1, kGtinA, 1)})).reply["outcome"], "added");
}

TEST_F(DocumentsTest, CancelledTaskStaysCancelled) {
  ASSERT_TRUE(put(pick_doc(1)).accepted);
  auto c = put({{"task_id", "PICK-1"}, {"version", 1}, {"cancel", true}});
  EXPECT_EQ(c.reply["outcome"], "cancelled");
  EXPECT_EQ(primary(c)["reason"], "unspecified");
  auto again = put({{"task_id", "PICK-1"}, {"version", 2}, {"cancel", true}});
  EXPECT_EQ(again.reply["outcome"], "unchanged");
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(put(pick_doc(2)).reply["outcome"], "stale");
}

}  // namespace
}  // namespace scanedge::tasks::testing
