// Test helper: realistic exec-stream event bodies of edge/tasks/WORK_MODEL.md, numbered per
// device, as protocol batches for LedgerStore::apply_all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/outbox.h"
#include "sync/protocol/envelope.h"

namespace scanedge::ledger::testing {

using nlohmann::json;

inline json item(const std::string& gtin, std::optional<std::string> lot = std::nullopt) {
  return {{"gtin", gtin}, {"lot", lot ? json(*lot) : json(nullptr)}, {"serial", nullptr},
          {"expiry", nullptr}, {"sscc", nullptr}, {"epc", nullptr}};
}

inline json scan() { return {{"raw", "]C1010950600013435210ABC"}, {"symbology", "gs1-128"}, {"scanner", "sc1"}}; }

struct Line {
  std::int64_t line = 1;
  std::string gtin;
  std::int64_t qty = 1;
  std::optional<std::string> lot;
};

inline json lines_json(const std::vector<Line>& lines, bool with_lot = true) {
  json out = json::array();
  for (const Line& l : lines) {
    json j{{"line", l.line}, {"gtin", l.gtin}, {"qty", l.qty}};
    if (with_lot) {
      j["lot"] = l.lot ? json(*l.lot) : json(nullptr);
      j["location"] = "A-01-0" + std::to_string(l.line);
    }
    out.push_back(std::move(j));
  }
  return out;
}

// One device: assigns seq and id to the events it makes; take() returns the events made
// since the last take() as a batch, all() every event made so far (a redelivery).
class Device {
 public:
  Device(std::string site, std::string device, Stream stream = Stream::exec)
      : address_{std::move(site), std::move(device)}, stream_(stream) {}

  const sync::DeviceAddress& address() const { return address_; }
  std::int64_t last_seq() const { return static_cast<std::int64_t>(made_.size()); }

  // An event with the protocol v1 envelope plus `fields`; returns its id.
  std::string event(const std::string& type, const json& fields) {
    const std::int64_t seq = last_seq() + 1;
    const std::string id = address_.device + "-" + std::to_string(seq);
    json e{{"id", id},
           {"seq", seq},
           {"stream", std::string(to_string(stream_))},
           {"type", type},
           {"time", "2026-11-26T17:00:" + std::string(seq < 10 ? "0" : "") + std::to_string(seq % 60) + ".000Z"},
           {"clock", "synced"},
           {"mono_ms", 1000 * seq},
           {"site", address_.site},
           {"device", address_.device},
           {"operator", "op7"}};
    for (auto it = fields.begin(); it != fields.end(); ++it) e[it.key()] = it.value();
    made_.push_back({seq, e.dump()});
    return id;
  }

  // A task event: task fields, then `fields`.
  std::string task_event(const std::string& type, const std::string& task, const std::string& task_type,
                         const std::string& state, const std::string& channel, json fields = json::object()) {
    json f{{"task", task}, {"task_type", task_type}, {"task_state", state}, {"channel", channel}};
    for (auto it = fields.begin(); it != fields.end(); ++it) f[it.key()] = it.value();
    return event(type, f);
  }

  std::string received(const std::string& task, const std::string& task_type, const std::string& channel,
                       const std::vector<Line>& lines, int version = 1) {
    const std::string state = task_type == "pickup" ? "ready" : "released";
    return task_event("task.received", task, task_type, state, channel,
                      {{"version", version}, {"order", "ORD-" + task}, {"lines", lines_json(lines)}, {"window_end", nullptr},
                       {"pallets", nullptr}});
  }

  std::string picked(const std::string& task, const std::string& channel, std::int64_t line, const json& it,
                     const std::string& state = "in_progress", const std::string& task_type = "pick") {
    return task_event("pick.confirmed", task, task_type, state, channel,
                      {{"line", line}, {"location", "A-01-03"}, {"scan", scan()}, {"item", it}, {"qty", 1}});
  }

  std::string handed_over(const std::string& task, const std::string& channel, std::int64_t line, const json& it,
                          const std::string& state = "ready") {
    return task_event("pickup.handed_over", task, "pickup", state, channel,
                      {{"line", line}, {"scan", scan()}, {"item", it}, {"qty", 1}});
  }

  std::string receipt(const std::string& task, std::int64_t line, const json& it, const std::string& state = "in_progress") {
    return task_event("receive.confirmed", task, "receive", state, "default",
                      {{"line", line}, {"scan", scan()}, {"item", it}, {"qty", 1}, {"po", "PO-1"}});
  }

  sync::Batch take() {
    sync::Batch b = decode(std::vector<StoredEvent>(made_.begin() + static_cast<std::ptrdiff_t>(taken_), made_.end()));
    taken_ = made_.size();
    return b;
  }
  sync::Batch all() const { return decode(made_); }
  sync::Batch range(std::int64_t first, std::int64_t last) const {
    return decode(std::vector<StoredEvent>(made_.begin() + first - 1, made_.begin() + last));
  }

 private:
  sync::Batch decode(const std::vector<StoredEvent>& events) const {
    auto r = sync::decode_batch(sync::encode_batch(address_, stream_, events), 1 << 30);
    return std::move(r).value();
  }

  sync::DeviceAddress address_;
  Stream stream_;
  std::vector<StoredEvent> made_;
  std::size_t taken_ = 0;
};

}  // namespace scanedge::ledger::testing
