// Firmware profiles: what the agent knows about one scanner model, loaded from
// `firmware-profiles/<name>.toml` (schema documented in firmware-profiles/README.md).
//
// load_profile_file(path): reads and checks one file. Success is a fully validated Profile
//   (every value in range, every byte string decoded). Failure is an Error whose message has
//   one line per problem, each `file:line:column: what is wrong`; codes:
//     profile_unreadable  the file cannot be read (message says why),
//     profile_syntax      not valid TOML,
//     profile_invalid     valid TOML that breaks the schema (unknown key, wrong type,
//                         value out of range, unknown driver).
//   Unknown keys are errors on purpose: a typo must not silently fall back to a default.
// find_profile(dir, name): loads `<dir>/<name>.toml`; a name with anything but
//   [A-Za-z0-9._-] is rejected (code profile_name_invalid), a missing file gives
//   profile_not_found with the names that do exist in `dir`.
// list_profiles(dir): the profile names (file stems) in `dir`, sorted.
// Threading: pure functions, safe from any thread. No exceptions escape.
//
// Extending (issue 4): new tables (match rules, init sequence, feedback patterns, keyboard
// layout, RFID filter) are added to the loader's known-key tables and to Profile; files
// written for this version stay valid.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "edge/core/result.h"

namespace scanedge {

// How the serial line is set up (ignored by USB drivers).
struct SerialSettings {
  int baud = 9600;
  int data_bits = 8;              // 5..8
  std::string parity = "none";    // none | odd | even | mark | space
  int stop_bits = 1;              // 1 | 2
  std::string flow = "none";      // none | xonxoff | rtscts | dtrdsr
};

struct Profile {
  int schema = 1;                 // schema version of the file
  std::string name;               // the file stem, e.g. "generic-serial-ascii"
  std::string source;             // path it was loaded from (for messages)
  std::string description;
  std::string driver;             // "serial-ascii" (more families come with issue 4)

  SerialSettings serial;

  // Framing: [prefix][AIM id][data][suffix]. Byte strings, already decoded.
  std::string prefix;             // stripped from the front of each scan when present
  std::string suffix = "\r\n";    // terminator; any CR/LF-only suffix means "CR, LF or CRLF"
  std::chrono::milliseconds idle_timeout{200};  // flush a partial scan after this much
                                                // silence; 0 disables
  std::size_t max_scan_bytes = 4096;            // longer scans are dropped and counted

  bool aim_ids = true;            // the scanner sends AIM symbology ids (]C1, ]E0, ...)

  // Operator feedback.
  bool host_ack = false;          // scanner is in host ACK/NAK mode: ACK 0x06 good, NAK 0x15 bad
};

// The driver families the loader accepts in `driver = "..."`.
const std::vector<std::string>& known_profile_drivers();

Result<Profile> load_profile_file(const std::string& path);
Result<Profile> find_profile(const std::string& dir, const std::string& name);
Result<std::vector<std::string>> list_profiles(const std::string& dir);

// Decodes a prefix/suffix value as written in a profile: the names "CR", "LF", "CRLF",
// "TAB", "NONE" (case-insensitive), otherwise the string itself (TOML escapes such as
// "\r\n" or "\u001d" are already decoded by the TOML parser). Exposed for tests/tools.
std::string decode_affix(const std::string& value);

}  // namespace scanedge
