#include "edge/decode/error_text.h"

namespace scanedge::decode {

std::string quoted(std::string_view bytes, std::size_t max_chars) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + 8);
  out.push_back('\'');
  const std::size_t n = bytes.size() < max_chars ? bytes.size() : max_chars;
  for (std::size_t k = 0; k < n; ++k) {
    const auto c = static_cast<unsigned char>(bytes[k]);
    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else if (c == '\\' || c == '\'') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  if (n < bytes.size()) out += "...";
  out.push_back('\'');
  return out;
}

DecodeError make_decode_error(std::string_view code, std::string message, std::size_t offset) {
  return DecodeError{std::string(code), std::move(message), offset};
}

}  // namespace scanedge::decode
