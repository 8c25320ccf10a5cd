// The project's own table of GS1 Application Identifiers (facts from the GS1 Barcode
// Syntax Dictionary, ../shared/data/gs1/gs1-syntax-dictionary.txt, in our own form).
//
// One row per AI: its data components (character set, fixed or variable length,
// optional, content check), whether it has a predefined length (no FNC1/GS separator
// needed after it), whether it may be a Digital Link data attribute, its Digital Link
// primary-key qualifiers, and its requires/excludes pair rules. Adding an AI = adding a
// row in gs1_ai_table.cc; the parser and the Digital Link builder are table-driven.
//
// Constant data, looked up without allocation; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace scanedge::decode {

enum class Cset : std::uint8_t {
  kNumeric,  // "N": 0-9
  kCset82,   // "X": GS1 AI encodable character set 82
  kCset39,   // "Y": GS1 AI encodable character set 39
};

// Content checks on one component ("linters" of the dictionary) that the decoder runs.
enum class Check : std::uint8_t {
  kNone,
  kCsum,    // GS1 mod-10 check digit in the last position
  kYymmd0,  // date YYMMDD, DD=00 allowed (= last day of the month)
  kYymmdd,  // date YYMMDD, a real day required
};

struct AiComponent {
  Cset cset = Cset::kNumeric;
  std::uint8_t min = 0;  // == max for a fixed-length component
  std::uint8_t max = 0;
  Check check = Check::kNone;
  bool optional = false;  // "[...]": may be absent once the data is exhausted
};

struct AiEntry {
  std::string_view ai;     // "01", "8003", ...
  std::string_view title;  // the dictionary's short title, e.g. "GTIN"
  bool predefined_length;  // "*" flag: fixed length, never followed by a separator
  bool dl_attribute;       // "?" flag: may be a Digital Link query attribute
  std::uint8_t component_count;
  std::array<AiComponent, 5> components;
  // "req=": each entry is a list of alternatives "a,b+c" (one alternative must be fully
  // present: its "+"-joined AIs). All non-empty entries must hold. 'n' in an AI = any digit.
  std::array<std::string_view, 2> requires_;
  std::string_view excludes;  // "ex=": comma-separated AIs/patterns that must not be present
  bool dl_primary_key;        // "dlpkey" present
  std::string_view dl_qualifiers;  // "22,10,21|235": ordered qualifier sequences, "|" = or

  std::size_t min_length() const;
  std::size_t max_length() const;
  bool fixed_length() const { return min_length() == max_length(); }
};

// The row for the AI that `digits` starts with, or nullptr. GS1 AIs are prefix-free, so at
// most one row matches; `digits` may be longer than the AI (the value follows).
const AiEntry* find_ai(std::string_view digits);

// The exact row for an AI string ("17"), or nullptr.
const AiEntry* find_ai_exact(std::string_view ai);

// Every row, in AI order (for tests and generators).
std::span<const AiEntry> all_ais();

// Whether an AI matches a dictionary pattern ("394n": 'n' is any digit; same length).
bool ai_matches_pattern(std::string_view ai, std::string_view pattern);

}  // namespace scanedge::decode
