#include "edge/decode/gtin.h"

#include <gtest/gtest.h>

#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::fails;
using testing::ok;

TEST(CheckDigit, PublishedExamples) {
  EXPECT_TRUE(gs1_check_digit_ok("09506000134352"));
  EXPECT_TRUE(gs1_check_digit_ok("4006381333931"));
  EXPECT_TRUE(gs1_check_digit_ok("036000291452"));
  EXPECT_TRUE(gs1_check_digit_ok("96385074"));
  EXPECT_TRUE(gs1_check_digit_ok("106141412345678908"));  // SSCC, GS1 General Specs
  EXPECT_FALSE(gs1_check_digit_ok("09506000134353"));
  EXPECT_FALSE(gs1_check_digit_ok("106141412345678909"));
  EXPECT_EQ(gs1_check_digit("0950600013435"), '2');
  EXPECT_EQ(gs1_check_digit("10614141234567890"), '8');
}

TEST(Gtin, NormalisesToGtin14) {
  EXPECT_EQ(to_gtin14("96385074"), "00000096385074");
  EXPECT_EQ(to_gtin14("036000291452"), "00036000291452");
  EXPECT_EQ(to_gtin14("4006381333931"), "04006381333931");
  EXPECT_EQ(to_gtin14("09506000134352"), "09506000134352");
}

TEST(Gtin, UpcEExpandsToUpcA) {
  EXPECT_EQ(expand_upce("01234565"), "012345000065");  // last digit 5..9
  EXPECT_EQ(expand_upce("01234505"), "012000003455");  // 0: mfr d1 d2 0
  EXPECT_EQ(expand_upce("01234535"), "012300000455");  // 3
  EXPECT_EQ(expand_upce("01234545"), "012340000055");  // 4
  EXPECT_FALSE(expand_upce("21234565").has_value());   // number system must be 0/1
  EXPECT_FALSE(expand_upce("0123456").has_value());
}

TEST(Gtin, BareEan13UpcAEan8Gtin14) {
  Decoded d = ok("4006381333931");
  EXPECT_EQ(d.kind, "gtin");
  EXPECT_EQ(d.aim, "");
  EXPECT_EQ(d.symbology, "unknown");
  EXPECT_EQ(d.identity.gtin, "04006381333931");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/04006381333931");
  EXPECT_TRUE(d.ais.empty());

  EXPECT_EQ(ok("036000291452").identity.gtin, "00036000291452");
  EXPECT_EQ(ok("96385074").identity.gtin, "00000096385074");
  EXPECT_EQ(ok("09506000134352").identity.gtin, "09506000134352");
}

TEST(Gtin, AimEanSymbols) {
  Decoded d = ok("]E04006381333931");
  EXPECT_EQ(d.symbology, "ean-13");
  EXPECT_EQ(d.identity.gtin, "04006381333931");

  d = ok("]E00036000291452");  // 0-led EAN-13 = UPC-A symbol
  EXPECT_EQ(d.symbology, "upc-a");
  EXPECT_EQ(d.identity.gtin, "00036000291452");

  d = ok("]E0036000291452");
  EXPECT_EQ(d.symbology, "upc-a");
  EXPECT_EQ(d.identity.gtin, "00036000291452");

  d = ok("]E001234565");
  EXPECT_EQ(d.symbology, "upc-e");
  EXPECT_EQ(d.identity.gtin, "00012345000065");

  d = ok("]E496385074");
  EXPECT_EQ(d.symbology, "ean-8");
  EXPECT_EQ(d.identity.gtin, "00000096385074");

  d = ok("]E3400638133393112");  // EAN-13 + 2-digit add-on
  EXPECT_EQ(d.identity.gtin, "04006381333931");

  d = ok("]I109506000134352");
  EXPECT_EQ(d.symbology, "itf-14");
  EXPECT_EQ(d.kind, "gtin");
  EXPECT_EQ(d.identity.gtin, "09506000134352");
}

TEST(Gtin, Errors) {
  const DecodeError e = fails("4006381333932", "bad_check_digit", 12);
  EXPECT_NE(e.message.find("'1'"), std::string::npos) << e.message;  // says what it should be
  fails("]E04006381333932", "bad_check_digit", 15);
  fails("]E496385075", "bad_check_digit", 10);
  fails("]E001234564", "bad_check_digit", 10);  // UPC-E: check of the expanded UPC-A
  fails("]E040063813339", "bad_length", 3);  // 11 digits
  fails("]E009506000134352", "bad_length", 3);  // 14 digits
  fails("]E040063813A3931", "bad_charset", 11);
  fails("]E4963850", "bad_length", 3);
  fails("]E021234565", "bad_charset", 3);  // UPC-E number system 2
  fails("]I109506000134353", "bad_check_digit", 16);
}

TEST(Gtin, OtherDigitStringsWithoutAimArePlain) {
  const Decoded d = ok("12345");
  EXPECT_EQ(d.kind, "plain");
  EXPECT_EQ(d.text, "12345");
  EXPECT_EQ(ok("123456789").kind, "plain");
  // 8/12/13/14 digits without an AIM id are a GTIN claim: a wrong check digit is an error.
  fails("09506000134353", "bad_check_digit", 13);
  fails("96385075", "bad_check_digit", 7);
}

}  // namespace
}  // namespace scanedge::decode
