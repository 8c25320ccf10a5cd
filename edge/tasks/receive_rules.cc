// Receive rules: item scans on expected lines (receive.confirmed up to the line's qty,
// receive.over beyond it: the stock is physically here), pallet SSCCs from `pallets`
// (receive.pallet, refused "already_received" the second time), damage on arrival
// (receive.damaged) and task.complete with missing units (receive.short).
// A receive task is `received` once every line has its units (received + damaged); a
// received task still takes over-receipts of its GTINs when no open task wants them.
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

void WorkExecutor::Impl::receive_update_state(Task& t) {
  if (t.state == TaskState::short_ || t.state == TaskState::cancelled) return;
  bool all = true;
  bool any = false;
  for (const auto& l : t.lines) {
    all = all && l.remaining() == 0;
    any = any || l.done > 0 || l.damaged > 0;
  }
  for (const auto& p : t.pallets) any = any || p.received;
  if (all) {
    t.state = TaskState::received;
  } else {
    t.state = any ? TaskState::in_progress : TaskState::released;
  }
}

Verdict WorkExecutor::Impl::receive_check(const Task& t, const ScanInput& s) const {
  if (s.gtin()) {
    MatchRules r;
    r.allow_over = true;
    r.done_verb = "received";
    Verdict v = match_line(t, s, r);
    if (t.state == TaskState::received && v.action != Verdict::Action::over) {
      return Verdict::refuse(v.rank, v.code.empty() ? "task_complete" : v.code, v.message);
    }
    return v;
  }
  if (s.sscc()) {
    for (std::size_t i = 0; i < t.pallets.size(); ++i) {
      if (t.pallets[i].sscc != *s.sscc()) continue;
      // A received task still says so when its pallet is scanned again.
      if (t.pallets[i].received) {
        return Verdict::refuse(2, "already_received",
                               "pallet " + *s.sscc() + " of task " + t.task_id + " was already received");
      }
      if (t.state == TaskState::received) return Verdict::refuse(0, "", "");
      Verdict v;
      v.action = Verdict::Action::pallet;
      v.pallet_idx = i;
      return v;
    }
    if (t.state == TaskState::received) return Verdict::refuse(0, "", "");
    return Verdict::refuse(1, "wrong_item", "SSCC " + *s.sscc() + " is not a pallet of task " + t.task_id);
  }
  return Verdict::refuse(0, "not_an_item", "");
}

void WorkExecutor::Impl::receive_apply(Task& t, const Verdict& v, const ScanInput& s) {
  if (v.action == Verdict::Action::pallet) {
    Pallet& p = t.pallets[v.pallet_idx];
    p.received = true;
    json contents = json::array();
    for (const auto& c : p.contents) {
      Line* l = t.find_line(c.line);
      if (l == nullptr) continue;
      l->done += c.qty;
      contents.push_back({{"line", c.line}, {"gtin", l->gtin}, {"lot", c.lot ? json(*c.lot) : json(nullptr)},
                          {"qty", c.qty}});
    }
    receive_update_state(t);
    settle(t);
    json e = scan_event("receive.pallet", t, s);
    e["sscc"] = p.sscc;
    e["contents"] = std::move(contents);
    emit(std::move(e));
    accept_scan_reply(t, "receive.pallet", s, nullptr);
    return;
  }
  Line& l = t.lines[v.line_idx];
  const bool over = v.action == Verdict::Action::over;
  l.done += 1;
  receive_update_state(t);
  settle(t);
  const char* type = over ? "receive.over" : "receive.confirmed";
  json e = scan_event(type, t, s);
  e["line"] = l.line;
  e["qty"] = 1;
  if (over) {
    e["expected"] = l.qty;
    e["received"] = l.done;
  }
  emit(std::move(e));
  accept_scan_reply(t, type, s, &l);
  if (over) d.feedback = Feedback::warning;
}

bool WorkExecutor::Impl::receive_damage(Task& t, Line& l, const json& item, std::int64_t qty) {
  l.damaged += qty;
  receive_update_state(t);
  settle(t);
  json e = task_event("receive.damaged", t);
  e["line"] = l.line;
  e["item"] = item;
  e["qty"] = qty;
  emit(std::move(e));
  return true;
}

bool WorkExecutor::Impl::receive_complete(Task& t) {
  json lines = remaining_lines_json(t);
  if (lines.empty()) {
    t.state = TaskState::received;
    settle(t);
    return true;
  }
  for (auto& l : t.lines) l.short_qty += l.remaining();
  t.state = TaskState::short_;
  settle(t);
  json e = task_event("receive.short", t);
  e["lines"] = std::move(lines);
  emit(std::move(e));
  return true;
}

}  // namespace scanedge::tasks
