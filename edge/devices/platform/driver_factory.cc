#include "edge/devices/platform/driver_factory.h"

#include "drivers/hid_keyboard/hid_keyboard_driver.h"
#include "drivers/hid_pos/hid_pos_driver.h"
#include "drivers/rfid_mercury/mercury_driver.h"
#include "drivers/serial_ascii/serial_ascii_driver.h"
#include "drivers/ssi/ssi_driver.h"
#include "drivers/usb/usb_hid_stream.h"
#include "edge/devices/platform/scanner_port.h"

namespace scanedge::devices {

DriverFactory make_driver_factory(const Clock& clock) {
  return [&clock](const std::string& port, const Profile& p) -> Result<std::unique_ptr<ScannerDriver>> {
    if (auto s = check_scanner_port(port, p); !s) return s.error();
    if (p.driver == "serial-ascii") return std::unique_ptr<ScannerDriver>(new serial_ascii::SerialAsciiDriver(port, p, clock));
    if (p.driver == "ssi") return std::unique_ptr<ScannerDriver>(new ssi::SsiDriver(port, p, clock));
    if (p.driver == "rfid-mercury") return std::unique_ptr<ScannerDriver>(new mercury::MercuryDriver(port, p, clock));
    if (p.driver == "hid-keyboard") {
      return std::unique_ptr<ScannerDriver>(new hid_keyboard::HidKeyboardDriver(port, p, clock, usb::usb_hid_opener()));
    }
    if (p.driver == "hid-pos") {
      return std::unique_ptr<ScannerDriver>(new hid_pos::HidPosDriver(port, p, clock, usb::usb_hid_opener()));
    }
    return make_error("config", "profile " + p.name + ": driver family \"" + p.driver + "\" is not in this build");
  };
}

}  // namespace scanedge::devices
