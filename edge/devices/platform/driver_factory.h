// The wiring of driver families: which concrete ScannerDriver serves a profile's `driver`.
// The only place (with the agent) that names concrete driver classes.
//
// make_driver_factory(clock): a DriverFactory (device_manager.h) creating
//   serial-ascii -> SerialAsciiDriver, ssi -> SsiDriver, rfid-mercury -> MercuryDriver
//     (port: identity or path, opened through serial::serial_port_factory()),
//   hid-keyboard -> HidKeyboardDriver, hid-pos -> HidPosDriver
//     (port: a usb: identity, opened through usb::usb_hid_opener()).
//   Errors (code config): the port is not one the family can serve (scanner_port.h); an
//   unknown family.
// `clock` must outlive every driver created.
#pragma once

#include "edge/core/clock.h"
#include "edge/devices/device_manager.h"

namespace scanedge::devices {

DriverFactory make_driver_factory(const Clock& clock);

}  // namespace scanedge::devices
