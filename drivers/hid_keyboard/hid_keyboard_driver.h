// HidKeyboardDriver: a USB HID keyboard-wedge scanner behind the ScannerDriver seam.
//
// Identity: the USB identity it was given ("usb:05e0:1200:SN123" or "usb:VVVV:PPPP@B-P.P"),
//   unchanged across unplug/replug; id() returns it and every RawScan carries it.
// start(on_scan): opens the HID interface through the HidStreamOpener (the real one is
//   usb::usb_hid_opener(), tests pass a fake) with interface class
//   profile.match.usb_interface_class (3 = HID when the profile leaves it at -1). If that
//   first open fails start() returns its Error (e.g. permission_denied with the udev hint)
//   but the reader thread runs anyway, in state disconnected, and keeps reopening with
//   backoff. The reader thread reads input reports, decodes them (KeyboardDecoder with the
//   profile's layout, prefix, suffix, idle timeout, max_scan_bytes) and calls on_scan once
//   per complete scan with RawScan{data, id(), Clock::monotonic() at completion}.
//   Errors returned without running: already_started, invalid_argument (no handler / no
//   opener), unknown_keyboard_layout (the profile names a layout this driver lacks).
// Every (re)open: the stream's firmware_version() is compared with profile.min_firmware
//   (compare_firmware); an older one is logged as a warning and flagged in
//   stats().firmware_too_old (the scanner is still used). profile.init is not sent: a
//   keyboard wedge has no command channel (the profile loader keeps it empty; a non-empty
//   one is logged once and ignored).
// Disconnects: a read Error closes the stream, drops any partial scan (counted), sets state
//   disconnected and reopens by identity with exponential backoff (tuning.backoff_initial
//   doubling up to tuning.backoff_max) until it succeeds (state in_service) or stop().
// feedback(kind): keyboard wedges have no command channel: nothing is sent, success is
//   returned and stats().feedback_unsupported counts the call (operator feedback must come
//   from the bus/UI; the scanner's own good-read beep is the only device signal).
// stop(): idempotent; wakes and joins the reader thread promptly (reads wait at most
//   tuning.read_slice, backoff waits are interrupted, the stream is closed). After it
//   returns on_scan is not called. The destructor calls stop().
// Threading: start/stop from one controlling thread; feedback(), state(), stats() from any
//   thread. on_scan runs on the reader thread, never concurrently with itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "drivers/hid_keyboard/keyboard_decoder.h"
#include "drivers/usb/hid_report_stream.h"
#include "edge/core/clock.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::hid_keyboard {

struct DriverTuning {
  std::chrono::milliseconds read_slice{50};        // longest single read wait
  std::chrono::milliseconds backoff_initial{100};  // first reopen delay after a disconnect
  std::chrono::milliseconds backoff_max{5000};
};

struct DriverStats {
  KeyboardCounters decoder;
  std::uint64_t disconnects = 0;
  std::uint64_t reopen_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t feedback_unsupported = 0;
  std::string firmware_version;   // as reported by the device at the last open; "" unknown
  bool firmware_too_old = false;  // older than profile.min_firmware
  std::string last_error;         // message of the last open/read error, empty if none
};

class HidKeyboardDriver final : public ScannerDriver {
 public:
  // `clock` must outlive the driver.
  HidKeyboardDriver(std::string identity, Profile profile, const Clock& clock, usb::HidStreamOpener opener,
                    DriverTuning tuning = {});
  ~HidKeyboardDriver() override;
  HidKeyboardDriver(const HidKeyboardDriver&) = delete;
  HidKeyboardDriver& operator=(const HidKeyboardDriver&) = delete;

  Status start(ScanHandler on_scan) override;
  void stop() override;
  Status feedback(Feedback kind) override;
  std::string id() const override { return id_; }
  DriverState state() const override { return state_.load(); }
  DriverStats stats() const;

 private:
  void run(KeyboardDecoderConfig config);
  bool wait_backoff(std::chrono::milliseconds d);  // false when stopping
  bool stopping() const;
  Result<std::shared_ptr<usb::HidReportStream>> open_stream();
  std::shared_ptr<usb::HidReportStream> current_stream() const;
  void set_stream(std::shared_ptr<usb::HidReportStream> s);

  const std::string id_;
  const Profile profile_;
  const Clock& clock_;
  usb::HidStreamOpener opener_;
  const DriverTuning tuning_;
  const int interface_class_;

  ScanHandler on_scan_;
  std::thread thread_;
  std::atomic<DriverState> state_{DriverState::stopped};

  mutable std::mutex mu_;  // guards stream_, stats_, stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<usb::HidReportStream> stream_;
  DriverStats stats_;
};

}  // namespace scanedge::hid_keyboard
