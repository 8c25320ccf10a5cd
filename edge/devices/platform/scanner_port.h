// Whether a [[scanner]] port can be served by a profile's driver family: the one rule the
// agent (driver_factory.cc, at start) and `scanedgectl provision --scanner` (before writing)
// both apply, so a binding provision accepts is one the agent starts with.
//
//   hid-keyboard, hid-pos          a USB identity "usb:VVVV:PPPP:SERIAL" or "usb:VVVV:PPPP@B-P.P"
//                                  (drivers/usb/usb_identity.h), as `scanedgectl devices` lists it;
//   serial-ascii, ssi, rfid-mercury a USB identity (a USB-serial adapter), "serial:/dev/..." or an
//                                  absolute device path "/dev/...".
// Success: the port is well-formed for the family (whether the device is attached is not
// checked). Failure: code "config", the message names the profile, its driver and the port,
// and says which form is expected. Pure, thread-safe.
#pragma once

#include <string>

#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::devices {

Status check_scanner_port(const std::string& port, const Profile& profile);

}  // namespace scanedge::devices
