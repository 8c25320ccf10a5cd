// HidPosDriver: a USB HID POS scanner (usage page 0x8C) behind the ScannerDriver seam.
//
// Identity: the USB identity it was given ("usb:0c2e:0b81:18011B0074" or
//   "usb:VVVV:PPPP@B-P.P"), unchanged across unplug/replug; id() returns it and every
//   RawScan carries it.
// start(on_scan): opens the HID interface through the HidStreamOpener (the real one is
//   usb::usb_hid_opener(), tests pass a fake) with interface class
//   profile.match.usb_interface_class (3 = HID when the profile leaves it at -1). If that
//   first open fails start() returns its Error but the reader thread runs anyway, in state
//   disconnected, and keeps reopening with backoff. The reader thread assembles input
//   reports (PosReportAssembler with profile.hid_pos and the framing settings) and calls
//   on_scan once per complete scan with RawScan{AIM id + data, id(), monotonic time}.
//   Errors returned without running: already_started, invalid_argument (no handler / no
//   opener), invalid_hid_pos_layout (profile [hid_pos] offsets that do not fit).
// Every (re)open, before the first read: the firmware_version() is compared with
//   profile.min_firmware (older: warning + stats().firmware_too_old, still used); feature
//   report 0xFE = 0x01 when profile.hid_pos.route_feature; then each profile.init command
//   in order, as output reports 0xFD (honeywell_commands.h: bytes starting with SYN are
//   sent as they are, others get the SYN M CR menu header). A refused write is logged and
//   counted in init_failures; the scanner is still put in service.
// Menu replies ("]Z"/"]X0" reports answering init or feedback commands) are not scans:
//   they are counted by status (replies_ack / replies_nak / replies_enq / replies_unknown)
//   and logged (NAK/ENQ as warnings: the profile holds a command this firmware refuses).
// Disconnects: a read Error closes the stream, drops any partial message (counted), sets
//   state disconnected and reopens by identity with exponential backoff (backoff_initial
//   doubling up to backoff_max) until it succeeds (state in_service) or stop().
// feedback(kind): sends profile.feedback.<kind> as output report(s) 0xFD. Success means
//   the device accepted the report(s) (stats().feedback_sent). An empty command means the
//   profile has no device signal for this kind: nothing is sent, success is returned and
//   stats().feedback_unsupported counts it. device_unavailable when the scanner is not
//   open; the stream's Error when a write fails.
// stop(): idempotent; wakes and joins the reader thread promptly, closes the stream. After
//   it returns on_scan is not called. The destructor calls stop().
// Threading: start/stop from one controlling thread; feedback(), state(), stats() from any
//   thread (writes to the device are serialised). on_scan runs on the reader thread, never
//   concurrently with itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "drivers/hid_pos/pos_report_assembler.h"
#include "drivers/usb/hid_report_stream.h"
#include "edge/core/clock.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::hid_pos {

struct DriverTuning {
  std::chrono::milliseconds read_slice{50};        // longest single read wait
  std::chrono::milliseconds backoff_initial{100};  // first reopen delay after a disconnect
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds reply_wait{2000};      // how long "]X0" text counts as a reply
};

struct DriverStats {
  AssemblerCounters assembler;
  std::uint64_t disconnects = 0;
  std::uint64_t reopen_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t init_sent = 0;         // init commands (and the routing feature) accepted
  std::uint64_t init_failures = 0;     // ... refused by the device
  std::uint64_t feedback_sent = 0;
  std::uint64_t feedback_unsupported = 0;
  std::uint64_t replies_ack = 0, replies_nak = 0, replies_enq = 0, replies_unknown = 0;
  std::string last_reply;              // echo of the last menu reply
  std::string firmware_version;        // as reported at the last open; "" unknown
  bool firmware_too_old = false;       // older than profile.min_firmware
  std::string last_error;              // message of the last open/read/write error
};

class HidPosDriver final : public ScannerDriver {
 public:
  // `clock` must outlive the driver.
  HidPosDriver(std::string identity, Profile profile, const Clock& clock, usb::HidStreamOpener opener,
               DriverTuning tuning = {});
  ~HidPosDriver() override;
  HidPosDriver(const HidPosDriver&) = delete;
  HidPosDriver& operator=(const HidPosDriver&) = delete;

  Status start(ScanHandler on_scan) override;
  void stop() override;
  Status feedback(Feedback kind) override;
  std::string id() const override { return id_; }
  DriverState state() const override { return state_.load(); }
  DriverStats stats() const;

 private:
  void run();
  bool wait_backoff(std::chrono::milliseconds d);  // false when stopping
  bool stopping() const;
  Result<std::shared_ptr<usb::HidReportStream>> open_stream();
  void configure(usb::HidReportStream& s);
  Status send_command(usb::HidReportStream& s, const std::string& profile_bytes);
  std::shared_ptr<usb::HidReportStream> current_stream() const;
  void set_stream(std::shared_ptr<usb::HidReportStream> s);
  void note_reply(const CommandReply& r);

  const std::string id_;
  const Profile profile_;
  const Clock& clock_;
  usb::HidStreamOpener opener_;
  const DriverTuning tuning_;
  const int interface_class_;

  ScanHandler on_scan_;
  std::thread thread_;
  std::atomic<DriverState> state_{DriverState::stopped};
  std::atomic<std::int64_t> reply_until_ns_{0};  // a menu command was sent: replies expected

  std::mutex write_mu_;    // one writer at a time on the device
  mutable std::mutex mu_;  // guards stream_, stats_, stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<usb::HidReportStream> stream_;
  DriverStats stats_;
};

}  // namespace scanedge::hid_pos
