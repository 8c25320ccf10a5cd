// PosReportAssembler: turns the input reports of a HID POS scanner (usage page 0x8C) into
// complete scans and Honeywell command replies. Pure: no I/O, time is passed in.
//
// Layout (profile [hid_pos], HidPosLayout): offsets count from the first byte of the report
// as read, i.e. the report id is byte 0 when report_id >= 0. Honeywell report 0x02:
//   [0] id 0x02, [1] data length, [2..4] AIM id "]E0", [5..60] data, [63] bit 0 = more.
// Newland-style layouts: aim_offset -1, data at 2..57, and so on; validate_layout() checks a
// layout before use (the assembler itself bounds-checks every access anyway).
//
// Per report:
//   - empty report: counted in bad_reports. A report whose first byte is not report_id
//     (when report_id >= 0): another report of the interface, counted in other_reports,
//     ignored (a message in progress is kept).
//   - shorter than the layout needs (its fields): counted in short_reports; the message in
//     progress is dropped (it cannot be completed correctly).
//   - length byte (length_offset >= 0) larger than data_max or past the report's end:
//     counted in bad_length; the message in progress is dropped. Without a length byte the
//     data is the data_max bytes (as far as the report goes) with trailing NULs removed.
//   - more flag (more_offset >= 0: byte & more_mask): another report continues this
//     message. A message is complete with the first report whose flag is clear.
//   - AIM id (aim_offset >= 0): taken from the message's first report and prepended to the
//     data ("]C1" + "0109..."), as the decoder expects. Bytes that do not look like an AIM
//     id (']' + two printable characters) are not prepended (all-zero: the scanner sends
//     none; anything else counted in aim_invalid). A continuation report with a different
//     AIM id means the previous message lost its end: that one is dropped (interrupted) and
//     a new message starts.
// Per complete message:
//   - Honeywell menu replies (HID POS answers to output-report 0xFD menu commands, see
//     honeywell_commands.h) become a CommandReply instead of a scan:
//       * AIM "]Z<x>": the reply proper: the command echoed with a status byte after each
//         command (ACK 0x06 done, ENQ 0x05 unknown command, NAK 0x15 bad value). echo is the
//         body without the status bytes; status the worst one seen (NAK > ENQ > ACK; 0 when
//         the body carries none).
//       * AIM "]X0": text of a reply (e.g. REVINF. output) while a reply is expected
//         (expect_reply_until()) or when the body itself ends with a status byte (optionally
//         followed by a storage character): collected into the reply's `text` (bounded by
//         max_scan_bytes). Otherwise "]X0" (AIM "other symbology") is barcode data.
//   - Otherwise a scan: the profile prefix is stripped from the data when present, the
//     suffix when present at its end (a CR/LF-only suffix strips trailing CR/LF), then the
//     AIM id is prepended. Empty data: counted, not emitted.
//   - Bounds: a message whose data exceeds max_scan_bytes is dropped whole (counted in
//     overlong_dropped), never delivered truncated.
// Idle: a message left incomplete (more flag set, then silence) is dropped by poll() once
//   idle_timeout has passed since its last report (counted in continuation_timeouts); 0
//   disables the timeout (a new message still replaces it).
// Threading: not thread-safe; one owner (the driver's reader thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::hid_pos {

inline constexpr std::uint8_t kAck = 0x06, kEnq = 0x05, kNak = 0x15;

// Checks that the layout's fields lie inside report_size and do not overlap the data
// window, the id byte, or each other. Error code invalid_hid_pos_layout naming the field.
Status validate_layout(const HidPosLayout& layout);

struct AssemblerConfig {
  HidPosLayout layout;
  std::string prefix;
  std::string suffix;  // stripped from the end of the data when present; "" none
  std::chrono::milliseconds idle_timeout{200};
  std::size_t max_scan_bytes = 4096;
};

// The assembler settings a profile asks for (suffix "\r\n" default included; validate the
// layout with validate_layout()).
AssemblerConfig assembler_config(const Profile& profile);

struct AssemblerCounters {
  std::uint64_t reports = 0;               // reports fed
  std::uint64_t scans = 0;                 // scans emitted
  std::uint64_t replies = 0;               // command replies emitted
  std::uint64_t multi_report_scans = 0;    // scans that spanned more than one report
  std::uint64_t other_reports = 0;         // reports with another id, ignored
  std::uint64_t bad_reports = 0;           // empty reports
  std::uint64_t short_reports = 0;         // shorter than the layout needs
  std::uint64_t bad_length = 0;            // length byte out of bounds
  std::uint64_t aim_invalid = 0;           // AIM field that is not an AIM id
  std::uint64_t interrupted = 0;           // messages cut by a new one (AIM id changed)
  std::uint64_t continuation_timeouts = 0; // messages whose continuation never came
  std::uint64_t overlong_dropped = 0;      // messages longer than max_scan_bytes
  std::uint64_t empty_scans = 0;           // messages without data
  std::uint64_t prefix_missing = 0;        // scans delivered without the configured prefix
  std::uint64_t partial_discarded = 0;     // messages thrown away by reset()
};

struct PosScan {
  std::string data;  // AIM id first (when the layout has one), then the data
  std::chrono::nanoseconds mono{0};
};

struct CommandReply {
  std::string echo;     // the command(s) as echoed, status bytes removed ("REVINF.")
  std::uint8_t status = 0;  // kAck, kEnq, kNak, or 0 when none was found
  std::string text;     // "]X0" reply text received before it (e.g. REVINF output)
  std::chrono::nanoseconds mono{0};
  bool ok() const { return status == kAck; }
};

struct AssemblerOutput {
  std::vector<PosScan> scans;
  std::vector<CommandReply> replies;
  void clear() {
    scans.clear();
    replies.clear();
  }
  bool empty() const { return scans.empty() && replies.empty(); }
};

class PosReportAssembler {
 public:
  explicit PosReportAssembler(AssemblerConfig config);

  // Consumes one input report that arrived at `now`.
  void feed(std::span<const std::uint8_t> report, std::chrono::nanoseconds now, AssemblerOutput& out);
  // Drops an incomplete message whose idle timeout has passed at `now`.
  void poll(std::chrono::nanoseconds now, AssemblerOutput& out);
  // When poll() will act; nullopt when no message is in progress or the timeout is off.
  std::optional<std::chrono::nanoseconds> idle_deadline() const;
  // "]X0" messages until `until` (monotonic) are reply text (the driver sent a menu command).
  void expect_reply_until(std::chrono::nanoseconds until) { reply_until_ = until; }
  // Forgets a message in progress and any reply text (e.g. the device went away); counted.
  void reset();

  bool in_progress() const { return in_progress_; }
  const AssemblerCounters& counters() const { return counters_; }
  const AssemblerConfig& config() const { return config_; }

 private:
  void drop_message();
  void complete(std::chrono::nanoseconds now, AssemblerOutput& out);
  void emit_reply(const std::string& body, std::chrono::nanoseconds now, AssemblerOutput& out);

  AssemblerConfig config_;
  bool line_ending_suffix_ = false;
  std::size_t min_size_ = 1;  // bytes a report needs for the layout's fields

  bool in_progress_ = false;
  bool overlong_ = false;
  int reports_in_message_ = 0;
  std::string aim_;   // 3 raw bytes of the message's AIM field ("" when the layout has none)
  std::string body_;  // data so far
  std::chrono::nanoseconds last_report_{0};
  std::chrono::nanoseconds reply_until_{0};
  std::string reply_text_;
  AssemblerCounters counters_;
};

}  // namespace scanedge::hid_pos
