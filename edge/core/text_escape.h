// Escaping of untrusted text quoted in one-line messages (config, profile and policy
// problems, logs): control characters (below 0x20, and 0x7F) become \xNN so that one problem
// always stays on one line. Other bytes are kept as they are. Header-only, no state.
#pragma once

#include <string>
#include <string_view>

namespace scanedge {

inline std::string escape_controls(std::string_view what) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(what.size());
  for (unsigned char c : what) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace scanedge
