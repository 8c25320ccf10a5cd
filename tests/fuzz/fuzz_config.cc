// Fuzz target: the agent's configuration parser, scanedge::config::parse_config()
// (edge/config/agent_config.h), on arbitrary TOML text.
//
// Properties:
// - it never throws or crashes; an error has code "config" and a message of the form
//   "{source}:{line}: {what}", the line a number from 1 to the text's line count (+1 for
//   an error at the very end), and "what" non-empty;
// - the source name only names the text: parsing under another name gives the same
//   outcome and the same message after the prefix;
// - an accepted config has what the agent cannot run without: a site and a device id, and
//   for each [[scanner]] a profile, a port and the line it was declared on.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/config/agent_config.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using scanedge::fuzz::printable;
namespace c = scanedge::config;

// Checks "{source}:{line}: {what}" and returns the part after "{source}:".
std::string check_message(const std::string& message, const std::string& source, std::string_view text,
                          const std::string& ctx) {
  FUZZ_CHECK(message.starts_with(source + ":"), ctx + " -> " + printable(message));
  const std::string rest = message.substr(source.size() + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  FUZZ_CHECK(digits > 0 && digits <= 9, ctx + " -> " + printable(message));
  const long line = std::stol(rest.substr(0, digits));
  const auto lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;
  FUZZ_CHECK(line >= 1 && line <= lines + 1,
             ctx + " -> " + printable(message) + " (text has " + std::to_string(lines) + " lines)");
  FUZZ_CHECK(rest.substr(digits, 2) == ": " && rest.size() > digits + 2, ctx + " -> " + printable(message));
  return rest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  const std::string ctx = "config " + printable(text);
  const std::string source = "/etc/scanedge/scanedged.toml";
  const auto r = c::parse_config(text, source);
  const auto other = c::parse_config(text, "x");
  FUZZ_CHECK(other.ok() == r.ok(), ctx);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "config", ctx + " -> " + r.error().code);
    const std::string rest = check_message(r.error().message, source, text, ctx);
    FUZZ_CHECK(other.error().code == "config", ctx);
    FUZZ_CHECK(check_message(other.error().message, "x", text, ctx) == rest,
               ctx + " -> " + printable(r.error().message) + " vs " + printable(other.error().message));
    return 0;
  }
  const c::AgentConfig& cfg = *r;
  FUZZ_CHECK(!cfg.site.empty() && !cfg.device.empty() && !cfg.effective_client_id().empty(), ctx);
  for (const c::ScannerConfig& sc : cfg.scanners) {
    FUZZ_CHECK(!sc.profile.empty() && !sc.port.empty() && sc.line >= 1, ctx);
  }
  return 0;
}
