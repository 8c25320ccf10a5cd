#include "sync/ledger/task_publisher.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scanedge::ledger {
namespace {

TEST(TaskDocument, AcceptsObjectWithTaskIdAndIntegerVersion) {
  auto r = validate_task_document(R"( {"task_id":"PICK-1","version":3,"lines":[{"gtin":"1","qty":2}]} )");
  ASSERT_TRUE(r) << r.error().message;
  const auto doc = nlohmann::json::parse(*r);
  EXPECT_EQ(doc["task_id"], "PICK-1");
  EXPECT_EQ(doc["version"], 3);
  EXPECT_EQ(r->find(' '), std::string::npos);  // compact
}

TEST(TaskDocument, RejectsInvalidDocuments) {
  for (const char* bad : {"", "nope", "[]", "{}", R"({"task_id":"T"})", R"({"version":1})",
                          R"({"task_id":1,"version":1})", R"({"task_id":"","version":1})",
                          R"({"task_id":"T","version":1.5})", R"({"task_id":"T","version":"1"})"}) {
    auto r = validate_task_document(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "bad_task");
    EXPECT_FALSE(r.error().message.empty());
  }
}

}  // namespace
}  // namespace scanedge::ledger
