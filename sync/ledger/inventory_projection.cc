#include "sync/ledger/inventory_projection.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sync/ledger/sqlite_session.h"

namespace scanedge::ledger {

namespace {

using nlohmann::json;

constexpr std::int64_t kMaxQty = 1'000'000'000;
constexpr std::size_t kMaxLines = 10'000;

// Stock bucket columns, in the order of the stock table.
enum Bucket : std::size_t {
  kOnHand,
  kStaged,
  kReturnedUninspected,
  kDamaged,
  kDisposed,
  kRefurbish,
  kShipped,
  kHandedOver,
  kWrittenOff,
  kBucketCount
};
using Deltas = std::array<std::int64_t, kBucketCount>;

// A bad or missing field of an event: thrown while an event is parsed (before anything is
// written), caught in apply(); never leaves this file.
struct BadField {
  std::string field;
  std::string what;
};

[[noreturn]] void bad(const std::string& field, const std::string& what) { throw BadField{field, what}; }

std::string join_path(const std::string& prefix, const char* key) {
  return prefix.empty() ? std::string(key) : prefix + "." + key;
}

const json* member(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_float: return "a number with a fraction or exponent";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "an unusable value";
  }
}

std::string req_string(const json& o, const std::string& prefix, const char* key) {
  const json* v = member(o, key);
  const std::string field = join_path(prefix, key);
  if (v == nullptr || v->is_null()) bad(field, "missing");
  if (!v->is_string()) bad(field, "expected a string, got " + describe(*v));
  std::string s = v->get<std::string>();
  if (s.empty()) bad(field, "must not be empty");
  return s;
}

std::optional<std::string> opt_string(const json& o, const std::string& prefix, const char* key) {
  const json* v = member(o, key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) bad(join_path(prefix, key), "expected a string, got " + describe(*v));
  return v->get<std::string>();
}

std::int64_t int_value(const json& v, const std::string& field, std::int64_t min, std::int64_t max) {
  std::int64_t got = 0;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) bad(field, std::to_string(u) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    got = static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    got = v.get<std::int64_t>();
  } else {
    bad(field, "expected an integer, got " + describe(v));
  }
  if (got < min || got > max) bad(field, std::to_string(got) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
  return got;
}

std::int64_t req_int(const json& o, const std::string& prefix, const char* key, std::int64_t min, std::int64_t max) {
  const json* v = member(o, key);
  if (v == nullptr || v->is_null()) bad(join_path(prefix, key), "missing");
  return int_value(*v, join_path(prefix, key), min, max);
}

std::int64_t qty_of(const json& o, const std::string& prefix = {}) { return req_int(o, prefix, "qty", 1, kMaxQty); }

// A GTIN of 8, 12, 13 or 14 digits with a valid check digit, as GTIN-14.
std::string req_gtin(const json& o, const std::string& prefix, const char* key) {
  const std::string s = req_string(o, prefix, key);
  const std::string field = join_path(prefix, key);
  if ((s.size() != 8 && s.size() != 12 && s.size() != 13 && s.size() != 14) ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    bad(field, "\"" + s + "\" is not a GTIN (8, 12, 13 or 14 digits)");
  }
  const std::string g = std::string(14 - s.size(), '0') + s;
  int sum = 0;
  for (std::size_t i = 0; i < 13; ++i) sum += (g[i] - '0') * (i % 2 == 0 ? 3 : 1);
  if ((10 - sum % 10) % 10 != g[13] - '0') bad(field, "\"" + s + "\" is not a valid GTIN (check digit)");
  return g;
}

// A lot: null, absent or "" is the unknown lot "".
std::string lot_of(const json& o, const std::string& prefix, const char* key = "lot") {
  return opt_string(o, prefix, key).value_or(std::string());
}

const json& req_object(const json& o, const std::string& prefix, const char* key) {
  const json* v = member(o, key);
  const std::string field = join_path(prefix, key);
  if (v == nullptr || v->is_null()) bad(field, "missing");
  if (!v->is_object()) bad(field, "expected an object, got " + describe(*v));
  return *v;
}

const json& req_array(const json& o, const std::string& prefix, const char* key) {
  const json* v = member(o, key);
  const std::string field = join_path(prefix, key);
  if (v == nullptr || v->is_null()) bad(field, "missing");
  if (!v->is_array()) bad(field, "expected an array, got " + describe(*v));
  if (v->size() > kMaxLines) bad(field, "more than " + std::to_string(kMaxLines) + " entries");
  return *v;
}

std::string req_channel(const json& o) {
  const std::string c = req_string(o, {}, "channel");
  const bool ok = c.size() <= 32 && std::all_of(c.begin(), c.end(), [](char ch) {
                    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
                  });
  if (!ok) bad("channel", "\"" + c + "\" is not a channel (1-32 of [a-z0-9_-])");
  return c;
}

struct Item {
  std::string gtin;
  std::string lot;
};

Item req_item(const json& ev, const char* key = "item") {
  const json& it = req_object(ev, {}, key);
  return Item{req_gtin(it, key, "gtin"), lot_of(it, key)};
}

std::string element(const char* array, std::size_t i) { return std::string(array) + "[" + std::to_string(i) + "]"; }

const json& element_object(const json& arr, const char* name, std::size_t i) {
  const json& e = arr[i];
  if (!e.is_object()) bad(element(name, i), "expected an object, got " + describe(e));
  return e;
}

bool is_final_state(std::string_view s) {
  static const std::set<std::string_view> kFinal = {"picked",   "short",  "packed", "received", "inspected", "picked_up",
                                                    "partial", "missed", "shipped", "done",     "cancelled"};
  return kFinal.count(s) != 0;
}

// Every type of the work model's event table on stream exec (scan.rejected is telemetry).
bool known_type(std::string_view t) {
  static const std::set<std::string_view> kKnown = {
      "task.received",     "task.cancelled",     "task.cancel_refused", "pick.confirmed",   "pick.substituted",
      "pick.short",        "pack.item",          "pack.carton_closed",  "pack.short",       "receive.confirmed",
      "receive.over",      "receive.pallet",     "receive.damaged",     "receive.short",    "return.received",
      "return.inspected",  "pickup.handed_over", "pickup.partial",      "pickup.missed",    "ship.confirmed",
      "ship.partial",      "putback.confirmed",  "putback.short",       "exception.damage", "operator.login",
      "operator.logout"};
  return kKnown.count(t) != 0;
}

struct StockChange {
  std::string gtin;
  std::string lot;
  Deltas d{};
};

struct ReserveLine {
  std::int64_t line = 0;
  std::string gtin;
  std::string lot;
  std::int64_t qty = 0;
};

struct ShortLine {
  std::int64_t line = 0;
  std::string gtin;
  std::int64_t qty = 0;
};

// What one event does, decided before anything is written.
struct Plan {
  std::string task;  // empty: not a task event (or task not needed)
  std::string channel;
  std::optional<std::string> time;
  // task.received of a reserving type.
  bool set_reservations = false;
  std::string task_type;
  std::vector<ReserveLine> reserve;
  // pick.confirmed / pick.substituted / pickup.handed_over.
  bool consume = false;
  std::int64_t line = 0;
  Item item;
  std::int64_t qty = 0;
  Deltas consume_deltas{};
  // pick.short.
  std::vector<ShortLine> shorts;
  // Plain stock changes.
  std::vector<StockChange> changes;
  // Release every remaining reservation of the task (final state, cancel, pickup end).
  bool release = false;
};

StockChange change(Item it, Bucket b1, std::int64_t v1) {
  StockChange c{std::move(it.gtin), std::move(it.lot), {}};
  c.d[b1] = v1;
  return c;
}

StockChange change(Item it, Bucket b1, std::int64_t v1, Bucket b2, std::int64_t v2) {
  StockChange c = change(std::move(it), b1, v1);
  c.d[b2] += v2;
  return c;
}

Plan make_plan(std::string_view type, const json& ev) {
  Plan p;
  // The common final-state rule needs the task; parse it first.
  if (const json* st = member(ev, "task_state"); st != nullptr && !st->is_null()) {
    if (!st->is_string()) bad("task_state", "expected a string, got " + describe(*st));
    if (is_final_state(st->get<std::string>())) {
      p.task = req_string(ev, {}, "task");
      p.release = true;
    }
  }

  if (type == "task.received") {
    const std::optional<std::string> tt = opt_string(ev, {}, "task_type");
    const std::string task_type = tt.value_or("pick");
    if (task_type == "pick" || task_type == "pickup" || task_type == "ship_from_store") {
      p.task = req_string(ev, {}, "task");
      p.channel = req_channel(ev);
      p.task_type = task_type;
      p.set_reservations = true;
      const json& lines = req_array(ev, {}, "lines");
      std::set<std::int64_t> seen;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const json& l = element_object(lines, "lines", i);
        const std::string at = element("lines", i);
        ReserveLine r;
        const json* n = member(l, "line");
        r.line = (n == nullptr || n->is_null()) ? static_cast<std::int64_t>(i) + 1 : int_value(*n, at + ".line", 1, kMaxQty);
        if (!seen.insert(r.line).second) bad(at + ".line", "line " + std::to_string(r.line) + " appears twice");
        r.gtin = req_gtin(l, at, "gtin");
        r.lot = lot_of(l, at);
        r.qty = qty_of(l, at);
        p.reserve.push_back(std::move(r));
      }
    }
  } else if (type == "pick.confirmed" || type == "pick.substituted" || type == "pickup.handed_over") {
    p.task = req_string(ev, {}, "task");
    p.channel = req_channel(ev);
    p.line = req_int(ev, {}, "line", 1, kMaxQty);
    p.item = req_item(ev);
    p.qty = qty_of(ev);
    p.time = opt_string(ev, {}, "time");
    p.consume = true;
    p.consume_deltas[kOnHand] = -p.qty;
    p.consume_deltas[type == "pickup.handed_over" ? kHandedOver : kStaged] = p.qty;
  } else if (type == "pick.short") {
    p.task = req_string(ev, {}, "task");
    const json& lines = req_array(ev, {}, "lines");
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const json& l = element_object(lines, "lines", i);
      const std::string at = element("lines", i);
      p.shorts.push_back(ShortLine{req_int(l, at, "line", 1, kMaxQty), req_gtin(l, at, "gtin"), qty_of(l, at)});
    }
  } else if (type == "pickup.partial" || type == "pickup.missed" || type == "task.cancelled") {
    p.task = req_string(ev, {}, "task");
    p.release = true;
  } else if (type == "receive.confirmed" || type == "receive.over") {
    p.changes.push_back(change(req_item(ev), kOnHand, qty_of(ev)));
  } else if (type == "receive.pallet") {
    const json& contents = req_array(ev, {}, "contents");
    for (std::size_t i = 0; i < contents.size(); ++i) {
      const json& c = element_object(contents, "contents", i);
      const std::string at = element("contents", i);
      p.changes.push_back(change(Item{req_gtin(c, at, "gtin"), lot_of(c, at)}, kOnHand, qty_of(c, at)));
    }
  } else if (type == "receive.damaged") {
    p.changes.push_back(change(req_item(ev), kDamaged, qty_of(ev)));
  } else if (type == "return.received") {
    p.changes.push_back(change(req_item(ev), kReturnedUninspected, qty_of(ev)));
  } else if (type == "return.inspected") {
    Item it = req_item(ev);
    const std::int64_t q = qty_of(ev);
    const std::string disposition = req_string(ev, {}, "disposition");
    Bucket to = kOnHand;
    if (disposition == "restock") {
      to = kOnHand;
    } else if (disposition == "damaged") {
      to = kDamaged;
    } else if (disposition == "dispose") {
      to = kDisposed;
    } else if (disposition == "refurbish") {
      to = kRefurbish;
    } else {
      bad("disposition", "\"" + disposition + "\" is not one of restock, damaged, dispose, refurbish");
    }
    p.changes.push_back(change(std::move(it), kReturnedUninspected, -q, to, q));
  } else if (type == "ship.confirmed" || type == "ship.partial") {
    const json& contents = req_array(ev, {}, "contents");
    for (std::size_t i = 0; i < contents.size(); ++i) {
      const json& c = element_object(contents, "contents", i);
      const std::string at = element("contents", i);
      const std::int64_t q = qty_of(c, at);
      p.changes.push_back(change(Item{req_gtin(c, at, "gtin"), lot_of(c, at)}, kStaged, -q, kShipped, q));
    }
  } else if (type == "putback.confirmed") {
    const std::int64_t q = qty_of(ev);
    p.changes.push_back(change(req_item(ev), kStaged, -q, kOnHand, q));
  } else if (type == "exception.damage") {
    const std::int64_t q = qty_of(ev);
    p.changes.push_back(change(req_item(ev), kOnHand, -q, kDamaged, q));
  }
  // Other known types (task.cancel_refused, pack.*, receive.short, putback.short,
  // operator.*) have no inventory outcome beyond the final-state rule.
  return p;
}

}  // namespace

struct InventoryProjection::Impl {
  SqlSession& db;

  // Write-behind state of the current transaction (see the header: flush()). The additive
  // changes of many events to one row are coalesced into one statement per row at flush():
  // stock deltas, task progress, reservation takes (sequential "remaining - q, never below
  // 0" steps with q >= 1 equal one step by their sum) and the last consumer of a GTIN (last
  // one wins). Every read of these tables made while projecting sees them: through the
  // caches below, or by flushing first on the rare paths (pick.short's write-offs).
  using StockKey = std::tuple<std::string, std::string, std::string>;          // site, gtin, lot
  using LineKey = std::tuple<std::string, std::string, std::string, std::int64_t>;  // site, device, task, line
  using GtinKey = std::pair<std::string, std::string>;                          // site, gtin
  struct Consumer {
    std::string device, task, channel, event_id;
  };
  std::map<StockKey, Deltas> stock_pending;
  std::map<LineKey, std::int64_t> progress_pending;
  std::map<LineKey, std::int64_t> take_pending;
  std::map<GtinKey, Consumer> consumer_pending;
  std::map<GtinKey, std::int64_t> on_hand_known;  // on_hand over all lots, database + pending

  explicit Impl(SqlSession& d) : db(d) {}

  template <class... A>
  Status run(const char* sql, const A&... args) {
    return db.run(sql, args...);
  }

  // First column of the first row, nullopt when no row.
  template <class... A>
  Result<std::optional<std::int64_t>> query_int(const char* sql, const A&... args) {
    return db.query_int(sql, args...);
  }

  void discard() {
    stock_pending.clear();
    progress_pending.clear();
    take_pending.clear();
    consumer_pending.clear();
    on_hand_known.clear();
  }

  Status write_stock(const StockKey& k, const Deltas& d) {
    static constexpr const char* kSql =
        "INSERT INTO stock(site, gtin, lot, on_hand, staged, returned_uninspected, damaged, disposed, refurbish,"
        " shipped, handed_over, written_off) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(site, gtin, lot) DO UPDATE SET on_hand = stock.on_hand + excluded.on_hand,"
        " staged = stock.staged + excluded.staged,"
        " returned_uninspected = stock.returned_uninspected + excluded.returned_uninspected,"
        " damaged = stock.damaged + excluded.damaged, disposed = stock.disposed + excluded.disposed,"
        " refurbish = stock.refurbish + excluded.refurbish, shipped = stock.shipped + excluded.shipped,"
        " handed_over = stock.handed_over + excluded.handed_over,"
        " written_off = stock.written_off + excluded.written_off";
    const auto& [site, gtin, lot] = k;
    return run(kSql, site, gtin, lot, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
  }

  // Writes every pending change, then forgets the caches (another transaction may change
  // the tables next). On failure the caller rolls back; the state is discarded either way.
  Status flush() {
    Status result;
    auto keep_first_error = [&](Status s) {
      if (!s && result) result = std::move(s);
    };
    for (const auto& [k, d] : stock_pending) {
      if (result) keep_first_error(write_stock(k, d));
    }
    for (const auto& [k, done] : progress_pending) {
      if (!result) break;
      const auto& [site, device, task, line] = k;
      keep_first_error(run(
          "INSERT INTO task_progress(site, device, task, line, done) VALUES (?, ?, ?, ?, ?)"
          " ON CONFLICT(site, device, task, line) DO UPDATE SET done = task_progress.done + excluded.done",
          site, device, task, line, done));
    }
    for (const auto& [k, qty] : take_pending) {
      if (!result) break;
      const auto& [site, device, task, line] = k;
      keep_first_error(run(
          "UPDATE reservations SET remaining = CASE WHEN remaining > ?1 THEN remaining - ?1 ELSE 0 END"
          " WHERE site = ?2 AND device = ?3 AND task = ?4 AND line = ?5",
          qty, site, device, task, line));
    }
    for (const auto& [k, c] : consumer_pending) {
      if (!result) break;
      keep_first_error(run(
          "INSERT INTO last_consumer(site, gtin, device, task, channel, event_id) VALUES (?, ?, ?, ?, ?, ?)"
          " ON CONFLICT(site, gtin) DO UPDATE SET device = excluded.device, task = excluded.task,"
          " channel = excluded.channel, event_id = excluded.event_id",
          k.first, k.second, c.device, c.task, c.channel, c.event_id));
    }
    discard();
    return result;
  }

  void add_stock(const std::string& site, const std::string& gtin, const std::string& lot, const Deltas& d) {
    Deltas& p = stock_pending[StockKey{site, gtin, lot}];
    for (std::size_t i = 0; i < kBucketCount; ++i) p[i] += d[i];
    if (auto it = on_hand_known.find(GtinKey{site, gtin}); it != on_hand_known.end()) it->second += d[kOnHand];
  }

  // on_hand of (site, gtin) over all lots, as the tables will hold it after flush().
  Result<std::int64_t> on_hand(const std::string& site, const std::string& gtin) {
    GtinKey key{site, gtin};
    if (auto it = on_hand_known.find(key); it != on_hand_known.end()) return it->second;
    auto stored = query_int("SELECT coalesce(sum(on_hand), 0) FROM stock WHERE site = ? AND gtin = ?", site, gtin);
    if (!stored) return stored.error();
    std::int64_t total = stored->value_or(0);
    for (auto it = stock_pending.lower_bound(StockKey{site, gtin, std::string()});
         it != stock_pending.end() && std::get<0>(it->first) == site && std::get<1>(it->first) == gtin; ++it) {
      total += it->second[kOnHand];
    }
    on_hand_known.emplace(std::move(key), total);
    return total;
  }

  void add_progress(const std::string& site, const std::string& device, const std::string& task, std::int64_t line,
                    std::int64_t qty) {
    progress_pending[LineKey{site, device, task, line}] += qty;
  }

  void take_reservation(const std::string& site, const std::string& device, const std::string& task, std::int64_t line,
                        std::int64_t qty) {
    take_pending[LineKey{site, device, task, line}] += qty;
  }

  // Every reservation of the task is deleted: its pending takes go with it.
  Status delete_reservations(const std::string& site, const std::string& device, const std::string& task) {
    for (auto it = take_pending.lower_bound(LineKey{site, device, task, std::numeric_limits<std::int64_t>::min()});
         it != take_pending.end() && std::get<0>(it->first) == site && std::get<1>(it->first) == device &&
         std::get<2>(it->first) == task;) {
      it = take_pending.erase(it);
    }
    return run("DELETE FROM reservations WHERE site = ? AND device = ? AND task = ?", site, device, task);
  }

  Status set_reservations(const std::string& site, const std::string& device, const Plan& p) {
    if (auto s = delete_reservations(site, device, p.task); !s) return s;
    for (const ReserveLine& r : p.reserve) {
      auto done = query_int("SELECT done FROM task_progress WHERE site = ? AND device = ? AND task = ? AND line = ?", site,
                            device, p.task, r.line);
      if (!done) return done.error();
      std::int64_t total_done = done->value_or(0);
      if (auto it = progress_pending.find(LineKey{site, device, p.task, r.line}); it != progress_pending.end()) {
        total_done += it->second;
      }
      const std::int64_t remaining = std::max<std::int64_t>(0, r.qty - total_done);
      if (auto s = run(
              "INSERT INTO reservations(site, device, task, line, gtin, lot, channel, task_type, remaining)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              site, device, p.task, r.line, r.gtin, r.lot, p.channel, p.task_type, remaining);
          !s) {
        return s;
      }
    }
    return {};
  }

  Status consume(const sync::DeviceAddress& a, std::int64_t seq, std::string_view id, const Plan& p) {
    auto before = on_hand(a.site, p.item.gtin);
    if (!before) return before.error();
    const std::int64_t on_hand_now = *before;
    const std::string event_id(id);
    if (on_hand_now < p.qty) {
      std::array<std::optional<std::string>, 4> prev;
      if (auto it = consumer_pending.find(GtinKey{a.site, p.item.gtin}); it != consumer_pending.end()) {
        prev = {it->second.device, it->second.task, it->second.channel, it->second.event_id};
      } else {
        auto st = db.each(
            "SELECT device, task, channel, event_id FROM last_consumer WHERE site = ? AND gtin = ?",
            [&](const SqlRow& r) {
              for (int i = 0; i < 4; ++i) prev[static_cast<std::size_t>(i)] = std::string(r.text_at(i));
            },
            a.site, p.item.gtin);
        if (!st) return st;
      }
      const std::int64_t short_qty = p.qty - std::max<std::int64_t>(0, on_hand_now);
      if (auto s = run(
              "INSERT INTO oversells(site, gtin, lot, short, device, seq, event_id, task, channel, time,"
              " prev_device, prev_task, prev_channel, prev_event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              a.site, p.item.gtin, p.item.lot, short_qty, a.device, seq, event_id, p.task, p.channel, p.time, prev[0],
              prev[1], prev[2], prev[3]);
          !s) {
        return s;
      }
    }
    add_stock(a.site, p.item.gtin, p.item.lot, p.consume_deltas);
    take_reservation(a.site, a.device, p.task, p.line, p.qty);
    add_progress(a.site, a.device, p.task, p.line, p.qty);
    consumer_pending[GtinKey{a.site, p.item.gtin}] = Consumer{a.device, p.task, p.channel, event_id};
    return {};
  }

  // Writes off up to `qty` units of (site, gtin): from `lot` when known, otherwise from the
  // unknown lot first and then the lots in order; never takes a bucket below 0. Reads the
  // stock table, so pending changes are flushed first.
  Status write_off(const std::string& site, const std::string& gtin, const std::string& lot, std::int64_t qty) {
    if (auto s = flush(); !s) return s;
    std::vector<std::pair<std::string, std::int64_t>> buckets;
    if (!lot.empty()) {
      auto have = query_int("SELECT on_hand FROM stock WHERE site = ? AND gtin = ? AND lot = ?", site, gtin, lot);
      if (!have) return have.error();
      buckets.emplace_back(lot, have->value_or(0));
    } else {
      auto st = db.each(
          "SELECT lot, on_hand FROM stock WHERE site = ? AND gtin = ? AND on_hand > 0 ORDER BY lot",
          [&](const SqlRow& r) { buckets.emplace_back(std::string(r.text_at(0)), r.int_at(1)); }, site, gtin);
      if (!st) return st;
    }
    std::int64_t left = qty;
    for (const auto& [bucket_lot, on_hand_lot] : buckets) {
      if (left == 0) break;
      const std::int64_t take = std::min(left, std::max<std::int64_t>(0, on_hand_lot));
      if (take == 0) continue;
      Deltas d{};
      d[kOnHand] = -take;
      d[kWrittenOff] = take;
      add_stock(site, gtin, bucket_lot, d);
      left -= take;
    }
    return {};
  }

  Status short_lines(const sync::DeviceAddress& a, const Plan& p) {
    for (const ShortLine& l : p.shorts) {
      // The reserved lot of the line, when the line asked for one (reservation rows are
      // written at once; only their `remaining` is deferred).
      std::string lot;
      auto st = db.each(
          "SELECT lot FROM reservations WHERE site = ? AND device = ? AND task = ? AND line = ?",
          [&](const SqlRow& r) { lot = std::string(r.text_at(0)); }, a.site, a.device, p.task, l.line);
      if (!st) return st;
      take_reservation(a.site, a.device, p.task, l.line, l.qty);
      add_progress(a.site, a.device, p.task, l.line, l.qty);
      if (auto s = write_off(a.site, l.gtin, lot, l.qty); !s) return s;
    }
    return {};
  }

  Status execute(const sync::DeviceAddress& a, std::int64_t seq, std::string_view id, const Plan& p) {
    if (p.set_reservations) {
      if (auto s = set_reservations(a.site, a.device, p); !s) return s;
    }
    if (p.consume) {
      if (auto s = consume(a, seq, id, p); !s) return s;
    }
    if (!p.shorts.empty()) {
      if (auto s = short_lines(a, p); !s) return s;
    }
    for (const StockChange& c : p.changes) add_stock(a.site, c.gtin, c.lot, c.d);
    if (p.release) {
      if (auto s = delete_reservations(a.site, a.device, p.task); !s) return s;
    }
    return {};
  }
};

InventoryProjection::InventoryProjection(SqlSession& db) : impl_(std::make_unique<Impl>(db)) {}
InventoryProjection::~InventoryProjection() = default;

Status InventoryProjection::flush() { return impl_->flush(); }
void InventoryProjection::discard() { impl_->discard(); }

Result<ProjectionResult> InventoryProjection::apply(const sync::DeviceAddress& address, Stream stream, std::int64_t seq,
                                                    std::string_view id, std::string_view type, std::string_view body,
                                                    bool log) {
  if (stream != Stream::exec || !known_type(type)) return ProjectionResult{};
  std::string problem;
  std::optional<Plan> plan;
  const json ev = json::parse(body, nullptr, false);
  if (ev.is_discarded() || !ev.is_object()) {
    problem = "event: not a JSON object";
  } else {
    try {
      plan = make_plan(type, ev);
    } catch (const BadField& b) {
      problem = b.field + ": " + b.what;
    } catch (const std::exception& e) {  // nlohmann type errors: not expected after the checks
      problem = std::string("event: ") + e.what();
    }
  }
  if (plan) {
    if (auto s = impl_->execute(address, seq, id, *plan); !s) return s.error();
    return ProjectionResult{ProjectionResult::Kind::projected, {}};
  }
  if (log) {
    spdlog::warn("ledger: inventory projection skipped event site {} device {} stream {} seq {} (id {}, type {}): {}",
                 address.site, address.device, to_string(stream), seq, id, type, problem);
  }
  if (auto s = impl_->run(
          "INSERT INTO projection_skipped(site, device, stream, seq, event_id, type, problem)"
          " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(site, device, stream, seq) DO UPDATE SET"
          " event_id = excluded.event_id, type = excluded.type, problem = excluded.problem",
          address.site, address.device, std::string(to_string(stream)), seq, std::string(id), std::string(type), problem);
      !s) {
    return s.error();
  }
  return ProjectionResult{ProjectionResult::Kind::skipped, std::move(problem)};
}

Result<std::int64_t> replay_applied_events(storage::Database& db) {
  static constexpr const char* kPending = "SELECT value FROM projection_meta WHERE key = 'replay_pending'";
  auto pending = db.query_int(kPending);
  if (!pending) return pending.error();
  if (!pending->has_value() || **pending == 0) return std::int64_t{0};
  auto tx = storage::Transaction::begin(db);
  if (!tx) return tx.error();
  pending = db.query_int(kPending);  // another writer may have replayed meanwhile
  if (!pending) return pending.error();
  if (!pending->has_value() || **pending == 0) return std::int64_t{0};

  SqliteSession session(db);
  InventoryProjection projection(session);
  auto q = db.prepare(
      "SELECT s.site, s.device, e.seq, e.id, e.type, e.body FROM applied_events e"
      " JOIN streams s ON s.stream_key = e.stream_key WHERE s.stream = 'exec' ORDER BY e.rowid");
  if (!q) return q.error();
  std::int64_t projected = 0, skipped = 0;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const sync::DeviceAddress a{std::string(q->column_text(0)), std::string(q->column_text(1))};
    const std::string id(q->column_text(3)), type(q->column_text(4)), body(q->column_text(5));
    auto r = projection.apply(a, Stream::exec, q->column_int(2), id, type, body, skipped < 20);
    if (!r) return r.error();
    if (r->kind == ProjectionResult::Kind::projected) ++projected;
    if (r->kind == ProjectionResult::Kind::skipped) ++skipped;
  }
  q->reset();
  if (auto s = projection.flush(); !s) return s.error();
  if (auto s = db.exec("UPDATE projection_meta SET value = 0 WHERE key = 'replay_pending'"); !s) return s.error();
  if (auto s = tx->commit(); !s) return s.error();
  if (projected + skipped > 0) {
    spdlog::info("ledger: inventory projection built from {} applied events ({} skipped for bad fields)", projected + skipped,
                 skipped);
  }
  return projected;
}

}  // namespace scanedge::ledger
