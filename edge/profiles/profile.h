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
#include <string_view>
#include <utility>
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

// How a plugged-in device is recognised as this model ([match]). A profile with no match
// rules is never picked automatically: it serves only scanners named in the agent config.
struct MatchRules {
  // USB devices, and USB-serial adapters / USB-CDC scanners seen as serial ports.
  int usb_vid = -1;                   // -1: not matched on USB ids
  std::vector<int> usb_pids;          // empty with usb_vid set: any PID of that vendor
  int usb_interface_class = -1;       // -1 any; 3 = HID (USB drivers only)
  // Serial ports: case-insensitive substring of the libserialport description/product.
  std::string serial_description;
  bool empty() const { return usb_vid < 0 && serial_description.empty(); }
};

// A device command as written in a profile, already decoded to bytes (see decode_bytes).
using ByteCommand = std::string;

// [feedback] device commands per signal. Empty means "this signal has no device command".
// Their meaning depends on the driver family (firmware-profiles/README.md):
//   serial-ascii   bytes written to the port (host ACK/NAK mode uses host_ack instead),
//   hid-pos        a Honeywell serial menu command sent in output report 0xFD,
//   ssi            opcode + data of one SSI command (e.g. E6 01 = BEEP pattern 1),
//   hid-keyboard, rfid-mercury: no command channel; must stay empty.
struct FeedbackCommands {
  ByteCommand good, bad, warning, storage_full;
};

// HID POS input report layout ([hid_pos]); defaults are Honeywell's report 0x02.
struct HidPosLayout {
  int report_id = 0x02;       // input report carrying scan data; -1: reports have no id byte
  int report_size = 64;       // bytes including the id byte
  int length_offset = 1;      // byte holding the data length in this report; -1: none
  int aim_offset = 2;         // 3-byte AIM id ("]E0"); -1: the report carries none
  int data_offset = 5;        // first data byte
  int data_max = 56;          // data bytes per report
  int more_offset = 63;       // byte holding the "more reports follow" flag; -1: none
  int more_mask = 0x01;       // bit(s) of that byte
  bool route_feature = true;  // send feature report 0xFE=0x01 on open (Honeywell: route
                              // scan output to the HID POS interface)
};

// SSI settings ([ssi]): parameters sent with PARAM_SEND on every open.
struct SsiSettings {
  std::vector<std::pair<int, int>> params;  // (parameter number 0..0xFFFF, value 0..255)
  bool permanent = false;                   // status bit 3: store in scanner's NVRAM
};

struct Profile {
  int schema = 1;                 // schema version of the file
  std::string name;               // the file stem, e.g. "generic-serial-ascii"
  std::string source;             // path it was loaded from (for messages)
  std::string description;
  std::string driver;             // serial-ascii | hid-keyboard | hid-pos | ssi | rfid-mercury
  std::string min_firmware;       // "" = any; compared with compare_firmware()

  MatchRules match;
  SerialSettings serial;

  // Framing: [prefix][AIM id][data][suffix]. Byte strings, already decoded.
  std::string prefix;             // stripped from the front of each scan when present
  std::string suffix = "\r\n";    // terminator; any CR/LF-only suffix means "CR, LF or CRLF"
  std::chrono::milliseconds idle_timeout{200};  // flush a partial scan after this much
                                                // silence; 0 disables
  std::size_t max_scan_bytes = 4096;            // longer scans are dropped and counted

  bool aim_ids = true;            // the scanner sends AIM symbology ids (]C1, ]E0, ...)
  // [symbology] enabled: symbology names (known_symbologies()); empty = all. With aim_ids on,
  // a scan whose AIM id names a symbology not listed is refused (scan.rejected, reason
  // symbology_disabled) instead of being confirmed.
  std::vector<std::string> symbologies;

  // [keyboard] (hid-keyboard): the keyboard layout the scanner is set to.
  std::string keyboard_layout = "us";  // us | de | fr | uk | it

  // [init]: commands sent, in order, after every open (also after a replug).
  std::vector<ByteCommand> init;

  // Operator feedback.
  bool host_ack = false;          // serial-ascii: host ACK/NAK mode: ACK 0x06 good, NAK 0x15 bad
  FeedbackCommands feedback;

  HidPosLayout hid_pos;
  SsiSettings ssi;

  // [rfid] (rfid-mercury): read filter; validated with rfid::validate_filter_settings rules.
  struct Rfid {
    std::chrono::milliseconds window{1000};
    int min_reads = 2;
    double rssi_min_dbm = -70.0;
    std::chrono::milliseconds absence_timeout{3000};
    std::size_t max_tags = 4096;
    std::vector<int> antennas{1};   // antenna ports to read on (1..64)
    int read_power_cdbm = 2000;     // read power in centi-dBm (0..3150)
  } rfid;
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

// Checks a HID POS report layout: the data window, the length byte, the 3-byte AIM field and
// the continuation byte lie inside the report, after the id byte, without overlapping.
// Error code invalid_hid_pos_layout, message "[hid_pos] what is wrong". The loader applies
// it to hid-pos profiles; the hid-pos driver again at start.
Status validate_hid_pos_layout(const HidPosLayout& layout);

// Decodes a device command as written in a profile: "hex:16 4D 0D" (hex bytes, spaces
// optional) or the string itself (TOML escapes already decoded). Error code
// bad_byte_string when a hex: value has an odd digit count or a non-hex character.
Result<std::string> decode_bytes(const std::string& value);

// Symbology names accepted in [symbology] enabled, and the AIM letter each one maps to
// (e.g. "gs1-128" -> 'C', "ean-upc" -> 'E', "datamatrix" -> 'd').
const std::vector<std::pair<std::string, char>>& known_symbologies();

// True when a scan with this data may be confirmed under the profile's symbology list:
// always when the list is empty, the data has no AIM id, or aim_ids is off (except for the
// ssi family, whose driver adds the AIM id from the barcode type itself).
bool symbology_enabled(const Profile& p, std::string_view data);

// Compares dotted/alphanumeric firmware versions ("1.2.10" > "1.2.9"; "PAAFLS00-002-R07"
// compares piecewise, numbers numerically). <0, 0, >0 like strcmp.
int compare_firmware(std::string_view a, std::string_view b);

}  // namespace scanedge
