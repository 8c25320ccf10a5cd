// UsbDeviceInfo: what the agent knows about one attached USB device (for
// `scanedgectl devices`, profile matching, hotplug events and logs), and how it is read
// from libusb.
//
// Strings (serial, manufacturer, product) come from sysfs first
// (/sys/bus/usb/devices/<B-P.P>/{serial,manufacturer,product}: readable without access to
// the device node, so the identity does not depend on permissions), else from the USB
// string descriptors when the device can be opened; empty when neither works.
// identity: see usb_identity.h (serial form when a serial number was readable).
// access: whether this process can open the device node; permission_denied comes with a
//   message naming the udev rule / group that fixes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edge/core/result.h"

struct libusb_device;

namespace scanedge::usb {

enum class UsbAccess { ok, permission_denied, not_openable, not_checked };
const char* to_string(UsbAccess a);

struct UsbDeviceInfo {
  std::string identity;                 // "usb:0c2e:0b81:18011B0074" or "usb:05e0:1200@1-1.4"
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  std::string serial;                   // raw (unescaped); empty when none/unreadable
  std::string manufacturer;             // empty when unreadable
  std::string product;                  // empty when unreadable
  std::uint8_t bus = 0;
  std::uint8_t address = 0;             // changes on every replug
  std::vector<std::uint8_t> ports;      // root hub first; empty for a root hub
  std::string port_path;                // "1-1.4" ("1-0" for a root hub)
  std::string bcd_device;               // firmware/device release "major.minor", e.g. "1.12"
  std::uint8_t device_class = 0;
  std::vector<int> interface_classes;   // bInterfaceClass of each interface (first alt setting)
                                        // of the active (else first) configuration, in order
  std::string devnode;                  // "/dev/bus/usb/001/005"
  UsbAccess access = UsbAccess::not_checked;
  std::string access_message;           // why not ok, and how to fix it
};

// The fix for a permission problem, e.g. "add a udev rule giving group scanedge rw on
// 05e0:1200 (SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"05e0\", ...) — see systemd/ (issue 7)".
std::string usb_permission_fix(std::uint16_t vid, std::uint16_t pid);

// bcdDevice 0x0112 -> "1.12" (each byte as two BCD digits, leading zero of major dropped).
std::string format_bcd_version(std::uint16_t bcd);

// Reads everything about `dev`. probe_access: try to open the device node (and close it
// again) to fill `access` and, when sysfs has no strings, read them by descriptor. Never
// blocks longer than a few control transfers (1 s timeout each). Must not be called from a
// libusb hotplug callback (it may open the device).
UsbDeviceInfo read_usb_device_info(libusb_device* dev, bool probe_access);

// Maps a libusb error to an Error code used across the USB layer:
// LIBUSB_ERROR_ACCESS -> permission_denied, NO_DEVICE -> device_disconnected,
// NOT_FOUND -> device_not_found, BUSY -> device_busy, TIMEOUT -> device_timeout,
// anything else -> device_io. `what` names the step and device.
Error usb_error(int libusb_rc, const std::string& what);

}  // namespace scanedge::usb
