// SQLite-only parts of the LedgerStore (file handling, pragmas, migrations); the contract
// itself is ledger_store_contract_test.cc, run against both backends.
#include "sync/ledger/ledger_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sync/ledger/schema.h"
#include "tests/support/process.h"
#include "tests/unit/sync/ledger/batch_builder.h"

namespace scanedge::ledger {
namespace {

using testing::batch;
using scanedge::testing::TempDir;

const sync::DeviceAddress kD1{"s1", "d1"};

std::unique_ptr<LedgerStore> open_store(const std::string& path) {
  auto s = LedgerStore::open(LedgerOptions{path, "full", nullptr});
  EXPECT_TRUE(s) << s.error().message;
  return std::move(s).value();
}

ApplyOutcome apply(LedgerStore& store, const sync::Batch& b) {
  auto r = store.apply(b);
  EXPECT_TRUE(r) << r.error().message;
  return r.ok() ? *r : ApplyOutcome{};
}

std::vector<std::int64_t> seqs(LedgerStore& store, const sync::DeviceAddress& a, Stream s) {
  auto ev = store.events(a, s, 0, 1000000);
  EXPECT_TRUE(ev);
  std::vector<std::int64_t> out;
  for (const auto& e : *ev) out.push_back(e.seq);
  return out;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t q = first; q <= last; ++q) out.push_back(q);
  return out;
}

TEST(LedgerStore, ReadOnlyOpenRefusesMissingOrForeignFiles) {
  TempDir dir;
  auto missing = LedgerStore::open_read_only(dir.file("nope.db"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "not_found");
  {
    std::ofstream(dir.file("garbage.db")) << "this is not sqlite at all, not even close..........................";
  }
  auto garbage = LedgerStore::open_read_only(dir.file("garbage.db"));
  ASSERT_FALSE(garbage);
  {
    auto db = storage::Database::open(dir.file("other.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE t(x)"));
  }
  auto foreign = LedgerStore::open_read_only(dir.file("other.db"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, "not_a_ledger");
  // A real ledger (closed cleanly) can be read, and the reader cannot write.
  { apply(*open_store(dir.file("ledger.db")), batch(kD1, Stream::exec, 1, 2)); }
  auto ro = LedgerStore::open_read_only(dir.file("ledger.db"));
  ASSERT_TRUE(ro) << ro.error().message;
  EXPECT_EQ((*ro)->state(kD1, Stream::exec)->last_seq, 2);
  EXPECT_FALSE((*ro)->apply(batch(kD1, Stream::exec, 3, 3)));
}

TEST(LedgerStore, RejectsBadSynchronousAndNewerSchema) {
  TempDir dir;
  auto bad = LedgerStore::open(LedgerOptions{dir.file("a.db"), "sometimes", nullptr});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_option");
  const std::string path = dir.file("b.db");
  { open_store(path); }
  {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("INSERT INTO schema_migrations VALUES (99, 'future')"));
  }
  auto newer = LedgerStore::open(LedgerOptions{path, "full", nullptr});
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, "schema_too_new");
}

TEST(LedgerStore, AV2DatabaseGetsShedAndAppliedByColumnsAndKeepsItsEvents) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  {
    auto store = open_store(path);
    apply(*store, batch(kD1, Stream::telemetry, 1, 2));
  }
  {
    // Back to what a v2 build wrote: no shed / applied_by columns, version 2.
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("ALTER TABLE streams DROP COLUMN shed; ALTER TABLE applied_events DROP COLUMN applied_by;"
                            "DELETE FROM schema_migrations WHERE version = 3"));
  }
  {
    // A read-only reader of the v2 file works without the new columns.
    auto ro = LedgerStore::open_read_only(path);
    ASSERT_TRUE(ro) << ro.error().message;
    EXPECT_EQ((*ro)->state(kD1, Stream::telemetry)->last_seq, 2);
    EXPECT_EQ((*ro)->states()->size(), 1u);
    EXPECT_EQ(seqs(**ro, kD1, Stream::telemetry), range(1, 2));
  }
  auto store = open_store(path);
  auto o = store->apply(testing::batch(kD1, Stream::telemetry, 3, 3));
  ASSERT_TRUE(o);
  EXPECT_EQ(store->state(kD1, Stream::telemetry)->shed, 0);
  auto ev = store->events(kD1, Stream::telemetry, 0, 10);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 3u);
  EXPECT_EQ((*ev)[0].applied_by, "");
  EXPECT_EQ(schema_version(*storage::Database::open(path).value()).value(), 3);
}

}  // namespace
}  // namespace scanedge::ledger
