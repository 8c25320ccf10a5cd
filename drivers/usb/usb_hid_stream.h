// UsbHidStream: the libusb implementation of the HidReportStream seam (hid_report_stream.h)
// for one HID interface of one USB device, found by its stable identity.
//
// open(ctx, identity, interface_class):
//   1. finds the attached device whose identity (usb_identity.h) is `identity` (the serial
//      form matches vid, pid and serial wherever the device is plugged in; the location form
//      matches vid, pid, bus and port path), else device_not_found;
//   2. opens it (permission_denied names the udev rule / group that fixes it);
//   3. picks the first interface whose class is `interface_class` (3 = HID) and its
//      interrupt IN endpoint (required) and interrupt OUT endpoint (optional);
//   4. libusb_set_auto_detach_kernel_driver(1) BEFORE claiming, so the kernel's usbhid
//      (which owns keyboards and HID POS scanners) is detached for as long as we hold the
//      interface and re-attached on close; then claims it (device_busy when another
//      program holds it);
//   5. keeps one interrupt IN transfer in flight on the context's event thread; completed
//      reports wait in a bounded queue (capacity 256 reports; when full the oldest is
//      dropped and counted in stats().reports_dropped) until read_report() takes them.
// read_report(): reports in arrival order; reports received before an unplug are still
//   delivered, then device_disconnected. A report longer than `buf` is truncated (counted in
//   stats().reports_truncated). device_io when the endpoint keeps failing (8 errors in a
//   row), device_closed after close().
// write_output_report(): interrupt OUT when the interface has that endpoint, else
//   SET_REPORT(Output) on endpoint 0; report[0] = report id (0: unnumbered, the id byte is
//   not sent). set_feature_report(): SET_REPORT(Feature). Both wait at most 1 s
//   (device_timeout); a stall is device_io; an unplugged device gives device_disconnected.
// close(): idempotent, any thread except the libusb event thread; a blocked read_report()
//   returns device_closed at once; close() then cancels the IN transfer, waits for an
//   in-flight write, releases the interface (the kernel driver is re-attached) and closes
//   the handle. The destructor closes.
// describe(): "usb:0c2e:0b81:18011B0074 (bus 1 port 1.4)". firmware_version(): bcdDevice
//   as "major.minor" (e.g. "1.12").
// Threading: one reader and one writer may run at the same time (plus close()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/usb/hid_report_stream.h"
#include "drivers/usb/usb_context.h"
#include "drivers/usb/usb_device_info.h"
#include "edge/core/result.h"

namespace scanedge::usb {

struct UsbHidStats {
  std::uint64_t reports_received = 0;
  std::uint64_t reports_dropped = 0;    // queue full (nobody reading)
  std::uint64_t reports_truncated = 0;  // longer than the reader's buffer
  std::uint64_t transfer_errors = 0;    // failed IN transfers (retried)
};

class UsbHidStream final : public HidReportStream {
 public:
  static Result<std::unique_ptr<UsbHidStream>> open(std::shared_ptr<UsbContext> ctx, const std::string& identity,
                                                    int interface_class = 3);
  ~UsbHidStream() override;
  UsbHidStream(const UsbHidStream&) = delete;
  UsbHidStream& operator=(const UsbHidStream&) = delete;

  Result<std::size_t> read_report(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override;
  Status write_output_report(std::span<const std::uint8_t> report) override;
  Status set_feature_report(std::span<const std::uint8_t> report) override;
  void close() override;
  std::string describe() const override;
  std::string firmware_version() const override;

  const UsbDeviceInfo& info() const;
  int interface_number() const;
  std::uint8_t in_endpoint() const;
  std::uint8_t out_endpoint() const;  // 0 = none (SET_REPORT is used)
  UsbHidStats stats() const;

  struct Impl;

 private:
  explicit UsbHidStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opener for drivers (hid-keyboard, hid-pos): each call opens a UsbHidStream on `ctx`, or
// on UsbContext::shared() (resolved at call time) when ctx is null.
HidStreamOpener usb_hid_opener(std::shared_ptr<UsbContext> ctx = nullptr);

}  // namespace scanedge::usb
