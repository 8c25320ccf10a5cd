#include "edge/confirm/pick_task.h"

#include <set>

#include "edge/decode/gtin.h"

namespace scanedge::confirm {

const char* to_string(TaskState s) {
  switch (s) {
    case TaskState::released: return "released";
    case TaskState::in_progress: return "in_progress";
    case TaskState::picked: return "picked";
  }
  return "released";
}

bool PickTask::complete() const {
  for (const auto& l : lines) {
    if (l.picked < l.qty) return false;
  }
  return true;
}

namespace {

Error bad(const std::string& where, const std::string& what) { return make_error("bad_task", where + ": " + what); }

// A task's GTIN: 8, 12, 13 or 14 digits with a valid check digit -> GTIN-14.
Result<std::string> task_gtin(const std::string& g) {
  if (!decode::all_digits(g) || (g.size() != 8 && g.size() != 12 && g.size() != 13 && g.size() != 14)) {
    return make_error("bad_task", "expected 8, 12, 13 or 14 digits");
  }
  if (!decode::gs1_check_digit_ok(g)) return make_error("bad_task", "wrong check digit");
  return decode::to_gtin14(g);
}

bool valid_task_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '/' || c == '+' || c == '#' || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

Result<PickTask> parse_task(const nlohmann::json& doc) {
  if (!doc.is_object()) return bad("task", "expected a JSON object");
  PickTask t;
  const auto id = doc.find("task_id");
  if (id == doc.end() || !id->is_string()) return bad("task_id", "missing or not a string");
  t.task_id = id->get<std::string>();
  if (!valid_task_id(t.task_id)) return bad("task_id", "\"" + t.task_id + "\" must be 1-64 printable characters");
  const auto ver = doc.find("version");
  if (ver == doc.end() || !ver->is_number_integer() || ver->get<std::int64_t>() < 1) {
    return bad("version", "missing or not an integer >= 1");
  }
  t.version = ver->get<std::int64_t>();
  if (const auto type = doc.find("type"); type != doc.end() && (!type->is_string() || *type != "pick")) {
    return bad("type", "only \"pick\" tasks are supported");
  }
  const auto lines = doc.find("lines");
  if (lines == doc.end() || !lines->is_array() || lines->empty()) return bad("lines", "missing or empty");
  if (lines->size() > 10000) return bad("lines", "more than 10000 lines");
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const auto& l = (*lines)[i];
    const std::string where = "lines[" + std::to_string(i) + "]";
    if (!l.is_object()) return bad(where, "expected an object");
    PickLine pl;
    const auto ln = l.find("line");
    pl.line = (ln != l.end() && ln->is_number_integer()) ? ln->get<std::int64_t>() : static_cast<std::int64_t>(i + 1);
    if (pl.line < 1) return bad(where + ".line", "must be >= 1");
    if (!seen.insert(pl.line).second) return bad(where + ".line", "duplicate line number " + std::to_string(pl.line));
    const auto g = l.find("gtin");
    if (g == l.end() || !g->is_string()) return bad(where + ".gtin", "missing or not a string");
    auto gtin = task_gtin(g->get<std::string>());
    if (!gtin) return bad(where + ".gtin", "\"" + g->get<std::string>() + "\" is not a valid GTIN (" + gtin.error().message + ")");
    pl.gtin = *gtin;
    const auto q = l.find("qty");
    if (q == l.end() || !q->is_number_integer() || q->get<std::int64_t>() < 1 || q->get<std::int64_t>() > 1000000000) {
      return bad(where + ".qty", "missing or not an integer in 1..1000000000");
    }
    pl.qty = q->get<std::int64_t>();
    if (const auto loc = l.find("location"); loc != l.end()) {
      if (!loc->is_string()) return bad(where + ".location", "not a string");
      pl.location = loc->get<std::string>();
    }
    if (const auto p = l.find("picked"); p != l.end()) {
      if (!p->is_number_integer() || p->get<std::int64_t>() < 0) return bad(where + ".picked", "not an integer >= 0");
      pl.picked = p->get<std::int64_t>();
    }
    t.lines.push_back(std::move(pl));
  }
  if (const auto st = doc.find("state"); st != doc.end() && st->is_string()) {
    if (*st == "in_progress") t.state = TaskState::in_progress;
    if (*st == "picked") t.state = TaskState::picked;
  }
  return t;
}

nlohmann::json to_json(const PickTask& task) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : task.lines) {
    lines.push_back({{"line", l.line}, {"gtin", l.gtin}, {"qty", l.qty}, {"location", l.location}, {"picked", l.picked}});
  }
  return {{"task_id", task.task_id},
          {"version", task.version},
          {"type", "pick"},
          {"state", to_string(task.state)},
          {"lines", std::move(lines)}};
}

}  // namespace scanedge::confirm
