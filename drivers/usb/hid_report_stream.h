// HidReportStream seam: one claimed USB HID interface, report by report. The libusb-backed
// implementation is in usb_hid_stream.h; drivers (hid-keyboard, hid-pos) take a
// HidStreamOpener so that unit tests can hand them a fake.
//
// read_report(): waits at most `timeout` for the next input report (interrupt IN) and copies
//   it into `buf`, report id first when the device numbers its reports. Returns its length;
//   0 means the timeout passed with no report. An Error means the interface is gone (code
//   device_disconnected: unplugged) or broken (device_io): the caller closes the stream and
//   reopens later by identity.
// write_output_report(): sends one output report (SET_REPORT(Output) on the control
//   endpoint, or the interrupt OUT endpoint when the interface has one). report[0] is the
//   report id (0 when the device uses none). Success means the device accepted it.
// set_feature_report(): SET_REPORT(Feature), same conventions.
// close(): idempotent, from any thread; a read_report() blocked in another thread returns
//   soon after (with device_closed).
// Threading: one reader and one writer may run at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "edge/core/result.h"

namespace scanedge::usb {

class HidReportStream {
 public:
  virtual ~HidReportStream() = default;
  virtual Result<std::size_t> read_report(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) = 0;
  virtual Status write_output_report(std::span<const std::uint8_t> report) = 0;
  virtual Status set_feature_report(std::span<const std::uint8_t> report) = 0;
  virtual void close() = 0;
  // For logs, e.g. "usb:0c2e:0b81:18011B0074 (bus 1 port 1.4)".
  virtual std::string describe() const = 0;
  // What the device reports about itself once open (USB string descriptors, bcdDevice as
  // "major.minor"); empty when unknown. Drivers check it against profile.min_firmware.
  virtual std::string firmware_version() const = 0;
};

// Opens the HID interface (class 3, or the profile's interface class) of the USB device
// whose stable identity is `identity` ("usb:VVVV:PPPP:SERIAL" or "usb:VVVV:PPPP@BUS-PORTS",
// see usb_identity.h). Errors: device_not_found (not attached now), permission_denied (the
// message names the udev rule / group that fixes it), device_busy, device_io.
using HidStreamOpener =
    std::function<Result<std::unique_ptr<HidReportStream>>(const std::string& identity, int interface_class)>;

}  // namespace scanedge::usb
