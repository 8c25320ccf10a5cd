// WorkExecutor: routes scans to tasks, runs actions and documents against a copy of the
// state, and drives time (pickup windows, pruning). The per-type rules live in *_rules.cc.
#include "edge/tasks/work_executor.h"

#include <algorithm>

#include "edge/decode/decoder.h"
#include "edge/decode/epc.h"
#include "edge/tasks/executor_impl.h"
#include "edge/tasks/task_time.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

// Raw data goes into events as JSON strings: keep ASCII only so garbage bytes can never make
// an event unserialisable (non-ASCII bytes are never valid barcode data here).
std::string clean(const std::string& data) {
  std::string out;
  out.reserve(data.size());
  for (unsigned char c : data) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

constexpr const char* kOps[] = {"operator.login", "operator.logout", "task.list",       "task.start",
                                "task.complete",  "task.cancel",     "exception.report", "return.inspect"};

// Helpers reading request fields; they record a bad_request naming the field.
std::optional<std::string> req_string(const json& req, const char* key, bool required, std::string& err,
                                      std::size_t max = 256) {
  const auto it = req.find(key);
  if (it == req.end() || it->is_null()) {
    if (required) err = std::string(key) + ": missing (a string)";
    return std::nullopt;
  }
  if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > max) {
    err = std::string(key) + ": not a string of 1-" + std::to_string(max) + " characters";
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> req_int(const json& req, const char* key, bool required, std::string& err,
                                    std::int64_t lo = 1, std::int64_t hi = 1000000000) {
  const auto it = req.find(key);
  if (it == req.end() || it->is_null()) {
    if (required) err = std::string(key) + ": missing (an integer)";
    return std::nullopt;
  }
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<std::uint64_t>() > 1000000000000ULL) ||
      it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi) {
    err = std::string(key) + ": not an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

}  // namespace

WorkExecutor::WorkExecutor(const Clock& clock, EventIdGenerator& ids, DeviceIdentity device, ExecutorOptions options)
    : clock_(clock), ids_(ids), device_(std::move(device)), options_(std::move(options)) {}

bool WorkExecutor::handles(const std::string& op) {
  return std::find_if(std::begin(kOps), std::end(kOps), [&](const char* o) { return op == o; }) != std::end(kOps);
}

// ---------------------------------------------------------------- scans

WorkDecision WorkExecutor::scan(const RawScan& scan, WorkState& state) {
  Impl impl(*this, state);
  impl.decide_scan(scan);
  return std::move(impl.d);
}

void WorkExecutor::Impl::decide_scan(const RawScan& raw) {
  ScanInput s;
  s.safe = raw;
  s.safe.data = clean(raw.data);
  s.today = utc_date(ex.clock_.wall());
  const decode::DecodeResult r = raw.rfid_epc ? decode::decode_epc(raw.data) : decode::decode(raw.data);
  if (r.ok()) {
    s.dec = *r.value;
    s.symbology = s.dec->symbology;
    s.item = item_json(s.dec->identity);
  }
  if (!raw.refusal_code.empty()) {
    reject_scan(s, raw.refusal_code, raw.refusal_message, nullptr);
    return;
  }
  // Badge: data (after an optional AIM id) starting with the badge prefix.
  if (!raw.rfid_epc && !ex.options_.badge_prefix.empty()) {
    std::string rest = s.safe.data;
    if (rest.size() >= 3 && rest[0] == ']') rest = rest.substr(3);
    if (rest.rfind(ex.options_.badge_prefix, 0) == 0) {
      auto op = badge_operator(s.safe.data, true);
      if (!op) {
        reject_scan(s, op.error().code, op.error().message, nullptr);
        return;
      }
      login(*op);
      d.feedback = Feedback::good;
      d.reply["decision"] = "confirmed";
      d.reply["type"] = "operator.login";
      d.reply["symbology"] = s.symbology;
      d.reply["item"] = s.item;
      for (auto& ev : d.events) {
        ev.body["mono_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(s.safe.mono).count();
        ev.body["scan"] = {{"raw", s.safe.data}, {"symbology", s.symbology}, {"scanner", s.safe.scanner}};
      }
      return;
    }
  }
  if (!r.ok()) {
    reject_scan(s, r.error.code, r.error.message, nullptr);
    return;
  }
  if (ex.options_.operator_required && !st.operator_) {
    reject_scan(s, "no_operator", "nobody is logged in on this device: scan your badge first", nullptr);
    return;
  }

  Task* started = nullptr;
  if (st.active_task_) {
    Task* t = find(*st.active_task_);
    if (t != nullptr && !is_final(*t)) started = t;
  }
  std::vector<Task*> candidates;
  bool any_task = false;
  if (started != nullptr) {
    candidates.push_back(started);
  } else {
    std::vector<Task*> later, last;
    for (auto& [id, t] : st.tasks_) {
      if (t.tombstone) continue;
      any_task = true;
      if (t.type == TaskType::put_back) continue;  // put-back tasks take scans only when started
      if (!is_final(t)) {
        (has_progress(t) ? candidates : later).push_back(&t);
      } else if (t.type == TaskType::receive && t.state == TaskState::received) {
        last.push_back(&t);  // over-receipts
      }
    }
    candidates.insert(candidates.end(), later.begin(), later.end());
    candidates.insert(candidates.end(), last.begin(), last.end());
    if (!any_task) {
      reject_scan(s, "no_task", "no task is loaded on this device", nullptr);
      return;
    }
  }

  Task* soft_task = nullptr;
  Verdict soft;
  Verdict best = Verdict::refuse(-1, "", "");
  for (Task* t : candidates) {
    Verdict v = check_scan(*t, s);
    if (v.accepted()) {
      if (!v.soft) {
        apply_scan(*t, v, s);
        return;
      }
      if (soft_task == nullptr) {
        soft_task = t;
        soft = v;
      }
      continue;
    }
    if (v.rank > best.rank) best = v;
  }
  if (soft_task != nullptr) {
    apply_scan(*soft_task, soft, s);
    return;
  }
  const auto& gtin = s.dec->identity.gtin;
  if (started == nullptr && best.rank < 2 && gtin) {
    // The item is only on tasks that are over: say so rather than "wrong item".
    for (const auto& [id, t] : st.tasks_) {
      if (t.tombstone || !is_final(t)) continue;
      for (const auto& l : t.lines) {
        if (l.gtin != *gtin) continue;
        if (t.state == TaskState::cancelled) {
          reject_scan(s, "task_cancelled",
                      "task " + t.task_id + " was cancelled" + (t.cancel_reason ? " (" + *t.cancel_reason + ")" : "") +
                          ": do not pick for it",
                      nullptr);
        } else if (l.done >= l.qty) {
          reject_scan(s, "over_pick",
                      "task " + t.task_id + " line " + std::to_string(l.line) + ": all " + std::to_string(l.qty) +
                          " of GTIN " + l.gtin + " already done",
                      nullptr);
        } else {
          reject_scan(s, "task_complete", std::string("task ") + t.task_id + " is already " + to_string(t.state),
                      nullptr);
        }
        return;
      }
    }
  }
  if (best.rank <= 0) {
    const std::string kind = s.dec->kind;
    reject_scan(s, best.code.empty() || best.message.empty() ? "not_an_item" : best.code,
                best.message.empty() ? "the scan carries no GTIN (it decoded as " + kind + "): scan the item's barcode"
                                     : best.message,
                started);
    return;
  }
  if (best.rank == 1 && started == nullptr && best.code == "wrong_item") {
    const std::string what = gtin ? "GTIN " + *gtin : s.dec->identity.sscc ? "SSCC " + *s.dec->identity.sscc : "the scan";
    reject_scan(s, best.code, what + " is not on any open task", nullptr);
    return;
  }
  reject_scan(s, best.code, best.message, started);
}

Verdict WorkExecutor::Impl::check_scan(const Task& t, const ScanInput& s) const {
  switch (t.type) {
    case TaskType::pick: return pick_check(t, s);
    case TaskType::pack: return pack_check(t, s);
    case TaskType::receive: return receive_check(t, s);
    case TaskType::return_: return return_check(t, s);
    case TaskType::pickup: return pickup_check(t, s);
    case TaskType::ship_from_store: return ship_check(t, s);
    case TaskType::put_back: return put_back_check(t, s);
  }
  return Verdict::refuse(0, "", "");
}

void WorkExecutor::Impl::apply_scan(Task& t, const Verdict& v, const ScanInput& s) {
  switch (t.type) {
    case TaskType::pick: pick_apply(t, v, s); return;
    case TaskType::pack: pack_apply(t, v, s); return;
    case TaskType::receive: receive_apply(t, v, s); return;
    case TaskType::return_: return_apply(t, v, s); return;
    case TaskType::pickup: pickup_apply(t, v, s); return;
    case TaskType::ship_from_store: ship_apply(t, v, s); return;
    case TaskType::put_back: put_back_apply(t, v, s); return;
  }
}

void WorkExecutor::Impl::reject_scan(const ScanInput& s, const std::string& code, const std::string& message,
                                     const Task* started) {
  d.accepted = false;
  d.feedback = Feedback::bad;
  d.reason = make_error(code, message);
  d.events.clear();
  d.changed_keys.clear();
  json e = envelope("scan.rejected", s.safe.mono);
  e["scan"] = {{"raw", s.safe.data}, {"symbology", s.symbology}, {"scanner", s.safe.scanner}};
  e["reason"] = {{"code", code}, {"message", message}};
  e["item"] = s.item;
  d.reply = {{"decision", "rejected"},
             {"type", "scan.rejected"},
             {"symbology", s.symbology},
             {"item", s.item},
             {"reason", e["reason"]}};
  if (started != nullptr) {
    e["task"] = started->task_id;
    d.reply["task"] = started->task_id;
    d.reply["task_type"] = to_string(started->type);
    d.reply["task_state"] = to_string(started->state);
  }
  emit(std::move(e), Stream::telemetry);
}

void WorkExecutor::Impl::accept_scan_reply(const Task& t, const char* type, const ScanInput& s, const Line* line) {
  d.accepted = true;
  if (d.feedback == Feedback::bad) d.feedback = Feedback::good;
  d.reply = {{"decision", "confirmed"},      {"type", type},         {"symbology", s.symbology},
             {"item", s.item},               {"task", t.task_id},    {"task_type", to_string(t.type)},
             {"task_state", to_string(t.state)}};
  if (line != nullptr) {
    d.reply["line"] = line->line;
    d.reply["remaining"] = line->remaining();
  }
}

// ---------------------------------------------------------------- documents

WorkDecision WorkExecutor::put_task(const json& doc, WorkState& state) {
  WorkState copy = state;
  Impl impl(*this, copy);
  impl.put_document(doc);
  if (impl.d.accepted) state = std::move(copy);
  return std::move(impl.d);
}

// ---------------------------------------------------------------- actions

WorkDecision WorkExecutor::act(const json& request, WorkState& state) {
  WorkState copy = state;
  Impl impl(*this, copy);
  impl.act(request);
  if (impl.d.accepted) {
    state = std::move(copy);
  } else {
    impl.d.events.clear();
    impl.d.changed_keys.clear();
  }
  return std::move(impl.d);
}

void WorkExecutor::Impl::act(const json& req) {
  if (!req.is_object()) {
    fail("bad_request", "request: expected a JSON object");
    return;
  }
  const auto op_it = req.find("op");
  if (op_it == req.end() || !op_it->is_string()) {
    fail("bad_request", "op: missing or not a string");
    return;
  }
  const std::string op = op_it->get<std::string>();
  std::string err;
  if (op == "operator.login") {
    const auto badge = req_string(req, "badge", true, err, 128);
    if (!badge) return fail("bad_request", err);
    auto id = badge_operator(*badge, false);
    if (!id) return fail("bad_request", "badge: " + id.error().message);
    login(*id);
    return;
  }
  if (op == "operator.logout") {
    logout();
    return;
  }
  if (op == "task.list") {
    const auto filter = req_string(req, "state", false, err, 32);
    if (!err.empty()) return fail("bad_request", err);
    if (filter && !parse_task_state(*filter)) return fail("bad_request", "state: \"" + *filter + "\" is not a task state");
    json tasks = json::array();
    for (const auto& [id, t] : st.tasks_) {
      if (t.tombstone || (filter && *filter != to_string(t.state))) continue;
      tasks.push_back(task_summary_json(t));
    }
    d.accepted = true;
    d.reply = {{"tasks", std::move(tasks)}};
    return;
  }
  if (op != "task.start" && op != "task.complete" && op != "task.cancel" && op != "exception.report" &&
      op != "return.inspect") {
    return fail("unknown_op", "unknown op \"" + op + "\"");
  }
  if (op == "exception.report") {
    exception_report(req);
    return;
  }
  const auto task_id = req_string(req, "task_id", true, err, 80);
  if (!task_id) return fail("bad_request", err);
  Task* t = find(*task_id);
  if (t == nullptr) return fail("unknown_task", "no task " + *task_id + " on this device");
  const std::string state_text = to_string(t->state);
  if (op == "task.start") {
    if (is_final(*t)) {
      return fail("not_allowed", "task " + *task_id + " is " + state_text +
                                     ": only a task that is not finished or cancelled can be started");
    }
    st.active_task_ = *task_id;
    touch_session();
    d.accepted = true;
    d.reply = {{"task_id", *task_id}, {"active_task", *task_id}, {"task_state", state_text}};
    return;
  }
  if (op == "task.complete") {
    if (!complete(*t)) return;
    d.accepted = true;
    d.reply = {{"task_id", *task_id}, {"task_state", to_string(t->state)}};
    return;
  }
  if (op == "task.cancel") {
    const auto reason = req_string(req, "reason", false, err);
    if (!err.empty()) return fail("bad_request", err);
    if (is_final(*t)) {
      return fail("not_allowed", "task " + *task_id + " is " + state_text +
                                     ": only a task that is not finished or cancelled can be cancelled");
    }
    cancel(*t, reason.value_or("unspecified"), "device", t->version);
    d.accepted = true;
    d.reply = {{"task_id", *task_id},
               {"task_state", to_string(t->state)},
               {"put_back_task", d.events.front().body["put_back_task"]}};
    return;
  }
  // return.inspect
  if (t->type != TaskType::return_) {
    return fail("not_allowed", "task " + *task_id + " is a " + to_string(t->type) + " task: return.inspect is for return tasks");
  }
  const auto line = req_int(req, "line", true, err, 1, 1LL << 62);
  if (!line) return fail("bad_request", err);
  const auto disposition = req_string(req, "disposition", true, err, 32);
  if (!disposition) return fail("bad_request", err);
  if (*disposition != "restock" && *disposition != "damaged" && *disposition != "dispose" && *disposition != "refurbish") {
    return fail("bad_request", "disposition: \"" + *disposition + "\" is not one of restock, damaged, dispose, refurbish");
  }
  const auto qty = req_int(req, "qty", false, err);
  if (!err.empty()) return fail("bad_request", err);
  const auto lot = req_string(req, "lot", false, err, 20);
  if (!err.empty()) return fail("bad_request", err);
  if (!return_inspect(*t, *line, *disposition, qty.value_or(1), lot)) return;
  d.accepted = true;
  d.reply = {{"task_id", *task_id}, {"task_state", to_string(t->state)}};
}

bool WorkExecutor::Impl::complete(Task& t) {
  if (t.state == TaskState::cancelled) {
    fail("not_allowed", "task " + t.task_id + " is cancelled: there is nothing to complete");
    return false;
  }
  if (is_final(t)) return true;  // already complete: no event
  switch (t.type) {
    case TaskType::pick: return pick_complete(t);
    case TaskType::pack: return pack_complete(t);
    case TaskType::receive: return receive_complete(t);
    case TaskType::return_: return return_complete(t);
    case TaskType::pickup: return pickup_complete(t);
    case TaskType::ship_from_store: return ship_complete(t);
    case TaskType::put_back: return put_back_complete(t);
  }
  return false;
}

void WorkExecutor::Impl::exception_report(const json& req) {
  std::string err;
  const auto type = req_string(req, "type", true, err, 32);
  if (!type) return fail("bad_request", err);
  const auto task_id = req_string(req, "task_id", *type != "damage", err, 80);
  if (!err.empty()) return fail("bad_request", err);
  Task* t = nullptr;
  if (task_id) {
    t = find(*task_id);
    if (t == nullptr) return fail("unknown_task", "no task " + *task_id + " on this device");
  }
  auto picking = [&](const char* what) {
    if (t->type != TaskType::pick && t->type != TaskType::ship_from_store) {
      fail("not_allowed", std::string(what) + " is reported on pick and ship_from_store tasks; task " + t->task_id +
                              " is a " + to_string(t->type) + " task");
      return false;
    }
    if (t->state != TaskState::released && t->state != TaskState::in_progress) {
      fail("not_allowed", "task " + t->task_id + " is " + to_string(t->state) + ": " + what +
                              " is allowed while released or in_progress");
      return false;
    }
    return true;
  };
  bool ok = false;
  if (*type == "short") {
    const auto line = req_int(req, "line", true, err, 1, 1LL << 62);
    if (!line) return fail("bad_request", err);
    const auto qty = req_int(req, "qty", false, err);
    if (!err.empty()) return fail("bad_request", err);
    if (!picking("short")) return;
    ok = pick_short(*t, *line, qty);
  } else if (*type == "substitution") {
    const auto line = req_int(req, "line", true, err, 1, 1LL << 62);
    if (!line) return fail("bad_request", err);
    const auto data = req_string(req, "data", true, err, 4096);
    if (!data) return fail("bad_request", err);
    const auto approved_by = req_string(req, "approved_by", true, err, 32);
    if (!approved_by) return fail("bad_request", err);
    if (!picking("substitution")) return;
    ok = pick_substitute(*t, *line, *data, *approved_by);
  } else if (*type == "damage") {
    const auto qty = req_int(req, "qty", false, err);
    if (!err.empty()) return fail("bad_request", err);
    const auto line_no = req_int(req, "line", false, err, 1, 1LL << 62);
    if (!err.empty()) return fail("bad_request", err);
    const auto data = req_string(req, "data", false, err, 4096);
    if (!err.empty()) return fail("bad_request", err);
    const auto gtin_text = req_string(req, "gtin", false, err, 14);
    if (!err.empty()) return fail("bad_request", err);
    const auto location = req_string(req, "location", false, err, 64);
    if (!err.empty()) return fail("bad_request", err);
    decode::Identity id;
    if (data) {
      const auto r = decode::decode(*data);
      if (!r.ok()) return fail("bad_request", "data: " + r.error.message);
      if (!r.value->identity.gtin) return fail("bad_request", "data: carries no GTIN (it decoded as " + r.value->kind + ")");
      id = r.value->identity;
    } else if (gtin_text) {
      auto g = normalise_gtin(*gtin_text);
      if (!g) return fail("bad_request", "gtin: \"" + *gtin_text + "\" is not a valid GTIN (" + g.error().message + ")");
      id.gtin = *g;
    } else if (line_no && t != nullptr && t->find_line(*line_no) != nullptr) {
      id.gtin = t->find_line(*line_no)->gtin;
    } else {
      return fail("bad_request", "data: missing (give \"data\" as scanned or \"gtin\")");
    }
    const Line* line = nullptr;
    if (t != nullptr) {
      if (line_no) {
        line = t->find_line(*line_no);
        if (line == nullptr) return fail("bad_request", "line: task " + t->task_id + " has no line " + std::to_string(*line_no));
      } else {
        for (const auto& l : t->lines) {
          if (l.gtin == *id.gtin) {
            line = &l;
            break;
          }
        }
      }
    }
    if (t != nullptr && t->type == TaskType::receive) {
      if (t->state == TaskState::cancelled) {
        return fail("not_allowed", "task " + t->task_id + " is cancelled: report the damage without task_id");
      }
      if (line == nullptr) return fail("bad_request", "gtin: " + *id.gtin + " is not on task " + t->task_id);
      ok = receive_damage(*t, *t->find_line(line->line), item_json(id), qty.value_or(1));
    } else {
      json e = t != nullptr ? task_event("exception.damage", *t) : envelope("exception.damage", ex.clock_.monotonic());
      if (t == nullptr) e["task"] = nullptr;
      e["item"] = item_json(id);
      e["qty"] = qty.value_or(1);
      e["location"] = location ? json(*location) : line != nullptr ? json(line->location) : json(nullptr);
      emit(std::move(e));
      ok = true;
    }
  } else if (*type == "missed_pickup") {
    if (t->type != TaskType::pickup) {
      return fail("not_allowed", "task " + t->task_id + " is a " + to_string(t->type) +
                                     " task: missed_pickup is reported on pickup tasks");
    }
    if (is_final(*t)) {
      return fail("not_allowed", "task " + t->task_id + " is " + to_string(t->state) +
                                     ": missed_pickup is allowed while ready");
    }
    ok = pickup_missed(*t);
  } else {
    return fail("bad_request", "type: \"" + *type + "\" is not one of short, substitution, damage, missed_pickup");
  }
  if (!ok) return;
  d.accepted = true;
  d.reply = json::object();
  if (t != nullptr) {
    d.reply["task_id"] = t->task_id;
    d.reply["task_state"] = to_string(t->state);
  }
}

// ---------------------------------------------------------------- time

std::vector<WorkDecision> WorkExecutor::tick(WorkState& state) {
  std::vector<WorkDecision> out;
  Impl impl(*this, state);
  impl.tick_pickups(out);
  impl.tick_prune(out);
  return out;
}

void WorkExecutor::Impl::tick_pickups(std::vector<WorkDecision>& out) {
  const auto now = ex.clock_.wall();
  for (auto& [id, t] : st.tasks_) {
    if (t.tombstone || t.type != TaskType::pickup || is_final(t) || !t.window_end) continue;
    const auto end = parse_utc_time(*t.window_end);
    if (!end || now <= *end) continue;
    Impl one(ex, st);
    one.pickup_close(t, "window_passed");
    one.d.accepted = true;
    one.d.reply = {{"task_id", t.task_id}, {"task_state", to_string(t.state)}};
    out.push_back(std::move(one.d));
  }
}

void WorkExecutor::Impl::tick_prune(std::vector<WorkDecision>& out) {
  const auto now = ex.clock_.wall();
  Impl prune(ex, st);
  for (auto it = st.tasks_.begin(); it != st.tasks_.end();) {
    Task& t = it->second;
    if (!is_final(t) || (st.active_task_ && *st.active_task_ == t.task_id)) {
      ++it;
      continue;
    }
    const auto finished = t.finished_at ? parse_utc_time(*t.finished_at) : std::nullopt;
    if (!finished) {
      t.finished_at = now_text();  // finished before builds that record it: start counting now
      prune.touch(t.task_id);
      ++it;
      continue;
    }
    if (now - *finished < ex.options_.keep_finished) {
      ++it;
      continue;
    }
    prune.touch(t.task_id);
    it = st.tasks_.erase(it);
  }
  if (!prune.d.changed_keys.empty()) {
    prune.d.accepted = true;
    prune.d.feedback = Feedback::good;
    out.push_back(std::move(prune.d));
  }
}

}  // namespace scanedge::tasks
