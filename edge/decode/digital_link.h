// GS1 Digital Link (URI syntax 1.2+, uncompressed form) <-> GS1 element strings.
//
// URI -> element strings (parse_digital_link)
//   scheme   "http://" or "https://" (all lower or all upper case, as GS1's reference
//            parser); any host (non-empty, no characters a host cannot have);
//   path     [any prefix] /{primary key AI}/{value}[/{qualifier AI}/{value}]...
//            The key is found as GS1's reference parser does: walking back from the end
//            of the path over "/AI/value" pairs, the first pair whose AI is a primary key
//            is the root; everything before it is a free path prefix (custom stem).
//            Qualifiers must follow the table's sequence for that key (for 01:
//            "22,10,21|235": any of 22, 10, 21 in that order, or 235 alone; no mixing).
//   query    "&"-separated "AI=value" data attributes (AIs flagged `?` in the table).
//            Parameters with a non-numeric name (linkType, ...) or without "=" are ignored.
//            A numeric name that is no AI is `unknown_ai`; a key qualifier that fits into
//            the path, a repeated AI, an AI that is no data attribute are `bad_uri`.
//   fragment "#..." is ignored.
//   values   percent-decoded (%XX, either hex case); in the query "+" is a space (HTML
//            form encoding, as GS1's reference parser), in the path "+" is itself. A "%"
//            not followed by two hex digits, or a decoded NUL, is `bad_uri`.
//   GTIN     AI 01 given as GTIN-8/12/13 (8, 12 or 13 digits) is zero-padded to 14 digits
//            (Digital Link 1.2+ writes 14 digits; shorter forms were allowed before and are
//            accepted as GS1's reference parser does with its legacy option); the element
//            string value is then the padded GTIN-14.
//   checks   every value is checked by the element-string validator (lengths, character
//            sets, check digits, dates, ...) and the whole set by the pair rules.
// Errors: structural URI problems are `bad_uri`; a numeric AI the table does not know is
// `unknown_ai`; a value that breaks its AI's format keeps the validator's code
// (`bad_length`, `bad_charset`, `bad_check_digit`, `bad_date`) and pair rules theirs
// (`requires`, `excludes`). Every offset is a byte offset into the delivered data (the URI
// plus any AIM prefix before it), pointing at the offending character, segment or value
// (a value error inside a percent-encoded value points at its "%XX" or "+" in the URI).
// The first problem from the left wins; pair rules are checked last.
//
// What counts as a Digital Link (vs an ordinary URL, which is not an error): the path has
// a valid key root as above, or some path segment is a primary-key AI followed by another
// segment, or the host is id.gs1.org. Anything else is "not a Digital Link".
//
// Element strings -> canonical URI (canonical_digital_link)
//   The key is the first AI (in scan order) that is a Digital Link primary key and whose
//   URI carries a set of AIs that still satisfies the pair rules (an AI can be left out,
//   see below, and with it a partner another AI requires: e.g. 00 + 03 + 10, where 10
//   needs 03 but a key-00 URI cannot carry 03); no such key: no URI. The
//   qualifier sequence is the key's alternative with the most qualifiers present; on a
//   tie, the one leaving out fewer present qualifiers that are not data attributes (those
//   would be lost; attributes still go to the query), then the first. Those present
//   follow the key in the path in that order. Every other
//   AI flagged as a data attribute becomes a query parameter, in scan order, each AI once
//   (its first occurrence). AIs that are neither are left out (so are later repeats of a
//   path AI). Values are percent-encoded: everything but RFC 3986 unreserved characters.
//
// Round trip: for valid element strings E (each AI once) with a canonical URI,
// parse_digital_link(canonical(E)) yields exactly digital_link_order(E) — the AIs the URI
// carries, in URI order: key, qualifiers (table order), attributes (scan order) — with
// identical values, and canonical() of that result is the same URI again. When E has only
// a key, its qualifiers and data attributes, that is all of E (reordered).
//
// Thread-safe (no shared mutable state). parse_digital_link allocates into `out` only.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edge/decode/decoded.h"
#include "edge/decode/gs1_element_string.h"

namespace scanedge::decode {

inline constexpr std::string_view kCanonicalDigitalLinkHost = "https://id.gs1.org";

// The AIs of a parsed Digital Link. `ais[i].value` views into this object's own storage,
// so it can be neither copied nor moved; reuse one for many parses if you like.
class DigitalLinkParse {
 public:
  DigitalLinkParse() = default;
  DigitalLinkParse(const DigitalLinkParse&) = delete;
  DigitalLinkParse& operator=(const DigitalLinkParse&) = delete;

  // false: the data is not a Digital Link (see above); `ais` is then empty.
  bool is_digital_link = false;
  // Path AIs (key, qualifiers) then query attributes, in URI order. ai_offset is the
  // offset of the AI in the data; value_offset that of the (encoded) value.
  std::vector<ParsedAi> ais;

 private:
  friend std::optional<DecodeError> parse_digital_link(std::string_view, std::size_t, int,
                                                       DigitalLinkParse&);
  std::string storage_;  // decoded values, back to back
};

// True when data[start..] begins with "http://" or "https://" (or their upper-case forms):
// the cheap test the decoder uses before trying parse_digital_link.
bool starts_with_http_scheme(std::string_view data, std::size_t start);

// Parses data[start..] (the URI; bytes before `start`, e.g. an AIM id, only shift
// offsets). nullopt = success: either out.is_digital_link with its AIs, or not a Digital
// Link at all. An error means the data is a Digital Link that is not valid. `reference_year`
// feeds date validation (gs1_date.h).
std::optional<DecodeError> parse_digital_link(std::string_view data, std::size_t start,
                                              int reference_year, DigitalLinkParse& out);

// nullopt when no AI of the message is a primary key.
std::optional<std::string> canonical_digital_link(std::span<const ParsedAi> ais);

// Indices into `ais` of the AIs canonical_digital_link(ais) carries, in URI order
// (key, qualifiers, attributes). Empty when there is no primary key.
std::vector<std::size_t> digital_link_order(std::span<const ParsedAi> ais);

// https://id.gs1.org/01/{gtin14}
std::string gtin_digital_link(std::string_view gtin14);

// Appends `value` percent-encoded for a URI path segment or query value.
void append_percent_encoded(std::string& out, std::string_view value);

}  // namespace scanedge::decode
