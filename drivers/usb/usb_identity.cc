#include "drivers/usb/usb_identity.h"

#include <cstdio>

namespace scanedge::usb {
namespace {

constexpr std::size_t kMaxPorts = 7;  // USB allows at most 7 tiers below the root hub

bool plain(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad(std::string_view text, std::size_t pos, const std::string& what) {
  std::string shown(text.substr(0, 80));
  for (auto& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return make_error("invalid_usb_identity",
                    "USB identity \"" + shown + "\": " + what + " at offset " + std::to_string(pos));
}

// Exactly 4 hex digits (either case) at text[pos..pos+4).
bool parse_hex16(std::string_view text, std::size_t pos, std::uint16_t& out) {
  if (pos + 4 > text.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    int h = hex_value(text[pos + i]);
    if (h < 0) return false;
    v = v * 16 + static_cast<unsigned>(h);
  }
  out = static_cast<std::uint16_t>(v);
  return true;
}

// A decimal 1..255 without leading zeros; advances pos.
bool parse_u8(std::string_view text, std::size_t& pos, std::uint8_t& out) {
  std::size_t start = pos;
  unsigned v = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4) {
    v = v * 10 + static_cast<unsigned>(text[pos] - '0');
    ++pos;
  }
  std::size_t n = pos - start;
  if (n == 0 || n > 3 || (n > 1 && text[start] == '0') || v == 0 || v > 255) return false;
  out = static_cast<std::uint8_t>(v);
  return true;
}

std::string hex4(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>(v));
  return buf;
}

Status parse_port_path_at(std::string_view whole, std::size_t offset, std::uint8_t& bus,
                          std::vector<std::uint8_t>& ports) {
  std::string_view text = whole.substr(offset);
  std::size_t pos = 0;
  std::uint8_t b = 0;
  if (!parse_u8(text, pos, b)) return bad(whole, offset + pos, "expected a bus number 1..255");
  if (pos >= text.size() || text[pos] != '-') return bad(whole, offset + pos, "expected '-' after the bus number");
  ++pos;
  std::vector<std::uint8_t> p;
  while (true) {
    std::uint8_t port = 0;
    std::size_t at = pos;
    if (!parse_u8(text, pos, port)) return bad(whole, offset + at, "expected a port number 1..255");
    p.push_back(port);
    if (p.size() > kMaxPorts) return bad(whole, offset + at, "more than 7 port numbers");
    if (pos == text.size()) break;
    if (text[pos] != '.') return bad(whole, offset + pos, "expected '.' between port numbers");
    ++pos;
  }
  bus = b;
  ports = std::move(p);
  return ok_status();
}

// Decodes whole[offset..]; error positions are offsets into `whole`.
Result<std::string> unescape_at(std::string_view whole, std::size_t offset) {
  std::string_view escaped = whole.substr(offset);
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    auto c = static_cast<unsigned char>(escaped[i]);
    if (c == '%') {
      if (i + 2 >= escaped.size()) return bad(whole, offset + i, "incomplete %XX escape in the serial number");
      int hi = hex_value(escaped[i + 1]);
      int lo = hex_value(escaped[i + 2]);
      if (hi < 0 || lo < 0) return bad(whole, offset + i, "bad %XX escape in the serial number");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plain(c)) {
      out += static_cast<char>(c);
    } else {
      return bad(whole, offset + i, "character that must be %XX-escaped in the serial number");
    }
  }
  return out;
}

}  // namespace

std::string escape_usb_serial(std::string_view serial) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(serial.size());
  for (char ch : serial) {
    auto c = static_cast<unsigned char>(ch);
    if (plain(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

Result<std::string> unescape_usb_serial(std::string_view escaped) { return unescape_at(escaped, 0); }

std::string format_port_path(std::uint8_t bus, std::span<const std::uint8_t> ports) {
  std::string out = std::to_string(bus) + "-";
  if (ports.empty()) return out + "0";
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(ports[i]);
  }
  return out;
}

Status parse_port_path(std::string_view text, std::uint8_t& bus, std::vector<std::uint8_t>& ports) {
  return parse_port_path_at(text, 0, bus, ports);
}

std::string usb_identity(std::uint16_t vid, std::uint16_t pid, std::string_view serial, std::uint8_t bus,
                         std::span<const std::uint8_t> ports) {
  std::string out = "usb:" + hex4(vid) + ":" + hex4(pid);
  if (!serial.empty()) return out + ":" + escape_usb_serial(serial);
  return out + "@" + format_port_path(bus, ports);
}

std::string format_usb_identity(const UsbIdentity& id) {
  return usb_identity(id.vid, id.pid, id.serial, id.bus, id.ports);
}

Result<UsbIdentity> parse_usb_identity(std::string_view text) {
  UsbIdentity id;
  if (text.substr(0, 4) != "usb:") return bad(text, 0, "expected the prefix \"usb:\"");
  if (!parse_hex16(text, 4, id.vid)) return bad(text, 4, "expected a 4-hex-digit vendor id");
  if (text.size() <= 8 || text[8] != ':') return bad(text, 8, "expected ':' after the vendor id");
  if (!parse_hex16(text, 9, id.pid)) return bad(text, 9, "expected a 4-hex-digit product id");
  if (text.size() <= 13) return bad(text, 13, "expected ':SERIAL' or '@BUS-PORTS' after the product id");
  if (text[13] == ':') {
    std::string_view esc = text.substr(14);
    if (esc.empty()) return bad(text, 14, "empty serial number");
    auto serial = unescape_at(text, 14);
    if (!serial.ok()) return serial.error();
    id.serial = std::move(*serial);
    return id;
  }
  if (text[13] == '@') {
    auto st = parse_port_path_at(text, 14, id.bus, id.ports);
    if (!st.ok()) return st.error();
    return id;
  }
  return bad(text, 13, "expected ':SERIAL' or '@BUS-PORTS' after the product id");
}

}  // namespace scanedge::usb
