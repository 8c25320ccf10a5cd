#include "sync/ledger/availability_report.h"

#include <algorithm>
#include <utility>
#include <vector>


namespace scanedge::ledger {

namespace {

using json = nlohmann::ordered_json;

template <class F>
Status each_row(SqlSession& db, const char* sql, const InventoryFilter& f, F&& row) {
  const SqlParam params[] = {f.site ? SqlParam(*f.site) : SqlParam(), f.gtin ? SqlParam(*f.gtin) : SqlParam()};
  return db.query(sql, params, row);
}

json buckets_json(json out, const StockBuckets& b) {
  for (std::size_t i = 0; i < b.size(); ++i) out[kBucketNames[i]] = b[i];
  return out;
}

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }
json lot_json(const std::string& lot) { return lot.empty() ? json(nullptr) : json(lot); }

}  // namespace

Result<InventorySnapshot> read_inventory(SqlSession& db, const InventoryFilter& filter) {
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
                    " handed_over, written_off FROM stock WHERE (CAST(?1 AS TEXT) IS NULL OR site = ?1) AND (CAST(?2 AS TEXT) IS NULL OR gtin = ?2)"
                    " ORDER BY site, gtin, lot",
                    filter, [&](const SqlRow& st) {
                      ItemStock& i = item(st.text_at(0), st.text_at(1));
                      LotStock l;
                      l.lot = std::string(st.text_at(2));
                      for (std::size_t b = 0; b < l.buckets.size(); ++b) {
                        l.buckets[b] = st.int_at(static_cast<int>(b) + 3);
                        i.total[b] += l.buckets[b];
                      }
                      i.lots.push_back(std::move(l));
                    });
  if (!s) return s.error();
  s = each_row(db,
               "SELECT site, gtin, channel, sum(remaining) FROM reservations"
               " WHERE (CAST(?1 AS TEXT) IS NULL OR site = ?1) AND (CAST(?2 AS TEXT) IS NULL OR gtin = ?2) GROUP BY site, gtin, channel",
               filter, [&](const SqlRow& st) {
                 ItemStock& i = item(st.text_at(0), st.text_at(1));
                 const std::int64_t n = st.int_at(3);
                 i.reserved += n;
                 i.by_channel[std::string(st.text_at(2))] += n;
               });
  if (!s) return s.error();
  s = each_row(db,
               "SELECT site, gtin, lot, short, device, seq, event_id, task, channel, time, prev_device, prev_task,"
               " prev_channel, prev_event_id FROM oversells WHERE (CAST(?1 AS TEXT) IS NULL OR site = ?1) AND (CAST(?2 AS TEXT) IS NULL OR gtin = ?2)"
               " ORDER BY oversell_id",
               filter, [&](const SqlRow& st) {
                 OversellRecord o;
                 o.site = std::string(st.text_at(0));
                 o.gtin = std::string(st.text_at(1));
                 o.lot = std::string(st.text_at(2));
                 o.short_qty = st.int_at(3);
                 o.device = std::string(st.text_at(4));
                 o.seq = st.int_at(5);
                 o.event_id = std::string(st.text_at(6));
                 o.task = std::string(st.text_at(7));
                 o.channel = std::string(st.text_at(8));
                 if (!st.is_null(9)) o.time = std::string(st.text_at(9));
                 if (!st.is_null(10)) {
                   o.previous = OversellRecord::Previous{std::string(st.text_at(10)), std::string(st.text_at(11)),
                                                         std::string(st.text_at(12)), std::string(st.text_at(13))};
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
