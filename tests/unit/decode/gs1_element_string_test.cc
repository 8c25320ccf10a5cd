#include "edge/decode/gs1_element_string.h"

#include <gtest/gtest.h>

#include <string>

#include "edge/decode/gs1_ai_table.h"
#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::fails;
using testing::ok;

const std::string GS = "\x1D";

TEST(Gs1ElementString, PublishedGtinAndBatch) {
  const Decoded d = ok("]C10109506000134352" "10ABC123");
  EXPECT_EQ(d.aim, "]C1");
  EXPECT_EQ(d.symbology, "gs1-128");
  EXPECT_EQ(d.kind, "gs1");
  ASSERT_EQ(d.ais.size(), 2u);
  EXPECT_EQ(d.ais[0].ai, "01");
  EXPECT_EQ(d.ais[0].value, "09506000134352");
  EXPECT_EQ(d.ais[1].ai, "10");
  EXPECT_EQ(d.ais[1].value, "ABC123");
  EXPECT_EQ(d.identity.gtin, "09506000134352");
  EXPECT_EQ(d.identity.lot, "ABC123");
  EXPECT_FALSE(d.identity.serial.has_value());
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/10/ABC123");
}

TEST(Gs1ElementString, AllGs1AimIdsAndLeadingGsWithoutAim) {
  for (const char* aim : {"]C1", "]e0", "]d2", "]Q3", "]J1"}) {
    const Decoded d = ok(std::string(aim) + "0109506000134352");
    EXPECT_EQ(d.kind, "gs1") << aim;
    EXPECT_EQ(d.identity.gtin, "09506000134352") << aim;
  }
  const Decoded d = ok(GS + "0109506000134352" + "10ABC123");
  EXPECT_EQ(d.aim, "");
  EXPECT_EQ(d.symbology, "unknown");
  EXPECT_EQ(d.kind, "gs1");
  EXPECT_EQ(d.identity.lot, "ABC123");
}

TEST(Gs1ElementString, ProfileCanDeclareBareDataGs1) {
  DecodeOptions o;
  o.gs1_without_aim = true;
  o.reference_year = 2026;
  const DecodeResult r = decode("0109506000134352" "10ABC123", o);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.value->kind, "gs1");
  EXPECT_EQ(r.value->identity.lot, "ABC123");
}

TEST(Gs1ElementString, FullIdentityAndCanonicalDigitalLink) {
  const Decoded d = ok("]d2" "0109506000134352" "17271231" "10ABC" + GS + "21S/1%" + GS);
  EXPECT_EQ(d.symbology, "gs1-datamatrix");
  EXPECT_EQ(d.identity.gtin, "09506000134352");
  EXPECT_EQ(d.identity.lot, "ABC");
  EXPECT_EQ(d.identity.serial, "S/1%");
  EXPECT_EQ(d.identity.expiry, "2027-12-31");
  // Qualifiers in key order (10 before 21) whatever the scan order; 17 as a query attribute.
  EXPECT_EQ(d.digital_link,
            "https://id.gs1.org/01/09506000134352/10/ABC/21/S%2F1%25?17=271231");
}

TEST(Gs1ElementString, QualifierOrderIndependentOfScanOrder) {
  const Decoded d = ok("]C1" "21XYZ" + GS + "10L1" + GS + "0109506000134352");
  ASSERT_EQ(d.ais.size(), 3u);
  EXPECT_EQ(d.ais[0].ai, "21");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/10/L1/21/XYZ");
}

TEST(Gs1ElementString, SsccCountAndContent) {
  Decoded d = ok("]C100106141412345678908");
  EXPECT_EQ(d.identity.sscc, "106141412345678908");
  EXPECT_FALSE(d.identity.gtin.has_value());
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/00/106141412345678908");

  d = ok("]C1" "00106141412345678908" "0200614141123452" "3712");
  EXPECT_EQ(d.identity.count, 12);
  EXPECT_EQ(d.identity.sscc, "106141412345678908");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=12");

  d = ok("]C1" "0109506000134352" "3005");
  EXPECT_EQ(d.identity.count, 5);
}

TEST(Gs1ElementString, TrailingAndRepeatedGsTolerated) {
  Decoded d = ok("]C1" "0109506000134352" "10ABC123" + GS);
  EXPECT_EQ(d.identity.lot, "ABC123");
  d = ok("]C1" "10ABC123" + GS + GS + "0109506000134352" + GS);
  EXPECT_EQ(d.identity.lot, "ABC123");
  EXPECT_EQ(d.identity.gtin, "09506000134352");
  // A GS after a predefined-length AI is harmless.
  d = ok("]C1" "0109506000134352" + GS + "10ABC");
  EXPECT_EQ(d.identity.lot, "ABC");
}

TEST(Gs1ElementString, VariableLengthWithoutSeparatorConsumesTheRest) {
  // Without GS the lot runs to the end: the following "21XYZ" becomes part of it.
  Decoded d = ok("]C1" "0109506000134352" "10ABC" "21XYZ");
  EXPECT_EQ(d.identity.lot, "ABC21XYZ");
  EXPECT_FALSE(d.identity.serial.has_value());
  // ...and when that makes it too long, it is a length error at the value.
  fails("]C1" "0109506000134352" "10ABCDEFGHIJKLMNOP" "21XYZ", "bad_length", 21);
  fails("]C1" "0109506000134352" "10" + std::string(21, 'A'), "bad_length", 21);
  EXPECT_EQ(ok("]C1" "0109506000134352" "10" + std::string(20, 'A')).identity.lot,
            std::string(20, 'A'));
}

TEST(Gs1ElementString, MissingSeparatorAfterFixedLengthAiThatNeedsOne) {
  // 7001 (NSN) is N13 but not predefined-length: a GS must follow before the next AI.
  const std::string head = "]C1" "0109506000134352" "7001" "1234567890123";
  EXPECT_EQ(ok(head + GS + "10ABC").identity.lot, "ABC");
  EXPECT_EQ(ok(head).ais.size(), 2u);
  const DecodeError e = fails(head + "10ABC", "missing_separator", 36);
  EXPECT_NE(e.message.find("(7001)"), std::string::npos) << e.message;
}

TEST(Gs1ElementString, BadLength) {
  fails("]C1" "010950600013435", "bad_length", 5);                  // GTIN 13 digits
  fails("]C1" "0109506000134" + GS + "10A", "bad_length", 5);       // GS inside fixed length
  fails("]C1" "001061414123456789", "bad_length", 5);               // SSCC 16 digits
  fails("]C1" "0109506000134352" "10" + GS + "21X", "bad_length", 21);  // empty lot
  fails("]C1" "0109506000134352" "1727033", "bad_length", 21);      // date 5 digits
  fails("]C1" "0109506000134352" "30123456789", "bad_length", 21);  // count > 8 digits
}

TEST(Gs1ElementString, BadCharset) {
  fails("]C1" "0109506000134352" "10AB C", "bad_charset", 23);  // space not in CSET 82
  fails("]C1" "0109506000134352" "10AB\x7F", "bad_charset", 23);
  fails("]C1" "0109506000134352" "10AB~", "bad_charset", 23);  // '~' not in CSET 82
  fails("]C1" "0109506000134A52", "bad_charset", 16);
  fails("]C1" "0109506000134352" "301x", "bad_charset", 22);
  const DecodeError e = fails("]C1" "0109506000134352" "21AB\x01", "bad_charset", 23);
  EXPECT_NE(e.message.find("(21)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("\\x01"), std::string::npos) << e.message;
}

TEST(Gs1ElementString, BadCheckDigit) {
  DecodeError e = fails("]C1" "0109506000134353", "bad_check_digit", 18);
  EXPECT_NE(e.message.find("(01)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'2'"), std::string::npos) << e.message;
  fails("]C1" "00106141412345678909", "bad_check_digit", 22);
  fails("]C1" "00106141412345678908" "0200614141123453" "3712", "bad_check_digit", 38);
}

TEST(Gs1ElementString, UnknownAi) {
  // (99 was unknown to the first-cut table; every dictionary AI is known now, 23/26 are not.)
  DecodeError e = fails("]C1" "2312", "unknown_ai", 3);
  EXPECT_NE(e.message.find("'2312'"), std::string::npos) << e.message;
  fails("]C1" "0109506000134352" "26X", "unknown_ai", 19);
  fails("]C1" "AB", "unknown_ai", 3);
  fails("]C1" "0109506000134352" + GS + "1", "unknown_ai", 20);
  fails(GS + "X", "unknown_ai", 1);
}

TEST(Gs1ElementString, RequiresAndExcludes) {
  DecodeError e = fails("]C1" "10ABC", "requires", 3);
  EXPECT_NE(e.message.find("(10)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("(01)"), std::string::npos) << e.message;
  fails("]C1" "17270331", "requires", 3);
  fails("]C1" "0200614141123452" "3712", "requires", 19);  // 37 needs 00 (dictionary)
  fails("]C1" "00106141412345678908" "0200614141123452", "requires", 23);  // 02 needs 37
  e = fails("]C1" "0109506000134352" "3712", "excludes", 19);  // 01 excludes 37
  EXPECT_NE(e.message.find("(37)"), std::string::npos) << e.message;
  fails("]C1" "0109506000134352" "21ABC" + GS + "235XYZ", "excludes", 25);
}

TEST(Gs1ElementString, Empty) {
  fails("", "empty", 0);
  fails("]C1", "empty", 3);
  fails("]C1" + GS, "empty", 4);
  fails(GS + GS, "empty", 2);
  fails("]E0", "empty", 3);
  fails("]Q1", "empty", 3);
}

TEST(Gs1AiTable, RowsAreSortedUniqueAndLookupIsPrefixSafe) {
  const auto rows = all_ais();
  ASSERT_FALSE(rows.empty());
  for (std::size_t k = 1; k < rows.size(); ++k) EXPECT_LT(rows[k - 1].ai, rows[k].ai);
  for (const AiEntry& e : rows) {
    EXPECT_EQ(find_ai_exact(e.ai), &e) << e.ai;
    EXPECT_EQ(find_ai(std::string(e.ai) + "123"), &e) << e.ai;
    EXPECT_GE(e.component_count, 1u);
    EXPECT_LE(e.min_length(), e.max_length());
    if (e.predefined_length) {
      EXPECT_TRUE(e.fixed_length()) << e.ai;
    }
  }
  EXPECT_EQ(find_ai("9"), nullptr);
  EXPECT_EQ(find_ai("23"), nullptr);  // 235 exists, "23" alone is no AI
  EXPECT_TRUE(ai_matches_pattern("3941", "394n"));
  EXPECT_FALSE(ai_matches_pattern("3941", "395n"));
  EXPECT_FALSE(ai_matches_pattern("394", "394n"));
}

}  // namespace
}  // namespace scanedge::decode
