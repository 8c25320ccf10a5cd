// Pack rules: item scans go into the open carton (pack.item; the first item opens carton
// 1, 2, ...), an SSCC scan closes the open carton (pack.carton_closed), task.complete with
// unpacked units ends the task short (pack.short). The task is packed when every unit is
// packed and the last carton is closed.
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

Carton* open_carton(Task& t) {
  if (!t.cartons.empty() && !t.cartons.back().closed()) return &t.cartons.back();
  return nullptr;
}

const Carton* open_carton(const Task& t) {
  if (!t.cartons.empty() && !t.cartons.back().closed()) return &t.cartons.back();
  return nullptr;
}

void pack_update_state(Task& t) {
  bool all = true;
  for (const auto& l : t.lines) all = all && l.remaining() == 0;
  if (all && open_carton(t) == nullptr) {
    t.state = TaskState::packed;
  } else if (!t.cartons.empty()) {
    t.state = TaskState::in_progress;
  }
}

}  // namespace

Verdict WorkExecutor::Impl::pack_check(const Task& t, const ScanInput& s) const {
  if (s.gtin()) {
    MatchRules r;
    r.full_code = "over_pick";
    r.done_verb = "packed";
    return match_line(t, s, r);
  }
  if (s.sscc()) {
    const Carton* c = open_carton(t);
    if (c == nullptr || c->contents.empty()) {
      return Verdict::refuse(has_progress(t) ? 2 : 1, "no_open_carton",
                             "task " + t.task_id + " has no open carton with items to close with SSCC " + *s.sscc());
    }
    for (const auto& other : t.cartons) {
      if (other.sscc && *other.sscc == *s.sscc()) {
        return Verdict::refuse(2, "no_open_carton", "SSCC " + *s.sscc() + " already closed carton " +
                                                        std::to_string(other.number) + " of task " + t.task_id);
      }
    }
    Verdict v;
    v.action = Verdict::Action::carton;
    return v;
  }
  return Verdict::refuse(0, "not_an_item", "");
}

void WorkExecutor::Impl::pack_apply(Task& t, const Verdict& v, const ScanInput& s) {
  if (v.action == Verdict::Action::carton) {
    Carton& c = t.cartons.back();
    c.sscc = *s.sscc();
    pack_update_state(t);
    emit_carton_closed(t, c, s);
    return;
  }
  Line& l = t.lines[v.line_idx];
  Carton* c = open_carton(t);
  if (c == nullptr) {
    Carton fresh;
    fresh.number = static_cast<std::int64_t>(t.cartons.size()) + 1;
    t.cartons.push_back(std::move(fresh));
    c = &t.cartons.back();
  }
  l.done += 1;
  add_unit(c->contents, l.line, *s.gtin(), s.lot(), s.dec->identity.serial, 1);
  t.state = TaskState::in_progress;
  settle(t);
  json e = scan_event("pack.item", t, s);
  e["line"] = l.line;
  e["carton"] = c->number;
  e["qty"] = 1;
  emit(std::move(e));
  accept_scan_reply(t, "pack.item", s, &l);
  d.reply["carton"] = c->number;
}

bool WorkExecutor::Impl::pack_complete(Task& t) {
  json lines = remaining_lines_json(t);
  if (lines.empty()) {
    const Carton* c = open_carton(t);
    if (c != nullptr && !c->contents.empty()) {
      fail("not_allowed", "task " + t.task_id + " is " + to_string(t.state) + " with carton " +
                              std::to_string(c->number) + " open: scan its SSCC label to close it");
      return false;
    }
    t.state = TaskState::packed;
    settle(t);
    return true;
  }
  for (auto& l : t.lines) l.short_qty += l.remaining();
  t.state = TaskState::short_;
  settle(t);
  json e = task_event("pack.short", t);
  e["lines"] = std::move(lines);
  emit(std::move(e));
  return true;
}

void WorkExecutor::Impl::emit_carton_closed(Task& t, const Carton& c, const ScanInput& s) {
  settle(t);
  json e = scan_event("pack.carton_closed", t, s);
  e["carton"] = c.number;
  e["sscc"] = c.sscc ? json(*c.sscc) : json(nullptr);
  e["contents"] = contents_json(c.contents);
  emit(std::move(e));
  accept_scan_reply(t, "pack.carton_closed", s, nullptr);
  d.reply["carton"] = c.number;
}

}  // namespace scanedge::tasks
