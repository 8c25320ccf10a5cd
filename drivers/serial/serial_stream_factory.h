// How serial driver families (serial-ascii, ssi, rfid-mercury) open their port, and the
// identity they report.
//
// A serial scanner is named in one of three ways (config `port`, or by the device manager):
//   - a stable identity "usb:VVVV:PPPP:SERIAL" / "usb:VVVV:PPPP@B-P.P" (the USB device the
//     serial port belongs to: USB-serial adapter or USB-CDC scanner). It survives replugging
//     and tty renumbering (/dev/ttyUSB0 coming back as /dev/ttyUSB1);
//   - "serial:/dev/ttyS0" (a port with no USB parent);
//   - a plain device path "/dev/ttyUSB0" (kept for existing configs; not stable).
// serial_scanner_id(port): the identity a driver reports for that name: identities are kept
//   as they are, a plain path becomes "serial:<path>".
// serial_port_factory(): the real StreamFactory. For an identity it finds the port that
//   carries it now (libserialport enumeration, on every open, so a renumbered port is found)
//   and opens it with SerialPortStream; device_not_found when no attached port carries it.
// Threading: the factory may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "edge/core/byte_stream.h"
#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::serial {

using StreamFactory =
    std::function<Result<std::unique_ptr<ByteStream>>(const std::string& port, const SerialSettings& settings)>;

StreamFactory serial_port_factory();

std::string serial_scanner_id(const std::string& port);

}  // namespace scanedge::serial
