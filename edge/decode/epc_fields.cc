#include "edge/decode/epc_fields.h"

namespace scanedge::decode {

std::uint64_t epc_pow10(unsigned digits) {
  std::uint64_t v = 1;
  for (unsigned k = 0; k < digits; ++k) v *= 10;
  return v;
}

void append_padded_decimal(std::string& out, std::uint64_t value, unsigned digits) {
  char buf[20];
  for (unsigned k = digits; k > 0; --k) {
    buf[k - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, digits);
}

void append_decimal(std::string& out, std::uint64_t value) {
  char buf[20];
  unsigned n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.push_back(buf[--n]);
}

bool epc_string_char_ok(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '"': case '%': case '&': case '\'': case '(': case ')': case '*':
    case '+': case ',': case '-': case '.': case '/': case ':': case ';': case '<':
    case '=': case '>': case '?': case '_':
      return true;
    default:
      return false;
  }
}

void append_epc_uri_escaped(std::string& out, std::string_view raw) {
  for (char c : raw) {
    switch (c) {
      case '"': out += "%22"; break;
      case '%': out += "%25"; break;
      case '&': out += "%26"; break;
      case '/': out += "%2F"; break;
      case '<': out += "%3C"; break;
      case '>': out += "%3E"; break;
      case '?': out += "%3F"; break;
      default: out.push_back(c); break;
    }
  }
}

EpcStringResult decode_epc_string(const EpcBits& bits, std::size_t pos, std::size_t width,
                                  std::size_t max_chars, std::string& out) {
  const std::size_t end = pos + width;
  std::size_t p = pos;
  std::size_t chars = 0;
  while (p + 7 <= end) {
    const auto v = static_cast<char>(read_bits(bits, p, 7));
    if (v == 0) break;
    if (chars == max_chars) return {EpcStringStatus::kTooLong, p};
    if (!epc_string_char_ok(v)) return {EpcStringStatus::kBadChar, p};
    out.push_back(v);
    ++chars;
    p += 7;
  }
  if (chars == 0) return {EpcStringStatus::kEmpty, pos};
  if (!bits_zero(bits, p, end)) {
    std::size_t k = p;
    while (read_bits(bits, k, 1) == 0) ++k;
    return {EpcStringStatus::kNonZeroAfter, k};
  }
  return {EpcStringStatus::kOk, p};
}

}  // namespace scanedge::decode
