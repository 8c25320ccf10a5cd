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

TEST(Aim, EveryListedSymbologyAndWhatItCarries) {
  struct Row {
    const char* data;
    const char* name;
    bool gs1;         // carries GS1 element strings
    bool may_be_uri;  // free text: may be a GS1 Digital Link URI
  };
  const Row rows[] = {
      {"]C1x", "gs1-128", true, false},        {"]C0x", "code-128", false, true},
      {"]C2x", "code-128", false, true},       {"]e0x", "gs1-databar", true, false},
      {"]d2x", "gs1-datamatrix", true, false}, {"]d1x", "datamatrix", false, true},
      {"]d5x", "datamatrix", false, true},     {"]Q3x", "gs1-qr", true, false},
      {"]Q1x", "qr", false, true},             {"]Q0x", "qr", false, true},
      {"]Q4x", "qr", false, true},             {"]J1x", "gs1-dotcode", true, false},
      {"]J0x", "dotcode", false, true},        {"]z1x", "gs1-aztec", true, false},
      {"]z0x", "aztec", false, true},          {"]E0x", "ean-13", false, false},
      {"]E4x", "ean-8", false, false},         {"]E3x", "ean-13", false, false},
      {"]E1x", "ean-addon", false, true},      {"]E2x", "ean-addon", false, true},
      {"]I1x", "itf-14", false, false},        {"]I0x", "itf", false, true},
      {"]A0x", "code-39", false, true},        {"]G0x", "code-93", false, true},
      {"]F0x", "codabar", false, true},        {"]L0x", "pdf417", false, true},
      {"]L2x", "pdf417", false, true},         {"]H0x", "code-11", false, true},
      {"]M0x", "msi", false, true},            {"]U0x", "maxicode", false, true},
      {"]X0x", "other", false, true},          {"]Z0x", "non-barcode", false, true},
      {"]h0x", "han-xin", false, true},        {"]K0x", "code-16k", false, true},
  };
  for (const Row& r : rows) {
    const AimMatch m = match_aim(r.data);
    ASSERT_NE(m.symbology, nullptr) << r.data;
    EXPECT_EQ(m.symbology->name, r.name) << r.data;
    EXPECT_EQ(carries_gs1(m.symbology->content), r.gs1) << r.data;
    EXPECT_EQ(may_carry_digital_link(m.symbology->content), r.may_be_uri) << r.data;
  }
}

TEST(Aim, GS1AztecAndDotCodeCarryElementStrings) {
  for (const char* aim : {"]z1", "]J1", "]Q3", "]d2", "]e0", "]C1"}) {
    const Decoded d = ok(std::string(aim) + "0109506000134352" "10ABC123");
    EXPECT_EQ(d.kind, "gs1") << aim;
    EXPECT_EQ(d.identity.gtin, "09506000134352") << aim;
    EXPECT_EQ(d.identity.lot, "ABC123") << aim;
  }
  // The same bytes in a plain Aztec symbol are text.
  const Decoded d = ok("]z00109506000134352");
  EXPECT_EQ(d.kind, "plain");
  EXPECT_EQ(d.text, "0109506000134352");
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
