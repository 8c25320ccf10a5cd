// The projection's write-behind (inventory_projection.h: changes coalesced per row until
// flush()) must give exactly the inventory that projecting and committing one event at a
// time gives. A seeded stream of work-model events from two devices (receipts, pallets,
// task versions, picks that oversell, substitutes, shorts with write-offs, cancels,
// hand-overs, put-backs, damage, returns, shipments) is applied twice: one event per
// transaction, and all of it in ONE transaction (interleaved batches of both devices). The
// availability reports, oversells with their previous consumers included, must be equal.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sync/ledger/availability_report.h"
#include "sync/ledger/ledger_store.h"
#include "tests/unit/sync/ledger/store_backends.h"
#include "tests/unit/sync/ledger/work_events.h"

namespace scanedge::ledger {
namespace {

using testing::Device;
using testing::item;
using testing::json;
using testing::Line;

const std::vector<std::string> kGtins = {"09506000134352", "04006381333931", "05901234123457"};
const std::vector<std::optional<std::string>> kLots = {std::string("A"), std::string("B"), std::nullopt};
const std::vector<std::string> kChannels = {"web", "store"};

struct OpenTask {
  std::string id;
  std::string type;  // pick | pickup
  std::string channel;
  std::vector<Line> lines;
  int version = 1;
};

// One device's events, made by a seeded generator.
void generate(Device& d, std::mt19937& rng, int count) {
  auto pick = [&](auto const& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; };
  auto n = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<OpenTask> open;
  int task_no = 0;
  while (d.last_seq() < count) {
    const int op = n(0, 99);
    if (op < 14) {
      d.receipt("RCV-" + d.address().device, 1, item(pick(kGtins), pick(kLots)));
    } else if (op < 18) {
      json contents = json::array();
      for (int i = 0; i < 2; ++i) {
        const auto lot = pick(kLots);
        contents.push_back({{"line", i + 1}, {"gtin", pick(kGtins)}, {"lot", lot ? json(*lot) : json(nullptr)},
                            {"qty", n(1, 6)}});
      }
      d.task_event("receive.pallet", "RCV-" + d.address().device, "receive", "in_progress", "default",
                   {{"sscc", "095060001000000018"}, {"contents", contents}});
    } else if (op < 30 || open.empty()) {
      OpenTask t;
      t.id = "T" + d.address().device + "-" + std::to_string(++task_no);
      t.type = n(0, 3) == 0 ? "pickup" : "pick";
      t.channel = pick(kChannels);
      for (int l = 1; l <= n(1, 3); ++l) t.lines.push_back(Line{l, pick(kGtins), n(1, 5), n(0, 2) == 0 ? pick(kLots) : std::nullopt});
      d.received(t.id, t.type, t.channel, t.lines, t.version);
      open.push_back(t);
    } else if (op < 34) {
      // A newer version of an open task: reserves qty - done per line.
      OpenTask& t = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
      for (Line& l : t.lines) l.qty = n(1, 6);
      d.received(t.id, t.type, t.channel, t.lines, ++t.version);
    } else if (op < 62) {
      OpenTask& t = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
      const Line& l = pick(t.lines);
      const bool last = n(0, 9) == 0;
      const auto lot = l.lot ? l.lot : pick(kLots);
      if (t.type == "pickup") {
        d.handed_over(t.id, t.channel, l.line, item(l.gtin, lot), last ? "picked_up" : "ready");
      } else if (n(0, 7) == 0) {
        d.task_event("pick.substituted", t.id, "pick", last ? "picked" : "in_progress", t.channel,
                     {{"line", l.line}, {"scan", testing::scan()}, {"item", item(pick(kGtins), pick(kLots))},
                      {"ordered_gtin", l.gtin}, {"qty", 1}});
      } else {
        d.picked(t.id, t.channel, l.line, item(l.gtin, lot), last ? "picked" : "in_progress");
      }
      if (last) open.erase(open.begin() + (&t - open.data()));
    } else if (op < 67) {
      OpenTask& t = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
      json lines = json::array();
      for (const Line& l : t.lines) lines.push_back({{"line", l.line}, {"gtin", l.gtin}, {"qty", n(1, 3)}});
      const bool final_state = n(0, 1) == 0;
      d.task_event("pick.short", t.id, t.type, final_state ? "short" : "in_progress", t.channel, {{"lines", lines}});
      if (final_state) open.erase(open.begin() + (&t - open.data()));
    } else if (op < 71) {
      OpenTask& t = open[std::uniform_int_distribution<std::size_t>(0, open.size() - 1)(rng)];
      d.task_event("task.cancelled", t.id, t.type, "cancelled", t.channel, {{"reason", "customer"}});
      open.erase(open.begin() + (&t - open.data()));
    } else if (op < 76) {
      d.task_event("putback.confirmed", "PB-1", "putback", "in_progress", "default",
                   {{"item", item(pick(kGtins), pick(kLots))}, {"qty", n(1, 2)}});
    } else if (op < 81) {
      d.event("exception.damage", {{"item", item(pick(kGtins), pick(kLots))}, {"qty", 1}});
    } else if (op < 86) {
      d.task_event("return.received", "RET-1", "return", "in_progress", "default",
                   {{"item", item(pick(kGtins), pick(kLots))}, {"qty", 1}});
    } else if (op < 91) {
      d.task_event("return.inspected", "RET-1", "return", "in_progress", "default",
                   {{"item", item(pick(kGtins), pick(kLots))},
                    {"qty", 1},
                    {"disposition", pick(std::vector<std::string>{"restock", "damaged", "dispose", "refurbish"})}});
    } else {
      json contents = json::array();
      const auto lot = pick(kLots);
      contents.push_back({{"gtin", pick(kGtins)}, {"lot", lot ? json(*lot) : json(nullptr)}, {"qty", n(1, 3)}});
      d.task_event("ship.confirmed", "SHP-1", "ship_from_store", "in_progress", "web",
                   {{"carton", "C1"}, {"contents", contents}});
    }
  }
}

class ProjectionBatching : public testing::BackendTest {};

TEST_P(ProjectionBatching, OneTransactionGivesTheSameInventoryAsOneEventPerTransaction) {
  for (const unsigned seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Device d1("s1", "d1"), d2("s1", "d2");
    generate(d1, rng, 300);
    generate(d2, rng, 300);

    // The global order: chunks of 1..40 events, alternating devices.
    struct Chunk {
      Device* d;
      std::int64_t first, last;
    };
    std::vector<Chunk> chunks;
    std::int64_t next1 = 1, next2 = 1;
    bool one = true;
    while (next1 <= d1.last_seq() || next2 <= d2.last_seq()) {
      std::int64_t& next = one ? next1 : next2;
      Device& d = one ? d1 : d2;
      if (next <= d.last_seq()) {
        const std::int64_t last = std::min(d.last_seq(), next + std::uniform_int_distribution<std::int64_t>(0, 39)(rng));
        chunks.push_back({&d, next, last});
        next = last + 1;
      }
      one = !one;
    }

    scanedge::testing::TempDir dir_a, dir_b;
    auto a = open_ledger(testing::fresh_location(GetParam(), dir_a), LedgerOptions{.synchronous = "off"});
    auto b = open_ledger(testing::fresh_location(GetParam(), dir_b), LedgerOptions{.synchronous = "off"});
    ASSERT_TRUE(a && b);
    // a: every event in its own transaction.
    for (const Chunk& c : chunks) {
      for (std::int64_t s = c.first; s <= c.last; ++s) {
        auto r = (*a)->apply(c.d->range(s, s));
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_EQ(r->applied, 1);
      }
    }
    // b: everything in one transaction.
    std::vector<sync::Batch> batches;
    for (const Chunk& c : chunks) batches.push_back(c.d->range(c.first, c.last));
    std::vector<const sync::Batch*> ptrs;
    for (const auto& bt : batches) ptrs.push_back(&bt);
    auto r = (*b)->apply_all(ptrs);
    ASSERT_TRUE(r) << r.error().message;

    auto inv_a = (*a)->inventory({});
    auto inv_b = (*b)->inventory({});
    ASSERT_TRUE(inv_a && inv_b);
    ASSERT_FALSE(inv_a->oversells.empty()) << "the stream must exercise the oversell check";
    ASSERT_FALSE(inv_a->items.empty());
    bool reserved = false;
    for (const auto& i : inv_a->items) reserved = reserved || i.reserved > 0;
    EXPECT_TRUE(reserved) << "the stream must leave reservations";
    EXPECT_EQ(availability_json(*inv_b, nullptr).dump(1), availability_json(*inv_a, nullptr).dump(1));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectionBatching,
                         ::testing::Values(testing::Backend::sqlite, testing::Backend::postgresql), testing::backend_name);

}  // namespace
}  // namespace scanedge::ledger
