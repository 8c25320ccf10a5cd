// Element strings -> canonical GS1 Digital Link URI (https://id.gs1.org/...).
//
// The primary key is the first AI in scan order whose table row is a Digital Link primary
// key (01 GTIN, 00 SSCC, ...). Its qualifiers follow in the table's fixed order (for 01:
// 22, 10, 21, or the alternative 235), each only if present. Every other AI flagged as a
// data attribute becomes a query parameter, in scan order (`?17=270331&30=12`). AIs that
// are neither are left out. Values are percent-encoded (RFC 3986 unreserved kept).
// The reverse direction (URI -> element strings) comes with issue 3.
// Thread-safe; allocates only the returned string.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "edge/decode/gs1_element_string.h"

namespace scanedge::decode {

inline constexpr std::string_view kCanonicalDigitalLinkHost = "https://id.gs1.org";

// nullopt when no AI of the message is a primary key.
std::optional<std::string> canonical_digital_link(std::span<const ParsedAi> ais);

// https://id.gs1.org/01/{gtin14}
std::string gtin_digital_link(std::string_view gtin14);

// Appends `value` percent-encoded for a URI path segment or query value.
void append_percent_encoded(std::string& out, std::string_view value);

}  // namespace scanedge::decode
