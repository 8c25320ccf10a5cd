#include "edge/decode/aim.h"

#include <gtest/gtest.h>

#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::ok;

TEST(Aim, KnownIdsMapToSymbologyAndContent) {
  struct Row {
    const char* data;
    const char* name;
    AimContent content;
  };
  const Row rows[] = {
      {"]C1x", "gs1-128", AimContent::kGs1},       {"]C0x", "code-128", AimContent::kText},
      {"]e0x", "gs1-databar", AimContent::kGs1},   {"]d2x", "gs1-datamatrix", AimContent::kGs1},
      {"]d1x", "datamatrix", AimContent::kText},   {"]Q3x", "gs1-qr", AimContent::kGs1},
      {"]Q1x", "qr", AimContent::kText},           {"]J1x", "gs1-dotcode", AimContent::kGs1},
      {"]E0x", "ean-13", AimContent::kEanUpc},     {"]E4x", "ean-8", AimContent::kEan8},
      {"]E3x", "ean-13", AimContent::kEanWithAddOn}, {"]I1x", "itf-14", AimContent::kItf14},
      {"]A0x", "code-39", AimContent::kText},      {"]A4x", "code-39", AimContent::kText},
  };
  for (const Row& r : rows) {
    const AimMatch m = match_aim(r.data);
    ASSERT_NE(m.symbology, nullptr) << r.data;
    EXPECT_EQ(m.symbology->name, r.name) << r.data;
    EXPECT_EQ(m.symbology->content, r.content) << r.data;
    EXPECT_EQ(m.length, 3u);
    EXPECT_EQ(m.aim, std::string_view(r.data, 3));
  }
}

TEST(Aim, NoIdWhenNotAnAimPrefix) {
  for (const char* d : {"", "]", "]C", "]W1abc", "]C\x1D", "C10109", "x]C1"}) {
    const AimMatch m = match_aim(d);
    EXPECT_EQ(m.symbology, nullptr) << d;
    EXPECT_EQ(m.length, 0u) << d;
  }
}

TEST(Aim, DataWithUnknownAimLetterIsPlainTextWhole) {
  const Decoded d = ok("]W1abc");
  EXPECT_EQ(d.aim, "");
  EXPECT_EQ(d.symbology, "unknown");
  EXPECT_EQ(d.kind, "plain");
  EXPECT_EQ(d.text, "]W1abc");
}

TEST(Aim, TextSymbologiesArePlainWithTextAfterTheId) {
  Decoded d = ok("]A0HELLO-123");
  EXPECT_EQ(d.aim, "]A0");
  EXPECT_EQ(d.symbology, "code-39");
  EXPECT_EQ(d.kind, "plain");
  EXPECT_EQ(d.text, "HELLO-123");
  EXPECT_FALSE(d.digital_link.has_value());

  // Digits in a Code 128 symbol are not a GTIN claim, even with a valid check digit.
  d = ok("]C04006381333931");
  EXPECT_EQ(d.symbology, "code-128");
  EXPECT_EQ(d.kind, "plain");
  EXPECT_EQ(d.text, "4006381333931");
  EXPECT_FALSE(d.identity.gtin.has_value());
}

}  // namespace
}  // namespace scanedge::decode
