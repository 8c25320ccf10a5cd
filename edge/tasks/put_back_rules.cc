// Put-back rules (tasks PB-<task_id> made by a late cancellation): item scans on a started
// put-back task (putback.confirmed; a line's lot must match when both are known), done once
// every unit is back; task.complete with units left ends it short (putback.short: the units
// stay staged, to be counted). Put-back tasks take scans only when started (task.start), so
// that a scan of a cancelled task's item is refused task_cancelled instead of silently
// putting it back.
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

Verdict WorkExecutor::Impl::put_back_check(const Task& t, const ScanInput& s) const {
  if (!s.gtin()) return Verdict::refuse(0, "not_an_item", "");
  MatchRules r;
  r.lot = LotRule::if_present;
  r.full_code = "over_pick";
  r.done_verb = "put back";
  return match_line(t, s, r);
}

void WorkExecutor::Impl::put_back_apply(Task& t, const Verdict& v, const ScanInput& s) {
  Line& l = t.lines[v.line_idx];
  l.done += 1;
  bool all = true;
  for (const auto& x : t.lines) all = all && x.remaining() == 0;
  t.state = all ? TaskState::done : TaskState::in_progress;
  settle(t);
  json e = scan_event("putback.confirmed", t, s);
  e["line"] = l.line;
  e["origin_task"] = t.origin_task ? json(*t.origin_task) : json(nullptr);
  e["location"] = l.location;
  e["qty"] = 1;
  emit(std::move(e));
  accept_scan_reply(t, "putback.confirmed", s, &l);
}

bool WorkExecutor::Impl::put_back_complete(Task& t) {
  json lines = remaining_lines_json(t);
  if (lines.empty()) {
    t.state = TaskState::done;
    settle(t);
    return true;
  }
  for (auto& l : t.lines) l.short_qty += l.remaining();
  t.state = TaskState::short_;
  settle(t);
  json e = task_event("putback.short", t);
  e["lines"] = std::move(lines);
  emit(std::move(e));
  return true;
}

}  // namespace scanedge::tasks
