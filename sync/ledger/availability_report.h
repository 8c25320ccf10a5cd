// Availability report: reads the inventory projection (inventory_projection.h) and renders
// the JSON of `scanedge-ledger availability`.
//
// JSON contract (one object, keys in this order):
//   {"items":[{"site":"s1","gtin":"09506000134352",
//              "on_hand":5,"staged":1,"returned_uninspected":1,"damaged":0,"disposed":0,
//              "refurbish":0,"shipped":0,"handed_over":0,"written_off":0,
//              "reserved":2,"available":3,
//              "lots":[{"lot":"ABC","on_hand":3,...the same nine buckets...},{"lot":null,...}],
//              "channels":{"web":{"priority":1,"safety_stock":2,"reserved":1,"available":1},
//                          "store":{"priority":null,"safety_stock":0,"reserved":1,"available":3}}}],
//    "oversells":[{"site":"s1","gtin":"...","lot":"ABC"|null,"short":1,
//                  "event":{"device":"d2","seq":7,"id":"...","task":"T2","channel":"store","time":"..."|null},
//                  "previous":{"device":"d1","task":"T1","channel":"web","id":"..."}|null}]}
// - items: every (site, gtin) with stock or open reservations, sorted by site then gtin;
//   buckets are the sums over lots; lots sorted by lot name with the unknown lot (null) last.
// - reserved: the open reservations' remaining units of the GTIN at the site (all devices,
//   tasks, channels); available = on_hand - reserved (negative when over-committed).
// - channels: those of the policy (by priority, then name) plus any channel with
//   reservations of the item (by name; priority null, safety_stock 0 when not in the
//   policy); without a policy, the latter only.
//   A channel's reserved is its own reservations; its available = max(0, available -
//   safety_stock).
// - oversells: in the order they happened (filtered like items).
// Returned units are not on_hand until a return.inspected restock.
//
// read_inventory() reads the projection's tables through the SqlSession seam (SQLite or
// PostgreSQL); the caller holds a read transaction for one consistent snapshot and checks
// that the projection exists (LedgerStore::inventory() does both). Errors: storage codes.
// Threading: uses the given session only; the caller serialises access.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"
#include "sync/ledger/sql_session.h"
#include "sync/ledger/channel_policy.h"

namespace scanedge::ledger {

// The nine stock buckets, in this order.
inline constexpr std::array<const char*, 9> kBucketNames = {
    "on_hand", "staged", "returned_uninspected", "damaged", "disposed", "refurbish", "shipped", "handed_over", "written_off"};
using StockBuckets = std::array<std::int64_t, 9>;

struct LotStock {
  std::string lot;  // "" = unknown lot
  StockBuckets buckets{};
};

struct ItemStock {
  std::string site;
  std::string gtin;
  StockBuckets total{};
  std::vector<LotStock> lots;                      // named lots ascending, unknown lot last
  std::int64_t reserved = 0;                       // all channels
  std::map<std::string, std::int64_t> by_channel;  // reserved per channel (channels with reservations)
};

struct OversellRecord {
  std::string site;
  std::string gtin;
  std::string lot;  // "" = unknown
  std::int64_t short_qty = 0;
  std::string device;
  std::int64_t seq = 0;
  std::string event_id;
  std::string task;
  std::string channel;
  std::optional<std::string> time;
  struct Previous {
    std::string device;
    std::string task;
    std::string channel;
    std::string event_id;
  };
  std::optional<Previous> previous;
};

struct InventorySnapshot {
  std::vector<ItemStock> items;  // by site, gtin
  std::vector<OversellRecord> oversells;
};

struct InventoryFilter {
  std::optional<std::string> site;
  std::optional<std::string> gtin;  // GTIN-14
};

// Reads the projection (see above).
Result<InventorySnapshot> read_inventory(SqlSession& db, const InventoryFilter& filter);

// The report described above; `policy` may be null (no policy file).
nlohmann::ordered_json availability_json(const InventorySnapshot& snapshot, const ChannelPolicy* policy);

}  // namespace scanedge::ledger
