// Pickup rules (click & collect): item scans at the counter (pickup.handed_over, with the
// line's lot and expiry rules); the task is picked_up once every unit is handed over. It
// closes as pickup.partial (some handed over) or pickup.missed (none) on task.complete
// (cause "operator"), exception missed_pickup (only when nothing was handed over) or when
// its window_end passed (tick, cause "window_passed").
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

Verdict WorkExecutor::Impl::pickup_check(const Task& t, const ScanInput& s) const {
  if (!s.gtin()) return Verdict::refuse(0, "not_an_item", "");
  MatchRules r;
  r.fefo = true;
  r.lot = LotRule::required;
  r.full_code = "over_pick";
  r.done_verb = "handed over";
  return match_line(t, s, r);
}

void WorkExecutor::Impl::pickup_apply(Task& t, const Verdict& v, const ScanInput& s) {
  Line& l = t.lines[v.line_idx];
  l.done += 1;
  add_unit(t.units, l.line, *s.gtin(), s.lot(), s.dec->identity.serial, 1);
  bool all = true;
  for (const auto& x : t.lines) all = all && x.remaining() == 0;
  if (all) t.state = TaskState::picked_up;
  settle(t);
  json e = scan_event("pickup.handed_over", t, s);
  e["line"] = l.line;
  e["qty"] = 1;
  emit(std::move(e));
  accept_scan_reply(t, "pickup.handed_over", s, &l);
}

void WorkExecutor::Impl::pickup_close(Task& t, const char* cause) {
  bool any = false;
  for (const auto& l : t.lines) any = any || l.done > 0;
  json lines = remaining_lines_json(t);
  t.state = any ? TaskState::partial : TaskState::missed;
  settle(t);
  json e = task_event(any ? "pickup.partial" : "pickup.missed", t);
  e["lines"] = std::move(lines);
  e["cause"] = cause;
  emit(std::move(e));
}

bool WorkExecutor::Impl::pickup_complete(Task& t) {
  pickup_close(t, "operator");
  return true;
}

bool WorkExecutor::Impl::pickup_missed(Task& t) {
  for (const auto& l : t.lines) {
    if (l.done > 0) {
      fail("not_allowed", "task " + t.task_id + " is " + to_string(t.state) + " with units handed over on line " +
                              std::to_string(l.line) + ": use task.complete (pickup.partial)");
      return false;
    }
  }
  pickup_close(t, "operator");
  return true;
}

}  // namespace scanedge::tasks
