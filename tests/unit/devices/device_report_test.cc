#include "edge/devices/device_report.h"

#include <gtest/gtest.h>

namespace scanedge::devices {
namespace {

Profile zebra() {
  Profile p;
  p.name = "zebra-ds2208";
  p.driver = "hid-keyboard";
  p.match.usb_vid = 0x05e0;
  p.match.usb_pids = {0x1200};
  return p;
}

AttachedDevice dev(std::string identity, int vid, int pid,
                   AttachedDevice::Access access = AttachedDevice::Access::ok) {
  AttachedDevice d;
  d.identity = std::move(identity);
  d.vid = vid;
  d.pid = pid;
  d.node = "/dev/bus/usb/001/004";
  d.product = "Symbol Bar Code Scanner";
  d.access = access;
  d.access_fix = "install the udev rule";
  return d;
}

TEST(DeviceReport, StatesComeFromTheAgentOrSayWhatIsMissing) {
  const std::vector<AttachedDevice> attached = {
      dev("usb:05e0:1200:A", 0x05e0, 0x1200),
      dev("usb:05e0:1200:B", 0x05e0, 0x1200, AttachedDevice::Access::permission_denied),
      dev("usb:05e0:1200:C", 0x05e0, 0x1200),
      dev("usb:046d:c31c:K", 0x046d, 0xc31c),
  };
  const nlohmann::json agent = nlohmann::json::array({
      {{"id", "usb:05e0:1200:A"}, {"profile", "zebra-ds2208"}, {"state", "in_service"}},
      {{"id", "usb:0c2e:0b81:GONE"}, {"profile", "honeywell-voyager-hidpos"}, {"state", "disconnected"}},
  });
  auto rows = build_device_report(attached, {zebra()}, agent, true);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].identity, "usb:05e0:1200:A");
  EXPECT_EQ(rows[0].state, "in_service");
  EXPECT_EQ(rows[0].driver, "hid-keyboard");
  EXPECT_EQ(rows[1].state, "permission_denied");
  EXPECT_EQ(rows[1].fix, "install the udev rule");
  EXPECT_EQ(rows[2].state, "not_served");
  EXPECT_NE(rows[2].fix.find("port = \"usb:05e0:1200:C\""), std::string::npos);
  EXPECT_EQ(rows[3].identity, "usb:0c2e:0b81:GONE");
  EXPECT_EQ(rows[3].state, "not_attached");
  EXPECT_EQ(rows[4].state, "no_profile");
  EXPECT_EQ(rows[4].profile, "");

  auto down = build_device_report(attached, {zebra()}, nlohmann::json(), false);
  EXPECT_EQ(down[0].state, "agent_not_running");

  const auto j = to_json(rows[0]);
  EXPECT_EQ(j["vid"], "05e0");
  EXPECT_EQ(j["state"], "in_service");
  EXPECT_TRUE(j["fix"].is_null());
  const std::string table = format_device_table(rows);
  EXPECT_NE(table.find("IDENTITY"), std::string::npos);
  EXPECT_NE(table.find("    fix: install the udev rule"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::devices
