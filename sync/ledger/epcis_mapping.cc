// Mapping of one applied device event to an EPCIS 2.0 event (contract: epcis_export.h).
#include <algorithm>
#include <array>
#include <cstddef>
#include <regex>
#include <set>
#include <utility>

#include "sync/ledger/epcis_export.h"

namespace scanedge::ledger::epcis {

namespace {

using nlohmann::json;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool is_rfc3339(const std::string& s) {
  static const std::regex kTime(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, kTime);
}

Error bad(std::string message) { return make_error("bad_event", std::move(message)); }

std::string clip(std::string_view s) { return std::string(s.substr(0, 32)); }

// The Digital Link builders with the field named in the error.
Result<std::string> dl_gtin(std::string_view gtin, const std::string& field) {
  if (!all_digits(gtin) || !(gtin.size() == 8 || gtin.size() == 12 || gtin.size() == 13 || gtin.size() == 14)) {
    return bad(field + " '" + clip(gtin) + "' is not 8, 12, 13 or 14 digits");
  }
  return "https://id.gs1.org/01/" + std::string(14 - gtin.size(), '0') + std::string(gtin);
}

Result<std::string> dl_sscc(std::string_view sscc, const std::string& field) {
  if (sscc.size() != 18 || !all_digits(sscc)) return bad(field + " '" + clip(sscc) + "' is not an 18-digit SSCC");
  return "https://id.gs1.org/00/" + std::string(sscc);
}

// Optional string member: absent/null -> empty; present but not a string: error.
Result<std::string> opt_string(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad((where.empty() ? "" : where + ".") + key + " is not a string");
  return it->get<std::string>();
}

Result<json> positive_qty(const json& obj, const std::string& field) {
  const auto qty = obj.find("qty");
  if (qty == obj.end() || !qty->is_number_integer() || qty->get<std::int64_t>() < 1) {
    return bad(field + " is missing or not a positive integer");
  }
  return *qty;
}

// "What" an event observed: EPCs (unique) and quantities of classes.
struct What {
  json epcs = json::array();
  json quantities = json::array();
  std::set<std::string> seen;

  // An EPC is one physical instance: named twice, it is listed once (epcList items are
  // unique in the schema).
  void add_epc(std::string epc) {
    if (seen.insert(epc).second) epcs.push_back(std::move(epc));
  }
};

// One item-like object {gtin, lot, serial} observed `qty` times; the quantity is
// `qty_holder`'s "qty" (named `qty_field` in errors). `qty_always`: checked for a serialised
// thing too (contents entries carry their own qty); a serialised thing is one EPC whatever
// its qty (the device counts a label scanned twice twice; it is still one instance).
Status add_thing(What& what, const json& thing, const std::string& where, const json* qty_holder,
                 const std::string& qty_field, bool qty_always) {
  if (!thing.is_object()) return bad(where + " is missing or not an object");
  auto gtin = opt_string(thing, "gtin", where);
  if (!gtin) return gtin.error();
  if (gtin->empty()) return bad(where + ".gtin is missing");
  auto base = dl_gtin(*gtin, where + ".gtin");
  if (!base) return base.error();
  auto serial = opt_string(thing, "serial", where);
  if (!serial) return serial.error();
  auto lot = opt_string(thing, "lot", where);
  if (!lot) return lot.error();
  if (!serial->empty()) {
    if (qty_always) {
      auto q = positive_qty(*qty_holder, qty_field);
      if (!q) return q.error();
    }
    what.add_epc(*base + "/21/" + percent_encode(*serial));
    return {};
  }
  auto q = positive_qty(*qty_holder, qty_field);
  if (!q) return q.error();
  const std::string cls = lot->empty() ? *base : *base + "/10/" + percent_encode(*lot);
  what.quantities.push_back(json{{"epcClass", cls}, {"quantity", *q}});
  return {};
}

// The event's "item" with its "qty".
Status add_item(What& what, const json& e) {
  const auto item = e.find("item");
  if (item == e.end() || !item->is_object()) return bad("item is missing or not an object");
  return add_thing(what, *item, "item", &e, "qty", /*qty_always=*/false);
}

// The event's "contents":[{gtin,lot,serial,qty}] (non-empty).
Status add_contents(What& what, const json& e) {
  const auto contents = e.find("contents");
  if (contents == e.end() || !contents->is_array() || contents->empty()) {
    return bad("contents is missing, not an array or empty");
  }
  for (std::size_t i = 0; i < contents->size(); ++i) {
    const std::string where = "contents[" + std::to_string(i) + "]";
    const json& c = (*contents)[i];
    if (!c.is_object()) return bad(where + " is not an object");
    if (auto s = add_thing(what, c, where, &c, where + ".qty", /*qty_always=*/true); !s) return s;
  }
  return {};
}

struct Reference {
  const char* field;
  const char* type;
  const char* urn;
};
constexpr std::array<Reference, 4> kReferences{{{"po", "po", "urn:scanedge:po:"},
                                                {"asn", "desadv", "urn:scanedge:asn:"},
                                                {"rma", "rma", "urn:scanedge:rma:"},
                                                {"order", "po", "urn:scanedge:order:"}}};

Result<json> biz_transactions(const json& e) {
  json list = json::array();
  for (const Reference& r : kReferences) {
    const auto it = e.find(r.field);
    if (it == e.end() || it->is_null()) continue;
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return bad(std::string(r.field) + " is not a non-empty string");
    }
    list.push_back(json{{"type", r.type}, {"bizTransaction", r.urn + percent_encode(it->get_ref<const std::string&>())}});
  }
  return list;
}

// The fields every exported event has; `kind` "ObjectEvent" or "AggregationEvent".
Result<json> common(const sync::DeviceAddress& address, const json& e, const char* kind, const char* action,
                    std::string_view biz_step, std::string_view disposition) {
  const auto id = e.find("id");
  if (id == e.end() || !id->is_string() || !is_uuid(id->get_ref<const std::string&>())) return bad("id is not a UUID");
  const auto time = e.find("time");
  if (time == e.end() || !time->is_string() || !is_rfc3339(time->get_ref<const std::string&>())) {
    return bad("time is missing or not an RFC 3339 date-time");
  }
  auto txs = biz_transactions(e);
  if (!txs) return txs.error();
  json out = json::object();
  out["type"] = kind;
  out["eventTime"] = time->get<std::string>();
  out["eventTimeZoneOffset"] = "+00:00";
  out["eventID"] = "urn:uuid:" + id->get<std::string>();
  out["action"] = action;
  out["bizStep"] = std::string(biz_step);
  out["disposition"] = std::string(disposition);
  out["readPoint"] = {{"id", "urn:scanedge:site:" + address.site + ":device:" + address.device}};
  out["bizLocation"] = {{"id", "urn:scanedge:site:" + address.site}};
  if (!txs->empty()) out["bizTransactionList"] = std::move(*txs);
  return out;
}

void put_what(json& out, What& what, const char* epcs_key, const char* quantities_key) {
  if (!what.epcs.empty()) out[epcs_key] = std::move(what.epcs);
  if (!what.quantities.empty()) out[quantities_key] = std::move(what.quantities);
}

// How the "what" of a type is found.
enum class Shape { item, pallet, shipment, carton, inspected };

struct Rule {
  std::string_view type;
  Shape shape;
  std::string_view biz_step;
  std::string_view disposition;  // empty for return.inspected (from the body)
};

constexpr std::array<Rule, 15> kRules{{
    {"pick.confirmed", Shape::item, "picking", "in_progress"},
    {"pick.substituted", Shape::item, "picking", "in_progress"},
    {"pack.item", Shape::item, "packing", "in_progress"},
    {"pack.carton_closed", Shape::carton, "packing", "container_closed"},
    {"receive.confirmed", Shape::item, "receiving", "sellable_not_accessible"},
    {"receive.over", Shape::item, "receiving", "sellable_not_accessible"},
    {"receive.pallet", Shape::pallet, "receiving", "sellable_not_accessible"},
    {"receive.damaged", Shape::item, "receiving", "damaged"},
    {"return.received", Shape::item, "receiving", "returned"},
    {"return.inspected", Shape::inspected, "inspecting", ""},
    {"pickup.handed_over", Shape::item, "retail_selling", "retail_sold"},
    {"ship.confirmed", Shape::shipment, "shipping", "in_transit"},
    {"ship.partial", Shape::shipment, "shipping", "in_transit"},
    {"putback.confirmed", Shape::item, "storing", "sellable_accessible"},
    {"exception.damage", Shape::item, "inspecting", "damaged"},
}};

constexpr auto kExportedTypes = [] {
  std::array<std::string_view, kRules.size()> types{};
  for (std::size_t i = 0; i < kRules.size(); ++i) types[i] = kRules[i].type;
  return types;
}();

constexpr std::array<std::string_view, 12> kNotExported{
    "scan.rejected", "task.received",  "task.cancelled", "task.cancel_refused", "pick.short",      "pack.short",
    "receive.short", "pickup.partial", "pickup.missed",  "putback.short",       "operator.login", "operator.logout"};

// return.inspected's "disposition" -> CBV disposition.
Result<std::string_view> inspected_disposition(const json& e) {
  const auto d = e.find("disposition");
  if (d != e.end() && d->is_string()) {
    const std::string& s = d->get_ref<const std::string&>();
    if (s == "restock") return std::string_view("sellable_accessible");
    if (s == "damaged") return std::string_view("damaged");
    if (s == "dispose") return std::string_view("disposed");
    if (s == "refurbish") return std::string_view("non_sellable_other");
  }
  return bad("disposition is not one of restock, damaged, dispose, refurbish");
}

Result<json> map_rule(const sync::DeviceAddress& address, const json& e, const Rule& rule) {
  std::string_view disposition = rule.disposition;
  if (rule.shape == Shape::inspected) {
    auto d = inspected_disposition(e);
    if (!d) return d.error();
    disposition = *d;
  }
  const bool carton = rule.shape == Shape::carton;
  auto out = common(address, e, carton ? "AggregationEvent" : "ObjectEvent", carton ? "ADD" : "OBSERVE", rule.biz_step,
                    disposition);
  if (!out) return out;
  What what;
  switch (rule.shape) {
    case Shape::item:
    case Shape::inspected:
      if (auto s = add_item(what, e); !s) return s.error();
      put_what(*out, what, "epcList", "quantityList");
      break;
    case Shape::pallet: {
      auto sscc = opt_string(e, "sscc", "");
      if (!sscc) return sscc.error();
      if (sscc->empty()) return bad("sscc is missing");
      auto epc = dl_sscc(*sscc, "sscc");
      if (!epc) return epc.error();
      what.add_epc(*epc);
      if (auto s = add_contents(what, e); !s) return s.error();
      put_what(*out, what, "epcList", "quantityList");
      break;
    }
    case Shape::shipment: {
      const auto cartons = e.find("cartons");
      if (cartons == e.end() || !cartons->is_array()) return bad("cartons is missing or not an array");
      for (std::size_t i = 0; i < cartons->size(); ++i) {
        const std::string field = "cartons[" + std::to_string(i) + "]";
        const json& c = (*cartons)[i];
        if (!c.is_string()) return bad(field + " is not a string");
        auto epc = dl_sscc(c.get_ref<const std::string&>(), field);
        if (!epc) return epc.error();
        what.add_epc(*epc);
      }
      if (auto s = add_contents(what, e); !s) return s.error();
      put_what(*out, what, "epcList", "quantityList");
      break;
    }
    case Shape::carton: {
      auto sscc = opt_string(e, "sscc", "");
      if (!sscc) return sscc.error();
      if (sscc->empty()) return bad("sscc is missing");
      auto parent = dl_sscc(*sscc, "sscc");
      if (!parent) return parent.error();
      (*out)["parentID"] = *parent;
      if (auto s = add_contents(what, e); !s) return s.error();
      put_what(*out, what, "childEPCs", "childQuantityList");
      break;
    }
  }
  return out;
}

}  // namespace

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Result<std::string> digital_link_gtin(std::string_view gtin) { return dl_gtin(gtin, "item.gtin"); }

Result<std::string> digital_link_serial(std::string_view gtin, std::string_view serial) {
  if (serial.empty()) return bad("item.serial is empty");
  auto base = digital_link_gtin(gtin);
  if (!base) return base;
  return *base + "/21/" + percent_encode(serial);
}

Result<std::string> digital_link_lot(std::string_view gtin, std::string_view lot) {
  if (lot.empty()) return bad("item.lot is empty");
  auto base = digital_link_gtin(gtin);
  if (!base) return base;
  return *base + "/10/" + percent_encode(lot);
}

Result<std::string> digital_link_sscc(std::string_view sscc) { return dl_sscc(sscc, "sscc"); }

std::span<const std::string_view> exported_types() { return kExportedTypes; }
std::span<const std::string_view> not_exported_types() { return kNotExported; }

Result<Mapped> map_event(const sync::DeviceAddress& address, std::string_view body) {
  json e = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (e.is_discarded() || !e.is_object()) return bad("the event is not a JSON object");
  const auto type = e.find("type");
  if (type == e.end() || !type->is_string()) return bad("type is missing or not a string");
  const std::string& t = type->get_ref<const std::string&>();
  Mapped m;
  for (const Rule& rule : kRules) {
    if (rule.type != t) continue;
    auto ev = map_rule(address, e, rule);
    if (!ev) return ev.error();
    m.kind = Mapped::Kind::epcis_event;
    m.event = std::move(*ev);
    return m;
  }
  const bool skipped = std::find(kNotExported.begin(), kNotExported.end(), t) != kNotExported.end();
  m.kind = skipped ? Mapped::Kind::not_business : Mapped::Kind::unknown_type;
  return m;
}

}  // namespace scanedge::ledger::epcis
