// The project's own table of GS1 Application Identifiers: every AI of the GS1 Barcode
// Syntax Dictionary (release 2026-01-27), ranges expanded to one row per AI, in our own form.
// The rows live in gs1_ai_table_data.cc (generated once from the dictionary, see its header);
// tests/unit/decode/dictionary_test.cc checks every row against the dictionary file.
//
// One row per AI: its data components (character set, fixed or variable length, optional,
// content checks = the dictionary's "linters", gs1_linters.h), whether it has a predefined
// length (no FNC1/GS separator needed after it), whether it may be a Digital Link data
// attribute, its Digital Link primary-key qualifiers, its requires/excludes pair rules and,
// for the decimal-position AIs (310n..369n, 390n..395n), the number of implied decimals.
//
// Constant data; lookups are O(1) (a 10,000-entry index on the first four digits, built
// once on first use, thread-safe) and never allocate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace scanedge::decode {

enum class Cset : std::uint8_t {
  kNumeric,  // "N": 0-9
  kCset82,   // "X": GS1 AI encodable character set 82
  kCset39,   // "Y": GS1 AI encodable character set 39
  kCset64,   // "Z": GS1 AI encodable character set 64 (base64url, optional '=' padding)
};

// The dictionary's content checks ("linters"); semantics and error mapping in gs1_linters.h.
enum class Linter : std::uint8_t {
  kNone,
  kCsum,            // GS1 mod-10 check digit in the last position
  kCsumAlpha,       // GS1 check character pair (last two characters, CSET 32)
  kGcpPos1,         // starts with a GS1 Company Prefix (first 4 characters digits)
  kGcpPos2,         // GS1 Company Prefix from the second character
  kHasNonDigit,     // at least one character that is not a digit
  kYymmd0,          // date YYMMDD, DD=00 allowed (end of month)
  kYymmdd,          // date YYMMDD, a real day
  kYyyymmdd,        // date YYYYMMDD, a real day
  kHhmi,            // time HHMI (00-23, 00-59)
  kHh,              // hour 00-23
  kMi,              // minute 00-59
  kSs,              // second 00-59
  kIso3166,         // ISO 3166-1 numeric country code
  kIso3166999,      // ISO 3166-1 numeric country code or 999
  kIso3166Alpha2,   // ISO 3166-1 alpha-2 country code
  kIso4217,         // ISO 4217 numeric currency code
  kIso5218,         // ISO/IEC 5218 sex code (0, 1, 2, 9)
  kPcenc,           // percent-encoding well formed ('%' + two hex digits)
  kLatitude,        // N10, 0..1800000000 (latitude + 90, 7 decimals)
  kLongitude,       // N10, 0..3600000000 (longitude + 180, 7 decimals)
  kYesNo,           // '0' or '1'
  kHyphen,          // '-'
  kImporterIdx,     // one character of -0-9A-Z_a-z
  kPackageType,     // GS1 PackageTypeCode (UN/ECE Rec. 21 + GS1 codes)
  kMediaType,       // AIDC media type 01-10 or 80-99
  kPosInSeqSlash,   // "<pos>/<end>", 1 <= pos <= end, no leading zeros
  kNonZero,         // numeric value not zero
  kNoZeroPrefix,    // no leading zero unless the value is "0"
  kWinding,         // winding direction 0, 1 or 9
  kZero,            // the digit '0'
  kPieceOfTotal,    // piece/total halves, both non-zero, piece <= total
  kIban,            // ISO 13616 IBAN (alpha-2 country, mod-97 check)
  kCouponCode,      // North American coupon code (AI 8110)
  kCouponPosOffer,  // positive offer file coupon code (AI 8112)
};

struct AiComponent {
  Cset cset = Cset::kNumeric;
  std::uint8_t min = 0;   // == max for a fixed-length component
  std::uint8_t max = 0;
  bool optional = false;  // "[...]": may be absent once the data is exhausted
  std::array<Linter, 3> linters{};  // applied in order; kNone = unused slot
};

struct AiEntry {
  std::string_view ai;     // "01", "8003", ...
  std::string_view title;  // the dictionary's short title, e.g. "GTIN" ("" when it has none)
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
  // Decimal-position AIs: the AI's last digit = implied decimals in the last component
  // (e.g. 3103 "001250" = 1.250). -1 for every other AI.
  std::int8_t decimals;

  std::size_t min_length() const;
  std::size_t max_length() const;
  bool fixed_length() const { return min_length() == max_length(); }
};

// The row for the AI that `digits` starts with, or nullptr. GS1 AIs are prefix-free, so at
// most one row matches; `digits` may be longer than the AI (the value follows).
const AiEntry* find_ai(std::string_view digits);

// The exact row for an AI string ("17"), or nullptr.
const AiEntry* find_ai_exact(std::string_view ai);

// Every row, in AI order (for tests and generators). Defined in gs1_ai_table_data.cc.
std::span<const AiEntry> all_ais();

// Whether an AI matches a dictionary pattern ("394n": 'n' is any digit; same length).
bool ai_matches_pattern(std::string_view ai, std::string_view pattern);

// A decimal-position AI's value as a plain decimal string: 3103 "001250" -> "1.250",
// 3100 "000500" -> "500", 3922 "12345" -> "123.45", 3932 "978012345" -> "123.45" (the ISO
// currency component is not part of the number). Leading zeros of the integer part are
// dropped (at least one digit stays: "0.50"). Empty when the AI has no decimal position
// or the value is not a validated value of that AI (not all digits / too short).
std::string decimal_value(const AiEntry& entry, std::string_view value);

}  // namespace scanedge::decode
