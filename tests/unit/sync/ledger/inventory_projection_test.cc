// The inventory projection through LedgerStore::apply_all: one test per inventory outcome of
// edge/tasks/WORK_MODEL.md, exactly-once (duplicates, redelivery, re-opened database),
// oversells, malformed events and the migration of a v1 database.
#include "sync/ledger/inventory_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "edge/storage/migrations.h"
#include "sync/ledger/ledger_store.h"
#include "sync/ledger/schema.h"
#include "tests/support/process.h"
#include "tests/unit/sync/ledger/store_backends.h"
#include "tests/unit/sync/ledger/work_events.h"

namespace scanedge::ledger {
namespace {

using scanedge::testing::TempDir;
using testing::Device;
using testing::item;
using testing::json;
using testing::Line;

const std::string kG1 = "09506000134352";
const std::string kG2 = "04006381333931";
const std::string kG3 = "05901234123457";

std::int64_t bucket(const StockBuckets& b, std::string_view name) {
  for (std::size_t i = 0; i < kBucketNames.size(); ++i) {
    if (name == kBucketNames[i]) return b[i];
  }
  ADD_FAILURE() << "no bucket " << name;
  return 0;
}

class Projection : public testing::BackendTest {
 protected:
  void SetUp() override {
    testing::BackendTest::SetUp();
    if (IsSkipped()) return;
    reopen();
  }

  void reopen() {
    store_.reset();
    store_ = open_store();
    ASSERT_TRUE(store_);
  }

  ApplyOutcome apply(const sync::Batch& b) {
    auto r = store_->apply(b);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : ApplyOutcome{};
  }
  ApplyOutcome flush(Device& d) { return apply(d.take()); }

  InventorySnapshot snapshot(const InventoryFilter& f = {}) {
    auto s = store_->inventory(f);
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : InventorySnapshot{};
  }

  // The item, or an empty one (site/gtin empty) when the projection has none.
  ItemStock stock(const std::string& gtin, const std::string& site = "s1") {
    for (ItemStock& i : snapshot().items) {
      if (i.site == site && i.gtin == gtin) return i;
    }
    return {};
  }
  std::int64_t total(const std::string& gtin, std::string_view name, const std::string& site = "s1") {
    return bucket(stock(gtin, site).total, name);
  }
  std::int64_t lot(const std::string& gtin, const std::string& lot_name, std::string_view name) {
    for (const LotStock& l : stock(gtin).lots) {
      if (l.lot == lot_name) return bucket(l.buckets, name);
    }
    return 0;
  }
  std::int64_t reserved(const std::string& gtin, const std::string& channel = {}) {
    const ItemStock i = stock(gtin);
    if (channel.empty()) return i.reserved;
    auto it = i.by_channel.find(channel);
    return it == i.by_channel.end() ? 0 : it->second;
  }

  // Receives `n` units of (gtin, lot) on device `d` (a receive task), applied.
  void stock_up(Device& d, const std::string& gtin, std::optional<std::string> lot_name, int n) {
    const std::string task = "RCV-" + std::to_string(d.last_seq() + 1);
    d.received(task, "receive", "default", {Line{1, gtin, n, std::nullopt}});
    for (int k = 0; k < n; ++k) d.receipt(task, 1, item(gtin, lot_name), k + 1 == n ? "received" : "in_progress");
    flush(d);
  }

  std::unique_ptr<LedgerStore> store_;
};

TEST_P(Projection, ReceiptsPalletsAndOverReceiptsAddOnHandPerLotDamageDoesNot) {
  Device d("s1", "d1");
  d.received("RCV-1", "receive", "default", {Line{1, kG1, 2, std::nullopt}, Line{2, kG2, 5, std::nullopt}});
  d.receipt("RCV-1", 1, item(kG1, "A"));
  d.receipt("RCV-1", 1, item(kG1, "A"));
  d.task_event("receive.over", "RCV-1", "receive", "in_progress", "default",
               {{"line", 1}, {"item", item(kG1, "A")}, {"qty", 1}, {"expected", 2}, {"received", 3}});
  d.task_event("receive.pallet", "RCV-1", "receive", "in_progress", "default",
               {{"sscc", "095060001000000018"},
                {"contents", json::array({{{"line", 1}, {"gtin", kG1}, {"lot", "B"}, {"qty", 10}},
                                          {{"line", 2}, {"gtin", kG2}, {"lot", nullptr}, {"qty", 5}}})}});
  d.task_event("receive.damaged", "RCV-1", "receive", "in_progress", "default",
               {{"line", 1}, {"item", item(kG1, "A")}, {"qty", 2}});
  d.task_event("receive.short", "RCV-1", "receive", "short", "default",
               {{"lines", json::array({{{"line", 2}, {"gtin", kG2}, {"qty", 1}}})}});
  const ApplyOutcome o = flush(d);
  EXPECT_EQ(o.applied, 7);
  EXPECT_EQ(o.unprojected, 0);

  EXPECT_EQ(total(kG1, "on_hand"), 13);
  EXPECT_EQ(lot(kG1, "A", "on_hand"), 3);
  EXPECT_EQ(lot(kG1, "B", "on_hand"), 10);
  EXPECT_EQ(total(kG1, "damaged"), 2);
  EXPECT_EQ(lot(kG1, "A", "damaged"), 2);
  EXPECT_EQ(total(kG2, "on_hand"), 5);
  EXPECT_EQ(lot(kG2, "", "on_hand"), 5);
  // A receive task reserves nothing.
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(reserved(kG2), 0);
  // Lots: named ascending, the unknown lot last.
  const ItemStock g1 = stock(kG1);
  ASSERT_EQ(g1.lots.size(), 2u);
  EXPECT_EQ(g1.lots[0].lot, "A");
  EXPECT_EQ(g1.lots[1].lot, "B");
}

TEST_P(Projection, PickReservesForItsChannelThenConsumesIntoStaged) {
  Device d("s1", "d1");
  stock_up(d, kG1, "ABC", 5);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 2, "ABC"}, Line{2, kG2, 1, std::nullopt}});
  flush(d);
  EXPECT_EQ(reserved(kG1, "web"), 2);
  EXPECT_EQ(reserved(kG2, "web"), 1);
  EXPECT_EQ(reserved(kG1, "store"), 0);

  d.picked("PICK-1", "web", 1, item(kG1, "ABC"));
  flush(d);
  EXPECT_EQ(total(kG1, "on_hand"), 4);
  EXPECT_EQ(total(kG1, "staged"), 1);
  EXPECT_EQ(lot(kG1, "ABC", "staged"), 1);
  EXPECT_EQ(reserved(kG1), 1);

  d.picked("PICK-1", "web", 1, item(kG1, "ABC"));
  flush(d);
  EXPECT_EQ(total(kG1, "on_hand"), 3);
  EXPECT_EQ(total(kG1, "staged"), 2);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(reserved(kG2), 1);  // line 2 still open
  EXPECT_TRUE(snapshot().oversells.empty());
}

TEST_P(Projection, NewerTaskVersionReplacesReservationsMinusWhatIsDone) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 10);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, std::nullopt}}, 1);
  d.picked("PICK-1", "web", 1, item(kG1));
  flush(d);
  EXPECT_EQ(reserved(kG1), 2);
  // v2: line 1 raised to 5 (1 already picked: 4 left), a new line 2 of 2.
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 5, std::nullopt}, Line{2, kG1, 2, std::nullopt}}, 2);
  flush(d);
  EXPECT_EQ(reserved(kG1), 6);
  // v3: line 1 lowered below what is done (nothing left), line 2 dropped.
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 1, std::nullopt}}, 3);
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  // v4 moves the task to another channel: the reservations follow.
  d.received("PICK-1", "pick", "store", {Line{1, kG1, 4, std::nullopt}}, 4);
  flush(d);
  EXPECT_EQ(reserved(kG1, "store"), 3);
  EXPECT_EQ(reserved(kG1, "web"), 0);
}

TEST_P(Projection, SubstituteIsConsumedAndTheOrderedLineReservationDecremented) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 3);
  stock_up(d, kG2, std::nullopt, 3);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 2, std::nullopt}});
  d.task_event("pick.substituted", "PICK-1", "pick", "in_progress", "web",
               {{"line", 1}, {"ordered_gtin", kG1}, {"item", item(kG2, "L9")}, {"qty", 1}, {"approved_by", "task"}});
  flush(d);
  EXPECT_EQ(total(kG1, "on_hand"), 3);
  EXPECT_EQ(total(kG2, "on_hand"), 2);
  EXPECT_EQ(total(kG2, "staged"), 1);
  EXPECT_EQ(lot(kG2, "L9", "staged"), 1);
  EXPECT_EQ(reserved(kG1), 1);
}

TEST_P(Projection, PickShortReleasesAndWritesOffNeverBelowZero) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 1);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, std::nullopt}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 3);
  // Exception short of 3 units on a line reserving 3; only 1 is on hand: 1 written off.
  d.task_event("pick.short", "PICK-1", "pick", "short", "web",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 3}}})}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "on_hand"), 0);
  EXPECT_EQ(total(kG1, "written_off"), 1);
}

TEST_P(Projection, PickShortOfALotLineWritesOffThatLotAndAPartialShortKeepsTheRest) {
  Device d("s1", "d1");
  stock_up(d, kG1, "A", 2);
  stock_up(d, kG1, "B", 2);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, "B"}, Line{2, kG2, 1, std::nullopt}});
  // One short unit on line 1 while the task goes on: 2 stay reserved.
  d.task_event("pick.short", "PICK-1", "pick", "in_progress", "web",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 2);
  EXPECT_EQ(lot(kG1, "B", "on_hand"), 1);
  EXPECT_EQ(lot(kG1, "B", "written_off"), 1);
  EXPECT_EQ(lot(kG1, "A", "on_hand"), 2);
  // The short counts as done: a newer version reserves qty - picked - shorted.
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, "B"}}, 2);
  flush(d);
  EXPECT_EQ(reserved(kG1), 2);
}

TEST_P(Projection, PickShortWithoutLotTakesTheUnknownLotFirstThenLots) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 1);
  stock_up(d, kG1, "A", 1);
  stock_up(d, kG1, "B", 5);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, std::nullopt}});
  d.task_event("pick.short", "PICK-1", "pick", "short", "web",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 3}}})}});
  flush(d);
  EXPECT_EQ(lot(kG1, "", "on_hand"), 0);
  EXPECT_EQ(lot(kG1, "A", "on_hand"), 0);
  EXPECT_EQ(lot(kG1, "B", "on_hand"), 4);
  EXPECT_EQ(total(kG1, "written_off"), 3);
}

TEST_P(Projection, EveryFinalStateReleasesTheTasksReservationsANonFinalOneDoesNot) {
  const char* finals[] = {"picked", "short", "packed", "received", "inspected", "picked_up",
                          "partial", "missed", "shipped", "done", "cancelled"};
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 50);
  int n = 0;
  for (const char* state : finals) {
    const std::string task = "PICK-" + std::to_string(++n);
    d.received(task, "pick", "web", {Line{1, kG1, 2, std::nullopt}});
    // An event with no inventory outcome of its own, carrying the state.
    d.task_event("pack.short", task, "pick", "in_progress", "web",
                 {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}});
    flush(d);
    EXPECT_EQ(reserved(kG1), 2) << state;
    d.task_event("pack.short", task, "pick", state, "web",
                 {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}});
    flush(d);
    EXPECT_EQ(reserved(kG1), 0) << state;
  }
  EXPECT_EQ(total(kG1, "on_hand"), 50);
}

TEST_P(Projection, FinalPickReleasesLinesNotPicked) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 5);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 1, std::nullopt}, Line{2, kG1, 2, std::nullopt}});
  d.picked("PICK-1", "web", 1, item(kG1), "picked");
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "on_hand"), 4);
}

TEST_P(Projection, CancelReleasesReservationsStagedStaysUntilPutBack) {
  Device d("s1", "d1");
  stock_up(d, kG1, "L1", 4);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, "L1"}});
  d.picked("PICK-1", "web", 1, item(kG1, "L1"));
  d.picked("PICK-1", "web", 1, item(kG1, "L1"));
  flush(d);
  EXPECT_EQ(reserved(kG1), 1);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  EXPECT_EQ(total(kG1, "staged"), 2);

  d.task_event("task.cancelled", "PICK-1", "pick", "cancelled", "web",
               {{"version", 2}, {"reason", "customer"}, {"by", "ledger"}, {"put_back_task", "PB-PICK-1"},
                {"put_back", json::array({{{"gtin", kG1}, {"lot", "L1"}, {"qty", 2}, {"location", "A-01-03"}}})}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "staged"), 2);
  EXPECT_EQ(total(kG1, "on_hand"), 2);

  // The put-back task (made by the device) reserves nothing; each unit put back returns.
  d.received("PB-PICK-1", "put_back", "web", {Line{1, kG1, 2, "L1"}});
  d.task_event("putback.confirmed", "PB-PICK-1", "put_back", "in_progress", "web",
               {{"line", 1}, {"origin_task", "PICK-1"}, {"item", item(kG1, "L1")}, {"location", "A-01-03"}, {"qty", 1}});
  d.task_event("putback.short", "PB-PICK-1", "put_back", "short", "web",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "staged"), 1);  // putback.short: stays staged, to be counted
  EXPECT_EQ(total(kG1, "on_hand"), 3);
  EXPECT_EQ(lot(kG1, "L1", "on_hand"), 3);
}

TEST_P(Projection, ShipFromStorePicksStageAndShipmentMovesStagedToShipped) {
  Device d("s1", "d1");
  stock_up(d, kG1, "A", 3);
  d.received("SFS-1", "ship_from_store", "marketplace", {Line{1, kG1, 2, std::nullopt}});
  d.picked("SFS-1", "marketplace", 1, item(kG1, "A"), "in_progress", "ship_from_store");
  d.picked("SFS-1", "marketplace", 1, item(kG1, "A"), "picked", "ship_from_store");
  d.task_event("pack.carton_closed", "SFS-1", "ship_from_store", "packed", "marketplace",
               {{"carton", 1}, {"sscc", "095060001000000018"},
                {"contents", json::array({{{"gtin", kG1}, {"lot", "A"}, {"serial", nullptr}, {"qty", 2}}})}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "staged"), 2);
  d.task_event("ship.confirmed", "SFS-1", "ship_from_store", "shipped", "marketplace",
               {{"carrier_label", "1Z999"}, {"cartons", json::array({"095060001000000018"})},
                {"contents", json::array({{{"gtin", kG1}, {"lot", "A"}, {"serial", nullptr}, {"qty", 2}}})}});
  flush(d);
  EXPECT_EQ(total(kG1, "staged"), 0);
  EXPECT_EQ(total(kG1, "shipped"), 2);
  EXPECT_EQ(total(kG1, "on_hand"), 1);
}

TEST_P(Projection, ShipPartialShipsItsContents) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 3);
  d.received("SFS-1", "ship_from_store", "web", {Line{1, kG1, 2, std::nullopt}});
  d.picked("SFS-1", "web", 1, item(kG1), "in_progress", "ship_from_store");
  d.task_event("ship.partial", "SFS-1", "ship_from_store", "partial", "web",
               {{"carrier_label", "1Z999"}, {"cartons", json::array({"095060001000000018"})},
                {"contents", json::array({{{"gtin", kG1}, {"lot", nullptr}, {"serial", nullptr}, {"qty", 1}}})},
                {"short", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}});
  flush(d);
  EXPECT_EQ(total(kG1, "shipped"), 1);
  EXPECT_EQ(total(kG1, "staged"), 0);
  EXPECT_EQ(reserved(kG1), 0);  // partial is final
}

TEST_P(Projection, PickupHandOverIsGoneAndPartialOrMissedReleases) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 5);
  d.received("PU-1", "pickup", "click_collect", {Line{1, kG1, 2, std::nullopt}});
  d.received("PU-2", "pickup", "click_collect", {Line{1, kG1, 1, std::nullopt}});
  flush(d);
  EXPECT_EQ(reserved(kG1, "click_collect"), 3);
  d.handed_over("PU-1", "click_collect", 1, item(kG1));
  flush(d);
  EXPECT_EQ(total(kG1, "on_hand"), 4);
  EXPECT_EQ(total(kG1, "handed_over"), 1);
  EXPECT_EQ(total(kG1, "staged"), 0);
  EXPECT_EQ(reserved(kG1), 2);
  d.task_event("pickup.partial", "PU-1", "pickup", "partial", "click_collect",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}, {"cause", "operator"}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 1);
  d.task_event("pickup.missed", "PU-2", "pickup", "missed", "click_collect",
               {{"lines", json::array({{{"line", 1}, {"gtin", kG1}, {"qty", 1}}})}, {"cause", "window_passed"}});
  flush(d);
  EXPECT_EQ(reserved(kG1), 0);
  EXPECT_EQ(total(kG1, "on_hand"), 4);
}

TEST_P(Projection, ReturnsAreAvailableOnlyAfterARestockInspection) {
  Device d("s1", "d1");
  d.received("RET-1", "return", "web", {Line{1, kG1, 5, std::nullopt}});
  for (int k = 0; k < 5; ++k) {
    d.task_event("return.received", "RET-1", "return", k == 4 ? "returned" : "in_progress", "web",
                 {{"line", 1}, {"rma", "RMA-1"}, {"item", item(kG1, "R")}, {"qty", 1}});
  }
  flush(d);
  EXPECT_EQ(total(kG1, "returned_uninspected"), 5);
  EXPECT_EQ(total(kG1, "on_hand"), 0);
  InventorySnapshot s = snapshot();
  ASSERT_EQ(s.items.size(), 1u);
  auto inspect = [&](const std::string& disposition, int qty, const std::string& state = "returned") {
    d.task_event("return.inspected", "RET-1", "return", state, "web",
                 {{"line", 1}, {"rma", "RMA-1"}, {"item", item(kG1, "R")}, {"qty", qty}, {"disposition", disposition}});
  };
  inspect("restock", 2);
  flush(d);
  EXPECT_EQ(total(kG1, "returned_uninspected"), 3);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  EXPECT_EQ(lot(kG1, "R", "on_hand"), 2);
  inspect("damaged", 1);
  inspect("dispose", 1);
  inspect("refurbish", 1, "inspected");
  flush(d);
  EXPECT_EQ(total(kG1, "returned_uninspected"), 0);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  EXPECT_EQ(total(kG1, "damaged"), 1);
  EXPECT_EQ(total(kG1, "disposed"), 1);
  EXPECT_EQ(total(kG1, "refurbish"), 1);
}

TEST_P(Projection, DamageOutsideAReceiveLeavesOnHand) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 3);
  d.event("exception.damage", {{"task", nullptr}, {"item", item(kG1)}, {"qty", 2}, {"location", "A-01-03"}});
  flush(d);
  EXPECT_EQ(total(kG1, "on_hand"), 1);
  EXPECT_EQ(total(kG1, "damaged"), 2);
}

TEST_P(Projection, TwoDevicesConfirmingTheLastUnitForTwoChannelsIsOneOversellShowingBoth) {
  Device receiver("s1", "d0");
  stock_up(receiver, kG1, "ABC", 1);
  Device d1("s1", "d1"), d2("s1", "d2");
  d1.received("PICK-WEB", "pick", "web", {Line{1, kG1, 1, std::nullopt}});
  d2.received("PU-STORE", "pickup", "store", {Line{1, kG1, 1, std::nullopt}});
  flush(d1);
  flush(d2);
  const ItemStock before = stock(kG1);
  EXPECT_EQ(before.reserved, 2);
  EXPECT_EQ(bucket(before.total, "on_hand") - before.reserved, -1);  // over-committed already

  const std::string first = d1.picked("PICK-WEB", "web", 1, item(kG1, "ABC"), "picked");
  flush(d1);
  EXPECT_TRUE(snapshot().oversells.empty());
  const std::string second = d2.handed_over("PU-STORE", "store", 1, item(kG1, "ABC"), "picked_up");
  flush(d2);

  const InventorySnapshot s = snapshot();
  ASSERT_EQ(s.oversells.size(), 1u);
  const OversellRecord& o = s.oversells[0];
  EXPECT_EQ(o.site, "s1");
  EXPECT_EQ(o.gtin, kG1);
  EXPECT_EQ(o.lot, "ABC");
  EXPECT_EQ(o.short_qty, 1);
  EXPECT_EQ(o.device, "d2");
  EXPECT_EQ(o.seq, d2.last_seq());
  EXPECT_EQ(o.event_id, second);
  EXPECT_EQ(o.task, "PU-STORE");
  EXPECT_EQ(o.channel, "store");
  ASSERT_TRUE(o.time.has_value());
  ASSERT_TRUE(o.previous.has_value());
  EXPECT_EQ(o.previous->device, "d1");
  EXPECT_EQ(o.previous->task, "PICK-WEB");
  EXPECT_EQ(o.previous->channel, "web");
  EXPECT_EQ(o.previous->event_id, first);
  // Reported as is: on_hand negative.
  EXPECT_EQ(total(kG1, "on_hand"), -1);
  EXPECT_EQ(total(kG1, "staged"), 1);
  EXPECT_EQ(total(kG1, "handed_over"), 1);
  EXPECT_EQ(reserved(kG1), 0);
}

TEST_P(Projection, OversellWithNoPreviousConsumerAndOversellsAreFilteredBySiteAndGtin) {
  Device a("s1", "d1"), b("s2", "d9");
  a.received("PICK-1", "pick", "web", {Line{1, kG2, 1, std::nullopt}});
  a.picked("PICK-1", "web", 1, item(kG2));
  b.received("PICK-9", "pick", "web", {Line{1, kG3, 1, std::nullopt}});
  b.picked("PICK-9", "web", 1, item(kG3));
  flush(a);
  flush(b);
  InventorySnapshot s = snapshot();
  ASSERT_EQ(s.oversells.size(), 2u);
  EXPECT_FALSE(s.oversells[0].previous.has_value());
  EXPECT_EQ(s.oversells[0].lot, "");
  auto only_s2 = store_->inventory(InventoryFilter{std::string("s2"), std::nullopt});
  ASSERT_TRUE(only_s2);
  ASSERT_EQ(only_s2->oversells.size(), 1u);
  EXPECT_EQ(only_s2->oversells[0].gtin, kG3);
  ASSERT_EQ(only_s2->items.size(), 1u);
  EXPECT_EQ(only_s2->items[0].site, "s2");
  auto only_g2 = store_->inventory(InventoryFilter{std::nullopt, kG2});
  ASSERT_TRUE(only_g2);
  ASSERT_EQ(only_g2->items.size(), 1u);
  EXPECT_EQ(only_g2->items[0].gtin, kG2);
  ASSERT_EQ(only_g2->oversells.size(), 1u);
  // Sites apart: the same GTIN at two sites are two items, sorted by site.
  Device c("s0", "d5");
  stock_up(c, kG2, std::nullopt, 1);
  s = snapshot();
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0].site, "s0");
  EXPECT_EQ(s.items[1].site, "s1");
  EXPECT_EQ(s.items[2].site, "s2");
}

TEST_P(Projection, DuplicatesAndRedeliveriesAreNotCountedTwice) {
  Device d("s1", "d1");
  d.received("RCV-1", "receive", "default", {Line{1, kG1, 3, std::nullopt}});
  d.receipt("RCV-1", 1, item(kG1));
  d.receipt("RCV-1", 1, item(kG1));
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 2, std::nullopt}});
  d.picked("PICK-1", "web", 1, item(kG1));
  flush(d);
  auto check = [&] {
    EXPECT_EQ(total(kG1, "on_hand"), 1);
    EXPECT_EQ(total(kG1, "staged"), 1);
    EXPECT_EQ(reserved(kG1), 1);
    EXPECT_TRUE(snapshot().oversells.empty());
  };
  check();
  // The whole batch again, an overlapping tail, and a group commit repeating both.
  const ApplyOutcome again = apply(d.all());
  EXPECT_EQ(again.duplicates, 5);
  EXPECT_EQ(again.applied, 0);
  check();
  d.receipt("RCV-1", 1, item(kG1), "received");
  const ApplyOutcome tail = apply(d.range(3, 6));
  EXPECT_EQ(tail.duplicates, 3);
  EXPECT_EQ(tail.applied, 1);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  const sync::Batch b1 = d.all(), b2 = d.range(2, 6);
  const sync::Batch* group[] = {&b1, &b2, &b1};
  auto outcomes = store_->apply_all(group);
  ASSERT_TRUE(outcomes);
  for (const ApplyOutcome& o : *outcomes) EXPECT_EQ(o.applied, 0);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  EXPECT_EQ(total(kG1, "staged"), 1);
  EXPECT_EQ(reserved(kG1), 1);
}

TEST_P(Projection, GroupCommitProjectsEachNewEventOnceInOrderAndAGapProjectsNothingAfterIt) {
  Device d("s1", "d1");
  d.received("RCV-1", "receive", "default", {Line{1, kG1, 3, std::nullopt}});
  d.receipt("RCV-1", 1, item(kG1));
  d.receipt("RCV-1", 1, item(kG1));
  d.receipt("RCV-1", 1, item(kG1));
  const sync::Batch first = d.range(1, 2), overlap = d.range(1, 3), gap = d.range(4, 4);
  // Batches 1..2, 1..3 (one new), then a duplicate of 1..2: three units would be double counting.
  const sync::Batch* group[] = {&first, &overlap, &first};
  auto outcomes = store_->apply_all(group);
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  // A fresh store: 4 alone is a gap, nothing is projected.
  Device e("s1", "d2");
  e.received("RCV-2", "receive", "default", {Line{1, kG2, 3, std::nullopt}});
  e.receipt("RCV-2", 1, item(kG2));
  const ApplyOutcome o = apply(e.range(2, 2));
  ASSERT_TRUE(o.expect.has_value());
  EXPECT_EQ(stock(kG2).gtin, "");
  (void)gap;
}

TEST_P(Projection, ExactlyOnceAcrossAReopenedDatabase) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 4);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 3, std::nullopt}});
  d.picked("PICK-1", "web", 1, item(kG1));
  flush(d);
  reopen();
  EXPECT_EQ(total(kG1, "on_hand"), 3);
  EXPECT_EQ(reserved(kG1), 2);
  // After a restart the device resends everything it has not seen acked, plus new events.
  d.picked("PICK-1", "web", 1, item(kG1));
  const ApplyOutcome o = apply(d.all());
  EXPECT_EQ(o.applied, 1);
  EXPECT_EQ(o.duplicates, d.last_seq() - 1);
  reopen();
  apply(d.all());
  EXPECT_EQ(total(kG1, "on_hand"), 2);
  EXPECT_EQ(total(kG1, "staged"), 2);
  EXPECT_EQ(reserved(kG1), 1);
}

TEST_P(Projection, MalformedEventsAreAppliedAndAckedButSkippedByTheProjection) {
  Device d("s1", "d1");
  stock_up(d, kG1, std::nullopt, 5);
  d.received("PICK-1", "pick", "web", {Line{1, kG1, 2, std::nullopt}});
  flush(d);
  const std::int64_t first_bad = d.last_seq() + 1;
  // Bad check digit, missing qty, qty as a string, fractional qty, item not an object,
  // lines not an array, a bad channel, an unknown disposition, a pallet line without GTIN,
  // a non-string task_state, and a body without the task.
  d.picked("PICK-1", "web", 1, item("09506000134353"));
  d.task_event("pick.confirmed", "PICK-1", "pick", "in_progress", "web", {{"line", 1}, {"item", item(kG1)}});
  d.task_event("pick.confirmed", "PICK-1", "pick", "in_progress", "web", {{"line", 1}, {"item", item(kG1)}, {"qty", "1"}});
  d.task_event("receive.confirmed", "RCV-9", "receive", "in_progress", "default", {{"line", 1}, {"item", item(kG1)}, {"qty", 1.5}});
  d.task_event("receive.confirmed", "RCV-9", "receive", "in_progress", "default", {{"line", 1}, {"item", kG1}, {"qty", 1}});
  d.task_event("pick.short", "PICK-1", "pick", "short", "web", {{"lines", "all"}});
  d.task_event("task.received", "PICK-2", "pick", "released", "Web Shop", {{"lines", testing::lines_json({Line{1, kG1, 1, std::nullopt}})}});
  d.task_event("return.inspected", "RET-1", "return", "returned", "web",
               {{"line", 1}, {"item", item(kG1)}, {"qty", 1}, {"disposition", "resell"}});
  d.task_event("receive.pallet", "RCV-9", "receive", "in_progress", "default",
               {{"sscc", "1"}, {"contents", json::array({{{"line", 1}, {"lot", "X"}, {"qty", 4}}})}});
  d.event("task.cancelled", {{"task", "PICK-1"}, {"task_state", 7}});
  d.event("pick.confirmed", {{"line", 1}, {"item", item(kG1)}, {"qty", 1}, {"channel", "web"}});
  // A good event after them is projected.
  d.receipt("RCV-1", 1, item(kG1));
  const ApplyOutcome o = flush(d);
  EXPECT_EQ(o.applied, 12);
  EXPECT_EQ(o.unprojected, 11);
  EXPECT_EQ(o.acked_through, d.last_seq());
  EXPECT_EQ(total(kG1, "on_hand"), 6);
  EXPECT_EQ(total(kG1, "staged"), 0);
  EXPECT_EQ(total(kG1, "returned_uninspected"), 0);
  EXPECT_EQ(reserved(kG1), 2);  // neither the bad short nor the bad cancel released

  // Each skip is recorded with the field that was wrong.
  auto skipped = store_->projection_skipped({"s1", "d1"});
  ASSERT_TRUE(skipped) << skipped.error().message;
  std::vector<std::pair<std::int64_t, std::string>> rows;
  for (const auto& k : *skipped) rows.emplace_back(k.seq, k.problem);
  ASSERT_EQ(rows.size(), 11u);
  const char* fields[] = {"item.gtin: \"09506000134353\" is not a valid GTIN (check digit)",
                          "qty: missing",
                          "qty: expected an integer, got a string",
                          "qty: expected an integer, got a number with a fraction or exponent",
                          "item: expected an object, got a string",
                          "lines: expected an array, got a string",
                          "channel: \"Web Shop\" is not a channel",
                          "disposition: \"resell\" is not one of",
                          "contents[0].gtin: missing",
                          "task_state: expected a string",
                          "task: missing"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].first, first_bad + static_cast<std::int64_t>(i));
    EXPECT_NE(rows[i].second.find(fields[i]), std::string::npos) << rows[i].second;
  }
}

TEST_P(Projection, TelemetryAndUnknownTypesAreIgnoredNotCountedAsSkipped) {
  Device t("s1", "d1", Stream::telemetry);
  t.event("scan.rejected", {{"reason", {{"code", "no_task"}, {"message", "no task takes it"}}}, {"item", item(kG1)}});
  t.event("pick.confirmed", {{"task", "X"}, {"channel", "web"}, {"line", 1}, {"item", item(kG1)}, {"qty", 1}});
  EXPECT_EQ(flush(t).unprojected, 0);
  Device d("s1", "d1");
  d.event("inventory.counted", {{"item", "whatever"}});
  d.event("operator.login", {{"operator", "op7"}, {"previous", nullptr}});
  const ApplyOutcome o = flush(d);
  EXPECT_EQ(o.applied, 2);
  EXPECT_EQ(o.unprojected, 0);
  EXPECT_TRUE(snapshot().items.empty());
}

TEST_P(Projection, ReservationsAreKeptPerDevice) {
  Device d1("s1", "d1"), d2("s1", "d2");
  d1.received("PICK-1", "pick", "web", {Line{1, kG1, 2, std::nullopt}});
  d2.received("PICK-1", "pick", "store", {Line{1, kG1, 1, std::nullopt}});
  flush(d1);
  flush(d2);
  EXPECT_EQ(reserved(kG1), 3);
  d2.task_event("task.cancelled", "PICK-1", "pick", "cancelled", "store", {{"version", 2}, {"reason", "x"}, {"by", "device"}});
  flush(d2);
  EXPECT_EQ(reserved(kG1, "web"), 2);
  EXPECT_EQ(reserved(kG1, "store"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, Projection, ::testing::Values(testing::Backend::sqlite, testing::Backend::postgresql),
                         testing::backend_name);

// The v1 schema exactly as released (migration 1 of schema.cc, never edited).
constexpr const char* kV1Schema =
    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);"
    "INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00.000Z');"
    "CREATE TABLE streams ( stream_key INTEGER PRIMARY KEY, site TEXT NOT NULL, device TEXT NOT NULL,"
    " stream TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0, applied INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (site, device, stream));"
    "CREATE TABLE applied_events ( stream_key INTEGER NOT NULL REFERENCES streams(stream_key), seq INTEGER NOT NULL,"
    " id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (stream_key, seq));"
    "CREATE VIEW applied_events_view AS SELECT s.site, s.device, s.stream, e.seq, e.id, e.type, e.body, e.applied_at"
    " FROM applied_events e JOIN streams s ON s.stream_key = e.stream_key;";

// Writes the events of (device, batch) into a v1 database as a v1 ledger would have.
void insert_v1(storage::Database& db, const sync::Batch& b, std::int64_t key) {
  auto st = db.prepare("INSERT OR IGNORE INTO streams(stream_key, site, device, stream) VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->bind(1, key).bind(2, b.address.site).bind(3, b.address.device).bind(4, to_string(b.stream)).run());
  auto ins = db.prepare("INSERT INTO applied_events VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')");
  ASSERT_TRUE(ins);
  for (const sync::BatchEvent& e : b.events) {
    ins->reset();
    ASSERT_TRUE(ins->bind(1, key).bind(2, e.seq).bind(3, e.id).bind(4, e.type).bind(5, e.json).run());
  }
  auto up = db.prepare("UPDATE streams SET last_seq = (SELECT max(seq) FROM applied_events WHERE stream_key = ?1),"
                       " applied = (SELECT count(*) FROM applied_events WHERE stream_key = ?1) WHERE stream_key = ?1");
  ASSERT_TRUE(up);
  ASSERT_TRUE(up->bind(1, key).run());
}

TEST(ProjectionMigration, AV1DatabaseIsMigratedAndItsEventsProjectedInApplyOrderOnce) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  Device d0("s1", "d0"), d1("s1", "d1"), d2("s1", "d2"), tel("s1", "d1", Stream::telemetry);
  d0.received("RCV-1", "receive", "default", {Line{1, kG1, 2, std::nullopt}});
  d0.receipt("RCV-1", 1, item(kG1, "L"));
  d1.received("PICK-1", "pick", "web", {Line{1, kG1, 1, std::nullopt}});
  d1.picked("PICK-1", "web", 1, item(kG1, "L"), "picked");
  d2.received("PU-1", "pickup", "store", {Line{1, kG1, 2, std::nullopt}});
  d2.handed_over("PU-1", "store", 1, item(kG1, "L"));
  d2.handed_over("PU-1", "store", 1, item(kG1, "L"));  // the second one oversells
  d2.event("pick.confirmed", {{"task", "PU-1"}});       // malformed: skipped during the replay
  tel.event("scan.rejected", {{"reason", {{"code", "wrong_item"}, {"message", "x"}}}, {"item", item(kG1)}});
  {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec(kV1Schema));
    // Applied in this order across devices: d0's receipt, d2's first hand-over, then
    // d1's pick, then the rest of d2 (the oversell's previous consumer is d1).
    insert_v1(**db, d0.all(), 1);
    insert_v1(**db, d2.range(1, 2), 3);
    insert_v1(**db, d1.all(), 2);
    insert_v1(**db, d2.range(3, 4), 3);
    insert_v1(**db, tel.all(), 4);
    auto v = storage::schema_version(**db);
    ASSERT_TRUE(v);
    ASSERT_EQ(*v, 1);
  }
  {
    // A read-only query of the v1 file does not migrate it: no projection yet.
    auto ro = LedgerStore::open_read_only(path);
    ASSERT_TRUE(ro) << ro.error().message;
    auto inv = (*ro)->inventory({});
    ASSERT_FALSE(inv);
    EXPECT_EQ(inv.error().code, "schema_too_old");
  }
  auto check = [&](LedgerStore& store) {
    auto inv = store.inventory({});
    ASSERT_TRUE(inv) << inv.error().message;
    ASSERT_EQ(inv->items.size(), 1u);
    const ItemStock& s = inv->items[0];
    EXPECT_EQ(bucket(s.total, "on_hand"), -2);
    EXPECT_EQ(bucket(s.total, "staged"), 1);
    EXPECT_EQ(bucket(s.total, "handed_over"), 2);
    EXPECT_EQ(s.reserved, 0);
    ASSERT_EQ(inv->oversells.size(), 2u);
    EXPECT_EQ(inv->oversells[0].device, "d1");
    ASSERT_TRUE(inv->oversells[0].previous.has_value());
    EXPECT_EQ(inv->oversells[0].previous->device, "d2");
    EXPECT_EQ(inv->oversells[1].device, "d2");
    EXPECT_EQ(inv->oversells[1].previous->device, "d1");
    EXPECT_EQ(inv->oversells[1].previous->channel, "web");
  };
  {
    auto store = LedgerStore::open(LedgerOptions{path, "normal", nullptr});
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(*storage::schema_version(*storage::Database::open(path).value()), latest_schema_version());
    check(**store);
    // New events continue from the migrated state; d2's 4 events are duplicates.
    d2.received("PU-2", "pickup", "store", {Line{1, kG1, 1, std::nullopt}});
    auto o = (*store)->apply(d2.all());
    ASSERT_TRUE(o);
    EXPECT_EQ(o->applied, 1);
    EXPECT_EQ(o->duplicates, 4);
  }
  // Re-opened: not replayed again.
  auto again = LedgerStore::open(LedgerOptions{path, "normal", nullptr});
  ASSERT_TRUE(again);
  auto inv = (*again)->inventory({});
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->oversells.size(), 2u);
  EXPECT_EQ(inv->items[0].reserved, 1);
  EXPECT_EQ(bucket(inv->items[0].total, "on_hand"), -2);
  auto db = storage::Database::open(path);
  ASSERT_TRUE(db);
  auto skipped = (*db)->query_int("SELECT count(*) FROM projection_skipped");
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->value_or(-1), 1);
}

TEST(ProjectionMigration, AFreshDatabaseIsAtTheLatestVersionWithNothingPending) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("new.db"), "normal", nullptr});
  ASSERT_TRUE(store);
  EXPECT_EQ(latest_schema_version(), 3);
  auto inv = (*store)->inventory({});
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_TRUE(inv->items.empty());
  EXPECT_TRUE(inv->oversells.empty());
  auto ro = LedgerStore::open_read_only(dir.file("new.db"));
  ASSERT_TRUE(ro);
  EXPECT_TRUE((*ro)->inventory({}));
}

}  // namespace
}  // namespace scanedge::ledger
