// The port rule the agent (at start) and provision (before writing) share: a port a family
// cannot serve is refused with a message naming the profile, its driver and the port.
#include <gtest/gtest.h>

#include "edge/devices/platform/scanner_port.h"

namespace scanedge::devices {
namespace {

Profile profile(const std::string& name, const std::string& driver) {
  Profile p;
  p.name = name;
  p.driver = driver;
  return p;
}

TEST(ScannerPort, UsbHidFamiliesNeedAWellFormedUsbIdentity) {
  for (const char* driver : {"hid-keyboard", "hid-pos"}) {
    const Profile p = profile("zebra-ds2208", driver);
    EXPECT_TRUE(check_scanner_port("usb:05e0:1200:DS2208-7", p).ok()) << driver;
    EXPECT_TRUE(check_scanner_port("usb:05e0:1200@1-1.4", p).ok()) << driver;
    auto path = check_scanner_port("/dev/ttyUSB0", p);
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.error().code, "config");
    EXPECT_NE(path.error().message.find("zebra-ds2208"), std::string::npos) << path.error().message;
    EXPECT_NE(path.error().message.find("needs a USB identity"), std::string::npos) << path.error().message;
    EXPECT_NE(path.error().message.find("/dev/ttyUSB0"), std::string::npos) << path.error().message;
    auto broken = check_scanner_port("usb:5e0:1200:X", p);
    ASSERT_FALSE(broken.ok());
    EXPECT_NE(broken.error().message.find("is not a USB identity"), std::string::npos) << broken.error().message;
  }
}

TEST(ScannerPort, SerialFamiliesTakeAPathASerialIdentityOrAUsbAdapter) {
  for (const char* driver : {"serial-ascii", "ssi", "rfid-mercury"}) {
    const Profile p = profile("generic", driver);
    EXPECT_TRUE(check_scanner_port("/dev/ttyUSB0", p).ok()) << driver;
    EXPECT_TRUE(check_scanner_port("serial:/dev/ttyS0", p).ok()) << driver;
    EXPECT_TRUE(check_scanner_port("usb:0403:6001:A50285BI", p).ok()) << driver;
    for (const char* bad : {"ttyUSB0", "serial:ttyS0", "serial:", "/", "usb:0403"}) {
      auto r = check_scanner_port(bad, p);
      ASSERT_FALSE(r.ok()) << driver << " " << bad;
      EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos) << r.error().message;
    }
  }
}

TEST(ScannerPort, AnUnknownFamilyIsRefused) {
  auto r = check_scanner_port("/dev/ttyUSB0", profile("future", "hid-magic"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("driver family \"hid-magic\" is not in this build"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::devices
