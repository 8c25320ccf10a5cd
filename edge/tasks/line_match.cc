// Which line of a task an item scan goes to, and the unit bookkeeping the rules share.
#include <algorithm>

#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

Verdict match_line(const Task& t, const ScanInput& s, const MatchRules& r) {
  const std::string& gtin = *s.gtin();
  std::optional<Verdict> refusal;  // the most specific refusal seen
  std::optional<Verdict> over;
  auto note = [&](Verdict v) {
    if (!refusal || v.rank > refusal->rank) refusal = std::move(v);
  };
  for (int pass = 0; pass < (r.substitutes ? 2 : 1); ++pass) {
    for (std::size_t i = 0; i < t.lines.size(); ++i) {
      const Line& l = t.lines[i];
      const bool match = pass == 0 ? l.gtin == gtin
                                   : std::find(l.substitutes.begin(), l.substitutes.end(), gtin) != l.substitutes.end();
      if (!match) continue;
      const std::string where = "task " + t.task_id + " line " + std::to_string(l.line);
      if (l.remaining() <= 0) {
        if (r.allow_over && pass == 0 && !over) {
          Verdict v;
          v.action = Verdict::Action::over;
          v.line_idx = i;
          v.soft = true;
          over = v;
        }
        note(Verdict::refuse(2, r.full_code,
                             where + ": all " + std::to_string(l.qty) + " of GTIN " + l.gtin + " already " +
                                 r.done_verb));
        continue;
      }
      if (r.fefo && s.expiry() && *s.expiry() < s.today) {
        note(Verdict::refuse(3, "expired",
                             "the item expired on " + *s.expiry() + " (today is " + s.today + "): take another one"));
        continue;
      }
      if (l.lot && r.lot != LotRule::ignore) {
        const bool missing = !s.lot();
        if ((missing && r.lot == LotRule::required) || (!missing && *s.lot() != *l.lot)) {
          note(Verdict::refuse(3, "wrong_lot",
                               where + " needs lot " + *l.lot + ", the item has " +
                                   (missing ? std::string("no lot (scan its GS1 barcode)") : "lot " + *s.lot())));
          continue;
        }
      }
      if (r.fefo && l.min_expiry && s.expiry() && *s.expiry() < *l.min_expiry) {
        note(Verdict::refuse(3, "expiry_too_soon",
                             where + " needs an expiry on or after " + *l.min_expiry + ", the item expires " +
                                 *s.expiry()));
        continue;
      }
      Verdict v;
      v.action = pass == 0 ? Verdict::Action::line : Verdict::Action::substitute;
      v.line_idx = i;
      return v;
    }
  }
  if (over) return *over;
  if (refusal) return *refusal;
  return Verdict::refuse(1, "wrong_item", "GTIN " + gtin + " is not on task " + t.task_id);
}

bool same_unit(const Unit& u, std::int64_t line, const std::string& gtin, const std::optional<std::string>& lot,
               const std::optional<std::string>& serial) {
  return u.line == line && u.gtin == gtin && u.lot == lot && u.serial == serial;
}

void add_unit(std::vector<Unit>& units, std::int64_t line, const std::string& gtin,
              const std::optional<std::string>& lot, const std::optional<std::string>& serial, std::int64_t qty) {
  for (auto& u : units) {
    if (same_unit(u, line, gtin, lot, serial)) {
      u.qty += qty;
      return;
    }
  }
  units.push_back(Unit{line, gtin, lot, serial, qty});
}

json contents_json(const std::vector<Unit>& units) {
  // Aggregated by (gtin, lot, serial): the line is the device's business.
  std::vector<Unit> agg;
  for (const auto& u : units) add_unit(agg, 0, u.gtin, u.lot, u.serial, u.qty);
  json a = json::array();
  for (const auto& u : agg) {
    a.push_back({{"gtin", u.gtin},
                 {"lot", u.lot ? json(*u.lot) : json(nullptr)},
                 {"serial", u.serial ? json(*u.serial) : json(nullptr)},
                 {"qty", u.qty}});
  }
  return a;
}

json remaining_lines_json(const Task& t) {
  json a = json::array();
  for (const auto& l : t.lines) {
    if (l.remaining() > 0) a.push_back({{"line", l.line}, {"gtin", l.gtin}, {"qty", l.remaining()}});
  }
  return a;
}

}  // namespace scanedge::tasks
