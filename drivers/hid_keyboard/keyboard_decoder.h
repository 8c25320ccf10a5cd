// KeyboardDecoder: turns the input reports of a keyboard-wedge scanner into complete scans.
// Pure: no I/O, no clock of its own; time is passed in (monotonic nanoseconds).
//
// Reports: 8-byte boot reports [modifiers][reserved][6 usages], or 9 bytes with a report id
//   first (report protocol; the id is skipped whatever it is). Any other length is counted
//   in `bad_reports` and ignored. A report whose usages hold ErrorRollOver/POSTFail/
//   ErrorUndefined (0x01..0x03) is a phantom state: counted in `rollover_reports`, ignored,
//   and the previous key state kept.
// Presses: a usage is pressed when it is in this report but was not in the previous one (in
//   report order), so "11" (press, release, press) types two '1's while a held key types
//   once. The modifiers of the report that carries the press apply to it.
// Characters: keyboard_layout.h translate() for the configured layout. Alt codes: keypad
//   digits typed while left Alt alone is held form a decimal code, typed when Alt is
//   released (Windows "Alt+0029" style, which scanners use for GS on non-US layouts); codes
//   1..127 type that ASCII character, anything else is unmapped.
// Unmapped keys: a character key (is_character_usage) that types nothing under its
//   modifiers is counted in `unmapped_keys`, and the scan it belongs to is dropped when it
//   ends (counted in `unmapped_dropped`): a scan with a character missing is not delivered
//   as if it were complete. Non-character keys (F-keys, arrows, locks, modifiers in the
//   usage array) are counted in `ignored_keys` and otherwise ignored.
// Framing (like the serial LineFramer): [prefix][data][suffix].
//   - Line-ending mode (suffix made only of CR/LF, e.g. the profile default "\r\n"): Enter
//     (CR) ends a scan, so does LF (Ctrl+J); an LF right after a CR is part of the ending.
//   - Exact-suffix mode (any other non-empty suffix, e.g. "\t" for Tab): a scan ends when
//     the typed characters end with the suffix.
//   - Empty suffix: only the idle timeout ends scans.
//   - Idle flush: poll() emits a pending partial scan once `idle_timeout` has passed since
//     the last key press (0 disables).
//   - The prefix, when configured and present, is stripped; a scan without it is delivered
//     unchanged and counted in `prefix_missing`. Empty scans are counted, not emitted.
//   - Memory is bounded: a scan longer than `max_scan_bytes` is dropped whole (counted in
//     `overlong_dropped`); keys up to its ending are discarded.
// Threading: not thread-safe; one owner (the driver's reader thread).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/hid_keyboard/keyboard_layout.h"
#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::hid_keyboard {

struct KeyboardDecoderConfig {
  Layout layout = Layout::us;
  std::string prefix;
  std::string suffix = "\r";
  std::chrono::milliseconds idle_timeout{200};
  std::size_t max_scan_bytes = 4096;
};

// The decoder settings a profile asks for. Error unknown_keyboard_layout when
// profile.keyboard_layout names no known layout.
Result<KeyboardDecoderConfig> decoder_config(const Profile& profile);

struct KeyboardCounters {
  std::uint64_t reports = 0;           // reports fed
  std::uint64_t scans = 0;             // scans emitted (terminated + idle-flushed)
  std::uint64_t idle_flushes = 0;      // of which emitted by the idle timeout
  std::uint64_t overlong_dropped = 0;  // scans dropped for exceeding max_scan_bytes
  std::uint64_t unmapped_keys = 0;     // character keys the layout could not translate
  std::uint64_t unmapped_dropped = 0;  // scans dropped because they had unmapped keys
  std::uint64_t ignored_keys = 0;      // non-character keys (F-keys, arrows, ...)
  std::uint64_t rollover_reports = 0;  // phantom-state reports ignored
  std::uint64_t bad_reports = 0;       // reports of an unusable length
  std::uint64_t prefix_missing = 0;    // scans delivered without the configured prefix
  std::uint64_t empty_scans = 0;       // endings with nothing before them
  std::uint64_t partial_discarded = 0; // partial scans thrown away by reset()
};

struct DecodedScan {
  std::string data;
  std::chrono::nanoseconds mono{0};  // when the scan was complete
};

class KeyboardDecoder {
 public:
  explicit KeyboardDecoder(KeyboardDecoderConfig config);

  // Consumes one input report that arrived at `now`; appends completed scans to `out`.
  void feed(std::span<const std::uint8_t> report, std::chrono::nanoseconds now, std::vector<DecodedScan>& out);
  // Emits (or, if it is unusable, drops) the pending partial scan once the idle timeout
  // has passed at `now`.
  void poll(std::chrono::nanoseconds now, std::vector<DecodedScan>& out);
  // When poll() will act; nullopt when nothing is pending or the idle timeout is disabled.
  std::optional<std::chrono::nanoseconds> idle_deadline() const;
  // Forgets a partial scan and the key state (e.g. the device went away); counted.
  void reset();

  bool has_pending() const;
  const KeyboardCounters& counters() const { return counters_; }
  const KeyboardDecoderConfig& config() const { return config_; }

 private:
  void press(std::uint8_t usage, std::uint8_t mods, std::chrono::nanoseconds now, std::vector<DecodedScan>& out);
  void finish_alt_code(std::chrono::nanoseconds now, std::vector<DecodedScan>& out);
  void type_char(char c, std::chrono::nanoseconds now, std::vector<DecodedScan>& out);
  void end_scan(std::chrono::nanoseconds now, std::vector<DecodedScan>& out, bool by_idle);

  KeyboardDecoderConfig config_;
  bool line_ending_mode_ = false;
  std::array<std::uint8_t, 6> prev_keys_{};
  std::string pending_;
  bool pending_unmapped_ = false;  // the pending scan lost a character
  bool discarding_ = false;        // inside an over-long scan: drop until its ending
  std::string discard_tail_;       // exact-suffix mode: last typed chars while discarding
  bool after_cr_ = false;
  std::string alt_digits_;         // keypad digits typed under Alt
  bool alt_active_ = false;
  std::chrono::nanoseconds last_key_{0};
  KeyboardCounters counters_;
};

}  // namespace scanedge::hid_keyboard
