// The decoder's value types: what one scan means, or why it means nothing.
//
// These are plain data, copyable, with no behaviour. `decode()` (decoder.h) produces them;
// `to_json()` (decode_json.h) renders them as the fixed `scanedgectl decode --json` contract.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scanedge::decode {

// One GS1 element string: the AI and its value exactly as scanned (no normalisation).
struct AiValue {
  std::string ai;
  std::string value;
};

// The keys the rest of the system relies on. Absent = not in the scan.
struct Identity {
  std::optional<std::string> gtin;    // always GTIN-14 (EAN-8/UPC-A/EAN-13 zero-padded)
  std::optional<std::string> lot;     // AI 10
  std::optional<std::string> serial;  // AI 21
  std::optional<std::string> expiry;  // AI 17 as ISO YYYY-MM-DD, DD=00 -> month's last day
  std::optional<std::string> sscc;    // AI 00, 18 digits
  std::optional<std::string> epc;     // EPC pure identity URI (EPC decoding: later)
  std::optional<std::int64_t> count;  // AI 30 or 37 (the first present)
};

// What an EPC result (kind "epc") adds: the EPC Tag Data Standard scheme and URIs.
struct EpcInfo {
  std::string scheme;   // "sgtin-96", "sgtin-198", "sscc-96", ... (as in the tag URI)
  int filter = 0;       // filter value, 0..7
  std::string uri;      // pure identity URI, "urn:epc:id:sgtin:0614141.812345.6789"
  std::string tag_uri;  // tag URI, "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
};

// Kinds (the `kind` field): see kind_* constants in decoder.h.
struct Decoded {
  std::string aim;        // "]C1" etc.; "" when the data carries no AIM identifier
  std::string symbology;  // "gs1-128", "ean-13", ...; "unknown" when there is no AIM id
  std::string kind;       // "gs1", "gtin", "plain" (later also "digital-link", "epc")
  std::vector<AiValue> ais;  // element strings in scan order (kind "gs1"), else empty
  Identity identity;
  std::string text;  // kind "plain": the data after the AIM id, bytes as delivered
  std::optional<std::string> digital_link;  // canonical https://id.gs1.org/... when keyed
  std::optional<EpcInfo> epc;  // kind "epc" only (epc.h); rendered as scheme/filter/uri/tag_uri
};

// `code` is one of the error_code constants (error_codes.h); `offset` is the byte offset in
// the data as delivered (AIM id included) where the problem was found; `message` is ASCII
// and names the AI (if any) and the offending part.
struct DecodeError {
  std::string code;
  std::string message;
  std::size_t offset = 0;
};

// Exactly one of: value (ok) or error (when !ok()).
struct DecodeResult {
  std::optional<Decoded> value;
  DecodeError error;
  bool ok() const { return value.has_value(); }
};

}  // namespace scanedge::decode
