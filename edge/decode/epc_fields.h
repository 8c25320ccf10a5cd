// EPC field encodings (EPC Tag Data Standard): integers as decimal text, and the 7-bit
// string encoding of alphanumeric serials / extensions / asset references, with the URI
// escaping the pure identity and tag URIs use for them.
//
// Pure functions, thread-safe; they only append to the caller's string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/decode/epc_bits.h"

namespace scanedge::decode {

// 10^digits for digits 0..19.
std::uint64_t epc_pow10(unsigned digits);

// Appends `value` in decimal, left-padded with zeros to `digits` (0 digits: nothing when
// value is 0). Precondition: value < 10^digits when digits > 0.
void append_padded_decimal(std::string& out, std::uint64_t value, unsigned digits);

// Appends `value` in decimal without leading zeros ("0" for zero).
void append_decimal(std::string& out, std::uint64_t value);

// True for the characters a 7-bit EPC string may carry: GS1 AI encodable character set 82
// (TDS table A-1): ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z.
bool epc_string_char_ok(char c);

// Appends `raw` as in an EPC URI: " % & / < > ? become %22 %25 %26 %2F %3C %3E %3F, every
// other (set 82) character stays as is.
void append_epc_uri_escaped(std::string& out, std::string_view raw);

// Outcome of decoding a 7-bit string field.
enum class EpcStringStatus {
  kOk,
  kEmpty,         // the first character is the zero terminator
  kBadChar,       // a 7-bit value outside set 82
  kTooLong,       // more than max_chars characters before the terminator
  kNonZeroAfter,  // bits after the terminator (or after max_chars characters) are not zero
};

struct EpcStringResult {
  EpcStringStatus status = EpcStringStatus::kOk;
  std::size_t bit_pos = 0;  // where the problem starts (kOk: end of the characters)
};

// Decodes the string field bits [pos, pos + width): 7-bit characters until an all-zero
// one; the remaining bits of the field must all be zero. Appends the characters (raw,
// unescaped) to `out`. Precondition: pos + width <= bits.bit_count().
EpcStringResult decode_epc_string(const EpcBits& bits, std::size_t pos, std::size_t width,
                                  std::size_t max_chars, std::string& out);

}  // namespace scanedge::decode
