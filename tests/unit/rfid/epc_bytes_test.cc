#include "edge/rfid/epc_bytes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace scanedge::rfid {
namespace {

TEST(EpcBytes, ParsesTdsWorkedExampleAndPrintsUpperHex) {
  auto e = EpcBytes::from_hex("3074257bf7194e4000001a85");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->size(), 12u);
  EXPECT_EQ(e->data()[0], 0x30);
  EXPECT_EQ(e->data()[11], 0x85);
  EXPECT_EQ(e->to_hex(), "3074257BF7194E4000001A85");
}

TEST(EpcBytes, EqualityAndHashFollowTheBytes) {
  auto a = *EpcBytes::from_hex("3074257BF7194E4000001A85");
  auto b = *EpcBytes::from_hex("3074257bf7194e4000001a85");
  auto c = *EpcBytes::from_hex("3074257BF7194E4000001A86");
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_FALSE(a == c);
  EXPECT_NE(a.hash(), c.hash());
  // Same leading bytes, different length: different keys.
  auto z1 = *EpcBytes::from_hex("00");
  auto z2 = *EpcBytes::from_hex("0000");
  EXPECT_FALSE(z1 == z2);
  EXPECT_NE(z1.hash(), z2.hash());
}

TEST(EpcBytes, RejectsEmptyOddNonHexAndTooLong) {
  auto empty = EpcBytes::from_hex("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "rfid_bad_epc");
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);

  auto odd = EpcBytes::from_hex("307");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, "rfid_bad_epc");
  EXPECT_NE(odd.error().message.find("odd"), std::string::npos);

  auto bad = EpcBytes::from_hex("30G4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "rfid_bad_epc");
  EXPECT_NE(bad.error().message.find("offset 2"), std::string::npos) << bad.error().message;

  auto bad_low = EpcBytes::from_hex("3 74");
  ASSERT_FALSE(bad_low.ok());
  EXPECT_NE(bad_low.error().message.find("offset 1"), std::string::npos) << bad_low.error().message;

  EXPECT_TRUE(EpcBytes::from_hex(std::string(124, 'F')).ok());  // 496 bits: the Gen2 maximum
  auto longer = EpcBytes::from_hex(std::string(126, 'F'));
  ASSERT_FALSE(longer.ok());
  EXPECT_NE(longer.error().message.find("126"), std::string::npos);
}

TEST(EpcBytes, FromBytesChecksSize) {
  const std::uint8_t raw[3] = {0x30, 0x74, 0x25};
  auto e = EpcBytes::from_bytes(raw, 3);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->to_hex(), "307425");
  EXPECT_FALSE(EpcBytes::from_bytes(raw, 0).ok());
  EXPECT_FALSE(EpcBytes::from_bytes(nullptr, 3).ok());
  std::uint8_t big[63] = {};
  EXPECT_FALSE(EpcBytes::from_bytes(big, 63).ok());
  EXPECT_TRUE(EpcBytes::from_bytes(big, 62).ok());
  EXPECT_TRUE(EpcBytes{}.empty());
}

}  // namespace
}  // namespace scanedge::rfid
