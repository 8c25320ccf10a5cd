// Properties every decode()/decode_epc() result must have, whatever the input bytes; shared
// by the decoder fuzz targets. Each violated property aborts through FUZZ_CHECK.
//
// check_decode_result(r, input):
//   error -> the code is one of error_codes.h kAll, the offset is <= input.size(), the
//            message is non-empty printable ASCII;
//   ok    -> kind is one of the five kinds, aim is "" or the input's first 3 bytes,
//            symbology is set, identity values have their documented forms (GTIN-14 and
//            SSCC-18 with a valid check digit, expiry a real ISO date, count >= 0),
//            digital_link (if any) is canonical https://id.gs1.org/..., and the kind's own
//            fields are consistent (gs1/digital-link: known AIs; plain: text is the payload;
//            gtin: the GTIN's Digital Link; epc: identity.epc is the pure identity URI);
//   both  -> to_json(r).dump() does not throw and says the same thing (ok, code, offset).
// element_string(ais): the AIs written back as element strings (for re-encoding checks).
// Header-only; no state.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/decode/decoded.h"
#include "edge/decode/decoder.h"
#include "edge/decode/error_codes.h"
#include "edge/decode/gs1_ai_table.h"
#include "edge/decode/gs1_date.h"
#include "edge/decode/gtin.h"
#include "tests/fuzz/fuzz_check.h"

namespace scanedge::fuzz {

inline bool is_known_error_code(std::string_view code) {
  for (const std::string_view c : decode::error_code::kAll) {
    if (c == code) return true;
  }
  return false;
}

inline bool printable_ascii(std::string_view s) {
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F) return false;
  }
  return true;
}

inline int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// "YYYY-MM-DD" naming a day that exists.
inline bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!decode::all_digits(s.substr(0, 4)) || !decode::all_digits(s.substr(5, 2)) ||
      !decode::all_digits(s.substr(8, 2))) {
    return false;
  }
  const int year = two_digits(s, 0) * 100 + two_digits(s, 2);
  const int month = two_digits(s, 5);
  const int day = two_digits(s, 8);
  return month >= 1 && month <= 12 && day >= 1 && day <= decode::days_in_month(year, month);
}

inline std::string ais_text(const std::vector<decode::AiValue>& ais) {
  std::string out;
  for (const decode::AiValue& a : ais) out += "(" + a.ai + ")" + printable(a.value);
  return out;
}

inline bool same_ais(const std::vector<decode::AiValue>& a, const std::vector<decode::AiValue>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].ai != b[i].ai || a[i].value != b[i].value) return false;
  }
  return true;
}

// AIs written back as GS1 element strings by the table's FNC1 rules: AI + value, a GS
// after every AI without a predefined length except the last (no AIM id, no leading FNC1).
inline std::string element_string(const std::vector<decode::AiValue>& ais) {
  std::string out;
  for (std::size_t i = 0; i < ais.size(); ++i) {
    const decode::AiEntry* entry = decode::find_ai_exact(ais[i].ai);
    FUZZ_CHECK(entry != nullptr, "AI " + printable(ais[i].ai) + " has no table row");
    out += ais[i].ai;
    out += ais[i].value;
    if (!entry->predefined_length && i + 1 < ais.size()) out += '\x1D';
  }
  return out;
}

inline std::string describe(const decode::DecodeResult& r) {
  if (!r.ok()) {
    return "error " + r.error.code + " at " + std::to_string(r.error.offset) + ": " +
           printable(r.error.message);
  }
  const decode::Decoded& d = *r.value;
  return "ok kind=" + d.kind + " symbology=" + d.symbology + " ais=" + ais_text(d.ais) +
         " dl=" + (d.digital_link ? printable(*d.digital_link) : std::string("null"));
}

inline void check_json(const decode::DecodeResult& r, std::string_view input) {
  std::string dumped;
  try {
    dumped = decode::to_json(r).dump();
  } catch (const std::exception& e) {
    property_failed(__FILE__, __LINE__, "to_json(result).dump() does not throw",
                    std::string(e.what()) + " for input " + printable(input));
  }
  const nlohmann::json j = nlohmann::json::parse(dumped, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_object() && j.contains("ok") && j["ok"].is_boolean(), dumped);
  FUZZ_CHECK(j["ok"].get<bool>() == r.ok(), dumped);
  if (!r.ok()) {
    FUZZ_CHECK(j["error"]["code"] == r.error.code, dumped);
    FUZZ_CHECK(j["error"]["offset"] == r.error.offset, dumped);
    FUZZ_CHECK(j["error"].size() == 3u, dumped);
  } else {
    FUZZ_CHECK(j["kind"] == r.value->kind, dumped);
    FUZZ_CHECK(j["ais"].size() == r.value->ais.size(), dumped);
    FUZZ_CHECK(j["identity"].size() == 7u, dumped);
  }
}

inline void check_identity(const decode::Identity& id, const std::string& ctx) {
  if (id.gtin) {
    FUZZ_CHECK(id.gtin->size() == 14 && decode::all_digits(*id.gtin) &&
                   decode::gs1_check_digit_ok(*id.gtin),
               "gtin " + printable(*id.gtin) + "; " + ctx);
  }
  if (id.sscc) {
    FUZZ_CHECK(id.sscc->size() == 18 && decode::all_digits(*id.sscc) &&
                   decode::gs1_check_digit_ok(*id.sscc),
               "sscc " + printable(*id.sscc) + "; " + ctx);
  }
  if (id.expiry) FUZZ_CHECK(is_iso_date(*id.expiry), "expiry " + printable(*id.expiry) + "; " + ctx);
  if (id.count) FUZZ_CHECK(*id.count >= 0, ctx);
}

inline void check_decode_result(const decode::DecodeResult& r, std::string_view input) {
  const std::string ctx = "input " + printable(input) + " -> " + describe(r);
  if (!r.ok()) {
    FUZZ_CHECK(is_known_error_code(r.error.code), ctx);
    FUZZ_CHECK(r.error.offset <= input.size(), ctx);
    FUZZ_CHECK(!r.error.message.empty() && printable_ascii(r.error.message), ctx);
    check_json(r, input);
    return;
  }
  const decode::Decoded& d = *r.value;
  FUZZ_CHECK(d.kind == decode::kKindGs1 || d.kind == decode::kKindGtin ||
                 d.kind == decode::kKindPlain || d.kind == decode::kKindDigitalLink ||
                 d.kind == decode::kKindEpc,
             ctx);
  FUZZ_CHECK(d.aim.empty() || (d.aim.size() == 3 && input.substr(0, 3) == d.aim), ctx);
  FUZZ_CHECK(!d.symbology.empty(), ctx);
  check_identity(d.identity, ctx);
  if (d.digital_link) {
    FUZZ_CHECK(d.digital_link->starts_with("https://id.gs1.org/"), ctx);
  }
  if (d.kind == decode::kKindGs1 || d.kind == decode::kKindDigitalLink) {
    FUZZ_CHECK(!d.ais.empty() && d.text.empty() && !d.epc, ctx);
    for (const decode::AiValue& a : d.ais) {
      FUZZ_CHECK(decode::find_ai_exact(a.ai) != nullptr, "AI " + printable(a.ai) + "; " + ctx);
    }
  } else if (d.kind == decode::kKindPlain) {
    FUZZ_CHECK(d.ais.empty() && !d.digital_link && !d.epc && !d.identity.gtin, ctx);
    FUZZ_CHECK(d.text == input.substr(d.aim.size()), ctx);
  } else if (d.kind == decode::kKindGtin) {
    FUZZ_CHECK(d.ais.empty() && d.identity.gtin && !d.epc, ctx);
    FUZZ_CHECK(d.digital_link == "https://id.gs1.org/01/" + *d.identity.gtin, ctx);
  } else {  // epc
    FUZZ_CHECK(d.epc && d.identity.epc == d.epc->uri, ctx);
  }
  check_json(r, input);
}

}  // namespace scanedge::fuzz
