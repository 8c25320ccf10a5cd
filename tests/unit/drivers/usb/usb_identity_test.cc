#include "drivers/usb/usb_identity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/usb/usb_device_info.h"

namespace scanedge::usb {
namespace {

TEST(UsbIdentity, SerialFormUsesLowercaseHexAndTheRawSerial) {
  std::vector<std::uint8_t> ports = {1, 4};
  EXPECT_EQ(usb_identity(0x0C2E, 0x0B81, "18011B0074", 1, ports), "usb:0c2e:0b81:18011B0074");
  EXPECT_EQ(usb_identity(0x05e0, 0x1200, "S-1_2.3", 1, ports), "usb:05e0:1200:S-1_2.3");
}

TEST(UsbIdentity, NoSerialGivesTheLocationForm) {
  std::vector<std::uint8_t> ports = {1, 4, 2};
  EXPECT_EQ(usb_identity(0x05e0, 0x1200, "", 3, ports), "usb:05e0:1200@3-1.4.2");
  std::vector<std::uint8_t> one = {7};
  EXPECT_EQ(usb_identity(0xffff, 0x0001, "", 255, one), "usb:ffff:0001@255-7");
}

TEST(UsbIdentity, SerialBytesOutsideTheSafeSetArePercentEncoded) {
  EXPECT_EQ(escape_usb_serial("AB:12"), "AB%3A12");
  EXPECT_EQ(escape_usb_serial("a b@c%d/e"), "a%20b%40c%25d%2Fe");
  EXPECT_EQ(escape_usb_serial(std::string("x\0y", 3)), "x%00y");
  EXPECT_EQ(escape_usb_serial("\xc3\xa9"), "%C3%A9");  // UTF-8 é, byte by byte
  EXPECT_EQ(escape_usb_serial("Az09._-"), "Az09._-");
}

TEST(UsbIdentity, FormatParseRoundTrips) {
  const std::vector<UsbIdentity> cases = {
      {0x0c2e, 0x0b81, "18011B0074", 0, {}},
      {0x05e0, 0x1200, "AB:CD:EF", 0, {}},
      {0x05e0, 0x1200, "with space@and%percent", 0, {}},
      {0x05e0, 0x1200, std::string("\x01\xff\x7f", 3), 0, {}},
      {0x0000, 0xffff, "", 1, {1}},
      {0x1234, 0xabcd, "", 2, {1, 2, 3, 4, 5, 6, 7}},
      {0x1234, 0xabcd, "", 255, {255, 10}},
  };
  for (const auto& id : cases) {
    std::string text = format_usb_identity(id);
    auto back = parse_usb_identity(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_EQ(*back, id) << text;
    EXPECT_EQ(format_usb_identity(*back), text);
  }
}

TEST(UsbIdentity, ParseAcceptsLowercaseEscapesAndUppercaseHexAndCanonicalises) {
  auto id = parse_usb_identity("usb:0C2E:0B81:ab%3acd");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->vid, 0x0c2e);
  EXPECT_EQ(id->serial, "ab:cd");
  EXPECT_EQ(format_usb_identity(*id), "usb:0c2e:0b81:ab%3Acd");
  auto loc = parse_usb_identity("usb:05e0:1200@1-1.4");
  ASSERT_TRUE(loc.ok());
  EXPECT_FALSE(loc->by_serial());
  EXPECT_EQ(loc->bus, 1);
  EXPECT_EQ(loc->ports, (std::vector<std::uint8_t>{1, 4}));
}

void expect_bad(const std::string& text, const std::string& fragment) {
  auto r = parse_usb_identity(text);
  ASSERT_FALSE(r.ok()) << text << " parsed";
  EXPECT_EQ(r.error().code, "invalid_usb_identity");
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << text << " -> " << r.error().message;
}

TEST(UsbIdentity, BadInputIsAClearErrorWithThePosition) {
  expect_bad("", "prefix");
  expect_bad("serial:/dev/ttyS0", "prefix");
  expect_bad("usb:5e0:1200:X", "vendor id at offset 4");
  expect_bad("usb:05e0-1200:X", "':' after the vendor id");
  expect_bad("usb:05e0:12g0:X", "product id");
  expect_bad("usb:05e0:1200", "after the product id");
  expect_bad("usb:05e0:1200:", "empty serial");
  expect_bad("usb:05e0:1200#X", "after the product id");
  expect_bad("usb:05e0:1200:AB:CD", "must be %XX-escaped in the serial number at offset 16");
  expect_bad("usb:05e0:1200:AB CD", "must be %XX-escaped");
  expect_bad("usb:05e0:1200:AB%3", "incomplete");
  expect_bad("usb:05e0:1200:AB%", "incomplete");
  expect_bad("usb:05e0:1200:AB%G1", "bad %XX escape");
  expect_bad("usb:05e0:1200@", "bus number");
  expect_bad("usb:05e0:1200@0-1", "bus number");
  expect_bad("usb:05e0:1200@256-1", "bus number");
  expect_bad("usb:05e0:1200@01-1", "bus number");
  expect_bad("usb:05e0:1200@1", "'-' after the bus number");
  expect_bad("usb:05e0:1200@1-", "port number");
  expect_bad("usb:05e0:1200@1-0", "port number");
  expect_bad("usb:05e0:1200@1-1.", "port number");
  expect_bad("usb:05e0:1200@1-1..2", "port number");
  expect_bad("usb:05e0:1200@1-1:2", "'.' between port numbers");
  expect_bad("usb:05e0:1200@1-1.2.3.4.5.6.7.8", "more than 7");
  expect_bad("usb:05e0:1200@1-1.2 ", "'.' between");
  expect_bad(std::string("usb:05e0:1200:A\0B", 17), "escaped");
}

TEST(UsbIdentity, GarbageNeverCrashes) {
  std::string s;
  for (int i = 0; i < 2000; ++i) {
    s.push_back(static_cast<char>((i * 131 + 7) % 256));
    auto r = parse_usb_identity(s);
    EXPECT_FALSE(r.ok());
    auto r2 = parse_usb_identity("usb:05e0:1200:" + s);
    (void)r2;
    auto r3 = parse_usb_identity("usb:05e0:1200@" + s);
    EXPECT_FALSE(r3.ok());
  }
}

TEST(UsbIdentity, PortPaths) {
  std::vector<std::uint8_t> p = {1, 4};
  EXPECT_EQ(format_port_path(1, p), "1-1.4");
  EXPECT_EQ(format_port_path(2, {}), "2-0");
  std::uint8_t bus = 0;
  std::vector<std::uint8_t> ports;
  ASSERT_TRUE(parse_port_path("3-2.1", bus, ports).ok());
  EXPECT_EQ(bus, 3);
  EXPECT_EQ(ports, (std::vector<std::uint8_t>{2, 1}));
  EXPECT_FALSE(parse_port_path("3", bus, ports).ok());
}

TEST(UsbDeviceInfo, BcdVersionAndPermissionFix) {
  EXPECT_EQ(format_bcd_version(0x0112), "1.12");
  EXPECT_EQ(format_bcd_version(0x0200), "2.00");
  EXPECT_EQ(format_bcd_version(0x1234), "12.34");
  std::string fix = usb_permission_fix(0x05e0, 0x1200);
  EXPECT_NE(fix.find("udev rule giving group scanedge rw on 05e0:1200"), std::string::npos) << fix;
  EXPECT_NE(fix.find("ATTRS{idVendor}==\"05e0\""), std::string::npos) << fix;
  EXPECT_NE(fix.find("udevadm control --reload && udevadm trigger"), std::string::npos) << fix;
}

}  // namespace
}  // namespace scanedge::usb
