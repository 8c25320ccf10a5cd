// read_text_file(): a whole file as a string, for tests that check what a program wrote
// (logs, generated files, configs). A missing or unreadable file reads as "" (the test's
// own expectation on the content then fails and names what it expected).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace scanedge::testing {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace scanedge::testing
