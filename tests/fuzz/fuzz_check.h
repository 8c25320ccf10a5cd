// FUZZ_CHECK: the property assertion of the fuzz targets.
//
// A violated property prints what was expected and where to stderr, then calls abort():
// libFuzzer (and ASan's death callback) turns that into a crash with a saved reproducer;
// the corpus replay driver (replay_main.cc) into a failing test. Unlike assert() it is
// active in every build type (NDEBUG does not remove it). Header-only, no state.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace scanedge::fuzz {

[[noreturn]] inline void property_failed(const char* file, int line, const char* expr,
                                         std::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line, expr);
  if (!detail.empty()) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::fflush(stderr);
  std::abort();
}

// Printable form of arbitrary bytes for failure messages: printable ASCII as is, every
// other byte as \xNN.
inline std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && b != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0x0F];
    }
  }
  return out;
}

}  // namespace scanedge::fuzz

// Checks a property; `detail` (anything convertible to std::string_view) is only built
// when the check fails.
#define FUZZ_CHECK(cond, detail)                                                  \
  do {                                                                            \
    if (!(cond)) ::scanedge::fuzz::property_failed(__FILE__, __LINE__, #cond, (detail)); \
  } while (false)
