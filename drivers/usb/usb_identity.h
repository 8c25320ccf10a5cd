// Stable USB device identities: what a scanner is called in logs, config, the outbox and
// `scanedgectl devices`, unchanged across replugging and bus renumbering.
//
// Two forms (vid/pid: exactly 4 lowercase hex digits):
//   "usb:VVVV:PPPP:SERIAL"   the device has a (non-empty) serial number string;
//   "usb:VVVV:PPPP@B-P.P.P"  it has none: the bus number, a dash, then the port numbers
//                            from the root hub down, dot-separated (Linux sysfs naming,
//                            e.g. "1-1.4"; bus 1..255, 1..7 ports of 1..255, decimal,
//                            no leading zeros). Stable as long as the device stays in the
//                            same physical socket.
// SERIAL escaping: serial numbers are arbitrary strings (some contain ':', '@', spaces or
//   non-ASCII). Every byte outside [A-Za-z0-9._-] is written "%XX" (two UPPERCASE hex
//   digits of the byte; UTF-8 text is escaped byte by byte), so the identity never contains
//   ':' or '@' after the PID and is safe in TOML, JSON, MQTT topics and file names.
// Parsing is strict about structure and accepts "%xx" in either case; format(parse(s))
//   gives the canonical spelling (so "%3a" and "%3A" name the same device; compare
//   canonical strings). Errors (code invalid_usb_identity) name what was wrong and the
//   offending position.
// Pure functions, no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/result.h"

namespace scanedge::usb {

struct UsbIdentity {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  std::string serial;                // decoded; empty = location form
  std::uint8_t bus = 0;              // location form only
  std::vector<std::uint8_t> ports;   // location form only, root hub first
  bool by_serial() const { return !serial.empty(); }
  bool operator==(const UsbIdentity&) const = default;
};

// "%XX"-escapes every byte outside [A-Za-z0-9._-].
std::string escape_usb_serial(std::string_view serial);
// Inverse of escape_usb_serial; rejects raw bytes outside the set and broken escapes.
Result<std::string> unescape_usb_serial(std::string_view escaped);

// "1-1.4" for bus 1, ports {1, 4}. Empty ports give "1-0" (a root hub's own location).
std::string format_port_path(std::uint8_t bus, std::span<const std::uint8_t> ports);
// Parses "B-P.P.P"; fills bus and ports. Error code invalid_usb_identity.
Status parse_port_path(std::string_view text, std::uint8_t& bus, std::vector<std::uint8_t>& ports);

// The identity of a device: serial form when `serial` is non-empty, else location form.
std::string usb_identity(std::uint16_t vid, std::uint16_t pid, std::string_view serial, std::uint8_t bus,
                         std::span<const std::uint8_t> ports);
std::string format_usb_identity(const UsbIdentity& id);
Result<UsbIdentity> parse_usb_identity(std::string_view text);

}  // namespace scanedge::usb
