// Task documents (downlink `tasks`, bus task.put): add / update / unchanged / stale, cancel
// documents (cancelled / too_late, tombstones for tasks never held) and the late
// cancellation's put-back task (WORK_MODEL.md "Task documents", "Late cancellation").
//
// Documents carry no progress: progress fields a document may hold (the stored form's
// "state", "done", "units", ...) are ignored, and `put_back` tasks are refused (the device
// makes them). A cancel applies whatever its version (an older cancel arriving after a
// newer document still stops the task, so both arrival orders end the same); a redelivered
// cancel of a cancelled task is "unchanged", of a finished task "unchanged" once refused.
#include <map>
#include <tuple>

#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

// The document without the stored form's progress fields.
json document_only(const json& doc) {
  json d = doc;
  for (const char* k : {"state", "units", "cartons", "carrier_label", "finished_at", "cancel_reason", "origin_task",
                        "tombstone", "cancel_refused_version"}) {
    d.erase(k);
  }
  if (auto it = d.find("lines"); it != d.end() && it->is_array()) {
    for (auto& l : *it) {
      if (!l.is_object()) continue;
      for (const char* k : {"done", "picked", "short", "substituted", "damaged", "inspected", "cartoned"}) l.erase(k);
    }
  }
  if (auto it = d.find("pallets"); it != d.end() && it->is_array()) {
    for (auto& p : *it) {
      if (p.is_object()) p.erase("received");
    }
  }
  return d;
}

json received_lines(const Task& t) {
  json a = json::array();
  for (const auto& l : t.lines) {
    a.push_back({{"line", l.line},
                 {"gtin", l.gtin},
                 {"qty", l.qty},
                 {"lot", l.lot ? json(*l.lot) : json(nullptr)},
                 {"location", l.location}});
  }
  return a;
}

}  // namespace

void WorkExecutor::Impl::put_document(const json& doc) {
  if (!doc.is_object()) {
    fail("bad_task", "task: expected a JSON object");
    return;
  }
  const auto cancel_it = doc.find("cancel");
  if (cancel_it != doc.end() && !cancel_it->is_null() && !cancel_it->is_boolean()) {
    fail("bad_task", "cancel: not true/false");
    return;
  }
  if (cancel_it != doc.end() && cancel_it->is_boolean() && cancel_it->get<bool>()) {
    const auto id = doc.find("task_id");
    if (id == doc.end() || !id->is_string() || !valid_task_id(id->get<std::string>())) {
      fail("bad_task", "task_id: missing or not 1-64 printable characters without / + # \" \\");
      return;
    }
    const std::string task_id = id->get<std::string>();
    const auto ver = doc.find("version");
    if (ver == doc.end() || !ver->is_number_integer() || ver->get<std::int64_t>() < 1 ||
        (ver->is_number_unsigned() && ver->get<std::uint64_t>() > (1ULL << 62))) {
      fail("bad_task", "version: missing or not an integer >= 1");
      return;
    }
    const std::int64_t version = ver->get<std::int64_t>();
    std::string reason = "unspecified";
    if (const auto r = doc.find("reason"); r != doc.end() && !r->is_null()) {
      if (!r->is_string() || r->get<std::string>().empty() || r->get<std::string>().size() > 256) {
        fail("bad_task", "reason: not a string of 1-256 characters");
        return;
      }
      reason = r->get<std::string>();
    }
    d.accepted = true;
    d.reply = {{"task_id", task_id}, {"outcome", "cancelled"}};
    const auto it = st.tasks_.find(task_id);
    if (it == st.tasks_.end()) {
      Task tomb;
      tomb.task_id = task_id;
      tomb.version = version;
      tomb.tombstone = true;
      tomb.state = TaskState::cancelled;
      tomb.cancel_reason = reason;
      tomb.finished_at = now_text();
      st.tasks_.emplace(task_id, std::move(tomb));
      touch(task_id);
      return;
    }
    Task& t = it->second;
    if (t.tombstone || t.state == TaskState::cancelled) {
      d.reply["outcome"] = "unchanged";
      return;
    }
    if (is_final(t)) {
      if (t.cancel_refused_version == version) {
        d.reply["outcome"] = "unchanged";
        return;
      }
      t.cancel_refused_version = version;
      touch(task_id);
      json e = task_event("task.cancel_refused", t);
      e["version"] = version;
      e["reason"] = reason;
      emit(std::move(e));
      d.reply["outcome"] = "too_late";
      d.reply["task_state"] = to_string(t.state);
      return;
    }
    cancel(t, reason, "ledger", version);
    d.reply["put_back_task"] = d.events.front().body["put_back_task"];
    return;
  }

  auto parsed = parse_task(document_only(doc));
  if (!parsed) {
    fail(parsed.error().code, parsed.error().message);
    return;
  }
  Task t = std::move(*parsed);
  if (t.type == TaskType::put_back) {
    fail("bad_task", "type: put_back tasks are made by the device only");
    return;
  }
  if (t.lines.empty()) {
    fail("bad_task", "lines: empty (a task needs 1..10000 lines)");
    return;
  }
  d.accepted = true;
  d.reply = {{"task_id", t.task_id}, {"outcome", "added"}};
  const auto it = st.tasks_.find(t.task_id);
  if (it != st.tasks_.end()) {
    Task& old = it->second;
    if (!old.tombstone && old.type != t.type && t.version > old.version && !is_final(old)) {
      fail("bad_task", std::string("type: task ") + old.task_id + " is a " + to_string(old.type) +
                           " task; a new version cannot make it " + to_string(t.type));
      return;
    }
    if (old.tombstone || old.state == TaskState::cancelled || (is_final(old) && t.version > old.version) ||
        t.version < old.version) {
      d.reply["outcome"] = "stale";
      return;
    }
    if (t.version == old.version) {
      d.reply["outcome"] = "unchanged";
      return;
    }
    // Newer version: lines replaced, progress of same-numbered lines kept.
    for (auto& l : t.lines) {
      if (const Line* ol = old.find_line(l.line)) {
        l.done = ol->done;
        l.short_qty = ol->short_qty;
        l.substituted = ol->substituted;
        l.damaged = ol->damaged;
        l.inspected = ol->inspected;
        l.cartoned = ol->cartoned;
      }
    }
    for (auto& p : t.pallets) {
      for (const auto& op : old.pallets) {
        if (op.sscc == p.sscc) p.received = op.received;
      }
    }
    t.units = std::move(old.units);
    t.cartons = std::move(old.cartons);
    t.state = old.state;
    switch (t.type) {
      case TaskType::pick:
      case TaskType::ship_from_store: pick_update_state(t); break;
      case TaskType::receive: receive_update_state(t); break;
      case TaskType::pickup: {
        bool all = true;
        for (const auto& l : t.lines) all = all && l.remaining() == 0;
        if (all) t.state = TaskState::picked_up;
        break;
      }
      default: break;
    }
    old = std::move(t);
    d.reply["outcome"] = "updated";
  } else {
    st.tasks_.emplace(t.task_id, std::move(t));
  }
  Task& held = st.tasks_.at(d.reply["task_id"].get<std::string>());
  settle(held);
  json e = task_event("task.received", held);
  e["version"] = held.version;
  e["lines"] = received_lines(held);
  e["window_end"] = held.window_end ? json(*held.window_end) : json(nullptr);
  const auto pallets = doc.find("pallets");
  e["pallets"] = pallets != doc.end() ? *pallets : json(nullptr);
  emit(std::move(e));
}

void WorkExecutor::Impl::cancel(Task& t, const std::string& reason, const char* by, std::int64_t version) {
  t.state = TaskState::cancelled;
  t.cancel_reason = reason;
  if (version > t.version) t.version = version;
  json put_back_list = json::array();
  std::optional<std::string> pb;
  if ((t.type == TaskType::pick || t.type == TaskType::ship_from_store) && !t.units.empty()) {
    pb = make_put_back(t, put_back_list);
  }
  settle(t);
  json e = task_event("task.cancelled", t);
  e["version"] = version;
  e["reason"] = reason;
  e["by"] = by;
  e["put_back_task"] = pb ? json(*pb) : json(nullptr);
  e["put_back"] = std::move(put_back_list);
  emit(std::move(e));
}

std::optional<std::string> WorkExecutor::Impl::make_put_back(const Task& origin, json& put_back_list) {
  // One line per picked (gtin, lot, location).
  std::map<std::tuple<std::string, std::string, bool, std::string>, std::int64_t> groups;
  std::vector<std::tuple<std::string, std::string, bool, std::string>> order;
  for (const auto& u : origin.units) {
    const Line* l = origin.find_line(u.line);
    const std::string location = l != nullptr ? l->location : std::string();
    auto key = std::make_tuple(u.gtin, u.lot.value_or(""), u.lot.has_value(), location);
    if (groups.find(key) == groups.end()) order.push_back(key);
    groups[key] += u.qty;
  }
  if (order.empty()) return std::nullopt;
  const std::string id = "PB-" + origin.task_id;
  Task pb;
  const auto existing = st.tasks_.find(id);
  if (existing != st.tasks_.end() && !existing->second.tombstone && !is_final(existing->second)) {
    pb = existing->second;  // extend an open put-back
  } else {
    pb.task_id = id;
    pb.version = 1;
    pb.type = TaskType::put_back;
    pb.channel = origin.channel;
    pb.order = origin.order;
    pb.origin_task = origin.task_id;
    pb.state = TaskState::released;
  }
  std::int64_t next = 1;
  for (const auto& l : pb.lines) next = std::max(next, l.line + 1);
  for (const auto& key : order) {
    const auto& [gtin, lot, has_lot, location] = key;
    Line l;
    l.line = next++;
    l.gtin = gtin;
    l.qty = groups[key];
    l.location = location;
    if (has_lot) l.lot = lot;
    put_back_list.push_back({{"gtin", gtin}, {"lot", has_lot ? json(lot) : json(nullptr)}, {"qty", l.qty},
                             {"location", location}});
    pb.lines.push_back(std::move(l));
  }
  st.tasks_[id] = std::move(pb);
  touch(id);
  return id;
}

}  // namespace scanedge::tasks
