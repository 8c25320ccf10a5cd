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
const sync::DeviceAddress kD2{"s1", "d2"};

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

TEST(LedgerStore, AppliesInOrder) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  auto o1 = apply(*store, batch(kD1, Stream::exec, 1, 3));
  EXPECT_EQ(o1.acked_through, 3);
  EXPECT_EQ(o1.applied, 3);
  EXPECT_EQ(o1.duplicates, 0);
  EXPECT_FALSE(o1.expect.has_value());
  auto o2 = apply(*store, batch(kD1, Stream::exec, 4, 10));
  EXPECT_EQ(o2.acked_through, 10);
  EXPECT_EQ(o2.applied, 7);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 10));
  auto st = store->state(kD1, Stream::exec);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->last_seq, 10);
  EXPECT_EQ(st->applied, 10);
  // The stored event is what was received, with its id and type.
  auto ev = store->events(kD1, Stream::exec, 4, 1);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].seq, 5);
  EXPECT_EQ((*ev)[0].id, "ev-exec-5");
  EXPECT_EQ((*ev)[0].type, "pick.confirmed");
  EXPECT_EQ((*ev)[0].body, testing::event_json(Stream::exec, 5));
  EXPECT_EQ((*ev)[0].applied_at.size(), 24u);  // 2026-11-26T17:00:00.123Z
}

TEST(LedgerStore, WholeBatchAgainIsDuplicateAndNotReapplied) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  apply(*store, batch(kD1, Stream::exec, 1, 5));
  auto again = apply(*store, batch(kD1, Stream::exec, 1, 5));
  EXPECT_EQ(again.acked_through, 5);
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.duplicates, 5);
  EXPECT_FALSE(again.expect.has_value());
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 5));
  EXPECT_EQ(store->state(kD1, Stream::exec)->applied, 5);
}

TEST(LedgerStore, OverlappingBatchAppliesOnlyTheNewTail) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  apply(*store, batch(kD1, Stream::exec, 1, 5));
  auto o = apply(*store, batch(kD1, Stream::exec, 3, 8));
  EXPECT_EQ(o.duplicates, 3);
  EXPECT_EQ(o.applied, 3);
  EXPECT_EQ(o.acked_through, 8);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 8));
  EXPECT_EQ(store->state(kD1, Stream::exec)->applied, 8);
}

TEST(LedgerStore, GapIsAnsweredWithExpectAndNothingAfterItIsApplied) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  apply(*store, batch(kD1, Stream::exec, 1, 5));
  auto gap = apply(*store, batch(kD1, Stream::exec, 7, 9));
  EXPECT_EQ(gap.acked_through, 5);
  ASSERT_TRUE(gap.expect.has_value());
  EXPECT_EQ(*gap.expect, 6);
  EXPECT_EQ(gap.applied, 0);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 5));
  // A first batch that does not start at 1 is a gap too.
  auto first = apply(*store, batch(kD2, Stream::exec, 2, 4));
  EXPECT_EQ(first.acked_through, 0);
  EXPECT_EQ(first.expect, 1);
  EXPECT_TRUE(seqs(*store, kD2, Stream::exec).empty());
  // The resend from the expected seq fills it.
  auto fill = apply(*store, batch(kD1, Stream::exec, 6, 9));
  EXPECT_EQ(fill.acked_through, 9);
  EXPECT_FALSE(fill.expect.has_value());
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 9));
}

TEST(LedgerStore, GroupCommitSeesEarlierBatchesAndStopsAtGaps) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  const auto a = batch(kD1, Stream::exec, 1, 3);
  const auto dup = batch(kD1, Stream::exec, 2, 4);
  const auto gap = batch(kD1, Stream::exec, 9, 10);
  const auto other = batch(kD2, Stream::telemetry, 1, 2);
  const sync::Batch* all[] = {&a, &dup, &gap, &other};
  auto r = store->apply_all(all);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].acked_through, 3);
  EXPECT_EQ((*r)[1].acked_through, 4);
  EXPECT_EQ((*r)[1].duplicates, 2);
  EXPECT_EQ((*r)[1].applied, 1);
  EXPECT_EQ((*r)[2].acked_through, 4);
  EXPECT_EQ((*r)[2].expect, 5);
  EXPECT_EQ((*r)[3].acked_through, 2);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 4));
  EXPECT_EQ(seqs(*store, kD2, Stream::telemetry), range(1, 2));
}

TEST(LedgerStore, ReopenKeepsState) {
  TempDir dir;
  const std::string path = dir.file("ledger.db");
  {
    auto store = open_store(path);
    apply(*store, batch(kD1, Stream::exec, 1, 50));
    apply(*store, batch(kD1, Stream::telemetry, 1, 2));
  }
  auto store = open_store(path);
  auto st = store->state(kD1, Stream::exec);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->last_seq, 50);
  EXPECT_EQ(st->applied, 50);
  auto dup = apply(*store, batch(kD1, Stream::exec, 41, 50));
  EXPECT_EQ(dup.duplicates, 10);
  EXPECT_EQ(dup.applied, 0);
  auto next = apply(*store, batch(kD1, Stream::exec, 51, 52));
  EXPECT_EQ(next.acked_through, 52);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 52));
  auto schema = storage::Database::open(path);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema_version(**schema).value(), latest_schema_version());
}

TEST(LedgerStore, DevicesAndStreamsAreIndependent) {
  TempDir dir;
  auto store = open_store(dir.file("ledger.db"));
  apply(*store, batch(kD1, Stream::exec, 1, 10));
  apply(*store, batch(kD1, Stream::telemetry, 1, 3));
  apply(*store, batch(kD2, Stream::exec, 1, 4));
  // A gap on one (device, stream) does not affect the others.
  EXPECT_EQ(apply(*store, batch(kD2, Stream::telemetry, 5, 6)).expect, 1);
  EXPECT_EQ(apply(*store, batch(kD1, Stream::telemetry, 4, 4)).acked_through, 4);
  auto all = store->states();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);  // d2/telemetry was never applied
  EXPECT_EQ((*all)[0].address, kD1);
  EXPECT_EQ((*all)[0].stream, Stream::exec);
  EXPECT_EQ((*all)[0].last_seq, 10);
  EXPECT_EQ((*all)[1].address, kD1);
  EXPECT_EQ((*all)[1].stream, Stream::telemetry);
  EXPECT_EQ((*all)[1].last_seq, 4);
  EXPECT_EQ((*all)[2].address, kD2);
  EXPECT_EQ((*all)[2].stream, Stream::exec);
  EXPECT_EQ((*all)[2].applied, 4);
  EXPECT_EQ(seqs(*store, kD2, Stream::exec), range(1, 4));
  EXPECT_EQ(seqs(*store, kD1, Stream::telemetry), range(1, 4));
  // Same device id at another site is another device.
  const sync::DeviceAddress other_site{"s2", "d1"};
  EXPECT_EQ(apply(*store, batch(other_site, Stream::exec, 1, 1)).acked_through, 1);
  EXPECT_EQ(store->state(kD1, Stream::exec)->last_seq, 10);
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

}  // namespace
}  // namespace scanedge::ledger
