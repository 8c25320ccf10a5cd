// Pick rules (and the picking phase of ship_from_store): pick.confirmed, pick.substituted
// (allowed by the line or approved by an operator), pick.short.
#include "edge/decode/decoder.h"
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

MatchRules pick_match_rules() {
  MatchRules r;
  r.fefo = true;
  r.substitutes = true;
  r.lot = LotRule::required;
  r.full_code = "over_pick";
  r.done_verb = "picked";
  return r;
}

bool all_resolved(const Task& t) {
  for (const auto& l : t.lines) {
    if (l.remaining() > 0) return false;
  }
  return true;
}

}  // namespace

void WorkExecutor::Impl::pick_update_state(Task& t) {
  if (t.type == TaskType::ship_from_store) {
    ship_update_state(t);
    return;
  }
  bool any_short = false;
  for (const auto& l : t.lines) any_short = any_short || l.short_qty > 0;
  if (all_resolved(t)) {
    t.state = any_short ? TaskState::short_ : TaskState::picked;
  } else {
    bool any_done = any_short;
    for (const auto& l : t.lines) any_done = any_done || l.done > 0;
    t.state = any_done ? TaskState::in_progress : TaskState::released;
  }
}

Verdict WorkExecutor::Impl::pick_check(const Task& t, const ScanInput& s) const {
  if (!s.gtin()) return Verdict::refuse(0, "not_an_item", "");
  return match_line(t, s, pick_match_rules());
}

void WorkExecutor::Impl::pick_apply(Task& t, const Verdict& v, const ScanInput& s) {
  Line& l = t.lines[v.line_idx];
  const bool sub = v.action == Verdict::Action::substitute;
  l.done += 1;
  if (sub) l.substituted += 1;
  add_unit(t.units, l.line, *s.gtin(), s.lot(), s.dec->identity.serial, 1);
  pick_update_state(t);
  settle(t);
  const char* type = sub ? "pick.substituted" : "pick.confirmed";
  json e = scan_event(type, t, s);
  e["line"] = l.line;
  e["location"] = l.location;
  if (sub) {
    e["ordered_gtin"] = l.gtin;
    e["approved_by"] = "task";
  }
  e["qty"] = 1;
  emit(std::move(e));
  accept_scan_reply(t, type, s, &l);
}

bool WorkExecutor::Impl::pick_short(Task& t, std::int64_t n, std::optional<std::int64_t> qty) {
  Line* l = t.find_line(n);
  if (l == nullptr) {
    fail("bad_request", "line: task " + t.task_id + " has no line " + std::to_string(n));
    return false;
  }
  if (l->remaining() <= 0) {
    fail("not_allowed", "task " + t.task_id + " line " + std::to_string(n) + " has nothing left to pick");
    return false;
  }
  const std::int64_t q = qty.value_or(l->remaining());
  if (q < 1 || q > l->remaining()) {
    fail("bad_request", "qty: must be 1.." + std::to_string(l->remaining()) + " (units left on line " +
                            std::to_string(n) + ")");
    return false;
  }
  l->short_qty += q;
  pick_update_state(t);
  settle(t);
  json e = task_event("pick.short", t);
  e["lines"] = json::array({{{"line", l->line}, {"gtin", l->gtin}, {"qty", q}}});
  emit(std::move(e));
  return true;
}

bool WorkExecutor::Impl::pick_substitute(Task& t, std::int64_t n, const std::string& data,
                                         const std::string& approved_by) {
  Line* l = t.find_line(n);
  if (l == nullptr) {
    fail("bad_request", "line: task " + t.task_id + " has no line " + std::to_string(n));
    return false;
  }
  if (l->remaining() <= 0) {
    fail("not_allowed", "task " + t.task_id + " line " + std::to_string(n) + " has nothing left to pick");
    return false;
  }
  const auto r = decode::decode(data);
  if (!r.ok()) {
    fail("bad_request", "data: " + r.error.message);
    return false;
  }
  if (!r.value->identity.gtin) {
    fail("bad_request", "data: carries no GTIN (it decoded as " + r.value->kind + ")");
    return false;
  }
  const auto& id = r.value->identity;
  l->done += 1;
  l->substituted += 1;
  add_unit(t.units, l->line, *id.gtin, id.lot, id.serial, 1);
  pick_update_state(t);
  settle(t);
  json e = task_event("pick.substituted", t);
  e["line"] = l->line;
  e["location"] = l->location;
  e["ordered_gtin"] = l->gtin;
  e["item"] = item_json(id);
  e["qty"] = 1;
  e["approved_by"] = approved_by;
  emit(std::move(e));
  return true;
}

bool WorkExecutor::Impl::pick_complete(Task& t) {
  json lines = remaining_lines_json(t);
  if (lines.empty()) return true;
  for (auto& l : t.lines) l.short_qty += l.remaining();
  pick_update_state(t);
  settle(t);
  json e = task_event("pick.short", t);
  e["lines"] = std::move(lines);
  emit(std::move(e));
  return true;
}

}  // namespace scanedge::tasks
