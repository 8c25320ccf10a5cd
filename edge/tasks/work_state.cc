#include "edge/tasks/work_state.h"

namespace scanedge::tasks {

using nlohmann::json;

WorkState WorkState::from_state(const std::vector<std::pair<std::string, std::string>>& entries,
                                std::vector<std::string>* bad) {
  WorkState ws;
  const std::string task_prefix = kTaskKeyPrefix;
  for (const auto& [key, value] : entries) {
    const auto doc = json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (key == kSessionKey) {
      if (!doc.is_object()) {
        if (bad != nullptr) bad->push_back(key + ": not a JSON object");
        continue;
      }
      if (const auto op = doc.find("operator"); op != doc.end() && op->is_string()) ws.operator_ = op->get<std::string>();
      if (const auto at = doc.find("active_task"); at != doc.end() && at->is_string()) {
        ws.active_task_ = at->get<std::string>();
      }
      continue;
    }
    if (key.rfind(task_prefix, 0) != 0) continue;
    auto task = parse_task(doc);
    if (!task) {
      if (bad != nullptr) bad->push_back(key + ": " + task.error().message);
      continue;
    }
    if (key.substr(task_prefix.size()) != task->task_id) {
      if (bad != nullptr) bad->push_back(key + ": holds task \"" + task->task_id + "\"");
      continue;
    }
    ws.tasks_[task->task_id] = std::move(*task);
  }
  // An active task that is gone or finished is not active any more.
  if (ws.active_task_) {
    const auto it = ws.tasks_.find(*ws.active_task_);
    if (it == ws.tasks_.end() || it->second.tombstone || is_final(it->second)) ws.active_task_.reset();
  }
  return ws;
}

StateWrite WorkState::state_write(const std::string& key) const {
  if (key == kSessionKey) {
    json s{{"operator", operator_ ? json(*operator_) : json(nullptr)},
           {"active_task", active_task_ ? json(*active_task_) : json(nullptr)}};
    return StateWrite{key, s.dump()};
  }
  const std::string task_prefix = kTaskKeyPrefix;
  if (key.rfind(task_prefix, 0) == 0) {
    const auto it = tasks_.find(key.substr(task_prefix.size()));
    if (it != tasks_.end()) return StateWrite{key, to_json(it->second).dump()};
  }
  return StateWrite{key, std::nullopt};
}

json task_summary_json(const Task& t) {
  json lines = json::array();
  std::int64_t done = 0;
  std::int64_t qty = 0;
  for (const auto& l : t.lines) {
    json j{{"line", l.line}, {"gtin", l.gtin}, {"qty", l.qty}, {"done", l.done}, {"location", l.location}};
    if (l.lot) j["lot"] = *l.lot;
    if (l.min_expiry) j["min_expiry"] = *l.min_expiry;
    if (!l.substitutes.empty()) j["substitutes"] = l.substitutes;
    switch (t.type) {
      case TaskType::pick:
        j["picked"] = l.done;
        j["short"] = l.short_qty;
        j["substituted"] = l.substituted;
        break;
      case TaskType::ship_from_store:
        j["picked"] = l.done;
        j["short"] = l.short_qty;
        j["substituted"] = l.substituted;
        j["cartoned"] = l.cartoned;
        break;
      case TaskType::pack:
        j["packed"] = l.done;
        j["short"] = l.short_qty;
        break;
      case TaskType::receive:
        j["received"] = l.done;
        j["over"] = l.done > l.qty ? l.done - l.qty : 0;
        j["damaged"] = l.damaged;
        j["short"] = l.short_qty;
        break;
      case TaskType::return_:
        j["returned"] = l.done;
        j["inspected"] = l.inspected;
        break;
      case TaskType::pickup:
        j["handed_over"] = l.done;
        break;
      case TaskType::put_back:
        j["put_back"] = l.done;
        j["short"] = l.short_qty;
        break;
    }
    j["remaining"] = l.remaining();
    done += l.done;
    qty += l.qty;
    lines.push_back(std::move(j));
  }
  json out{{"task_id", t.task_id}, {"version", t.version}, {"type", to_string(t.type)},
           {"channel", t.channel}, {"state", to_string(t.state)}};
  if (t.order) out["order"] = *t.order;
  if (t.po) out["po"] = *t.po;
  if (t.asn) out["asn"] = *t.asn;
  if (t.rma) out["rma"] = *t.rma;
  if (t.window_end) out["window_end"] = *t.window_end;
  if (t.origin_task) out["origin_task"] = *t.origin_task;
  if (t.cancel_reason) out["cancel_reason"] = *t.cancel_reason;
  if (!t.cartons.empty()) {
    json cs = json::array();
    for (const auto& c : t.cartons) {
      std::int64_t n = 0;
      for (const auto& u : c.contents) n += u.qty;
      cs.push_back({{"carton", c.number}, {"sscc", c.sscc ? json(*c.sscc) : json(nullptr)}, {"units", n}});
    }
    out["cartons"] = std::move(cs);
  }
  if (!t.pallets.empty()) {
    json ps = json::array();
    for (const auto& p : t.pallets) ps.push_back({{"sscc", p.sscc}, {"received", p.received}});
    out["pallets"] = std::move(ps);
  }
  out["lines"] = std::move(lines);
  out["picked"] = done;
  out["qty"] = qty;
  return out;
}

json WorkState::tasks_json() const {
  json a = json::array();
  for (const auto& [id, t] : tasks_) {
    if (t.tombstone) continue;
    a.push_back(task_summary_json(t));
  }
  return a;
}

}  // namespace scanedge::tasks
