#include "edge/decode/epc_bits.h"

namespace scanedge::decode {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

unsigned bit_at(const EpcBits& bits, std::size_t pos) {
  return (bits.bytes[pos / 8] >> (7 - pos % 8)) & 1u;
}

}  // namespace

std::optional<std::size_t> load_hex(std::string_view hex, EpcBits& out) {
  out.bytes.fill(0);
  out.hex_digits = hex.size();
  for (std::size_t k = 0; k < hex.size(); ++k) {
    const int v = hex_value(hex[k]);
    if (v < 0) return k;
    if (k < EpcBits::kMaxHexDigits) {
      const unsigned shift = k % 2 == 0 ? 4u : 0u;
      out.bytes[k / 2] =
          static_cast<std::uint8_t>(out.bytes[k / 2] | (static_cast<unsigned>(v) << shift));
    }
  }
  return std::nullopt;
}

std::uint64_t read_bits(const EpcBits& bits, std::size_t pos, std::size_t n) {
  std::uint64_t v = 0;
  while (n > 0) {  // whole runs of a byte at a time
    const std::size_t off = pos % 8;
    const std::size_t take = n < 8 - off ? n : 8 - off;
    const unsigned chunk = (static_cast<unsigned>(bits.bytes[pos / 8]) >> (8 - off - take)) &
                           ((1u << take) - 1u);
    v = (v << take) | chunk;
    pos += take;
    n -= take;
  }
  return v;
}

bool bits_zero(const EpcBits& bits, std::size_t pos, std::size_t end) {
  while (pos < end && pos % 8 != 0) {  // up to a byte boundary
    if (bit_at(bits, pos) != 0) return false;
    ++pos;
  }
  for (; pos + 8 <= end; pos += 8) {  // whole bytes
    if (bits.bytes[pos / 8] != 0) return false;
  }
  for (; pos < end; ++pos) {  // the rest
    if (bit_at(bits, pos) != 0) return false;
  }
  return true;
}

}  // namespace scanedge::decode
