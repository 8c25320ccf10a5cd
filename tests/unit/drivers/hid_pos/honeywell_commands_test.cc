#include "drivers/hid_pos/honeywell_commands.h"

#include <gtest/gtest.h>

namespace scanedge::hid_pos {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(HoneywellCommands, MenuCommandHasSynMCrHeaderAndStorage) {
  auto c = menu_command("BEP", "LVL", "3", MenuStorage::active);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, std::string("\x16M\rBEPLVL3!"));
  auto q = menu_command("REV", "INF", "", MenuStorage::permanent);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, std::string("\x16M\rREVINF."));
}

TEST(HoneywellCommands, MenuCommandRejectsBadParts) {
  EXPECT_EQ(menu_command("BE", "LVL", "", MenuStorage::active).error().code, "invalid_menu_command");
  EXPECT_FALSE(menu_command("BEP", "lvl", "", MenuStorage::active).ok());
  EXPECT_FALSE(menu_command("BEP", "LVL", "3;4", MenuStorage::active).ok());
  EXPECT_FALSE(menu_command("BEP", "LVL", std::string("\x01"), MenuStorage::active).ok());
}

TEST(HoneywellCommands, ReportBytesMatchTheObservedBeep) {
  // [0xFD][0x03][SYN BEL CR], as the python_hon_usbhid README shows for a beep.
  auto r = command_reports(std::string("\x16\x07\r"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (Bytes{0xFD, 0x03, 0x16, 0x07, 0x0D}));
}

TEST(HoneywellCommands, LongCommandsAreChunked) {
  std::string cmd = "\x16M\r" + std::string(100, 'A') + "!";
  auto r = command_reports(cmd, 64);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].size(), 64u);
  EXPECT_EQ(r[0][0], 0xFD);
  EXPECT_EQ(r[0][1], 62);
  EXPECT_EQ(r[1][1], cmd.size() - 62);
  std::string joined;
  for (const auto& rep : r) joined.append(rep.begin() + 2, rep.end());
  EXPECT_EQ(joined, cmd);
  EXPECT_TRUE(command_reports("").empty());
  EXPECT_EQ(command_reports("abc", 0).size(), 3u);  // clamps to 1 byte per report
}

TEST(HoneywellCommands, ProfileBytesWrapAsMenuCommandUnlessSyn) {
  EXPECT_EQ(serial_command("BEPLVL3!"), std::string("\x16M\rBEPLVL3!"));
  EXPECT_EQ(serial_command(std::string("\x16\x07\r")), std::string("\x16\x07\r"));
  EXPECT_EQ(serial_command(""), "");
  EXPECT_TRUE(expects_reply(serial_command("BEPLVL3!")));
  EXPECT_FALSE(expects_reply(std::string("\x16\x07\r")));
}

TEST(HoneywellCommands, RouteFeature) {
  auto f = route_feature_report();
  EXPECT_EQ(f[0], 0xFE);
  EXPECT_EQ(f[1], 0x01);
  (void)bytes;
}

}  // namespace
}  // namespace scanedge::hid_pos
