// Task documents: validation (bad_task naming the field), the stored form and its round
// trip, old stored pick tasks, WorkState persistence.
#include "edge/tasks/task.h"

#include "tests/unit/tasks/tasks_fixture.h"

namespace scanedge::tasks::testing {
namespace {

TEST(ParseTask, RejectsBadDocumentsNamingTheField) {
  const json lines = json::array({line(1, kGtinA, 1)});
  struct Case {
    json d;
    const char* where;
  };
  std::vector<Case> cases{
      {json::array(), "task"},
      {{{"version", 1}, {"lines", lines}}, "task_id"},
      {{{"task_id", "a/b"}, {"version", 1}, {"lines", lines}}, "task_id"},
      {{{"task_id", std::string(65, 'x')}, {"version", 1}, {"lines", lines}}, "task_id"},
      {{{"task_id", "T"}, {"version", 0}, {"lines", lines}}, "version"},
      {{{"task_id", "T"}, {"version", "1"}, {"lines", lines}}, "version"},
      {{{"task_id", "T"}, {"version", 1}}, "lines"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", json::array()}}, "lines"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "teleport"}, {"lines", lines}}, "type"},
      {{{"task_id", "T"}, {"version", 1}, {"channel", "Web Shop"}, {"lines", lines}}, "channel"},
      {{{"task_id", "T"}, {"version", 1}, {"order", ""}, {"lines", lines}}, "order"},
      {{{"task_id", "T"}, {"version", 1}, {"po", 7}, {"lines", lines}}, "po"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "return"}, {"lines", lines}}, "rma"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "pickup"}, {"lines", lines}}, "window_end"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "pickup"}, {"window_end", "tomorrow"}, {"lines", lines}},
       "window_end"},
      {{{"task_id", "T"}, {"version", 1}, {"window_end", "2026-11-27T18:00:00Z"}, {"lines", lines}}, "window_end"},
      // Beyond what the clock can count (found by fuzz_work: signed overflow).
      {{{"task_id", "T"}, {"version", 1}, {"type", "pickup"}, {"window_end", "4052-11-26T02:00:00Z"}, {"lines", lines}},
       "window_end"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 1), line(1, kGtinB, 1)}}}, "lines[1].line"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 1), line(2, "09506000134353", 1)}}},
       "lines[1].gtin"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 0)}}}, "lines[0].qty"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 1, {{"qty", 1000000001}})}}}, "lines[0].qty"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 1, {{"min_expiry", "2027-02-30"}})}}},
       "lines[0].min_expiry"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {line(1, kGtinA, 1, {{"substitutes", {"123"}}})}}},
       "lines[0].substitutes[0]"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "receive"}, {"lines", {line(1, kGtinA, 1, {{"substitutes", {kGtinB}}})}}},
       "lines[0].substitutes"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "receive"}, {"lines", lines},
        {"pallets", {{{"sscc", "123"}, {"contents", {{{"line", 1}, {"qty", 1}}}}}}}},
       "pallets[0].sscc"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "receive"}, {"lines", lines},
        {"pallets", {{{"sscc", sscc(1)}, {"contents", {{{"line", 9}, {"qty", 1}}}}}}}},
       "pallets[0].contents[0].line"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", lines}, {"pallets", json::array()}}, "pallets"},
  };
  for (const auto& c : cases) {
    auto t = parse_task(c.d);
    ASSERT_FALSE(t) << c.d.dump();
    EXPECT_EQ(t.error().code, "bad_task");
    EXPECT_EQ(t.error().message.rfind(std::string(c.where) + ":", 0), 0u) << c.where << " / " << t.error().message;
  }
}

TEST(ParseTask, GtinMessageNamesTheLineAndTheReason) {
  auto t = parse_task({{"task_id", "T"}, {"version", 1},
                       {"lines", {line(1, kGtinA, 1), line(2, kGtinB, 1), line(3, "123", 1)}}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "lines[2].gtin: \"123\" is not a valid GTIN (length: expected 8, 12, 13 or 14 digits)");
  auto c = parse_task({{"task_id", "T"}, {"version", 1}, {"lines", {line(1, "09506000134353", 1)}}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "lines[0].gtin: \"09506000134353\" is not a valid GTIN (check digit)");
}

TEST(ParseTask, DefaultsAndNormalisation) {
  auto t = parse_task({{"task_id", "T"}, {"version", 2}, {"lines", {{{"gtin", "4006381333931"}, {"qty", 2}}}}});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->type, TaskType::pick);
  EXPECT_EQ(t->channel, "default");
  EXPECT_EQ(t->state, TaskState::released);
  EXPECT_EQ(t->lines[0].line, 1);
  EXPECT_EQ(t->lines[0].gtin, kGtinB);
  auto p = parse_task(doc("P", "pickup", {line(1, kGtinA, 1)}, {{"window_end", "2026-11-27T18:00:00Z"}}));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->state, TaskState::ready);
}

TEST(ParseTask, OldStoredPickTaskLoads) {
  const json old{{"task_id", "PICK-1"},
                 {"version", 3},
                 {"type", "pick"},
                 {"state", "in_progress"},
                 {"lines", {{{"line", 1}, {"gtin", kGtinA}, {"qty", 2}, {"location", "A-01"}, {"picked", 1}}}}};
  auto t = parse_task(old);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->version, 3);
  EXPECT_EQ(t->state, TaskState::in_progress);
  EXPECT_EQ(t->lines[0].done, 1);
  EXPECT_EQ(t->lines[0].location, "A-01");
  // The stored form keeps "picked" for pick tasks, so an older build still reads it.
  EXPECT_EQ(to_json(*t)["lines"][0]["picked"], 1);
}

TEST(ParseTask, StoredFormRoundTrips) {
  auto t = parse_task(doc("R-1", "receive", {line(1, kGtinA, 5), line(2, kGtinB, 1)},
                          {{"po", "PO-9"}, {"asn", "ASN-1"}, {"channel", "store_7"},
                           {"pallets", {{{"sscc", sscc(1)}, {"contents", {{{"line", 1}, {"qty", 4}, {"lot", "L1"}}}}}}}}));
  ASSERT_TRUE(t) << t.error().message;
  t->lines[0].done = 4;
  t->lines[1].damaged = 1;
  t->pallets[0].received = true;
  t->state = TaskState::in_progress;
  const json j = to_json(*t);
  auto again = parse_task(j);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(to_json(*again), j);
  EXPECT_TRUE(again->pallets[0].received);
  EXPECT_EQ(again->lines[1].damaged, 1);
}

}  // namespace
}  // namespace scanedge::tasks::testing
