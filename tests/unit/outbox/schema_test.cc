// Schema versioning of the outbox database: ordered migrations, recorded once, never
// downgraded.
#include "edge/outbox/schema.h"

#include <gtest/gtest.h>

#include "edge/outbox/sqlite_outbox.h"
#include "edge/storage/sqlite_db.h"
#include "tests/unit/outbox/outbox_test_support.h"

namespace scanedge::outbox {
namespace {

using testing::drafts;
using testing::TempDir;

std::unique_ptr<storage::Database> raw(const std::string& path) {
  auto db = storage::Database::open(path);
  EXPECT_TRUE(db.ok());
  return db.ok() ? std::move(*db) : nullptr;
}

std::int64_t count(storage::Database& db, const std::string& sql) {
  auto v = db.query_int(sql);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? v->value_or(-1) : -1;
}

TEST(OutboxSchema, MigrationsAreOrderedFromOne) {
  const auto ms = migrations();
  ASSERT_FALSE(ms.empty());
  for (std::size_t i = 0; i < ms.size(); ++i) EXPECT_EQ(ms[i].version, static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(latest_schema_version(), ms.back().version);
}

TEST(OutboxSchema, FreshDatabaseIsMigratedAndEachVersionRecordedOnce) {
  TempDir dir;
  const std::string path = dir.file("o.db");
  {
    auto db = raw(path);
    ASSERT_TRUE(db);
    auto before = schema_version(*db);
    ASSERT_TRUE(before.ok());
    EXPECT_EQ(*before, 0);
  }
  for (int i = 0; i < 3; ++i) {
    auto box = SqliteOutbox::open(OutboxOptions{path, "normal", 0});
    ASSERT_TRUE(box.ok()) << box.error().message;
  }
  auto db = raw(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*schema_version(*db), latest_schema_version());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM schema_migrations"), latest_schema_version());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM schema_migrations WHERE applied_at LIKE '____-__-__T%Z'"),
            latest_schema_version());
  for (const char* table : {"events", "streams", "state"}) {
    EXPECT_EQ(count(*db, std::string("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='") + table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name='events' AND sql LIKE '%WITHOUT ROWID%'"), 1);
}

TEST(OutboxSchema, NewerSchemaVersionRefusesToOpenAndLeavesTheFileAlone) {
  TempDir dir;
  const std::string path = dir.file("o.db");
  {
    auto box = SqliteOutbox::open(OutboxOptions{path, "normal", 0});
    ASSERT_TRUE(box.ok());
    ASSERT_TRUE((*box)->commit(drafts(Stream::exec, 2), {}).ok());
  }
  const std::int64_t future = latest_schema_version() + 41;
  {
    auto db = raw(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("INSERT INTO schema_migrations(version, applied_at) VALUES (" + std::to_string(future) +
                         ", '2030-01-01T00:00:00Z')")
                    .ok());
  }
  auto box = SqliteOutbox::open(OutboxOptions{path, "full", 0});
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code, "schema_too_new");
  EXPECT_NE(box.error().message.find(std::to_string(future)), std::string::npos) << box.error().message;
  EXPECT_NE(box.error().message.find(path), std::string::npos) << box.error().message;

  auto db = raw(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*schema_version(*db), future);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM events"), 2);
}

TEST(OutboxSchema, NewerSchemaFileIsNotEvenSwitchedToWal) {
  TempDir dir;
  const std::string path = dir.file("future.db");
  {
    auto db = raw(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (1, 'x'), (" +
                         std::to_string(latest_schema_version() + 1) + ", 'z')")
                    .ok());
  }
  auto box = SqliteOutbox::open(OutboxOptions{path, "full", 0});
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code, "schema_too_new");
  auto db = raw(path);
  ASSERT_TRUE(db);
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "delete");
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_schema WHERE name='events'"), 0);
}

}  // namespace
}  // namespace scanedge::outbox
