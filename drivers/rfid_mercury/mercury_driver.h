// MercuryDriver: a ThingMagic/JADAK Mercury-protocol UHF RFID reader (M6e, Micro, Nano and
// readers built on them) on a serial port, behind the ScannerDriver seam.
//
// Identity: serial::serial_scanner_id(port) ("usb:VVVV:PPPP:SERIAL", "serial:/dev/ttyS0").
// start(on_scan): checks the profile (filter settings: rfid_settings_invalid; antennas, read
//   power and init entries: mercury_config_invalid — these return the Error WITHOUT running:
//   the profile must be fixed), opens the port through the StreamFactory and starts the
//   reader thread. An open failure is returned (e.g. device_not_found naming the port) but
//   the thread runs anyway, in state disconnected, and keeps reopening with backoff.
// After every (re)open the thread sends the start sequence (mercury_commands.h: stop a
//   previous stream, VERSION, Gen2, antennas, read power, read filter off, profile.init,
//   start continuous reading), each command waiting at most tuning.command_timeout (real
//   time) for its answer. State is `opening` meanwhile and `in_service` once reading has
//   started. The firmware version from VERSION is in stats().firmware_version; when it is
//   older than profile.min_firmware (compare_firmware) a warning is logged and
//   stats().firmware_too_old is set (the reader is used anyway). If VERSION or the start
//   command get no answer or an error status, the port is closed and reopened with backoff
//   (stats().handshake_failures, last_error says which command and why).
// Scans: every tag record (mercury_tag_record.h) becomes an rfid::TagRead stamped with
//   Clock::monotonic() when its frame was complete and goes through an rfid::ReadFilter
//   configured from profile.rfid (window, min_reads, rssi_min_dbm, absence_timeout,
//   max_tags). Only a tag that qualifies (its `appear` event) becomes a scan:
//   RawScan{data = the EPC as upper-case hex, e.g. "3074257BF7194E4000001A85", scanner =
//   id(), mono = the appear time}. There is no AIM id or other marker: decode() would take
//   the hex for plain text, so scans of an rfid-mercury scanner must be decoded with
//   decode::decode_epc() (edge/decode/epc.h) by whoever knows the scanner's driver family.
//   The filter is polled on every read slice so absences are noticed without reads; it is
//   kept across reconnects (a tag that stayed in the field is not scanned again after a
//   USB glitch).
// Robustness: garbage, bad CRCs, oversize or stale partial frames (FrameParser) and
//   malformed records (TagRecordDecoder) are dropped and counted in stats(); frames of
//   other opcodes while reading are counted in frames_ignored. No buffer grows without
//   bound: the frame parser holds at most one frame, the filter at most max_tags tags.
// Disconnects: a read/write Error closes the stream, sets state disconnected and reopens
//   with exponential backoff (tuning.backoff_initial doubling up to backoff_max); the start
//   sequence is sent again on the new stream.
// feedback(kind): a fixed reader has no beeper or LED the protocol drives: nothing is sent,
//   success is returned and stats().feedback_unsupported counts the call.
// stop(): idempotent; sends stop-reading (0x2F 00 00 02) when the port is open (errors
//   ignored), closes the stream, wakes and joins the thread promptly (reads wait at most
//   tuning.read_slice; backoff and answer waits are interrupted). After it returns on_scan
//   is not called. The destructor calls stop().
// Threading: start/stop from one controlling thread; feedback(), state(), stats() from any
//   thread. on_scan runs on the reader thread, never concurrently with itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/rfid_mercury/mercury_commands.h"
#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"
#include "drivers/serial/serial_stream_factory.h"
#include "edge/core/byte_stream.h"
#include "edge/core/clock.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"
#include "edge/rfid/read_filter.h"

namespace scanedge::mercury {

using serial::StreamFactory;
using serial::serial_port_factory;

struct DriverTuning {
  std::chrono::milliseconds read_slice{50};         // longest single read wait
  std::chrono::milliseconds backoff_initial{100};   // first reopen delay after a failure
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds command_timeout{1000};  // wait for one command's answer
};

struct DriverStats {
  FrameParserCounters frames;
  TagRecordCounters records;
  rfid::ReadFilterCounters filter;
  std::uint64_t scans = 0;               // RawScans delivered
  std::uint64_t frames_ignored = 0;      // good frames nobody waited for
  std::uint64_t handshakes = 0;          // start sequences completed
  std::uint64_t handshake_failures = 0;
  std::uint64_t command_errors = 0;      // optional commands answered with an error status
  std::uint64_t commands_unanswered = 0; // optional commands with no answer in time
  std::uint64_t disconnects = 0;
  std::uint64_t reopen_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t feedback_unsupported = 0;
  std::string firmware_version;          // "01.0B.02.03"; empty until VERSION answered
  std::string hardware_version;
  bool firmware_too_old = false;         // older than profile.min_firmware
  std::string last_error;                // last open/read/handshake/record error
};

class MercuryDriver final : public ScannerDriver {
 public:
  // `clock` must outlive the driver.
  MercuryDriver(std::string port, Profile profile, const Clock& clock, StreamFactory factory = serial_port_factory(),
                DriverTuning tuning = {});
  ~MercuryDriver() override;
  MercuryDriver(const MercuryDriver&) = delete;
  MercuryDriver& operator=(const MercuryDriver&) = delete;

  Status start(ScanHandler on_scan) override;
  void stop() override;
  Status feedback(Feedback kind) override;
  std::string id() const override { return id_; }
  DriverState state() const override { return state_.load(); }
  DriverStats stats() const;

 private:
  void run();
  Status handshake(ByteStream& s);
  Status send(ByteStream& s, std::uint8_t op, std::span<const std::uint8_t> data);
  // Reads until a frame with `op` arrives (true, *answer set) or timeout/stop (false).
  Result<bool> await(ByteStream& s, std::uint8_t op, Frame& answer);
  void handle_stream_frames(std::vector<Frame>& frames, std::chrono::nanoseconds now);
  void poll_filter(std::chrono::nanoseconds now);
  void publish();
  bool stopping() const;
  bool wait_backoff(std::chrono::milliseconds d);
  std::shared_ptr<ByteStream> current_stream() const;
  void note_error(const std::string& msg);

  const std::string port_;
  const std::string id_;
  const Profile profile_;
  const Clock& clock_;
  StreamFactory factory_;
  const DriverTuning tuning_;

  ScanHandler on_scan_;
  std::thread thread_;
  std::atomic<DriverState> state_{DriverState::stopped};

  // Owned by the reader thread once started.
  std::vector<Command> sequence_;
  std::optional<rfid::ReadFilter> filter_;
  FrameParser parser_;
  TagRecordDecoder decoder_;
  std::vector<Frame> frames_;
  std::vector<Frame> leftover_;  // frames that came after an awaited answer
  std::vector<rfid::TagRead> reads_;
  std::uint64_t scans_ = 0;
  std::uint64_t frames_ignored_ = 0;

  std::mutex write_mu_;    // serialises writes (handshake on the thread, stop-reading in stop())
  mutable std::mutex mu_;  // guards stream_, stats_, stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<ByteStream> stream_;
  DriverStats stats_;
};

}  // namespace scanedge::mercury
