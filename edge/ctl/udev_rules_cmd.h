// `scanedgectl profiles udev-rules`: the udev rules that give the service's group
// (scanedge) read-write access (MODE 0660) to every scanner the firmware profiles' [match]
// sections recognise. The shipped systemd/60-scanedge.rules is this command's output for
// firmware-profiles/ (a test keeps them equal); with site-specific profiles, run it and
// install the output as /etc/udev/rules.d/60-scanedge.rules.
//
// What each [match] becomes (profiles in name order, a comment line naming each):
//   USB families (hid-keyboard, hid-pos) with usb_vid: libusb opens the usbfs node
//     /dev/bus/usb/BBB/DDD, so one rule per listed PID (or one for the whole vendor) on
//     SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}, ATTR{idProduct}.
//     usb_interface_class cannot be told at the device node and is not part of the rule.
//   Serial families (serial-ascii, ssi, rfid-mercury) with usb_vid: the tty of a USB-serial
//     adapter or CDC ACM scanner: SUBSYSTEM=="tty", ATTRS{idVendor} (+ ATTRS{idProduct}).
//   serial_description: SUBSYSTEM=="tty" with ATTRS{product}, and another rule with
//     ATTRS{manufacturer}, matching it case-insensitively as a substring (as the agent does).
//     Serial ports without USB attributes (on-board UARTs) are not covered: the unit's
//     SupplementaryGroups=dialout gives access to those.
//   Profiles without [match] get a comment only (their ports are named in scanedged.toml).
//
// udev_rules(): pure; the whole file text. Error code udev_rules_unexpressible (message
//   `profile NAME: [match] serial_description: ...`) for a description holding a character
//   that a udev match cannot carry (", \, ], a control character).
// udev_rules_cmd(): loads every profile in `dir`; prints the rules on `out`, exit 0; any
//   profile that does not load, or none at all: its problems on `err`, nothing on `out`,
//   exit 1.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::ctl {

// The group and mode the rules give.
inline constexpr const char* kUdevGroup = "scanedge";
inline constexpr const char* kUdevMode = "0660";

Result<std::string> udev_rules(const std::vector<Profile>& profiles);

int udev_rules_cmd(const std::string& dir, std::ostream& out, std::ostream& err);

}  // namespace scanedge::ctl
