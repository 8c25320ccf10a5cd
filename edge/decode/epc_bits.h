// EPC binary as hex -> a bit buffer, and MSB-first field reads from it.
//
// An EPC is a string of bits, most significant first, written as hex (two digits per
// byte; upper or lower case). EpcBits holds up to kMaxHexDigits digits; the caller checks
// the length a scheme needs before reading. Bit 0 is the most significant bit of the first
// hex digit, so the hex digit holding bit `b` is at index b / 4 (used as error offsets).
//
// Pure value type and pure functions: thread-safe, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scanedge::decode {

struct EpcBits {
  // The longest EPC decoded here is 202 bits, delivered in whole 16-bit words: 52 digits.
  // Longer input is read only to tell that it is too long.
  static constexpr std::size_t kMaxHexDigits = 64;
  std::array<std::uint8_t, kMaxHexDigits / 2> bytes{};
  std::size_t hex_digits = 0;  // digits delivered (may exceed kMaxHexDigits)
  std::size_t bit_count() const {
    return 4 * (hex_digits < kMaxHexDigits ? hex_digits : kMaxHexDigits);
  }
};

// Index of the first byte of `hex` that is not a hex digit, or nullopt when all are.
// Stores the first kMaxHexDigits digits in `out` and the full count in out.hex_digits.
std::optional<std::size_t> load_hex(std::string_view hex, EpcBits& out);

// Bits [pos, pos + n) as an unsigned number, MSB first. Preconditions: n <= 64 and
// pos + n <= bits.bit_count().
std::uint64_t read_bits(const EpcBits& bits, std::size_t pos, std::size_t n);

// True when every bit in [pos, end) is zero. Precondition: end <= bits.bit_count().
bool bits_zero(const EpcBits& bits, std::size_t pos, std::size_t end);

}  // namespace scanedge::decode
