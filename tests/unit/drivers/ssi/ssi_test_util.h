// Test helpers for the SSI driver family: an independent frame builder (so tests do not check
// the encoder against itself) and byte-string helpers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace scanedge::ssi::testing {

using Bytes = std::vector<std::uint8_t>;

// A frame as a scanner (source 0x00) or host (0x04) would send it; checksum computed here.
inline Bytes frame(std::uint8_t op, const std::string& data = {}, std::uint8_t status = 0, std::uint8_t source = 0x00) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(4 + data.size()));
  b.push_back(op);
  b.push_back(source);
  b.push_back(status);
  for (char c : data) b.push_back(static_cast<std::uint8_t>(c));
  unsigned sum = 0;
  for (auto x : b) sum += x;
  const unsigned ck = (0x10000u - (sum & 0xFFFFu)) & 0xFFFFu;
  b.push_back(static_cast<std::uint8_t>(ck >> 8));
  b.push_back(static_cast<std::uint8_t>(ck & 0xFF));
  return b;
}

// DECODE_DATA from the scanner: [type][barcode].
inline Bytes decode(std::uint8_t type, const std::string& barcode, std::uint8_t status = 0) {
  return frame(0xF3, std::string(1, static_cast<char>(type)) + barcode, status);
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes hex(const std::string& s) {
  Bytes out;
  int nib = -1;
  for (char c : s) {
    int v = 0;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else continue;
    if (nib < 0) {
      nib = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nib * 16 + v));
      nib = -1;
    }
  }
  return out;
}

inline std::string to_hex(const Bytes& b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) {
    if (!s.empty()) s += ' ';
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

}  // namespace scanedge::ssi::testing
