// EpcBytes: an EPC as fixed-size binary, the key the RFID read filter tracks tags by.
//
// A Gen2 tag's EPC is at most 31 words (the 5-bit length field of the PC word), i.e. 496
// bits = 62 bytes; SGTIN-96 is 12 bytes. EpcBytes stores up to kMaxBytes inline, so
// building, copying, comparing and hashing one never touches the heap.
//
// EpcBytes::from_hex(hex): success is the bytes of `hex` (hex digits, either case, even
//   count, 2..124 digits; nothing else — no spaces, no "0x"). Failure is an Error with code
//   `rfid_bad_epc` whose message names the problem and the offset of the offending digit.
// EpcBytes::from_bytes(data, size): success for 1..kMaxBytes bytes, else `rfid_bad_epc`.
// to_hex(): upper-case hex, e.g. "3074257BF7194E4000001A85".
// A default-constructed EpcBytes is empty (size() == 0); the filter ignores such reads.
// Threading: a plain value type.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "edge/core/result.h"

namespace scanedge::rfid {

class EpcBytes {
 public:
  static constexpr std::size_t kMaxBytes = 62;

  EpcBytes() = default;

  static Result<EpcBytes> from_hex(std::string_view hex);
  static Result<EpcBytes> from_bytes(const std::uint8_t* data, std::size_t size);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::string to_hex() const;

  // 64-bit hash of the bytes (not of the unused tail); stable within one process.
  std::uint64_t hash() const;

  friend bool operator==(const EpcBytes& a, const EpcBytes& b) {
    return a.size_ == b.size_ && std::memcmp(a.bytes_.data(), b.bytes_.data(), a.size_) == 0;
  }

 private:
  std::array<std::uint8_t, kMaxBytes> bytes_{};
  std::uint8_t size_ = 0;
};

}  // namespace scanedge::rfid
