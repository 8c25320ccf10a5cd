// Which firmware profile serves an attached device, from the profiles' [match] rules.
//
// match_profile(device, profiles): the best profile for `device`, or nullptr when none
//   matches. Rules (firmware-profiles/README.md, "Matching"):
//   - USB devices are served only by USB driver families (hid-keyboard, hid-pos), serial
//     ports only by serial families (serial-ascii, ssi, rfid-mercury);
//   - usb_vid must equal the device's VID; a non-empty usb_pids must contain its PID;
//     usb_interface_class (USB only) must be one of the device's interface classes;
//   - serial_description (serial only) must be a case-insensitive substring of the port's
//     description, product or manufacturer;
//   - a profile with no match rules never matches (it serves configured ports only).
//   When several profiles match, the most specific wins: VID + listed PID (+ class) beats
//   VID only, which beats a description; ties go to the profile name that sorts first, and
//   `ambiguous` (when given) lists every name that tied, so the field tech can see it.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "edge/core/device_source.h"
#include "edge/profiles/profile.h"

namespace scanedge::devices {

const Profile* match_profile(const AttachedDevice& device, const std::vector<Profile>& profiles,
                             std::vector<std::string>* ambiguous = nullptr);

// True for driver families that talk to a USB interface directly (not through a tty).
bool is_usb_driver(const std::string& driver);

}  // namespace scanedge::devices
