// Fuzz target: the firmware profile loader, scanedge::load_profile_file()
// (edge/profiles/profile.h), on arbitrary text written to a temporary file (the loader
// reads files only; there is no parse-from-string entry point).
//
// Properties:
// - it never throws or crashes; a failure has code profile_syntax or profile_invalid (the
//   file exists and is small) and a message whose every problem reads
//   "{path}:{line}:{column}: {what}", line 1..(the text's lines + 1), column >= 1, "what"
//   non-empty, one problem per line (control characters in quoted text are escaped);
// - the path only names the file: the same text under another file name gives the same
//   outcome and the same message with the other path;
// - a loaded profile is fully validated: name = the file stem, source = the path, schema
//   1, a known driver, and every value inside the range firmware-profiles/README.md and
//   profile.h document (serial settings, prefix <= 32 and suffix <= 8 bytes, a suffix or an
//   idle timeout, max_scan_bytes, match ids, feedback and init byte strings, keyboard
//   layout, hid_pos fields — for driver hid-pos every offset inside report_size and the
//   data after the report id —, ssi params, rfid filter settings with absence_timeout >=
//   window, symbologies known), and the cross-key rules hold (usb_pids need usb_vid,
//   host_ack only for serial-ascii and not with feedback commands, no feedback/init
//   commands for drivers without a command channel).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "edge/profiles/profile.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using scanedge::Profile;
using scanedge::fuzz::printable;

// A private directory for the two profile files, removed at exit.
struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/scanedge-fuzz-profile.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      std::perror("fuzz_profile: mkdtemp");
      std::abort();
    }
    dir = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const TempDir& temp_dir() {
  static const TempDir d;
  return d;
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz_profile: cannot write %s\n", path.c_str());
    std::abort();
  }
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto nl = s.find('\n', start);
    out.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
}

// The message's problems read "{path}:{line}:{column}: {what}", the first one on the first
// line. A problem quoting a key or value that holds a newline (a quoted TOML key "a\nb",
// a string value) continues on the next line: the loader does not escape them (reported
// to the lead; tighten to "every line" once it does), so lines without the path prefix
// are taken as such continuations.
void check_message(const std::string& message, const std::string& path, std::string_view text, const std::string& ctx) {
  const auto text_lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;
  const std::string what = ctx + " -> " + printable(message);
  FUZZ_CHECK(!message.empty(), what);
  // Every line is one problem: the loader writes control characters of quoted keys and
  // values as \xNN, so a newline in the file never splits a problem.
  for (const std::string& line : split_lines(message)) {
    FUZZ_CHECK(line.starts_with(path + ":"), what + "; line " + printable(line) + " does not start with the path");
    std::size_t at = path.size() + 1;
    long numbers[2] = {0, 0};
    for (long& n : numbers) {
      std::size_t digits = 0;
      while (at + digits < line.size() && line[at + digits] >= '0' && line[at + digits] <= '9') ++digits;
      FUZZ_CHECK(digits > 0 && digits <= 9 && at + digits < line.size() && line[at + digits] == ':',
                 what + "; line " + printable(line) + " lacks :line:column:");
      n = std::stol(line.substr(at, digits));
      at += digits + 1;
    }
    FUZZ_CHECK(numbers[0] >= 1 && numbers[0] <= text_lines + 1 && numbers[1] >= 1,
               what + "; line " + std::to_string(numbers[0]) + " column " + std::to_string(numbers[1]) + " (text has " +
                   std::to_string(text_lines) + " lines)");
    FUZZ_CHECK(line.compare(at, 1, " ") == 0 && line.size() > at + 1, what + "; line " + printable(line));
  }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

bool one_of(const std::string& s, std::initializer_list<const char*> set) {
  return std::any_of(set.begin(), set.end(), [&](const char* v) { return s == v; });
}

void check_profile(const Profile& p, const std::string& path, const std::string& ctx) {
  const std::string what = ctx + " -> loaded " + p.driver;
  FUZZ_CHECK(p.source == path && p.name == std::filesystem::path(path).stem().string() && p.schema == 1, what);
  const auto& drivers = scanedge::known_profile_drivers();
  FUZZ_CHECK(std::find(drivers.begin(), drivers.end(), p.driver) != drivers.end(), what);
  // [serial]
  const auto& s = p.serial;
  FUZZ_CHECK(s.baud >= 50 && s.baud <= 4'000'000 && s.data_bits >= 5 && s.data_bits <= 8 &&
                 (s.stop_bits == 1 || s.stop_bits == 2) && one_of(s.parity, {"none", "odd", "even", "mark", "space"}) &&
                 one_of(s.flow, {"none", "xonxoff", "rtscts", "dtrdsr"}),
             what + "; serial settings out of range");
  // [framing]
  FUZZ_CHECK(p.prefix.size() <= 32 && p.suffix.size() <= 8, what + "; prefix/suffix too long");
  FUZZ_CHECK(p.idle_timeout.count() >= 0 && p.idle_timeout.count() <= 60'000, what + "; idle_timeout");
  FUZZ_CHECK(!p.suffix.empty() || p.idle_timeout.count() > 0, what + "; scans would never end");
  FUZZ_CHECK(p.max_scan_bytes >= 16 && p.max_scan_bytes <= 65'536, what + "; max_scan_bytes");
  FUZZ_CHECK(p.min_firmware.size() <= 64, what + "; min_firmware");
  // [symbology]
  const auto& known = scanedge::known_symbologies();
  for (const auto& name : p.symbologies) {
    FUZZ_CHECK(std::any_of(known.begin(), known.end(), [&](const auto& kv) { return kv.first == name; }),
               what + "; symbology " + printable(name));
  }
  FUZZ_CHECK(p.symbologies.empty() || p.aim_ids || p.driver == "ssi", what + "; symbologies without AIM ids");
  // [match]
  const auto& m = p.match;
  FUZZ_CHECK(m.usb_vid >= -1 && m.usb_vid <= 0xFFFF && m.usb_pids.size() <= 64, what + "; match");
  for (int pid : m.usb_pids) FUZZ_CHECK(pid >= 0 && pid <= 0xFFFF, what + "; match.usb_pids");
  FUZZ_CHECK(m.usb_pids.empty() || m.usb_vid >= 0, what + "; usb_pids without usb_vid");
  FUZZ_CHECK(m.usb_interface_class >= -1 && m.usb_interface_class <= 0xFF, what + "; usb_interface_class");
  FUZZ_CHECK(m.serial_description.size() <= 128, what + "; serial_description");
  const bool usb_driver = p.driver == "hid-keyboard" || p.driver == "hid-pos";
  FUZZ_CHECK(!usb_driver || m.serial_description.empty(), what + "; serial_description for a USB driver");
  FUZZ_CHECK(usb_driver || m.usb_interface_class < 0, what + "; usb_interface_class for a serial driver");
  // [feedback], [init]
  const auto& f = p.feedback;
  for (const auto* cmd : {&f.good, &f.bad, &f.warning, &f.storage_full}) {
    FUZZ_CHECK(cmd->size() <= 256, what + "; feedback command longer than 256 bytes");
  }
  const bool has_feedback = !f.good.empty() || !f.bad.empty() || !f.warning.empty() || !f.storage_full.empty();
  FUZZ_CHECK(!(p.driver == "hid-keyboard" || p.driver == "rfid-mercury") || !has_feedback,
             what + "; feedback commands without a command channel");
  FUZZ_CHECK(!p.host_ack || (p.driver == "serial-ascii" && !has_feedback), what + "; host_ack");
  FUZZ_CHECK(p.init.size() <= 64 && (p.driver != "hid-keyboard" || p.init.empty()), what + "; init");
  for (const auto& cmd : p.init) {
    FUZZ_CHECK(!cmd.empty() && cmd.size() <= 1024 && (p.driver != "ssi" || cmd.size() <= 250),
               what + "; init command of " + std::to_string(cmd.size()) + " bytes");
  }
  // [keyboard]
  FUZZ_CHECK(one_of(p.keyboard_layout, {"us", "de", "fr", "uk", "it"}), what + "; keyboard layout");
  // [hid_pos]
  const auto& h = p.hid_pos;
  FUZZ_CHECK(h.report_id >= -1 && h.report_id <= 255 && h.report_size >= 8 && h.report_size <= 1024 &&
                 h.length_offset >= -1 && h.length_offset <= 1023 && h.aim_offset >= -1 && h.aim_offset <= 1023 &&
                 h.data_offset >= 0 && h.data_offset <= 1023 && h.data_max >= 1 && h.data_max <= 1024 &&
                 h.more_offset >= -1 && h.more_offset <= 1023 && h.more_mask >= 1 && h.more_mask <= 255,
             what + "; hid_pos field out of range");
  if (p.driver == "hid-pos") {
    auto inside = [&](int off, int len) { return off < 0 || off + len <= h.report_size; };
    FUZZ_CHECK(inside(h.length_offset, 1) && inside(h.aim_offset, 3) && inside(h.data_offset, h.data_max) &&
                   inside(h.more_offset, 1),
               what + "; hid_pos offsets beyond report_size " + std::to_string(h.report_size));
    FUZZ_CHECK(h.data_offset >= (h.report_id >= 0 ? 1 : 0), what + "; hid_pos data overlaps the report id");
    // A loaded hid-pos profile is one the driver accepts at start (no overlapping fields).
    const auto layout_ok = scanedge::validate_hid_pos_layout(h);
    FUZZ_CHECK(layout_ok.ok(), what + "; loader accepted a layout the driver refuses: " +
                                   (layout_ok.ok() ? std::string() : layout_ok.error().message));
  }
  // [ssi]
  FUZZ_CHECK(p.ssi.params.size() <= 256, what + "; ssi.params");
  for (const auto& [num, val] : p.ssi.params) {
    FUZZ_CHECK(num >= 0 && num <= 0xFFFF && val >= 0 && val <= 255, what + "; ssi param out of range");
  }
  // [rfid]
  const auto& r = p.rfid;
  FUZZ_CHECK(r.window.count() >= 1 && r.window.count() <= 600'000 && r.absence_timeout.count() >= 1 &&
                 r.absence_timeout.count() <= 86'400'000 && r.absence_timeout >= r.window && r.min_reads >= 1 &&
                 r.min_reads <= 10'000 && r.rssi_min_dbm >= -150.0 && r.rssi_min_dbm <= 30.0 && r.max_tags >= 1 &&
                 r.max_tags <= 1'000'000 && r.antennas.size() <= 64 && r.read_power_cdbm >= 0 &&
                 r.read_power_cdbm <= 3150,
             what + "; rfid settings out of range");
  for (int a : r.antennas) FUZZ_CHECK(a >= 1 && a <= 64, what + "; rfid antenna " + std::to_string(a));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  const std::string ctx = "profile " + printable(text);
  const std::string path = (temp_dir().dir / "fuzz-a.toml").string();
  const std::string other = (temp_dir().dir / "fuzz-b.toml").string();
  write_file(path, text);
  write_file(other, text);

  const auto r = scanedge::load_profile_file(path);
  const auto o = scanedge::load_profile_file(other);
  FUZZ_CHECK(r.ok() == o.ok(), ctx + "; the file name changed the outcome");
  if (!r.ok()) {
    const auto& e = r.error();
    FUZZ_CHECK(e.code == "profile_syntax" || e.code == "profile_invalid", ctx + " -> " + e.code + ": " + e.message);
    check_message(e.message, path, text, ctx);
    FUZZ_CHECK(o.error().code == e.code && o.error().message == replace_all(e.message, path, other),
               ctx + " -> " + printable(e.message) + " vs " + printable(o.error().message));
    return 0;
  }
  check_profile(*r, path, ctx);
  return 0;
}
