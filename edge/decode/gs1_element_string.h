// GS1 element strings: "AI value AI value ..." with FNC1 in first position implied and
// later FNC1 separators delivered as GS (0x1D).
//
// Rules applied (table-driven, gs1_ai_table.h, every AI of the GS1 syntax dictionary):
// - an AI with a predefined length consumes exactly that many bytes, no separator needed;
//   if what follows cannot even start an AI (a non-digit, or a lone digit before GS/end),
//   that value was too long: `bad_length` for it;
// - any other AI's value runs to the next GS or the end of the data; longer than its
//   maximum is `bad_length` (a variable-length AI cannot know where it "should" have
//   ended), except for a fixed-length AI whose surplus starts with a known AI: there the
//   GS was left out, `missing_separator`;
// - each component (fixed length, or the variable last one; optional ones may be absent
//   once the data is exhausted) is checked for length and character set (N / CSET 82 /
//   CSET 39 / CSET 64 = base64url with up to two '=' padding characters), then its
//   dictionary linters in order (gs1_linters.h: check digits -> bad_check_digit, dates and
//   times -> bad_date, other content rules -> bad_charset naming the rule);
// - leading, repeated and trailing GS are tolerated.
// Pair rules (requires/excludes) are a separate step: gs1_pair_rules.h.
//
// Thread-safe, no allocation beyond growing `out`; never reads outside `data`.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "edge/decode/decoded.h"
#include "edge/decode/gs1_ai_table.h"

namespace scanedge::decode {

inline constexpr char kGs = '\x1D';

// One parsed element string; views point into the caller's data.
struct ParsedAi {
  const AiEntry* entry = nullptr;
  std::size_t ai_offset = 0;     // offset of the AI's first digit in the delivered data
  std::size_t value_offset = 0;  // offset of the value's first byte
  std::string_view value;
};

// Parses data[start..] into `out` (cleared first). nullopt = success. Errors carry offsets
// into `data` (so an AIM prefix before `start` counts). No element strings at all after
// skipping GS bytes is `empty`. `reference_year` feeds date validation (gs1_date.h).
std::optional<DecodeError> parse_element_strings(std::string_view data, std::size_t start,
                                                 int reference_year,
                                                 std::vector<ParsedAi>& out);

}  // namespace scanedge::decode
