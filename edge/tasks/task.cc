#include "edge/tasks/task.h"

#include <limits>
#include <set>

#include "edge/decode/gtin.h"
#include "edge/tasks/task_time.h"

namespace scanedge::tasks {

using nlohmann::json;

const char* to_string(TaskType t) {
  switch (t) {
    case TaskType::pick: return "pick";
    case TaskType::pack: return "pack";
    case TaskType::receive: return "receive";
    case TaskType::return_: return "return";
    case TaskType::pickup: return "pickup";
    case TaskType::ship_from_store: return "ship_from_store";
    case TaskType::put_back: return "put_back";
  }
  return "pick";
}

std::optional<TaskType> parse_task_type(const std::string& s) {
  for (auto t : {TaskType::pick, TaskType::pack, TaskType::receive, TaskType::return_, TaskType::pickup,
                 TaskType::ship_from_store, TaskType::put_back}) {
    if (s == to_string(t)) return t;
  }
  return std::nullopt;
}

const char* to_string(TaskState s) {
  switch (s) {
    case TaskState::released: return "released";
    case TaskState::in_progress: return "in_progress";
    case TaskState::picked: return "picked";
    case TaskState::short_: return "short";
    case TaskState::packed: return "packed";
    case TaskState::received: return "received";
    case TaskState::returned: return "returned";
    case TaskState::inspected: return "inspected";
    case TaskState::ready: return "ready";
    case TaskState::picked_up: return "picked_up";
    case TaskState::partial: return "partial";
    case TaskState::missed: return "missed";
    case TaskState::shipped: return "shipped";
    case TaskState::done: return "done";
    case TaskState::cancelled: return "cancelled";
  }
  return "released";
}

std::optional<TaskState> parse_task_state(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(TaskState::cancelled); ++i) {
    const auto st = static_cast<TaskState>(i);
    if (s == to_string(st)) return st;
  }
  return std::nullopt;
}

std::int64_t Line::remaining() const {
  const std::int64_t r = qty - done - short_qty - damaged;
  return r < 0 ? 0 : r;
}

Line* Task::find_line(std::int64_t n) {
  for (auto& l : lines) {
    if (l.line == n) return &l;
  }
  return nullptr;
}

const Line* Task::find_line(std::int64_t n) const {
  for (const auto& l : lines) {
    if (l.line == n) return &l;
  }
  return nullptr;
}

TaskState initial_state(TaskType t) { return t == TaskType::pickup ? TaskState::ready : TaskState::released; }

bool is_final(const Task& t) {
  const TaskState s = t.state;
  if (s == TaskState::cancelled) return true;
  switch (t.type) {
    case TaskType::pick: return s == TaskState::picked || s == TaskState::short_;
    case TaskType::pack: return s == TaskState::packed || s == TaskState::short_;
    case TaskType::receive: return s == TaskState::received || s == TaskState::short_;
    case TaskType::return_: return s == TaskState::inspected;
    case TaskType::pickup: return s == TaskState::picked_up || s == TaskState::partial || s == TaskState::missed;
    case TaskType::ship_from_store: return s == TaskState::shipped || s == TaskState::partial;
    case TaskType::put_back: return s == TaskState::done || s == TaskState::short_;
  }
  return false;
}

bool has_progress(const Task& t) {
  if (t.state != initial_state(t.type)) return true;
  for (const auto& l : t.lines) {
    if (l.done > 0 || l.short_qty > 0 || l.damaged > 0) return true;
  }
  return !t.cartons.empty();
}

bool valid_task_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || c == '/' || c == '+' || c == '#' || c == '"' || c == '\\') return false;
  }
  return true;
}

bool valid_channel(const std::string& c) {
  if (c.empty() || c.size() > 32) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) return false;
  }
  return true;
}

Result<std::string> normalise_gtin(const std::string& g) {
  if (!decode::all_digits(g) || (g.size() != 8 && g.size() != 12 && g.size() != 13 && g.size() != 14)) {
    return make_error("bad_task", "length: expected 8, 12, 13 or 14 digits");
  }
  if (!decode::gs1_check_digit_ok(g)) return make_error("bad_task", "check digit");
  return decode::to_gtin14(g);
}

namespace {

Error bad(const std::string& where, const std::string& what) { return make_error("bad_task", where + ": " + what); }

// An integer field in [lo, hi]; nullopt when absent; Error when present but wrong.
Result<std::optional<std::int64_t>> int_field(const json& obj, const char* key, const std::string& where,
                                              std::int64_t lo, std::int64_t hi) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::int64_t>{};
  const std::string msg = "not an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!it->is_number_integer()) return bad(where, msg);
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) return bad(where, msg);
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi) return bad(where, msg);
  return std::optional<std::int64_t>{v};
}

// A string field of 1..max characters; nullopt when absent or null.
Result<std::optional<std::string>> str_field(const json& obj, const char* key, const std::string& where,
                                             std::size_t max = 64) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return bad(where, "not a string");
  auto s = it->get<std::string>();
  if (s.empty() || s.size() > max) return bad(where, "must be 1-" + std::to_string(max) + " characters");
  return std::optional<std::string>{std::move(s)};
}

Result<std::string> gtin_field(const json& v, const std::string& where) {
  if (!v.is_string()) return bad(where, "missing or not a string");
  const auto g = v.get<std::string>();
  auto r = normalise_gtin(g);
  if (!r) return bad(where, "\"" + g + "\" is not a valid GTIN (" + r.error().message + ")");
  return *r;
}

constexpr std::int64_t kMaxQty = 1000000000;
constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max() / 4;

Result<std::vector<Unit>> parse_units(const json& arr, const std::string& where) {
  std::vector<Unit> out;
  if (!arr.is_array()) return bad(where, "not an array");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const auto& u = arr[i];
    const std::string w = where + "[" + std::to_string(i) + "]";
    if (!u.is_object()) return bad(w, "expected an object");
    Unit unit;
    auto ln = int_field(u, "line", w + ".line", 0, kMaxCount);
    if (!ln) return ln.error();
    unit.line = ln->value_or(0);
    auto g = u.find("gtin");
    if (g == u.end() || !g->is_string()) return bad(w + ".gtin", "missing or not a string");
    unit.gtin = g->get<std::string>();
    auto lot = str_field(u, "lot", w + ".lot", 80);
    if (!lot) return lot.error();
    unit.lot = *lot;
    auto serial = str_field(u, "serial", w + ".serial", 80);
    if (!serial) return serial.error();
    unit.serial = *serial;
    auto q = int_field(u, "qty", w + ".qty", 1, kMaxCount);
    if (!q) return q.error();
    unit.qty = q->value_or(1);
    out.push_back(std::move(unit));
  }
  return out;
}

json units_json(const std::vector<Unit>& units, bool with_line) {
  json a = json::array();
  for (const auto& u : units) {
    json j{{"gtin", u.gtin},
           {"lot", u.lot ? json(*u.lot) : json(nullptr)},
           {"serial", u.serial ? json(*u.serial) : json(nullptr)},
           {"qty", u.qty}};
    if (with_line) j["line"] = u.line;
    a.push_back(std::move(j));
  }
  return a;
}

Status parse_lines(const json& doc, Task& t) {
  const auto lines = doc.find("lines");
  if (lines == doc.end() || !lines->is_array()) return bad("lines", "missing or not an array");
  if (lines->empty() && !t.tombstone) return bad("lines", "empty (a task needs 1..10000 lines)");
  if (lines->size() > 10000) return bad("lines", "more than 10000 lines");
  const bool fefo = t.type == TaskType::pick || t.type == TaskType::ship_from_store || t.type == TaskType::pickup;
  const bool subs_ok = t.type == TaskType::pick || t.type == TaskType::ship_from_store;
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const auto& l = (*lines)[i];
    const std::string where = "lines[" + std::to_string(i) + "]";
    if (!l.is_object()) return bad(where, "expected an object");
    Line pl;
    auto ln = int_field(l, "line", where + ".line", 1, kMaxCount);
    if (!ln) return ln.error();
    pl.line = ln->value_or(static_cast<std::int64_t>(i + 1));
    if (!seen.insert(pl.line).second) return bad(where + ".line", "duplicate line number " + std::to_string(pl.line));
    const auto g = l.find("gtin");
    if (g == l.end()) return bad(where + ".gtin", "missing");
    auto gtin = gtin_field(*g, where + ".gtin");
    if (!gtin) return gtin.error();
    pl.gtin = *gtin;
    auto q = int_field(l, "qty", where + ".qty", 1, kMaxQty);
    if (!q) return q.error();
    if (!*q) return bad(where + ".qty", "missing (an integer in 1..1000000000)");
    pl.qty = **q;
    if (const auto loc = l.find("location"); loc != l.end() && !loc->is_null()) {
      if (!loc->is_string()) return bad(where + ".location", "not a string");
      pl.location = loc->get<std::string>();
      if (pl.location.size() > 64) return bad(where + ".location", "longer than 64 characters");
    }
    auto lot = str_field(l, "lot", where + ".lot", 20);
    if (!lot) return lot.error();
    pl.lot = *lot;
    auto me = str_field(l, "min_expiry", where + ".min_expiry", 10);
    if (!me) return me.error();
    if (*me) {
      if (!fefo) return bad(where + ".min_expiry", "only pick, ship_from_store and pickup lines take min_expiry");
      if (!valid_iso_date(**me)) return bad(where + ".min_expiry", "\"" + **me + "\" is not a date YYYY-MM-DD");
      pl.min_expiry = *me;
    }
    if (const auto subs = l.find("substitutes"); subs != l.end() && !subs->is_null()) {
      if (!subs_ok) return bad(where + ".substitutes", "only pick and ship_from_store lines take substitutes");
      if (!subs->is_array()) return bad(where + ".substitutes", "not an array of GTINs");
      for (std::size_t k = 0; k < subs->size(); ++k) {
        auto sg = gtin_field((*subs)[k], where + ".substitutes[" + std::to_string(k) + "]");
        if (!sg) return sg.error();
        if (*sg != pl.gtin) pl.substitutes.push_back(*sg);
      }
    }
    // Progress (stored form). "picked" is the old pick format's counter.
    for (const char* key : {"done", "picked"}) {
      auto v = int_field(l, key, where + "." + key, 0, kMaxCount);
      if (!v) return v.error();
      if (*v) {
        pl.done = **v;
        break;
      }
    }
    struct Counter {
      const char* key;
      std::int64_t* field;
    };
    for (const Counter& c : {Counter{"short", &pl.short_qty}, Counter{"substituted", &pl.substituted},
                             Counter{"damaged", &pl.damaged}, Counter{"inspected", &pl.inspected},
                             Counter{"cartoned", &pl.cartoned}}) {
      auto v = int_field(l, c.key, where + "." + c.key, 0, kMaxCount);
      if (!v) return v.error();
      *c.field = v->value_or(0);
    }
    t.lines.push_back(std::move(pl));
  }
  return ok_status();
}

Status parse_pallets(const json& doc, Task& t) {
  const auto ps = doc.find("pallets");
  if (ps == doc.end() || ps->is_null()) return ok_status();
  if (t.type != TaskType::receive) return bad("pallets", "only receive tasks have pallets");
  if (!ps->is_array()) return bad("pallets", "not an array");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < ps->size(); ++i) {
    const auto& p = (*ps)[i];
    const std::string where = "pallets[" + std::to_string(i) + "]";
    if (!p.is_object()) return bad(where, "expected an object");
    Pallet pal;
    const auto s = p.find("sscc");
    if (s == p.end() || !s->is_string()) return bad(where + ".sscc", "missing or not a string");
    pal.sscc = s->get<std::string>();
    if (pal.sscc.size() != 18 || !decode::all_digits(pal.sscc) || !decode::gs1_check_digit_ok(pal.sscc)) {
      return bad(where + ".sscc", "\"" + pal.sscc + "\" is not a valid SSCC (18 digits, check digit)");
    }
    if (!seen.insert(pal.sscc).second) return bad(where + ".sscc", "duplicate SSCC " + pal.sscc);
    const auto c = p.find("contents");
    if (c == p.end() || !c->is_array() || c->empty()) return bad(where + ".contents", "missing or empty");
    for (std::size_t k = 0; k < c->size(); ++k) {
      const auto& e = (*c)[k];
      const std::string w = where + ".contents[" + std::to_string(k) + "]";
      if (!e.is_object()) return bad(w, "expected an object");
      PalletContent pc;
      auto ln = int_field(e, "line", w + ".line", 1, kMaxCount);
      if (!ln) return ln.error();
      if (!*ln) return bad(w + ".line", "missing");
      if (t.find_line(**ln) == nullptr) return bad(w + ".line", "no line " + std::to_string(**ln) + " in lines");
      pc.line = **ln;
      auto q = int_field(e, "qty", w + ".qty", 1, kMaxQty);
      if (!q) return q.error();
      if (!*q) return bad(w + ".qty", "missing (an integer in 1..1000000000)");
      pc.qty = **q;
      auto lot = str_field(e, "lot", w + ".lot", 20);
      if (!lot) return lot.error();
      pc.lot = *lot;
      pal.contents.push_back(pc);
    }
    if (const auto r = p.find("received"); r != p.end() && r->is_boolean()) pal.received = r->get<bool>();
    t.pallets.push_back(std::move(pal));
  }
  return ok_status();
}

}  // namespace

Result<Task> parse_task(const json& doc) {
  if (!doc.is_object()) return bad("task", "expected a JSON object");
  Task t;
  if (const auto tomb = doc.find("tombstone"); tomb != doc.end() && tomb->is_boolean()) t.tombstone = tomb->get<bool>();
  if (const auto type = doc.find("type"); type != doc.end() && !type->is_null()) {
    const auto tt = type->is_string() ? parse_task_type(type->get<std::string>()) : std::nullopt;
    if (!tt) {
      return bad("type", (type->is_string() ? "\"" + type->get<std::string>() + "\"" : std::string("not a string")) +
                             " is not one of pick, pack, receive, return, pickup, ship_from_store");
    }
    t.type = *tt;
  }
  const auto id = doc.find("task_id");
  if (id == doc.end() || !id->is_string()) return bad("task_id", "missing or not a string");
  t.task_id = id->get<std::string>();
  const bool put_back_id = t.type == TaskType::put_back && t.task_id.rfind("PB-", 0) == 0 &&
                           t.task_id.size() <= 67 && valid_task_id(t.task_id.substr(3));
  if (!valid_task_id(t.task_id) && !put_back_id) {
    return bad("task_id", "\"" + t.task_id + "\" must be 1-64 printable characters without / + # \" \\");
  }
  const auto ver = doc.find("version");
  if (ver == doc.end() || !ver->is_number_integer() || ver->get<std::int64_t>() < 1 ||
      (ver->is_number_unsigned() && ver->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxCount))) {
    return bad("version", "missing or not an integer >= 1");
  }
  t.version = ver->get<std::int64_t>();
  if (const auto ch = doc.find("channel"); ch != doc.end() && !ch->is_null()) {
    if (!ch->is_string() || !valid_channel(ch->get<std::string>())) {
      return bad("channel", (ch->is_string() ? "\"" + ch->get<std::string>() + "\"" : std::string("not a string")) +
                                " must be 1-32 of [a-z0-9_-]");
    }
    t.channel = ch->get<std::string>();
  }
  struct Ref {
    const char* key;
    std::optional<std::string>* field;
  };
  for (const Ref& r : {Ref{"order", &t.order}, Ref{"po", &t.po}, Ref{"asn", &t.asn}, Ref{"rma", &t.rma}}) {
    auto v = str_field(doc, r.key, r.key);
    if (!v) return v.error();
    *r.field = *v;
  }
  if (t.type == TaskType::return_ && !t.rma && !t.tombstone) return bad("rma", "missing (required for return tasks)");
  if (auto we = str_field(doc, "window_end", "window_end", 40); !we) {
    return we.error();
  } else if (*we) {
    if (t.type != TaskType::pickup) return bad("window_end", "only pickup tasks have a window_end");
    if (!parse_utc_time(**we)) return bad("window_end", "\"" + **we + "\" is not an RFC 3339 UTC time");
    t.window_end = *we;
  } else if (t.type == TaskType::pickup && !t.tombstone) {
    return bad("window_end", "missing (required for pickup tasks)");
  }
  if (auto s = parse_lines(doc, t); !s) return s.error();
  if (auto s = parse_pallets(doc, t); !s) return s.error();

  // Stored form.
  t.state = initial_state(t.type);
  if (const auto st = doc.find("state"); st != doc.end() && st->is_string()) {
    const auto s = parse_task_state(st->get<std::string>());
    if (!s) return bad("state", "\"" + st->get<std::string>() + "\" is not a task state");
    t.state = *s;
  }
  if (const auto u = doc.find("units"); u != doc.end() && !u->is_null()) {
    auto units = parse_units(*u, "units");
    if (!units) return units.error();
    t.units = std::move(*units);
  }
  if (const auto cs = doc.find("cartons"); cs != doc.end() && cs->is_array()) {
    for (std::size_t i = 0; i < cs->size(); ++i) {
      const auto& c = (*cs)[i];
      const std::string where = "cartons[" + std::to_string(i) + "]";
      if (!c.is_object()) return bad(where, "expected an object");
      Carton carton;
      carton.number = static_cast<std::int64_t>(i + 1);
      auto sscc = str_field(c, "sscc", where + ".sscc", 18);
      if (!sscc) return sscc.error();
      carton.sscc = *sscc;
      if (const auto ct = c.find("contents"); ct != c.end()) {
        auto units = parse_units(*ct, where + ".contents");
        if (!units) return units.error();
        carton.contents = std::move(*units);
      }
      t.cartons.push_back(std::move(carton));
    }
  }
  struct Opt {
    const char* key;
    std::optional<std::string>* field;
  };
  for (const Opt& o : {Opt{"carrier_label", &t.carrier_label}, Opt{"finished_at", &t.finished_at},
                       Opt{"cancel_reason", &t.cancel_reason}, Opt{"origin_task", &t.origin_task}}) {
    auto v = str_field(doc, o.key, o.key, 256);
    if (!v) return v.error();
    *o.field = *v;
  }
  auto crv = int_field(doc, "cancel_refused_version", "cancel_refused_version", 0, kMaxCount);
  if (!crv) return crv.error();
  t.cancel_refused_version = crv->value_or(0);
  return t;
}

json to_json(const Task& t) {
  json lines = json::array();
  for (const auto& l : t.lines) {
    json j{{"line", l.line}, {"gtin", l.gtin}, {"qty", l.qty}, {"location", l.location}, {"done", l.done}};
    if (t.type == TaskType::pick) j["picked"] = l.done;
    if (l.lot) j["lot"] = *l.lot;
    if (l.min_expiry) j["min_expiry"] = *l.min_expiry;
    if (!l.substitutes.empty()) j["substitutes"] = l.substitutes;
    if (l.short_qty) j["short"] = l.short_qty;
    if (l.substituted) j["substituted"] = l.substituted;
    if (l.damaged) j["damaged"] = l.damaged;
    if (l.inspected) j["inspected"] = l.inspected;
    if (l.cartoned) j["cartoned"] = l.cartoned;
    lines.push_back(std::move(j));
  }
  json doc{{"task_id", t.task_id},
           {"version", t.version},
           {"type", to_string(t.type)},
           {"channel", t.channel},
           {"state", to_string(t.state)},
           {"lines", std::move(lines)}};
  if (t.order) doc["order"] = *t.order;
  if (t.po) doc["po"] = *t.po;
  if (t.asn) doc["asn"] = *t.asn;
  if (t.rma) doc["rma"] = *t.rma;
  if (t.window_end) doc["window_end"] = *t.window_end;
  if (!t.pallets.empty()) {
    json ps = json::array();
    for (const auto& p : t.pallets) {
      json contents = json::array();
      for (const auto& c : p.contents) {
        json cj{{"line", c.line}, {"qty", c.qty}};
        if (c.lot) cj["lot"] = *c.lot;
        contents.push_back(std::move(cj));
      }
      ps.push_back({{"sscc", p.sscc}, {"contents", std::move(contents)}, {"received", p.received}});
    }
    doc["pallets"] = std::move(ps);
  }
  if (!t.units.empty()) doc["units"] = units_json(t.units, true);
  if (!t.cartons.empty()) {
    json cs = json::array();
    for (const auto& c : t.cartons) {
      cs.push_back({{"sscc", c.sscc ? json(*c.sscc) : json(nullptr)}, {"contents", units_json(c.contents, true)}});
    }
    doc["cartons"] = std::move(cs);
  }
  if (t.carrier_label) doc["carrier_label"] = *t.carrier_label;
  if (t.finished_at) doc["finished_at"] = *t.finished_at;
  if (t.cancel_reason) doc["cancel_reason"] = *t.cancel_reason;
  if (t.origin_task) doc["origin_task"] = *t.origin_task;
  if (t.tombstone) doc["tombstone"] = true;
  if (t.cancel_refused_version) doc["cancel_refused_version"] = t.cancel_refused_version;
  return doc;
}

}  // namespace scanedge::tasks
