// LineFramer: turns the byte stream of a plain ASCII scanner into complete scans.
// Pure: no I/O, no clock of its own; time is passed in (monotonic nanoseconds).
//
// Frame: [prefix][data][suffix]. Rules:
// - Line-ending mode (the configured suffix is made only of CR/LF bytes, e.g. "\r\n"): CR
//   ends a scan, LF ends a scan, and an LF right after a CR (even in a later feed()) is part
//   of the same ending, so CRLF never yields an empty second scan. Tolerant on purpose:
//   scanners are often reconfigured between CR, LF and CRLF.
// - Exact-suffix mode (any other non-empty suffix, e.g. "\t" or ETX): a scan ends when the
//   pending bytes end with the suffix.
// - Idle flush: a pending partial scan is emitted by poll() once `idle_timeout` has passed
//   since its last byte (0 disables). Covers scanners with no or a lost suffix.
// - The prefix, when configured and present, is stripped; a scan without it is delivered
//   unchanged and counted in `prefix_missing`.
// - NUL bytes (line noise at power-up, break conditions) are dropped and counted in
//   `garbage_bytes`. Every other byte is kept: GS (0x1D), RS, EOT are barcode data.
// - Empty lines are not scans (counted in `empty_lines`).
// - Memory is bounded: a scan longer than `max_scan_bytes` is dropped whole (counted in
//   `overlong_dropped`); bytes up to its ending are discarded, never delivered as a scan.
// Threading: not thread-safe; one owner (the driver's reader thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace scanedge::serial_ascii {

struct FramerConfig {
  std::string prefix;
  std::string suffix = "\r\n";
  std::chrono::milliseconds idle_timeout{200};
  std::size_t max_scan_bytes = 4096;
};

struct FramerCounters {
  std::uint64_t scans = 0;             // scans emitted (terminated + idle-flushed)
  std::uint64_t idle_flushes = 0;      // of which emitted by the idle timeout
  std::uint64_t overlong_dropped = 0;  // scans dropped for exceeding max_scan_bytes
  std::uint64_t garbage_bytes = 0;     // NUL bytes dropped
  std::uint64_t empty_lines = 0;       // line endings with nothing before them
  std::uint64_t prefix_missing = 0;    // scans delivered without the configured prefix
  std::uint64_t partial_discarded = 0; // partial scans thrown away by reset()
};

struct FramedScan {
  std::string data;
  std::chrono::nanoseconds mono{0};  // when the scan was complete
};

class LineFramer {
 public:
  explicit LineFramer(FramerConfig config);

  // Consumes bytes that arrived at `now`; appends every completed scan to `out`.
  void feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now, std::vector<FramedScan>& out);
  // Emits the pending partial scan if the idle timeout has passed at `now`.
  void poll(std::chrono::nanoseconds now, std::vector<FramedScan>& out);
  // When poll() would flush the pending partial scan; nullopt when nothing is pending or
  // the idle timeout is disabled.
  std::optional<std::chrono::nanoseconds> idle_deadline() const;
  // Forgets a partial scan (e.g. the device went away mid-scan); counted.
  void reset();

  bool has_pending() const { return !pending_.empty() || discarding_; }
  const FramerCounters& counters() const { return counters_; }
  const FramerConfig& config() const { return config_; }

 private:
  void end_line(std::chrono::nanoseconds now, std::vector<FramedScan>& out, bool by_idle);
  void push_byte(char c);

  FramerConfig config_;
  bool line_ending_mode_ = false;
  std::string pending_;
  bool discarding_ = false;   // inside an over-long scan: drop until its ending
  bool after_cr_ = false;     // the last byte was a CR ending (swallow one LF)
  std::chrono::nanoseconds last_byte_{0};
  FramerCounters counters_;
};

}  // namespace scanedge::serial_ascii
