// The decoder: scan bytes as delivered -> what they mean (Decoded) or why not (DecodeError).
//
// Layers: an AIM symbology id at the start (aim.h) says what the payload is; GS1 symbols
// (]C1 ]e0 ]d2 ]Q3 ]J1, or data starting with GS = FNC1) are parsed as element strings
// (gs1_element_string.h) and checked against the pair rules (gs1_pair_rules.h); EAN/UPC
// and ITF-14 symbols, and bare 8/12/13/14-digit data, are GTINs with a verified check
// digit, normalised to GTIN-14 (gtin.h); an http(s) URI in a text symbol (]Q1 ]d1 ]L0 ...)
// or without an AIM id is tried as a GS1 Digital Link (digital_link.h): kind
// "digital-link" with the same ais/identity as the element strings it carries (ais in URI
// order: path, then query; values percent-decoded), an error if it is a Digital Link but
// invalid, plain text if it is an ordinary URL; anything else is plain text.
//
// Contract:
// - decode() never crashes and never reads out of bounds, whatever the bytes; it returns
//   either a value (ok()) or an error whose code is one of error_codes.h, with the byte
//   offset into `data` (AIM id included) and an ASCII message naming the AI and the
//   offending part. The only exception it may let through is std::bad_alloc.
// - The agent calls it for every scan; the error code is a rejected scan's reason.
// - Thread-safe (no shared mutable state); cost is a few small allocations per call.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "edge/decode/decoded.h"
#include "edge/decode/error_codes.h"

namespace scanedge::decode {

// Values of Decoded::kind.
inline constexpr std::string_view kKindGs1 = "gs1";
inline constexpr std::string_view kKindGtin = "gtin";
inline constexpr std::string_view kKindPlain = "plain";
inline constexpr std::string_view kKindDigitalLink = "digital-link";  // issue 3
inline constexpr std::string_view kKindEpc = "epc";                    // issue 3

// Symbology when the data has no AIM id.
inline constexpr std::string_view kSymbologyUnknown = "unknown";

struct DecodeOptions {
  // Profile setting: data without an AIM id is GS1 element strings (FNC1 implied), for
  // scanners configured to strip AIM ids on GS1 symbols. Off: bare data is a GTIN when it
  // is 8/12/13/14 digits, GS1 when it starts with GS, plain text otherwise.
  bool gs1_without_aim = false;
  // Year the GS1 two-digit-year century rule is applied against; 0 = the current UTC year.
  int reference_year = 0;
};

DecodeResult decode(std::string_view data);
DecodeResult decode(std::string_view data, const DecodeOptions& options);

// The fixed `scanedgectl decode --json` object (issue 3):
//   {"ok":true,"aim","symbology","kind","ais":[{"ai","value"}],
//    "identity":{"gtin","lot","serial","expiry","sscc","epc","count"} (null when absent),
//    "digital_link": string|null, and "text" for kind "plain"}
//   {"ok":false,"error":{"code","message","offset"}}
// Strings that are not valid UTF-8 (plain text of arbitrary bytes) have each invalid byte
// replaced by U+FFFD, so the result always dumps. Never throws except std::bad_alloc.
nlohmann::json to_json(const DecodeResult& result);

}  // namespace scanedge::decode
