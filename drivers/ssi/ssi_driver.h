// SsiDriver: a Zebra scanner speaking SSI over a serial port, behind the ScannerDriver seam.
//
// Identity: serial::serial_scanner_id(port) (a stable "usb:VVVV:PPPP:SERIAL" when `port` is
//   one, else "serial:<port>"), see drivers/serial/serial_stream_factory.h.
// start(on_scan): opens the port through the StreamFactory (real one: SerialPortStream). If
//   that first open fails start() returns its Error but the reader thread runs anyway, in
//   state disconnected, and keeps reopening with backoff (tuning.backoff_initial doubling up
//   to tuning.backoff_max) until stop(). Only misuse (started twice, no handler, no factory)
//   returns an Error without running.
// Session set-up, on the reader thread after EVERY successful open (so a replugged scanner
//   gets its settings back), in this order; the state is `opening` meanwhile:
//   1. profile.ssi.params as PARAM_SEND frame(s) (beep code 0xFF, status bit 3 when
//      profile.ssi.permanent; encoding in ssi_commands.h);
//   2. each profile.init entry (opcode + data of one SSI command) framed by the driver;
//   3. REQUEST_REVISION (0xA3). The REPLY_REVISION (0xA4) sets stats().firmware_version;
//      when profile.min_firmware is set and compare_firmware() says the scanner is older,
//      a warning is logged and stats().firmware_too_old is set (the scanner stays in service).
//   Each command waits up to tuning.command_timeout for the scanner's answer (CMD_ACK, or
//   REPLY_REVISION for 3). A timeout or NAK "resend" (0x01) sends it again, up to
//   tuning.command_retries more times. A NAK with another reason (0x02 bad context, 0x06
//   denied), or no answer after the retries, is logged and counted (command_naks /
//   command_timeouts; param_send_failed / init_failed) and the set-up goes on: the driver
//   stays in service with the scanner's current settings. Then the state is in_service.
// Receiving: every DECODE_DATA packet with a good checksum is ACKed (CMD_ACK from the host),
//   also retransmitted duplicates and dropped ones, so the scanner moves on. A frame with a
//   bad checksum is NAKed (reason 0x01 resend) once; the scanner's retransmission is
//   accepted. EVENT (0xF6) frames are ACKed and counted. Framing, continuation joining,
//   duplicate suppression and all bounds are SsiFrameParser's (ssi_frame.h; the message
//   size bound is profile.max_scan_bytes). A complete scan is delivered as RawScan{data,
//   id(), Clock::monotonic() at completion} where data is the barcode with the AIM id the
//   driver derives from the barcode type (ssi_barcode_types.h) unless profile.aim_ids says
//   the scanner sends AIM ids itself. Unmapped types are delivered without AIM id, counted.
// Disconnects: a read or write Error closes the stream, drops partial frames/scans
//   (counted), sets state disconnected and reopens with backoff; a reopen runs the session
//   set-up again.
// feedback(kind): sends profile.feedback.<kind> (opcode + data, e.g. E6 01 = BEEP, E7/E8
//   LED) as one SSI command and waits up to tuning.feedback_timeout for the CMD_ACK.
//   - empty command: nothing can be sent; success, counted in feedback_unsupported;
//   - ACK: success (feedback_sent); a NAK "resend" sends it once more;
//   - NAK (other reason): Error feedback_refused; no ACK in time: Error feedback_timeout
//     (not resent: the scanner may have beeped already); both counted in feedback_failed;
//   - port closed or session set-up running: Error device_unavailable;
//   - malformed command (too long): Error invalid_ssi_command.
//   Called on the reader thread (from on_scan) the command is written without waiting for
//   its ACK (the reader cannot read its own answer); success means it was written.
// Writes: one writer mutex, so the reader's ACK/NAKs and feedback() frames never interleave.
//   One command at a time waits for an answer (SSI answers carry no command id).
// stop(): idempotent; wakes and joins the reader thread promptly (reads wait at most
//   tuning.read_slice, backoff and answer waits are interrupted), closes the stream. After
//   it returns on_scan is not called. The destructor calls stop().
// Threading: start/stop from one controlling thread; feedback(), state(), stats() from any
//   thread. on_scan runs on the reader thread, never concurrently with itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/serial/serial_stream_factory.h"
#include "drivers/ssi/ssi_frame.h"
#include "edge/core/byte_stream.h"
#include "edge/core/clock.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::ssi {

using serial::StreamFactory;
using serial::serial_port_factory;

struct DriverTuning {
  std::chrono::milliseconds read_slice{50};          // longest single read wait
  std::chrono::milliseconds backoff_initial{100};    // first reopen delay after a disconnect
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds command_timeout{500};    // answer wait per set-up command try
  int command_retries = 2;                           // extra tries per set-up command
  std::chrono::milliseconds feedback_timeout{250};   // CMD_ACK wait for a feedback command
  std::chrono::milliseconds stale_frame_timeout{300};  // see SsiParserConfig::stale_timeout
};

struct DriverStats {
  SsiParserCounters parser;
  std::uint64_t sessions = 0;             // successful opens (first one included)
  std::uint64_t disconnects = 0;
  std::uint64_t reopen_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t acks_sent = 0;            // CMD_ACKs for DECODE_DATA / EVENT
  std::uint64_t naks_sent = 0;            // CMD_NAK resend for bad checksums
  std::uint64_t scans = 0;                // scans delivered to on_scan
  std::uint64_t unknown_barcode_types = 0;
  std::uint64_t events = 0;               // EVENT frames received
  std::uint64_t unexpected_frames = 0;    // answers nobody waited for, unhandled opcodes
  std::uint64_t param_send_ok = 0;        // PARAM_SEND frames ACKed
  std::uint64_t param_send_failed = 0;    // refused or unanswered
  std::uint64_t init_ok = 0;              // profile.init commands ACKed
  std::uint64_t init_failed = 0;
  std::uint64_t command_resends = 0;      // commands sent again (NAK resend or timeout)
  std::uint64_t command_naks = 0;         // commands refused (NAK other than resend)
  std::uint64_t command_timeouts = 0;     // answers that did not come in time
  std::uint64_t feedback_sent = 0;
  std::uint64_t feedback_unsupported = 0;
  std::uint64_t feedback_failed = 0;
  std::string firmware_version;           // from REPLY_REVISION; empty until known
  std::string revision;                   // the whole revision reply
  bool firmware_too_old = false;          // older than profile.min_firmware
  std::string last_error;                 // last open/read/write/command problem
};

class SsiDriver final : public ScannerDriver {
 public:
  // `clock` must outlive the driver.
  SsiDriver(std::string port, Profile profile, const Clock& clock, StreamFactory factory = serial_port_factory(),
            DriverTuning tuning = {});
  ~SsiDriver() override;
  SsiDriver(const SsiDriver&) = delete;
  SsiDriver& operator=(const SsiDriver&) = delete;

  Status start(ScanHandler on_scan) override;
  void stop() override;
  Status feedback(Feedback kind) override;
  std::string id() const override { return id_; }
  DriverState state() const override { return state_.load(); }
  DriverStats stats() const;

 private:
  enum class Outcome { answered, refused, timeout, io_error, stopped };
  struct CommandResult {
    Outcome outcome = Outcome::timeout;
    SsiFrame answer;             // answered / refused: the scanner's frame
    std::string error;           // io_error: what failed
  };

  void run();
  bool setup_session(const std::shared_ptr<ByteStream>& s);  // false: stream broke or stopping
  bool pump(ByteStream& s, std::chrono::milliseconds wait);  // false: stream broke
  void handle(SsiParsed& p, ByteStream& s, bool& write_failed);
  CommandResult run_command(const std::shared_ptr<ByteStream>& s, const std::vector<std::uint8_t>& frame,
                            std::uint8_t expect, std::chrono::milliseconds timeout, int retries,
                            bool retry_on_timeout, bool on_reader);
  Status write_frame(ByteStream& s, const std::vector<std::uint8_t>& bytes);
  void on_revision(const SsiFrame& f);
  bool wait_backoff(std::chrono::milliseconds d);  // false when stopping
  void set_stream(std::shared_ptr<ByteStream> s);
  std::shared_ptr<ByteStream> current_stream() const;
  void note_error(const std::string& msg);
  void publish_parser_counters();
  bool stopping() const { return stopping_.load(); }

  const std::string port_;
  const std::string id_;
  const Profile profile_;
  const Clock& clock_;
  StreamFactory factory_;
  const DriverTuning tuning_;

  ScanHandler on_scan_;
  std::thread thread_;
  std::atomic<DriverState> state_{DriverState::stopped};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> session_ready_{false};  // set-up finished on the current stream

  mutable std::mutex mu_;  // guards stream_, stats_
  std::condition_variable cv_;
  std::shared_ptr<ByteStream> stream_;
  DriverStats stats_;

  std::mutex write_mu_;    // one writer at a time on the port
  std::mutex command_mu_;  // one command waiting for an answer at a time
  std::mutex answer_mu_;   // guards the answer slot below
  std::condition_variable answer_cv_;
  bool waiting_ = false;
  std::uint8_t expect_ = 0;
  std::optional<SsiFrame> answer_;

  // Reader-thread only.
  SsiFrameParser parser_;
  std::vector<SsiParsed> parsed_;
};

}  // namespace scanedge::ssi
