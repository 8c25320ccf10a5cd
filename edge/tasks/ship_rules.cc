// Ship-from-store rules: picking as for pick tasks (pick.confirmed / pick.substituted /
// pick.short, lots, expiry, substitutes) -> `picked` once every line is picked or short;
// an SSCC scan closes a carton holding every picked unit not yet in one
// (pack.carton_closed) -> `packed` once every line is resolved and every unit is in a
// carton; a carrier label scanned on a packed task ships it: ship.confirmed (`shipped`),
// or ship.partial (`partial`) when lines were short.
//
// A carrier label is (carrier_label_of): plain text (no GS1 data) of 6-64 characters of
// [A-Za-z0-9-], e.g. a tracking number "1Z999AA10123456784", or GS1 element strings with
// AI 401/402/403/420/421 (consignment / shipment / routing / ship-to postcode; the value
// of the first of 402, 401, 403, 421, 420 is the label).
#include "edge/decode/decoder.h"
#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {

std::vector<Unit> uncartoned(const Task& t) {
  std::vector<Unit> left = t.units;
  for (const auto& c : t.cartons) {
    for (const auto& cu : c.contents) {
      for (auto& u : left) {
        if (same_unit(u, cu.line, cu.gtin, cu.lot, cu.serial)) u.qty -= cu.qty;
      }
    }
  }
  std::vector<Unit> out;
  for (auto& u : left) {
    if (u.qty > 0) out.push_back(std::move(u));
  }
  return out;
}

}  // namespace

bool carrier_label_of(const ScanInput& s, std::string& label) {
  if (!s.dec) return false;
  const auto& dec = *s.dec;
  if (dec.kind == decode::kKindPlain) {
    const std::string& text = dec.text;
    if (text.size() < 6 || text.size() > 64) return false;
    for (char c : text) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    label = text;
    return true;
  }
  if (dec.kind == decode::kKindGs1) {
    for (const char* ai : {"402", "401", "403", "421", "420"}) {
      for (const auto& a : dec.ais) {
        if (a.ai == ai) {
          label = a.value;
          return true;
        }
      }
    }
  }
  return false;
}

void WorkExecutor::Impl::ship_update_state(Task& t) {
  if (t.state == TaskState::shipped || t.state == TaskState::partial || t.state == TaskState::cancelled) return;
  bool resolved = true;
  bool any = !t.cartons.empty();
  for (const auto& l : t.lines) {
    resolved = resolved && l.remaining() == 0;
    any = any || l.done > 0 || l.short_qty > 0;
  }
  if (!resolved) {
    t.state = any ? TaskState::in_progress : TaskState::released;
  } else if (!t.cartons.empty() && uncartoned(t).empty()) {
    t.state = TaskState::packed;
  } else {
    t.state = TaskState::picked;
  }
}

Verdict WorkExecutor::Impl::ship_check(const Task& t, const ScanInput& s) const {
  if (t.state == TaskState::packed) {
    std::string label;
    if (carrier_label_of(s, label)) {
      Verdict v;
      v.action = Verdict::Action::label;
      v.label = label;
      return v;
    }
    if (s.gtin()) {
      for (const auto& l : t.lines) {
        if (l.gtin == *s.gtin()) {
          return Verdict::refuse(2, "not_a_carrier_label",
                                 "task " + t.task_id + " is packed: scan the carrier's label to ship it");
        }
      }
      return Verdict::refuse(1, "wrong_item", "GTIN " + *s.gtin() + " is not on task " + t.task_id);
    }
    return Verdict::refuse(2, "not_a_carrier_label",
                           "task " + t.task_id + " is packed: this is not a carrier label (tracking number or GS1 AI 401/402/403/420/421)");
  }
  if (s.sscc() && !s.gtin()) {
    if (uncartoned(t).empty()) {
      return Verdict::refuse(has_progress(t) ? 2 : 1, "no_open_carton",
                             "task " + t.task_id + " has no picked units outside a carton to close with SSCC " +
                                 *s.sscc());
    }
    for (const auto& c : t.cartons) {
      if (c.sscc && *c.sscc == *s.sscc()) {
        return Verdict::refuse(2, "no_open_carton", "SSCC " + *s.sscc() + " already closed carton " +
                                                        std::to_string(c.number) + " of task " + t.task_id);
      }
    }
    Verdict v;
    v.action = Verdict::Action::carton;
    return v;
  }
  if (!s.gtin()) return Verdict::refuse(0, "not_an_item", "");
  if (t.state == TaskState::picked) {
    for (const auto& l : t.lines) {
      if (l.gtin == *s.gtin()) {
        return Verdict::refuse(2, "over_pick",
                               "task " + t.task_id + " is picked: scan an SSCC label to pack it, then the carrier label");
      }
    }
    return Verdict::refuse(1, "wrong_item", "GTIN " + *s.gtin() + " is not on task " + t.task_id);
  }
  return pick_check(t, s);
}

void WorkExecutor::Impl::ship_apply(Task& t, const Verdict& v, const ScanInput& s) {
  if (v.action == Verdict::Action::line || v.action == Verdict::Action::substitute) {
    pick_apply(t, v, s);
    return;
  }
  if (v.action == Verdict::Action::carton) {
    Carton c;
    c.number = static_cast<std::int64_t>(t.cartons.size()) + 1;
    c.sscc = *s.sscc();
    c.contents = uncartoned(t);
    for (const auto& u : c.contents) {
      if (Line* l = t.find_line(u.line)) l->cartoned += u.qty;
    }
    t.cartons.push_back(c);
    ship_update_state(t);
    emit_carton_closed(t, t.cartons.back(), s);
    return;
  }
  // Carrier label.
  json shorts = json::array();
  for (const auto& l : t.lines) {
    if (l.short_qty > 0) shorts.push_back({{"line", l.line}, {"gtin", l.gtin}, {"qty", l.short_qty}});
  }
  const bool partial = !shorts.empty();
  t.carrier_label = v.label;
  t.state = partial ? TaskState::partial : TaskState::shipped;
  settle(t);
  const char* type = partial ? "ship.partial" : "ship.confirmed";
  json e = scan_event(type, t, s);
  e["carrier_label"] = v.label;
  json cartons = json::array();
  for (const auto& c : t.cartons) {
    if (c.sscc) cartons.push_back(*c.sscc);
  }
  e["cartons"] = std::move(cartons);
  e["contents"] = contents_json(t.units);
  if (partial) e["short"] = std::move(shorts);
  emit(std::move(e));
  accept_scan_reply(t, type, s, nullptr);
}

bool WorkExecutor::Impl::ship_complete(Task& t) {
  if (t.state != TaskState::released && t.state != TaskState::in_progress) {
    fail("not_allowed", "task " + t.task_id + " is " + to_string(t.state) +
                            ": task.complete ends the picking (released or in_progress); scan an SSCC label to pack "
                            "and the carrier label to ship");
    return false;
  }
  json lines = remaining_lines_json(t);
  for (auto& l : t.lines) l.short_qty += l.remaining();
  ship_update_state(t);
  if (t.units.empty()) t.state = TaskState::partial;  // nothing picked: nothing will ship
  settle(t);
  if (!lines.empty()) {
    json e = task_event("pick.short", t);
    e["lines"] = std::move(lines);
    emit(std::move(e));
  }
  return true;
}

}  // namespace scanedge::tasks
