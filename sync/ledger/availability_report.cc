#include "sync/ledger/availability_report.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "edge/storage/migrations.h"

namespace scanedge::ledger {

namespace {

using json = nlohmann::ordered_json;

// Ends the read transaction whatever happens.
class ReadTransaction {
 public:
  explicit ReadTransaction(storage::Database& db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) (void)db_.exec("COMMIT");
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Status begin() {
    if (auto s = db_.exec("BEGIN"); !s) return s;
    open_ = true;
    return {};
  }

 private:
  storage::Database& db_;
  bool open_ = false;
};

void bind_filter(storage::Statement& st, const InventoryFilter& f) {
  if (f.site) {
    st.bind(1, std::string_view(*f.site));
  } else {
    st.bind_null(1);
  }
  if (f.gtin) {
    st.bind(2, std::string_view(*f.gtin));
  } else {
    st.bind_null(2);
  }
}

// Runs `sql` (filtered by ?1 site, ?2 gtin) and calls `row` for each row.
template <class F>
Status each_row(storage::Database& db, const char* sql, const InventoryFilter& f, F&& row) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  bind_filter(*st, f);
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (!*r) break;
    row(*st);
  }
  return {};
}

json buckets_json(json out, const StockBuckets& b) {
  for (std::size_t i = 0; i < b.size(); ++i) out[kBucketNames[i]] = b[i];
  return out;
}

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }
json lot_json(const std::string& lot) { return lot.empty() ? json(nullptr) : json(lot); }

}  // namespace

Result<InventorySnapshot> read_inventory(storage::Database& db, const InventoryFilter& filter) {
  ReadTransaction tx(db);
  if (auto s = tx.begin(); !s) return s.error();
  auto version = storage::schema_version(db);
  if (!version) return version.error();
  if (*version < 2) {
    return make_error("schema_too_old", "ledger database " + db.path() + " has schema version " + std::to_string(*version) +
                                            " and no inventory projection yet; open it read-write once (e.g. "
                                            "scanedge-ledger run) to migrate it");
  }
  auto pending = db.query_int("SELECT value FROM projection_meta WHERE key = 'replay_pending'");
  if (!pending) return pending.error();
  if (pending->value_or(0) != 0) {
    return make_error("projection_pending", "ledger database " + db.path() +
                                                " has not finished building its inventory projection; open it read-write "
                                                "once (e.g. scanedge-ledger run) to complete the migration");
  }

  InventorySnapshot snap;
  std::map<std::pair<std::string, std::string>, ItemStock> items;
  auto item = [&items](std::string_view site, std::string_view gtin) -> ItemStock& {
    auto key = std::make_pair(std::string(site), std::string(gtin));
    auto it = items.find(key);
    if (it == items.end()) {
      ItemStock s;
      s.site = key.first;
      s.gtin = key.second;
      it = items.emplace(std::move(key), std::move(s)).first;
    }
    return it->second;
  };

  auto s = each_row(db,
                    "SELECT site, gtin, lot, on_hand, staged, returned_uninspected, damaged, disposed, refurbish, shipped,"
                    " handed_over, written_off FROM stock WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR gtin = ?2)"
                    " ORDER BY site, gtin, lot",
                    filter, [&](storage::Statement& st) {
                      ItemStock& i = item(st.column_text(0), st.column_text(1));
                      LotStock l;
                      l.lot = std::string(st.column_text(2));
                      for (std::size_t b = 0; b < l.buckets.size(); ++b) {
                        l.buckets[b] = st.column_int(static_cast<int>(b) + 3);
                        i.total[b] += l.buckets[b];
                      }
                      i.lots.push_back(std::move(l));
                    });
  if (!s) return s.error();
  s = each_row(db,
               "SELECT site, gtin, channel, sum(remaining) FROM reservations"
               " WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR gtin = ?2) GROUP BY site, gtin, channel",
               filter, [&](storage::Statement& st) {
                 ItemStock& i = item(st.column_text(0), st.column_text(1));
                 const std::int64_t n = st.column_int(3);
                 i.reserved += n;
                 i.by_channel[std::string(st.column_text(2))] += n;
               });
  if (!s) return s.error();
  s = each_row(db,
               "SELECT site, gtin, lot, short, device, seq, event_id, task, channel, time, prev_device, prev_task,"
               " prev_channel, prev_event_id FROM oversells WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR gtin = ?2)"
               " ORDER BY oversell_id",
               filter, [&](storage::Statement& st) {
                 OversellRecord o;
                 o.site = std::string(st.column_text(0));
                 o.gtin = std::string(st.column_text(1));
                 o.lot = std::string(st.column_text(2));
                 o.short_qty = st.column_int(3);
                 o.device = std::string(st.column_text(4));
                 o.seq = st.column_int(5);
                 o.event_id = std::string(st.column_text(6));
                 o.task = std::string(st.column_text(7));
                 o.channel = std::string(st.column_text(8));
                 if (!st.column_is_null(9)) o.time = std::string(st.column_text(9));
                 if (!st.column_is_null(10)) {
                   o.previous = OversellRecord::Previous{std::string(st.column_text(10)), std::string(st.column_text(11)),
                                                         std::string(st.column_text(12)), std::string(st.column_text(13))};
                 }
                 snap.oversells.push_back(std::move(o));
               });
  if (!s) return s.error();

  for (auto& [key, i] : items) {
    // SQL ordered lots by name with "" first; the unknown lot goes last.
    std::stable_partition(i.lots.begin(), i.lots.end(), [](const LotStock& l) { return !l.lot.empty(); });
    snap.items.push_back(std::move(i));
  }
  return snap;
}

nlohmann::ordered_json availability_json(const InventorySnapshot& snapshot, const ChannelPolicy* policy) {
  json items = json::array();
  for (const ItemStock& i : snapshot.items) {
    json o = buckets_json({{"site", i.site}, {"gtin", i.gtin}}, i.total);
    const std::int64_t available = i.total[0] - i.reserved;
    o["reserved"] = i.reserved;
    o["available"] = available;
    json lots = json::array();
    for (const LotStock& l : i.lots) lots.push_back(buckets_json({{"lot", lot_json(l.lot)}}, l.buckets));
    o["lots"] = std::move(lots);
    json channels = json::object();
    auto add = [&](const std::string& name, json priority, std::int64_t safety) {
      auto r = i.by_channel.find(name);
      channels[name] = {{"priority", std::move(priority)},
                        {"safety_stock", safety},
                        {"reserved", r == i.by_channel.end() ? 0 : r->second},
                        {"available", std::max<std::int64_t>(0, available - safety)}};
    };
    if (policy != nullptr) {
      std::vector<std::pair<std::int64_t, std::string>> ordered;  // by priority, then name
      for (const auto& [name, rule] : policy->channels) ordered.emplace_back(rule.priority, name);
      std::sort(ordered.begin(), ordered.end());
      for (const auto& [priority, name] : ordered) add(name, priority, policy->channels.at(name).safety_stock);
    }
    for (const auto& [name, n] : i.by_channel) {
      if (policy == nullptr || policy->channels.count(name) == 0) add(name, nullptr, 0);
    }
    o["channels"] = std::move(channels);
    items.push_back(std::move(o));
  }
  json oversells = json::array();
  for (const OversellRecord& r : snapshot.oversells) {
    json prev = nullptr;
    if (r.previous) {
      prev = {{"device", r.previous->device}, {"task", r.previous->task}, {"channel", r.previous->channel},
              {"id", r.previous->event_id}};
    }
    oversells.push_back({{"site", r.site},
                         {"gtin", r.gtin},
                         {"lot", lot_json(r.lot)},
                         {"short", r.short_qty},
                         {"event",
                          {{"device", r.device},
                           {"seq", r.seq},
                           {"id", r.event_id},
                           {"task", r.task},
                           {"channel", r.channel},
                           {"time", opt(r.time)}}},
                         {"previous", std::move(prev)}});
  }
  return json{{"items", std::move(items)}, {"oversells", std::move(oversells)}};
}

}  // namespace scanedge::ledger
