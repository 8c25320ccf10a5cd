// SerialAsciiDriver: a plain ASCII serial scanner ([prefix][AIM id][data][suffix]) behind
// the ScannerDriver seam.
//
// Identity: serial::serial_scanner_id(port): the stable identity when `port` is one
//   ("usb:0403:6001:A50285BI"), else "serial:<port>" (see drivers/serial/serial_stream_factory.h).
// start(on_scan): opens the port through the StreamFactory (the real one is
//   SerialPortStream; tests pass a fake). If that first open fails start() returns its Error
//   (e.g. permission_denied naming the port) but the reader thread runs anyway, in state
//   disconnected, and keeps reopening with backoff: a scanner plugged in later comes into
//   service by itself. The reader thread reads, frames (LineFramer, settings from the
//   profile) and calls on_scan once per complete scan with RawScan{data, id(),
//   Clock::monotonic() at completion}.
// Disconnects: a read Error closes the stream, drops any partial scan (counted), sets state
//   disconnected and reopens with exponential backoff (tuning.backoff_initial doubling up to
//   tuning.backoff_max) until it succeeds (state in_service again) or stop() is called.
// Every open (and reopen): profile.init commands are written in order (raw bytes); a failed
//   write is logged and counted (stats().init_failures), the next reopen sends them again.
// feedback(kind): plain ASCII scanners have no standard beep/LED command.
//   - profile.host_ack = true (scanner in host ACK/NAK mode): good -> ACK 0x06; bad, warning,
//     storage_full -> NAK 0x15. Success means the byte was written to the port. Note that a
//     scanner in this mode retransmits on NAK, so a rejected scan can arrive again (up to the
//     scanner's retry count) before the scanner signals the error itself.
//   - else profile.feedback.<kind> non-empty: those bytes are written (a scanner-specific
//     command, e.g. a Honeywell serial menu beep).
//   - otherwise: nothing can be sent; returns success without touching the device. The only
//     operator signal is the scanner's own good-read beep; bad feedback must come from the
//     bus/UI. stats().feedback_unsupported counts these calls so the gap is visible.
//   Returns device_unavailable when something is to be sent but the port is not open.
// stop(): idempotent; wakes and joins the reader thread (promptly: reads wait at most
//   tuning.read_slice, backoff waits are interrupted), closes the stream. After it returns
//   on_scan is not called. The destructor calls stop().
// Threading: start/stop from one controlling thread; feedback(), state(), stats() from any
//   thread. on_scan runs on the reader thread, never concurrently with itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "drivers/serial/serial_stream_factory.h"
#include "drivers/serial_ascii/line_framer.h"
#include "edge/core/byte_stream.h"
#include "edge/core/clock.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::serial_ascii {

using serial::StreamFactory;
using serial::serial_port_factory;

struct DriverTuning {
  std::chrono::milliseconds read_slice{50};        // longest single read wait
  std::chrono::milliseconds backoff_initial{100};  // first reopen delay after a disconnect
  std::chrono::milliseconds backoff_max{5000};
};

struct DriverStats {
  FramerCounters framer;
  std::uint64_t disconnects = 0;
  std::uint64_t reopen_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t feedback_sent = 0;
  std::uint64_t feedback_unsupported = 0;
  std::uint64_t init_sent = 0;       // init commands written (all opens)
  std::uint64_t init_failures = 0;
  std::string last_error;  // message of the last open/read error, empty if none
};

class SerialAsciiDriver final : public ScannerDriver {
 public:
  // `clock` must outlive the driver.
  SerialAsciiDriver(std::string port, Profile profile, const Clock& clock,
                    StreamFactory factory = serial_port_factory(), DriverTuning tuning = {});
  ~SerialAsciiDriver() override;
  SerialAsciiDriver(const SerialAsciiDriver&) = delete;
  SerialAsciiDriver& operator=(const SerialAsciiDriver&) = delete;

  Status start(ScanHandler on_scan) override;
  void stop() override;
  Status feedback(Feedback kind) override;
  std::string id() const override { return id_; }
  DriverState state() const override { return state_.load(); }
  DriverStats stats() const;

  static constexpr std::uint8_t kAck = 0x06;
  static constexpr std::uint8_t kNak = 0x15;

 private:
  void run();
  bool wait_backoff(std::chrono::milliseconds d);  // false when stopping
  void set_stream(std::shared_ptr<ByteStream> s);
  std::shared_ptr<ByteStream> current_stream() const;
  void note_error(const std::string& msg);
  void send_init(ByteStream& s);

  const std::string port_;
  const std::string id_;
  const Profile profile_;
  const Clock& clock_;
  StreamFactory factory_;
  const DriverTuning tuning_;

  ScanHandler on_scan_;
  std::thread thread_;
  std::atomic<DriverState> state_{DriverState::stopped};

  mutable std::mutex mu_;  // guards stream_, stats_, stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<ByteStream> stream_;
  DriverStats stats_;
};

}  // namespace scanedge::serial_ascii
