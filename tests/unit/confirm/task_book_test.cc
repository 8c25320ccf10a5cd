#include "edge/confirm/task_book.h"

#include <gtest/gtest.h>

namespace scanedge::confirm {
namespace {

nlohmann::json doc(int version, int qty = 3) {
  return {{"task_id", "PICK-1"},
          {"version", version},
          {"lines", {{{"line", 1}, {"gtin", "09506000134352"}, {"qty", qty}, {"location", "A-01"}}}}};
}

TEST(PickTask, RejectsBadDocumentsNamingTheField) {
  struct Case {
    nlohmann::json d;
    const char* where;
  };
  std::vector<Case> cases{
      {nlohmann::json::array(), "task"},
      {{{"version", 1}}, "task_id"},
      {{{"task_id", "T"}, {"version", 0}, {"lines", doc(1)["lines"]}}, "version"},
      {{{"task_id", "T"}, {"version", 1}}, "lines"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {{{"gtin", "09506000134353"}, {"qty", 1}}}}}, "lines[0].gtin"},
      {{{"task_id", "T"}, {"version", 1}, {"lines", {{{"gtin", "09506000134352"}, {"qty", -1}}}}}, "lines[0].qty"},
      {{{"task_id", "T"}, {"version", 1}, {"type", "teleport"}, {"lines", doc(1)["lines"]}}, "type"},
      {{{"task_id", "a/b"}, {"version", 1}, {"lines", doc(1)["lines"]}}, "task_id"},
  };
  for (const auto& c : cases) {
    auto t = parse_task(c.d);
    ASSERT_FALSE(t) << c.d.dump();
    EXPECT_EQ(t.error().code, "bad_task");
    EXPECT_EQ(t.error().message.rfind(c.where, 0), 0u) << t.error().message;
  }
}

TEST(TaskBook, PutIsIdempotentByVersionAndKeepsProgress) {
  TaskBook book;
  EXPECT_EQ(book.put(*parse_task(doc(1))), TaskBook::PutOutcome::added);
  book.find_mutable("PICK-1")->lines[0].picked = 2;
  EXPECT_EQ(book.put(*parse_task(doc(1))), TaskBook::PutOutcome::unchanged);
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 2);
  EXPECT_EQ(book.put(*parse_task(doc(2, 5))), TaskBook::PutOutcome::updated);
  EXPECT_EQ(book.find("PICK-1")->lines[0].qty, 5);
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 2);
  EXPECT_EQ(book.put(*parse_task(doc(1))), TaskBook::PutOutcome::stale);
  EXPECT_EQ(book.find("PICK-1")->version, 2);
}

TEST(TaskBook, RoundTripsThroughStateAndSkipsCorruptEntries) {
  TaskBook book;
  book.put(*parse_task(doc(1)));
  book.find_mutable("PICK-1")->lines[0].picked = 1;
  const StateWrite w = book.state_write("PICK-1");
  ASSERT_TRUE(w.value);
  std::vector<std::string> bad;
  TaskBook again = TaskBook::from_state({{w.key, *w.value}, {"task/X", "{not json"}}, &bad);
  ASSERT_NE(again.find("PICK-1"), nullptr);
  EXPECT_EQ(again.find("PICK-1")->lines[0].picked, 1);
  EXPECT_EQ(again.size(), 1u);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("task/X"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::confirm
