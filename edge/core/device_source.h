// DeviceSource seam: what is attached right now, from one enumeration backend (libusb for
// USB devices, libserialport for serial ports). The device manager (edge/devices) polls
// sources and matches what they list against firmware profiles; `scanedgectl devices`
// prints them. Fakes in tests list whatever the test says.
//
// list(): the devices attached now. An Error means the backend itself failed (e.g. libusb
//   could not be initialised); a device that cannot be opened is still listed, with
//   access = permission_denied and a fix.
// set_change_callback(): a backend with hotplug events (libusb) calls `cb` from its own
//   thread whenever something was attached or removed, so the manager rescans at once
//   instead of waiting for its next poll. Backends without events ignore it (the manager
//   keeps polling them). `cb` must be cheap and must not call back into the source. Passing
//   nullptr removes it; once set_change_callback() returns, the previous callback is not
//   running and will not run again.
// Threading: list() may be called from any one thread at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "edge/core/result.h"

namespace scanedge {

struct AttachedDevice {
  enum class Kind { usb, serial };
  enum class Access { ok, permission_denied, unknown };

  Kind kind = Kind::usb;
  std::string identity;       // stable: usb:VVVV:PPPP:SERIAL, usb:VVVV:PPPP@B-P.P, serial:/dev/ttyS0
  std::string node;           // /dev/ttyUSB0, /dev/bus/usb/001/004
  int vid = -1;               // USB ids (also for serial ports on a USB adapter); -1 unknown
  int pid = -1;
  std::vector<int> interface_classes;  // USB only
  std::string serial_number;
  std::string manufacturer;
  std::string product;
  std::string description;    // libserialport description / "manufacturer product"
  std::string firmware;       // bcdDevice "maj.min" for USB; empty when unknown
  Access access = Access::unknown;
  std::string access_fix;     // what fixes permission_denied, in plain words
};

inline const char* to_string(AttachedDevice::Kind k) { return k == AttachedDevice::Kind::usb ? "usb" : "serial"; }
inline const char* to_string(AttachedDevice::Access a) {
  switch (a) {
    case AttachedDevice::Access::ok: return "ok";
    case AttachedDevice::Access::permission_denied: return "permission_denied";
    case AttachedDevice::Access::unknown: return "unknown";
  }
  return "unknown";
}

class DeviceSource {
 public:
  virtual ~DeviceSource() = default;
  virtual Result<std::vector<AttachedDevice>> list() = 0;
  virtual void set_change_callback(std::function<void()> cb) { (void)cb; }
  virtual std::string name() const = 0;  // "usb", "serial"
};

}  // namespace scanedge
