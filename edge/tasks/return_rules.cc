// Return rules: item scans on RMA lines (return.received, refused "over_return" beyond the
// line's qty), return.inspect with a disposition (return.inspected; never more than was
// returned), task.complete closes the return (state returned, no event). The task is
// `returned` once every RMA unit is scanned or it was closed, and `inspected` once it is
// returned and every returned unit is inspected.
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

bool all_returned(const Task& t) {
  for (const auto& l : t.lines) {
    if (l.remaining() > 0) return false;
  }
  return true;
}

bool all_inspected(const Task& t) {
  for (const auto& l : t.lines) {
    if (l.inspected < l.done) return false;
  }
  return true;
}

void return_update_state(Task& t) {
  if (t.state != TaskState::returned && all_returned(t)) t.state = TaskState::returned;
  if (t.state == TaskState::returned && all_inspected(t)) t.state = TaskState::inspected;
}

}  // namespace

Verdict WorkExecutor::Impl::return_check(const Task& t, const ScanInput& s) const {
  if (!s.gtin()) return Verdict::refuse(0, "not_an_item", "");
  if (t.state == TaskState::returned) {
    return Verdict::refuse(2, "task_complete", "return " + t.task_id + " is closed (returned): inspect its units");
  }
  MatchRules r;
  r.full_code = "over_return";
  r.done_verb = "returned";
  return match_line(t, s, r);
}

void WorkExecutor::Impl::return_apply(Task& t, const Verdict& v, const ScanInput& s) {
  Line& l = t.lines[v.line_idx];
  l.done += 1;
  add_unit(t.units, l.line, *s.gtin(), s.lot(), s.dec->identity.serial, 1);
  t.state = TaskState::in_progress;
  return_update_state(t);
  settle(t);
  json e = scan_event("return.received", t, s);
  e["line"] = l.line;
  e["qty"] = 1;
  emit(std::move(e));
  accept_scan_reply(t, "return.received", s, &l);
}

bool WorkExecutor::Impl::return_inspect(Task& t, std::int64_t n, const std::string& disposition, std::int64_t qty,
                                        const std::optional<std::string>& lot) {
  if (t.state != TaskState::in_progress && t.state != TaskState::returned) {
    fail("not_allowed", "task " + t.task_id + " is " + to_string(t.state) +
                            ": return.inspect is allowed while in_progress or returned");
    return false;
  }
  Line* l = t.find_line(n);
  if (l == nullptr) {
    fail("bad_request", "line: task " + t.task_id + " has no line " + std::to_string(n));
    return false;
  }
  if (l->inspected + qty > l->done) {
    fail("not_allowed", "task " + t.task_id + " line " + std::to_string(n) + ": " + std::to_string(l->done) +
                            " returned and " + std::to_string(l->inspected) + " inspected, so at most " +
                            std::to_string(l->done - l->inspected) + " can be inspected");
    return false;
  }
  // The item's lot: the one asked for, else the lot of the line's returned units when they share one.
  std::optional<std::string> item_lot = lot;
  if (!item_lot) {
    bool first = true;
    for (const auto& u : t.units) {
      if (u.line != n) continue;
      if (first) {
        item_lot = u.lot;
        first = false;
      } else if (u.lot != item_lot) {
        item_lot.reset();
        break;
      }
    }
  }
  l->inspected += qty;
  return_update_state(t);
  settle(t);
  json e = task_event("return.inspected", t);
  e["line"] = l->line;
  e["item"] = {{"gtin", l->gtin}, {"lot", item_lot ? json(*item_lot) : json(nullptr)}};
  e["qty"] = qty;
  e["disposition"] = disposition;
  emit(std::move(e));
  return true;
}

bool WorkExecutor::Impl::return_complete(Task& t) {
  if (t.state == TaskState::returned) return true;  // already closed
  t.state = TaskState::returned;
  return_update_state(t);
  settle(t);
  return true;
}

}  // namespace scanedge::tasks
