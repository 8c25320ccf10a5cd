#include "drivers/rfid_mercury/mercury_commands.h"

#include <gtest/gtest.h>

namespace scanedge::mercury {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(MercuryCommands, StartAndStopReadingPayloads) {
  // timeout 0000 | continuous 01 | sub-opcode 22 | search flags 0000 | Gen2 05 | sub length 07 |
  // 22 | option 10 | search flags 001B | cycle 03E8 (1000 ms) | metadata 005F
  EXPECT_EQ(start_reading_data(), (Bytes{0x00, 0x00, 0x01, 0x22, 0x00, 0x00, 0x05, 0x07, 0x22, 0x10, 0x00, 0x1B, 0x03,
                                         0xE8, 0x00, 0x5F}));
  EXPECT_EQ(stop_reading_data(), (Bytes{0x00, 0x00, 0x02}));
}

TEST(MercuryCommands, StartSequenceFollowsTheProfile) {
  Profile p;
  p.name = "test-mercury";
  p.rfid.antennas = {1, 2};
  p.rfid.read_power_cdbm = 2700;
  p.init = {std::string("\x97\x08", 2), std::string("\x9B", 1)};
  auto seq = start_sequence(p);
  ASSERT_TRUE(seq.ok()) << seq.error().message;
  std::vector<std::uint8_t> ops;
  for (const auto& c : *seq) ops.push_back(c.opcode);
  EXPECT_EQ(ops, (Bytes{0x2F, 0x03, 0x93, 0x91, 0x92, 0x9A, 0x97, 0x9B, 0x2F}));
  const auto& s = *seq;
  EXPECT_EQ(s[0].data, stop_reading_data());
  EXPECT_TRUE(s[0].response_optional);
  EXPECT_TRUE(s[1].required);
  EXPECT_EQ(s[2].data, (Bytes{0x00, 0x05}));
  EXPECT_EQ(s[3].data, (Bytes{0x02, 0x01, 0x01, 0x02, 0x02}));
  EXPECT_EQ(s[4].data, (Bytes{0x0A, 0x8C}));  // 2700 cdBm
  EXPECT_EQ(s[5].data, (Bytes{0x01, 0x0C, 0x00}));
  EXPECT_EQ(s[6].data, (Bytes{0x08}));
  EXPECT_TRUE(s[7].data.empty());
  EXPECT_FALSE(s[6].required);
  EXPECT_EQ(s[8].data, start_reading_data());
  EXPECT_TRUE(s[8].required);
}

TEST(MercuryCommands, InvalidProfileSettingsAreNamed) {
  Profile p;
  p.rfid.antennas = {1, 17};
  auto r = start_sequence(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "mercury_config_invalid");
  EXPECT_NE(r.error().message.find("rfid.antennas[1] = 17"), std::string::npos) << r.error().message;

  p.rfid.antennas = {};
  EXPECT_FALSE(start_sequence(p).ok());
  p.rfid.antennas = {1};
  p.init = {std::string()};
  r = start_sequence(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("init[0]"), std::string::npos);
  p.init = {};
  p.rfid.read_power_cdbm = -5;
  EXPECT_FALSE(start_sequence(p).ok());
}

TEST(MercuryCommands, VersionReply) {
  Bytes d{0x12, 0x03, 0x08, 0x00, 0x18, 0x00, 0x00, 0x01, 0x20, 0x21, 0x03, 0x04,
          0x01, 0x0B, 0x02, 0x03, 0x00, 0x00, 0x00, 0x10};
  auto v = parse_version(d);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->firmware_version(), "01.0B.02.03");
  EXPECT_EQ(v->hardware_version(), "18.00.00.01");
  EXPECT_EQ(v->protocols, 0x10u);
  d.resize(19);
  auto bad = parse_version(d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "mercury_version_short");
}

}  // namespace
}  // namespace scanedge::mercury
