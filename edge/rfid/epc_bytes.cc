#include "edge/rfid/epc_bytes.h"

namespace scanedge::rfid {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::uint64_t mix(std::uint64_t x) {
  // Finaliser of SplitMix64: spreads every input bit over the word.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

Result<EpcBytes> EpcBytes::from_hex(std::string_view hex) {
  if (hex.empty()) return make_error("rfid_bad_epc", "EPC hex is empty");
  if (hex.size() % 2 != 0) {
    return make_error("rfid_bad_epc", "EPC hex has an odd number of digits (" + std::to_string(hex.size()) +
                                          "); each byte needs two");
  }
  if (hex.size() > 2 * kMaxBytes) {
    return make_error("rfid_bad_epc", "EPC hex has " + std::to_string(hex.size()) + " digits; at most " +
                                          std::to_string(2 * kMaxBytes) + " (496 bits) are allowed");
  }
  EpcBytes e;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t at = hi < 0 ? i : i + 1;
      return make_error("rfid_bad_epc", "EPC hex has a non-hex character at offset " + std::to_string(at));
    }
    e.bytes_[i / 2] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  e.size_ = static_cast<std::uint8_t>(hex.size() / 2);
  return e;
}

Result<EpcBytes> EpcBytes::from_bytes(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || data == nullptr) return make_error("rfid_bad_epc", "EPC is empty");
  if (size > kMaxBytes) {
    return make_error("rfid_bad_epc", "EPC has " + std::to_string(size) + " bytes; at most " +
                                          std::to_string(kMaxBytes) + " (496 bits) are allowed");
  }
  EpcBytes e;
  std::memcpy(e.bytes_.data(), data, size);
  e.size_ = static_cast<std::uint8_t>(size);
  return e;
}

std::string EpcBytes::to_hex() const {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s(2 * size_, '0');
  for (std::size_t i = 0; i < size_; ++i) {
    s[2 * i] = kDigits[bytes_[i] >> 4];
    s[2 * i + 1] = kDigits[bytes_[i] & 0x0F];
  }
  return s;
}

std::uint64_t EpcBytes::hash() const {
  // Whole 8-byte words, then the remaining 1..7 bytes zero-padded; the length is mixed in
  // first so that "00" and "0000" differ.
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ size_;
  std::size_t i = 0;
  for (; i + 8 <= size_; i += 8) h = mix(h ^ load_u64(bytes_.data() + i));
  if (i < size_) {
    std::uint64_t tail = 0;
    std::memcpy(&tail, bytes_.data() + i, size_ - i);
    h = mix(h ^ tail);
  }
  return h;
}

}  // namespace scanedge::rfid
