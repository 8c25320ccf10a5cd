#include "edge/decode/decoder.h"

#include <span>
#include <vector>

#include "edge/decode/aim.h"
#include "edge/decode/digital_link.h"
#include "edge/decode/error_text.h"
#include "edge/decode/gs1_date.h"
#include "edge/decode/gs1_element_string.h"
#include "edge/decode/gs1_pair_rules.h"
#include "edge/decode/gtin.h"

namespace scanedge::decode {
namespace {

DecodeResult failure(DecodeError e) {
  DecodeResult r;
  r.error = std::move(e);
  return r;
}

DecodeResult success(Decoded d) {
  DecodeResult r;
  r.value = std::move(d);
  return r;
}

Decoded base(const AimMatch& aim) {
  Decoded d;
  d.aim = std::string(aim.aim);
  d.symbology = std::string(aim.symbology ? aim.symbology->name : kSymbologyUnknown);
  return d;
}

DecodeResult empty_error(std::size_t offset) {
  return failure(make_decode_error(error_code::kEmpty,
                                   offset == 0 ? "no data" : "no data after the AIM id",
                                   offset));
}

std::size_t first_non_digit(std::string_view s) {
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return k;
  }
  return s.size();
}

// `digits` is the GTIN as carried (8, 12, 13 or 14 digits, or a UPC-E already expanded
// to 12); `check_at` is the offset of its check digit in the data.
DecodeResult gtin_result(Decoded d, std::string_view digits, std::string_view label,
                         std::size_t check_at) {
  if (!gs1_check_digit_ok(digits)) {
    const char want = gs1_check_digit(digits.substr(0, digits.size() - 1));
    return failure(make_decode_error(error_code::kBadCheckDigit,
                                     std::string(label) + ": check digit " +
                                         quoted(digits.substr(digits.size() - 1)) + " of " +
                                         quoted(digits) + " should be '" +
                                         std::string(1, want) + "'",
                                     check_at));
  }
  d.kind = std::string(kKindGtin);
  d.identity.gtin = to_gtin14(digits);
  d.digital_link = gtin_digital_link(*d.identity.gtin);
  return success(std::move(d));
}

DecodeResult plain_result(Decoded d, std::string_view payload) {
  d.kind = std::string(kKindPlain);
  d.text = std::string(payload);
  return success(std::move(d));
}

// EAN/UPC symbols (]E0 ]E3 ]E4): digits only, a length the symbology allows.
DecodeResult decode_ean(const AimMatch& aim, std::string_view p) {
  const std::size_t at = aim.length;
  const std::size_t bad = first_non_digit(p);
  if (bad < p.size()) {
    return failure(make_decode_error(error_code::kBadCharset,
                                     std::string(aim.symbology->name) + ": character " +
                                         quoted(p.substr(bad, 1)) + " in " + quoted(p) +
                                         " is not a digit",
                                     at + bad));
  }
  Decoded d = base(aim);
  const auto bad_length = [&](std::string_view allowed) {
    return failure(make_decode_error(error_code::kBadLength,
                                     std::string(aim.symbology->name) + ": " + quoted(p) +
                                         " has " + std::to_string(p.size()) +
                                         " digits, expected " + std::string(allowed),
                                     at));
  };
  switch (aim.symbology->content) {
    case AimContent::kEanUpc:
      if (p.size() == 13) {
        if (p[0] == '0') d.symbology = "upc-a";  // a 0-led EAN-13 is a UPC-A symbol
        const std::string label = d.symbology;
        return gtin_result(std::move(d), p, label, at + 12);
      }
      if (p.size() == 12) {
        d.symbology = "upc-a";
        return gtin_result(std::move(d), p, "upc-a", at + 11);
      }
      if (p.size() == 8) {
        d.symbology = "upc-e";
        const std::optional<std::string> upca = expand_upce(p);
        if (!upca) {
          return failure(make_decode_error(
              error_code::kBadCharset,
              "upc-e: number system " + quoted(p.substr(0, 1)) + " of " + quoted(p) +
                  " must be 0 or 1",
              at));
        }
        return gtin_result(std::move(d), *upca, "upc-e " + quoted(p), at + 7);
      }
      return bad_length("13 (EAN-13/UPC-A), 12 (UPC-A) or 8 (UPC-E)");
    case AimContent::kEan8:
      if (p.size() != 8) return bad_length("8");
      return gtin_result(std::move(d), p, "ean-8", at + 7);
    case AimContent::kEanWithAddOn:
      if (p.size() != 15 && p.size() != 18) return bad_length("13 + a 2- or 5-digit add-on");
      if (p[0] == '0') d.symbology = "upc-a";
      {
        const std::string label = d.symbology;
        return gtin_result(std::move(d), p.substr(0, 13), label, at + 12);
      }
    default:
      break;
  }
  return plain_result(std::move(d), p);
}

// Fills ais, identity and the canonical Digital Link from validated element strings.
void fill_from_element_strings(Decoded& d, std::span<const ParsedAi> parsed,
                               int reference_year) {
  d.ais.reserve(parsed.size());
  Identity& id = d.identity;
  for (const ParsedAi& a : parsed) {
    d.ais.push_back(AiValue{std::string(a.entry->ai), std::string(a.value)});
    const std::string_view ai = a.entry->ai;
    if (ai == "01") {
      if (!id.gtin) id.gtin = std::string(a.value);
    } else if (ai == "10") {
      if (!id.lot) id.lot = std::string(a.value);
    } else if (ai == "21") {
      if (!id.serial) id.serial = std::string(a.value);
    } else if (ai == "17") {
      if (!id.expiry) id.expiry = yymmdd_to_iso(a.value, reference_year);
    } else if (ai == "00") {
      if (!id.sscc) id.sscc = std::string(a.value);
    } else if (ai == "30" || ai == "37") {
      if (!id.count) {
        std::int64_t n = 0;
        for (char c : a.value) n = n * 10 + (c - '0');  // N..8: validated digits, no overflow
        id.count = n;
      }
    }
  }
  d.digital_link = canonical_digital_link(parsed);
}

DecodeResult decode_gs1(const AimMatch& aim, std::string_view data, int reference_year) {
  std::vector<ParsedAi> parsed;
  parsed.reserve(8);
  if (auto err = parse_element_strings(data, aim.length, reference_year, parsed)) {
    return failure(std::move(*err));
  }
  if (auto err = check_pair_rules(parsed)) return failure(std::move(*err));

  Decoded d = base(aim);
  d.kind = std::string(kKindGs1);
  fill_from_element_strings(d, parsed, reference_year);
  return success(std::move(d));
}

// Text that may be a GS1 Digital Link URI: kind "digital-link", an error for an invalid
// Digital Link, or plain text for any other URL.
DecodeResult decode_text(const AimMatch& aim, std::string_view data, int reference_year) {
  const std::string_view payload = data.substr(aim.length);
  if (!starts_with_http_scheme(data, aim.length)) return plain_result(base(aim), payload);
  DigitalLinkParse dl;
  if (auto err = parse_digital_link(data, aim.length, reference_year, dl)) {
    return failure(std::move(*err));
  }
  if (!dl.is_digital_link) return plain_result(base(aim), payload);
  Decoded d = base(aim);
  d.kind = std::string(kKindDigitalLink);
  fill_from_element_strings(d, dl.ais, reference_year);
  return success(std::move(d));
}

}  // namespace

DecodeResult decode(std::string_view data) { return decode(data, DecodeOptions{}); }

DecodeResult decode(std::string_view data, const DecodeOptions& options) {
  if (data.empty()) return empty_error(0);
  const int year = options.reference_year != 0 ? options.reference_year : current_utc_year();
  const AimMatch aim = match_aim(data);
  const std::string_view payload = data.substr(aim.length);

  if (aim.symbology != nullptr) {
    if (payload.empty()) return empty_error(aim.length);
    switch (aim.symbology->content) {
      case AimContent::kGs1:
        return decode_gs1(aim, data, year);
      case AimContent::kEanUpc:
      case AimContent::kEan8:
      case AimContent::kEanWithAddOn:
        return decode_ean(aim, payload);
      case AimContent::kItf14:
        if (payload.size() == 14 && all_digits(payload)) {
          return gtin_result(base(aim), payload, "itf-14", aim.length + 13);
        }
        return plain_result(base(aim), payload);
      case AimContent::kText:
        break;
    }
    return decode_text(aim, data, year);
  }

  // No AIM id: a URI may be a Digital Link; GS (= FNC1) first, or a profile saying so,
  // means element strings.
  if (starts_with_http_scheme(data, 0)) return decode_text(aim, data, year);
  if (data[0] == kGs || options.gs1_without_aim) return decode_gs1(aim, data, year);
  const std::size_t n = data.size();
  if ((n == 8 || n == 12 || n == 13 || n == 14) && all_digits(data)) {
    return gtin_result(base(aim), data, "gtin", n - 1);
  }
  return plain_result(base(aim), data);
}

}  // namespace scanedge::decode
