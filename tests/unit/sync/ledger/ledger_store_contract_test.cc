// The LedgerStore contract (ledger_store.h), one suite run against both backends: SQLite
// and PostgreSQL (a throwaway cluster, tests/support/postgres.h). Exactly-once in order,
// duplicates, gaps, group commit, shed_through, reopening, read-only access, and several
// writers on one database applying overlapping redeliveries concurrently.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "sync/ledger/ledger_store.h"
#include "tests/unit/sync/ledger/batch_builder.h"
#include "tests/unit/sync/ledger/store_backends.h"
#include "tests/unit/sync/ledger/work_events.h"

namespace scanedge::ledger {
namespace {

using testing::Backend;
using testing::batch;

const sync::DeviceAddress kD1{"s1", "d1"};
const sync::DeviceAddress kD2{"s1", "d2"};

ApplyOutcome apply(LedgerStore& store, const sync::Batch& b) {
  auto r = store.apply(b);
  EXPECT_TRUE(r) << r.error().code << ": " << r.error().message;
  return r.ok() ? *r : ApplyOutcome{};
}

std::vector<std::int64_t> seqs(LedgerStore& store, const sync::DeviceAddress& a, Stream s) {
  auto ev = store.events(a, s, 0, 1000000);
  EXPECT_TRUE(ev) << ev.error().message;
  std::vector<std::int64_t> out;
  if (ev) {
    for (const auto& e : *ev) out.push_back(e.seq);
  }
  return out;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t q = first; q <= last; ++q) out.push_back(q);
  return out;
}

// A telemetry batch of seqs first..last declaring shed_through (0: none).
sync::Batch shed_batch(const sync::DeviceAddress& a, std::int64_t shed_through, std::int64_t first, std::int64_t last) {
  auto r = sync::decode_batch(
      sync::encode_batch(a, Stream::telemetry, testing::stored_events(Stream::telemetry, first, last), shed_through),
      1 << 30);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(r).value();
}

class StoreContract : public testing::BackendTest {};

TEST_P(StoreContract, AppliesInOrder) {
  auto store = open_store();
  ASSERT_TRUE(store);
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
  EXPECT_EQ(st->shed, 0);
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

TEST_P(StoreContract, WholeBatchAgainIsDuplicateAndNotReapplied) {
  auto store = open_store();
  ASSERT_TRUE(store);
  apply(*store, batch(kD1, Stream::exec, 1, 5));
  auto again = apply(*store, batch(kD1, Stream::exec, 1, 5));
  EXPECT_EQ(again.acked_through, 5);
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.duplicates, 5);
  EXPECT_FALSE(again.expect.has_value());
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 5));
  EXPECT_EQ(store->state(kD1, Stream::exec)->applied, 5);
}

TEST_P(StoreContract, OverlappingBatchAppliesOnlyTheNewTail) {
  auto store = open_store();
  ASSERT_TRUE(store);
  apply(*store, batch(kD1, Stream::exec, 1, 5));
  auto o = apply(*store, batch(kD1, Stream::exec, 3, 8));
  EXPECT_EQ(o.duplicates, 3);
  EXPECT_EQ(o.applied, 3);
  EXPECT_EQ(o.acked_through, 8);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 8));
  EXPECT_EQ(store->state(kD1, Stream::exec)->applied, 8);
}

TEST_P(StoreContract, GapIsAnsweredWithExpectAndNothingAfterItIsApplied) {
  auto store = open_store();
  ASSERT_TRUE(store);
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

TEST_P(StoreContract, GroupCommitSeesEarlierBatchesAndStopsAtGaps) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const auto a = batch(kD1, Stream::exec, 1, 3);
  const auto dup = batch(kD1, Stream::exec, 2, 4);
  const auto gap = batch(kD1, Stream::exec, 9, 10);
  const auto other = batch(kD2, Stream::telemetry, 1, 2);
  const auto never = batch(kD2, Stream::exec, 5, 6);  // a gap first: d2/exec never applied
  const sync::Batch* all[] = {&a, &dup, &gap, &other, &never};
  auto r = store->apply_all(all);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].acked_through, 3);
  EXPECT_EQ((*r)[1].acked_through, 4);
  EXPECT_EQ((*r)[1].duplicates, 2);
  EXPECT_EQ((*r)[1].applied, 1);
  EXPECT_EQ((*r)[2].acked_through, 4);
  EXPECT_EQ((*r)[2].expect, 5);
  EXPECT_EQ((*r)[3].acked_through, 2);
  EXPECT_EQ((*r)[4].acked_through, 0);
  EXPECT_EQ((*r)[4].expect, 1);
  EXPECT_EQ(seqs(*store, kD1, Stream::exec), range(1, 4));
  EXPECT_EQ(seqs(*store, kD2, Stream::telemetry), range(1, 2));
  auto states = store->states();
  ASSERT_TRUE(states);
  EXPECT_EQ(states->size(), 2u) << "d2/exec had nothing applied and is not listed";
}

TEST_P(StoreContract, ReopenKeepsState) {
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    apply(*store, batch(kD1, Stream::exec, 1, 50));
    apply(*store, batch(kD1, Stream::telemetry, 1, 2));
  }
  auto store = open_store();
  ASSERT_TRUE(store);
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
}

TEST_P(StoreContract, DevicesAndStreamsAreIndependent) {
  auto store = open_store();
  ASSERT_TRUE(store);
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

TEST_P(StoreContract, StatesAreOrderedBytewise) {
  auto store = open_store();
  ASSERT_TRUE(store);
  // Upper case sorts before lower case bytewise (not in a natural-language collation).
  for (const char* d : {"b", "B", "a-1", "a.1", "A"}) apply(*store, batch({"s1", d}, Stream::exec, 1, 1));
  auto all = store->states();
  ASSERT_TRUE(all);
  std::vector<std::string> got;
  for (const auto& s : *all) got.push_back(s.address.device);
  EXPECT_EQ(got, (std::vector<std::string>{"A", "B", "a-1", "a.1", "b"}));
}

TEST_P(StoreContract, ReadOnlyOpenReadsButCannotWrite) {
  { apply(*open_store(), batch(kD1, Stream::exec, 1, 2)); }
  auto ro = open_read_only();
  ASSERT_TRUE(ro);
  EXPECT_EQ((*ro).state(kD1, Stream::exec)->last_seq, 2);
  EXPECT_EQ(seqs(*ro, kD1, Stream::exec), range(1, 2));
  EXPECT_FALSE(ro->apply(batch(kD1, Stream::exec, 3, 3)));
  EXPECT_TRUE(ro->inventory({}));
  auto writer = open_store();
  EXPECT_EQ(writer->state(kD1, Stream::exec)->last_seq, 2);
}

TEST_P(StoreContract, ShedThroughAdvancesTheTelemetryCursorAndCountsTheShedSeqs) {
  auto store = open_store();
  ASSERT_TRUE(store);
  apply(*store, batch(kD1, Stream::telemetry, 1, 3));
  // Seqs 4..7 were shed on the device: the batch starts at 8.
  auto o = apply(*store, shed_batch(kD1, 7, 8, 9));
  EXPECT_EQ(o.shed, 4);
  EXPECT_EQ(o.applied, 2);
  EXPECT_EQ(o.acked_through, 9);
  EXPECT_FALSE(o.expect.has_value());
  auto st = store->state(kD1, Stream::telemetry);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->last_seq, 9);
  EXPECT_EQ(st->applied, 5);
  EXPECT_EQ(st->shed, 4);
  EXPECT_EQ(seqs(*store, kD1, Stream::telemetry), (std::vector<std::int64_t>{1, 2, 3, 8, 9}));
  // The same batch again: duplicates, nothing shed again.
  auto again = apply(*store, shed_batch(kD1, 7, 8, 9));
  EXPECT_EQ(again.shed, 0);
  EXPECT_EQ(again.duplicates, 2);
  EXPECT_EQ(again.acked_through, 9);
  // shed_through below the cursor changes nothing; the events apply normally.
  auto below = apply(*store, shed_batch(kD1, 5, 10, 10));
  EXPECT_EQ(below.shed, 0);
  EXPECT_EQ(below.applied, 1);
  // shed_through exactly the next expected seq: one seq shed.
  auto one = apply(*store, shed_batch(kD1, 11, 12, 12));
  EXPECT_EQ(one.shed, 1);
  EXPECT_EQ(one.acked_through, 12);
  // After shedding, a gap is still a gap: expect the seq after shed_through.
  auto gap = apply(*store, shed_batch(kD1, 15, 18, 18));
  EXPECT_EQ(gap.shed, 3);
  EXPECT_EQ(gap.applied, 0);
  EXPECT_EQ(gap.acked_through, 15);
  EXPECT_EQ(gap.expect, 16);
  EXPECT_EQ(store->state(kD1, Stream::telemetry)->shed, 8);
  // A device whose first batch sheds: the cursor starts from shed_through.
  auto fresh = apply(*store, shed_batch(kD2, 10, 11, 12));
  EXPECT_EQ(fresh.shed, 10);
  EXPECT_EQ(fresh.applied, 2);
  EXPECT_EQ(fresh.acked_through, 12);
  // Survives reopening; read-only readers see it.
  store.reset();
  auto ro = open_read_only();
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->state(kD1, Stream::telemetry)->shed, 8);
  auto all = ro->states();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].shed, 10);
}

TEST_P(StoreContract, ShedThroughIsNeverAppliedToExec) {
  auto store = open_store();
  ASSERT_TRUE(store);
  apply(*store, batch(kD1, Stream::exec, 1, 2));
  // The decoder refuses shed_through on exec; the store ignores it there too.
  sync::Batch b = batch(kD1, Stream::exec, 6, 6);
  b.shed_through = 5;
  auto o = apply(*store, b);
  EXPECT_EQ(o.shed, 0);
  EXPECT_EQ(o.applied, 0);
  EXPECT_EQ(o.expect, 3);
  EXPECT_EQ(store->state(kD1, Stream::exec)->last_seq, 2);
}

TEST_P(StoreContract, ApplyOrderAndApplyingInstanceAreRecorded) {
  LedgerOptions o;
  o.instance = "ledger-a";
  auto a = open_store(o);
  ASSERT_TRUE(a);
  apply(*a, batch(kD1, Stream::exec, 1, 2));
  apply(*a, batch(kD2, Stream::exec, 1, 1));
  a.reset();
  o.instance = "ledger-b";
  auto b = open_store(o);
  apply(*b, batch(kD1, Stream::exec, 3, 3));
  auto ev = b->events(kD1, Stream::exec, 0, 10);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 3u);
  EXPECT_EQ((*ev)[0].applied_by, "ledger-a");
  EXPECT_EQ((*ev)[2].applied_by, "ledger-b");
  EXPECT_LT((*ev)[0].apply_order, (*ev)[1].apply_order);
  auto d2 = b->events(kD2, Stream::exec, 0, 10);
  ASSERT_TRUE(d2);
  EXPECT_GT(d2->at(0).apply_order, (*ev)[1].apply_order);
  EXPECT_LT(d2->at(0).apply_order, (*ev)[2].apply_order);
}

// Two writers (two ledger processes in production) on one database receive overlapping,
// reordered redeliveries of five devices' streams at the same time. Every event is applied
// exactly once and in seq order (apply_order increases with seq), and the inventory
// projection counts each receipt once.
TEST_P(StoreContract, TwoWritersApplyOverlappingRedeliveriesExactlyOnceInOrder) {
  constexpr int kDevices = 5;
  constexpr std::int64_t kEvents = 120;
  const std::string kGtin = "09506000134352";
  std::vector<testing::Device> devices;
  std::vector<testing::Device> telemetry;
  for (int d = 0; d < kDevices; ++d) {
    devices.emplace_back("s1", "d" + std::to_string(d));
    telemetry.emplace_back("s1", "d" + std::to_string(d), Stream::telemetry);
    devices.back().received("RCV-" + std::to_string(d), "receive", "default",
                            {testing::Line{1, kGtin, kEvents, std::nullopt}});
    for (std::int64_t k = 1; k < kEvents; ++k) devices.back().receipt("RCV-" + std::to_string(d), 1, testing::item(kGtin));
    for (std::int64_t k = 0; k < kEvents; ++k) {
      telemetry.back().event("scan.rejected", {{"reason", {{"code", "no_task"}, {"message", "x"}}}});
    }
  }
  auto writer = [&](int who, std::uint32_t seed) {
    LedgerOptions o;
    o.instance = "w" + std::to_string(who);
    auto store = open_store(o);
    ASSERT_TRUE(store);
    std::mt19937 rng(seed);
    // Each writer walks every stream from seq 1 in random-sized windows, resending from its
    // own view of the ack (like a device after a redelivery), in random device order and
    // grouping several batches per transaction.
    std::vector<std::int64_t> next(2 * kDevices, 1);
    for (;;) {
      std::vector<sync::Batch> group;
      for (int pick = 0; pick < 3; ++pick) {
        std::vector<int> open;
        for (int i = 0; i < 2 * kDevices; ++i) {
          if (next[static_cast<std::size_t>(i)] <= kEvents) open.push_back(i);
        }
        if (open.empty()) break;
        const int i = open[rng() % open.size()];
        const std::int64_t first = std::max<std::int64_t>(1, next[static_cast<std::size_t>(i)] - static_cast<std::int64_t>(rng() % 4));
        const std::int64_t last = std::min<std::int64_t>(kEvents, first + static_cast<std::int64_t>(rng() % 12));
        testing::Device& dev = i < kDevices ? devices[static_cast<std::size_t>(i)]
                                            : telemetry[static_cast<std::size_t>(i - kDevices)];
        group.push_back(dev.range(first, last));
        next[static_cast<std::size_t>(i)] = last + 1;
      }
      if (group.empty()) break;
      std::vector<const sync::Batch*> ptrs;
      for (const auto& b : group) ptrs.push_back(&b);
      auto r = store->apply_all(ptrs);
      ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
      for (std::size_t k = 0; k < group.size(); ++k) {
        // A gap (the other writer has not got there yet) is answered with expect: resend.
        const auto& b = group[k];
        const int i = (b.stream == Stream::exec ? 0 : kDevices) + std::stoi(b.address.device.substr(1));
        next[static_cast<std::size_t>(i)] = (*r)[k].acked_through + 1;
      }
    }
  };
  { ASSERT_TRUE(open_store()); }  // the schema first; the writers then start together
  std::thread t1(writer, 1, 11u), t2(writer, 2, 22u);
  t1.join();
  t2.join();

  auto store = open_read_only();
  ASSERT_TRUE(store);
  std::map<std::string, int> by_writer;
  for (int d = 0; d < kDevices; ++d) {
    for (Stream s : {Stream::exec, Stream::telemetry}) {
      const sync::DeviceAddress a{"s1", "d" + std::to_string(d)};
      auto ev = store->events(a, s, 0, 100000);
      ASSERT_TRUE(ev);
      ASSERT_EQ(ev->size(), static_cast<std::size_t>(kEvents));
      for (std::size_t k = 0; k < ev->size(); ++k) {
        EXPECT_EQ((*ev)[k].seq, static_cast<std::int64_t>(k + 1));
        if (k > 0) {
          EXPECT_LT((*ev)[k - 1].apply_order, (*ev)[k].apply_order) << a.device << " seq " << k + 1;
        }
        ++by_writer[(*ev)[k].applied_by];
      }
      auto st = store->state(a, s);
      EXPECT_EQ(st->applied, kEvents);
      EXPECT_EQ(st->last_seq, kEvents);
    }
  }
  EXPECT_EQ(by_writer["w1"] + by_writer["w2"], 2 * kDevices * kEvents);
  auto inv = store->inventory({});
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_EQ(inv->items.size(), 1u);
  EXPECT_EQ(inv->items[0].total[0], kDevices * (kEvents - 1)) << "each receipt projected once";
}

// Two writers project picks of one item from four devices at the same time. Whatever the
// interleaving, once the 40 received units are gone every further pick is an oversell:
// exactly 80 - 40 records. (Without the per-site serialisation of the projection, two
// transactions could both see the last unit and record one oversell too few.)
TEST_P(StoreContract, ConcurrentConsumersOfOneItemRecordEveryOversell) {
  const std::string kGtin = "09506000134352";
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    testing::Device r("s1", "recv");
    r.received("RCV-1", "receive", "default", {testing::Line{1, kGtin, 40, std::nullopt}});
    for (int k = 0; k < 40; ++k) r.receipt("RCV-1", 1, testing::item(kGtin));
    apply(*store, r.take());
  }
  std::vector<testing::Device> pickers;
  for (int d = 0; d < 4; ++d) {
    pickers.emplace_back("s1", "p" + std::to_string(d));
    const std::string task = "PICK-" + std::to_string(d);
    pickers.back().received(task, "pick", "web", {testing::Line{1, kGtin, 20, std::nullopt}});
    for (int k = 0; k < 20; ++k) pickers.back().picked(task, "web", 1, testing::item(kGtin));
  }
  auto writer = [&](int first_device) {
    auto store = open_store();
    ASSERT_TRUE(store);
    // One event per transaction, alternating devices: many short, interleaved transactions.
    for (std::int64_t seq = 1; seq <= 21; ++seq) {
      for (int k = 0; k < 2; ++k) {
        const auto& dev = pickers[static_cast<std::size_t>(first_device + k)];
        auto r = store->apply(dev.range(seq, seq));
        ASSERT_TRUE(r) << r.error().message;
      }
    }
  };
  std::thread t1(writer, 0), t2(writer, 2);
  t1.join();
  t2.join();
  auto store = open_read_only();
  ASSERT_TRUE(store);
  auto inv = store->inventory({});
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_EQ(inv->items.size(), 1u);
  EXPECT_EQ(inv->items[0].total[0], -40);
  std::int64_t short_units = 0;
  for (const auto& o : inv->oversells) short_units += o.short_qty;
  EXPECT_EQ(inv->oversells.size(), 40u);
  EXPECT_EQ(short_units, 40);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

}  // namespace
}  // namespace scanedge::ledger
