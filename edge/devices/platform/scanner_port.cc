#include "edge/devices/platform/scanner_port.h"

#include "drivers/usb/usb_identity.h"

namespace scanedge::devices {

namespace {

bool is_usb_family(const std::string& driver) { return driver == "hid-keyboard" || driver == "hid-pos"; }
bool is_serial_family(const std::string& driver) {
  return driver == "serial-ascii" || driver == "ssi" || driver == "rfid-mercury";
}

}  // namespace

Status check_scanner_port(const std::string& port, const Profile& p) {
  const std::string who = "profile " + p.name + " (driver " + p.driver + ")";
  if (!is_usb_family(p.driver) && !is_serial_family(p.driver)) {
    return make_error("config", who + ": driver family \"" + p.driver + "\" is not in this build");
  }
  if (port.rfind("usb:", 0) == 0) {
    if (auto id = usb::parse_usb_identity(port); !id) {
      return make_error("config", who + ": port \"" + port + "\" is not a USB identity: " + id.error().message);
    }
    return {};
  }
  if (is_usb_family(p.driver)) {
    return make_error("config", who + " needs a USB identity as port (usb:VVVV:PPPP:SERIAL, see scanedgectl devices), not \"" +
                                    port + "\"");
  }
  const std::string path = port.rfind("serial:", 0) == 0 ? port.substr(7) : port;
  if (path.size() < 2 || path[0] != '/') {
    return make_error("config", who + ": port \"" + port +
                                    "\" must be a device path (/dev/ttyUSB0), serial:/dev/... or a USB identity");
  }
  return {};
}

}  // namespace scanedge::devices
