#include "edge/devices/profile_matcher.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace scanedge::devices {
namespace {

Profile usb_profile(std::string name, std::string driver, int vid, std::vector<int> pids, int cls = -1) {
  Profile p;
  p.name = std::move(name);
  p.driver = std::move(driver);
  p.match.usb_vid = vid;
  p.match.usb_pids = std::move(pids);
  p.match.usb_interface_class = cls;
  return p;
}

AttachedDevice usb_dev(int vid, int pid, std::vector<int> classes = {3}) {
  AttachedDevice d;
  d.kind = AttachedDevice::Kind::usb;
  d.vid = vid;
  d.pid = pid;
  d.interface_classes = std::move(classes);
  d.identity = "usb:05e0:1200:S1";
  return d;
}

TEST(ProfileMatcher, VidPidAndClassMustAllMatch) {
  std::vector<Profile> ps = {usb_profile("zebra-ds2208", "hid-keyboard", 0x05e0, {0x1200}, 3)};
  EXPECT_NE(match_profile(usb_dev(0x05e0, 0x1200), ps), nullptr);
  EXPECT_EQ(match_profile(usb_dev(0x05e0, 0x1900), ps), nullptr);        // SNAPI mode PID
  EXPECT_EQ(match_profile(usb_dev(0x0c2e, 0x1200), ps), nullptr);        // other vendor
  EXPECT_EQ(match_profile(usb_dev(0x05e0, 0x1200, {8}), ps), nullptr);   // not a HID interface
}

TEST(ProfileMatcher, MostSpecificProfileWinsAndTiesAreReported) {
  std::vector<Profile> ps = {usb_profile("vendor-any", "hid-keyboard", 0x05e0, {}),
                             usb_profile("model-b", "hid-keyboard", 0x05e0, {0x1200}, 3),
                             usb_profile("model-a", "hid-keyboard", 0x05e0, {0x1200}, 3)};
  std::vector<std::string> tied;
  const Profile* p = match_profile(usb_dev(0x05e0, 0x1200), ps, &tied);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "model-a");
  EXPECT_EQ(tied, (std::vector<std::string>{"model-a", "model-b"}));
  p = match_profile(usb_dev(0x05e0, 0x7777), ps, &tied);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "vendor-any");
  EXPECT_TRUE(tied.empty());
}

TEST(ProfileMatcher, SerialPortsOnlyMatchSerialFamiliesAndDescriptions) {
  Profile xenon;
  xenon.name = "honeywell-xenon-serial";
  xenon.driver = "serial-ascii";
  xenon.match.usb_vid = 0x0c2e;
  Profile by_desc;
  by_desc.name = "by-desc";
  by_desc.driver = "ssi";
  by_desc.match.serial_description = "symbol bar code scanner";
  std::vector<Profile> ps = {xenon, by_desc};

  AttachedDevice port;
  port.kind = AttachedDevice::Kind::serial;
  port.vid = 0x0c2e;
  port.pid = 0x0b6a;
  EXPECT_EQ(match_profile(port, ps)->name, "honeywell-xenon-serial");
  AttachedDevice as_usb = port;
  as_usb.kind = AttachedDevice::Kind::usb;  // the same ids on a USB HID device: not a serial family
  EXPECT_EQ(match_profile(as_usb, ps), nullptr);

  AttachedDevice zebra;
  zebra.kind = AttachedDevice::Kind::serial;
  zebra.description = "Symbol Bar Code Scanner - ttyACM0";
  EXPECT_EQ(match_profile(zebra, ps)->name, "by-desc");
}

TEST(ProfileMatcher, ProfileWithoutMatchRulesNeverMatches) {
  auto p = find_profile(SCANEDGE_PROFILES_DIR, "generic-serial-ascii");
  ASSERT_TRUE(p.ok()) << p.error().message;
  AttachedDevice port;
  port.kind = AttachedDevice::Kind::serial;
  port.vid = 0x0403;
  port.pid = 0x6001;
  port.description = "anything";
  EXPECT_EQ(match_profile(port, {*p}), nullptr);
}

}  // namespace
}  // namespace scanedge::devices

namespace scanedge::devices {
namespace {

// Every shipped profile with USB match rules recognises a device built from its own rules,
// and no other shipped profile ties with it (a tie would make autodetection a coin toss).
TEST(ShippedProfileMatching, EachModelIsRecognisedAsItselfAndNothingTies) {
  auto names = list_profiles(SCANEDGE_PROFILES_DIR);
  ASSERT_TRUE(names.ok());
  std::vector<Profile> all;
  for (const auto& n : *names) {
    auto p = find_profile(SCANEDGE_PROFILES_DIR, n);
    ASSERT_TRUE(p.ok()) << p.error().message;
    all.push_back(*p);
  }
  int checked = 0;
  for (const auto& p : all) {
    if (p.match.empty()) continue;
    AttachedDevice d;
    d.kind = is_usb_driver(p.driver) ? AttachedDevice::Kind::usb : AttachedDevice::Kind::serial;
    d.vid = p.match.usb_vid;
    d.pid = p.match.usb_pids.empty() ? 0x4242 : p.match.usb_pids.front();
    if (p.match.usb_interface_class >= 0) d.interface_classes = {p.match.usb_interface_class};
    d.description = p.match.serial_description;
    std::vector<std::string> tied;
    const Profile* got = match_profile(d, all, &tied);
    ASSERT_NE(got, nullptr) << p.name;
    EXPECT_EQ(got->name, p.name);
    EXPECT_TRUE(tied.empty()) << p.name << " ties with " << tied.size() - 1 << " other profile(s)";
    ++checked;
  }
  EXPECT_GE(checked, 6);
}

}  // namespace
}  // namespace scanedge::devices
