#include "sync/ledger/epcis_export.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <regex>
#include <utility>

#include "edge/core/event_id.h"

namespace scanedge::ledger::epcis {

namespace {

using nlohmann::json;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Percent-encodes everything outside RFC 3986 "unreserved".
std::string encode_segment(std::string_view s) {
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

// Optional string member of `item`: absent/null -> empty; present but not a string: error.
Result<std::string> item_string(const json& item, const char* key) {
  const auto it = item.find(key);
  if (it == item.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad(std::string("item.") + key + " is not a string");
  return it->get<std::string>();
}

Result<json> map_pick(const sync::DeviceAddress& address, const json& e) {
  const auto id = e.find("id");
  if (id == e.end() || !id->is_string() || !is_uuid(id->get<std::string>())) return bad("id is not a UUID");
  const auto time = e.find("time");
  if (time == e.end() || !time->is_string() || !is_rfc3339(time->get<std::string>())) {
    return bad("time is missing or not an RFC 3339 date-time");
  }
  const auto item = e.find("item");
  if (item == e.end() || !item->is_object()) return bad("item is missing or not an object");
  auto gtin = item_string(*item, "gtin");
  if (!gtin) return gtin.error();
  if (gtin->empty()) return bad("item.gtin is missing");
  auto serial = item_string(*item, "serial");
  if (!serial) return serial.error();
  auto lot = item_string(*item, "lot");
  if (!lot) return lot.error();

  json out = json::object();
  out["type"] = "ObjectEvent";
  out["eventTime"] = time->get<std::string>();
  out["eventTimeZoneOffset"] = "+00:00";
  out["eventID"] = "urn:uuid:" + id->get<std::string>();
  out["action"] = "OBSERVE";
  if (!serial->empty()) {
    auto epc = digital_link_serial(*gtin, *serial);
    if (!epc) return epc.error();
    out["epcList"] = json::array({*epc});
  } else {
    const auto qty = e.find("qty");
    if (qty == e.end() || !qty->is_number() || !(qty->get<double>() > 0)) return bad("qty is missing or not a positive number");
    auto cls = lot->empty() ? digital_link_gtin(*gtin) : digital_link_lot(*gtin, *lot);
    if (!cls) return cls.error();
    out["quantityList"] = json::array({json{{"epcClass", *cls}, {"quantity", *qty}}});
  }
  out["bizStep"] = "picking";
  out["disposition"] = "in_progress";
  out["readPoint"] = {{"id", "urn:scanedge:site:" + address.site + ":device:" + address.device}};
  out["bizLocation"] = {{"id", "urn:scanedge:site:" + address.site}};
  return out;
}

}  // namespace

Result<std::string> digital_link_gtin(std::string_view gtin) {
  if (!all_digits(gtin) || !(gtin.size() == 8 || gtin.size() == 12 || gtin.size() == 13 || gtin.size() == 14)) {
    return bad("item.gtin '" + std::string(gtin.substr(0, 32)) + "' is not 8, 12, 13 or 14 digits");
  }
  return "https://id.gs1.org/01/" + std::string(14 - gtin.size(), '0') + std::string(gtin);
}

Result<std::string> digital_link_serial(std::string_view gtin, std::string_view serial) {
  if (serial.empty()) return bad("item.serial is empty");
  auto base = digital_link_gtin(gtin);
  if (!base) return base;
  return *base + "/21/" + encode_segment(serial);
}

Result<std::string> digital_link_lot(std::string_view gtin, std::string_view lot) {
  if (lot.empty()) return bad("item.lot is empty");
  auto base = digital_link_gtin(gtin);
  if (!base) return base;
  return *base + "/10/" + encode_segment(lot);
}

Result<Mapped> map_event(const sync::DeviceAddress& address, std::string_view body) {
  json e = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (e.is_discarded() || !e.is_object()) return bad("the event is not a JSON object");
  const auto type = e.find("type");
  if (type == e.end() || !type->is_string()) return bad("type is missing or not a string");
  const std::string& t = type->get_ref<const std::string&>();
  Mapped m;
  if (t == "pick.confirmed") {
    auto ev = map_pick(address, e);
    if (!ev) return ev.error();
    m.kind = Mapped::Kind::object_event;
    m.event = std::move(*ev);
  } else if (t == "scan.rejected") {
    m.kind = Mapped::Kind::not_business;
  } else {
    m.kind = Mapped::Kind::unknown_type;
  }
  return m;
}

Result<ExportStats> write_document(LedgerStore& store, const ExportOptions& options, std::ostream& out) {
  auto states = store.states();  // ordered by site, device, stream
  if (!states) return states.error();
  const std::string creation =
      options.creation_date.empty() ? format_time_utc(std::chrono::system_clock::now()) : options.creation_date;

  ExportStats stats;
  out << "{\"@context\":[" << json(std::string(kContext)).dump()
      << "],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":" << json(creation).dump()
      << ",\"epcisBody\":{\"eventList\":[";
  constexpr std::size_t kPage = 1000;
  for (const StreamState& s : *states) {
    if (options.site && s.address.site != *options.site) continue;
    std::int64_t cursor = 0;
    for (;;) {
      auto page = store.events(s.address, s.stream, cursor, kPage);
      if (!page) return page.error();
      for (const AppliedEvent& a : *page) {
        cursor = a.seq;
        auto m = map_event(s.address, a.body);
        if (!m) {
          ++stats.problem_count;
          if (stats.problems.size() < 100) {
            stats.problems.push_back("site " + s.address.site + " device " + s.address.device + " stream " +
                                     std::string(to_string(s.stream)) + " seq " + std::to_string(a.seq) + ": " +
                                     m.error().message);
          }
          continue;
        }
        switch (m->kind) {
          case Mapped::Kind::object_event:
            if (stats.exported > 0) out << ',';
            out << m->event.dump();
            ++stats.exported;
            break;
          case Mapped::Kind::not_business:
            ++stats.not_business;
            break;
          case Mapped::Kind::unknown_type:
            ++stats.unknown_types[a.type];
            break;
        }
      }
      if (page->size() < kPage) break;
    }
  }
  out << "]}}\n";
  out.flush();
  if (!out.good()) return make_error("io", "cannot write the EPCIS document");
  return stats;
}

}  // namespace scanedge::ledger::epcis
