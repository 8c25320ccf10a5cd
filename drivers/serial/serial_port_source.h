// SerialPortSource: the serial ports attached now, through libserialport enumeration, as a
// DeviceSource (edge/core/device_source.h).
//
// Identity of a port (see serial_stream_factory.h):
//   - on a USB adapter or a USB-CDC scanner: the USB device's identity
//     (usb::usb_identity(vid, pid, serial, bus, ports)), so the same scanner keeps its name
//     when /dev/ttyUSB0 comes back as /dev/ttyUSB1. The port path ("1-2") is read from the
//     port's sysfs device link; the USB strings from libserialport;
//   - otherwise "serial:<device path>".
// access: ok when the node can be opened read-write by this process (access(2)),
//   permission_denied with the fix (dialout group / the scanedge udev rule) otherwise.
// Ports with no device behind them (the many /dev/ttyS* of a PC with no UART: libserialport
//   lists them as native ports) are skipped unless their sysfs entry has a driver other
//   than the legacy 8250 placeholder; pass include_all = true to list them anyway.
// find_port_for_identity(identity): the device path carrying `identity` now, or
//   device_not_found (the message lists what is attached). Plain paths are returned as-is.
// Threading: list() and find_port_for_identity() are safe from any thread (each call
//   enumerates afresh; libserialport keeps no global state for enumeration).
#pragma once

#include <string>
#include <vector>

#include "edge/core/device_source.h"
#include "edge/core/result.h"

namespace scanedge::serial {

class SerialPortSource final : public DeviceSource {
 public:
  explicit SerialPortSource(bool include_all = false) : include_all_(include_all) {}
  Result<std::vector<AttachedDevice>> list() override;
  std::string name() const override { return "serial"; }

 private:
  bool include_all_;
};

Result<std::string> find_port_for_identity(const std::string& identity);

}  // namespace scanedge::serial
