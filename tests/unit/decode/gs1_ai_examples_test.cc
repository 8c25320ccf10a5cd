// Hand-written cases for the trickier AIs (GS1 General Specifications style examples):
// optional components, multi-part values, ISO code lists, dates with times and ranges,
// signs, check character pairs, IBAN, and the decimal-position helper.
#include <gtest/gtest.h>

#include <string>

#include "edge/decode/gs1_ai_table.h"
#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::fails;
using testing::ok;

const std::string GS = "\x1D";
const std::string GTIN = "0109506000134352";  // (01) 09506000134352

std::string value_of(const Decoded& d, std::string_view ai) {
  for (const AiValue& a : d.ais) {
    if (a.ai == ai) return a.value;
  }
  return "<absent>";
}

TEST(Gs1AiExamples, Grai8003WithAndWithoutSerial) {
  // N1 (zero) + N13 GRAI with check digit + optional X..16 serial.
  EXPECT_EQ(value_of(ok("]C1" "8003" "04012345000009"), "8003"), "04012345000009");
  const Decoded d = ok("]C1" "8003" "04012345000009" "AB-12/3");
  EXPECT_EQ(value_of(d, "8003"), "04012345000009AB-12/3");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/8003/04012345000009AB-12%2F3");
  fails("]C1" "8003" "14012345000009", "bad_charset", 7);      // first digit must be 0
  fails("]C1" "8003" "04012345000008", "bad_check_digit", 20);  // GRAI check digit
  fails("]C1" "8003" "0401234500000", "bad_length", 7);         // 13 of at least 14
  fails("]C1" "8003" "04012345000009" + std::string(17, 'A'), "bad_length", 7);
}

TEST(Gs1AiExamples, Giai8004AndGcpPrefix) {
  EXPECT_EQ(value_of(ok("]C1" "8004" "4012345ABC-123"), "8004"), "4012345ABC-123");
  // The first four characters must be digits (the shortest GS1 Company Prefix).
  const DecodeError e = fails("]C1" "8004" "401X5ABC", "bad_charset", 10);
  EXPECT_NE(e.message.find("gcppos1"), std::string::npos) << e.message;
  fails("]C1" "8004" "401", "bad_length", 7);
}

TEST(Gs1AiExamples, Itip8006PieceOfTotal) {
  const Decoded d = ok("]C1" "8006" "09506000134352" "0102" + GS + "21S1");
  EXPECT_EQ(value_of(d, "8006"), "095060001343520102");
  fails("]C1" "8006" "09506000134352" "0302", "bad_charset", 21);  // piece 3 of 2
  fails("]C1" "8006" "09506000134352" "0100", "bad_charset", 23);  // total 0
  fails("]C1" "8006" "09506000134353" "0102", "bad_check_digit", 20);
  fails("]C1" "8006" "09506000134352" "0102" + GS + "0109506000134352", "excludes", 26);
}

TEST(Gs1AiExamples, Iban8007NeedsPayToAndReference) {
  const std::string head = "]C1" "4159506000134000" "8020" "INV-2026-1" + GS;
  const Decoded d = ok(head + "8007" "DE91100000000123456789");
  EXPECT_EQ(value_of(d, "8007"), "DE91100000000123456789");
  const std::size_t at = head.size() + 4;
  DecodeError e = fails(head + "8007" "DE92100000000123456789", "bad_check_digit", at + 2);
  EXPECT_NE(e.message.find("iban"), std::string::npos) << e.message;
  e = fails(head + "8007" "XX91100000000123456789", "bad_charset", at);  // no such country
  fails(head + "8007" "DE91-00000000123456789", "bad_charset", at + 4);  // '-' not in IBAN
  fails(head + "8007" "DE9110000", "bad_length", at);                   // too short
  fails("]C1" "8007" "DE91100000000123456789", "requires", 3);          // needs (415)
}

TEST(Gs1AiExamples, ProductionTime8008HourOptionalMinutesSeconds) {
  for (const char* v : {"26013112", "2601311230", "260131123045"}) {
    EXPECT_EQ(value_of(ok("]C1" + GTIN + "8008" + v), "8008"), v);
  }
  fails("]C1" + GTIN + "8008" "26013124", "bad_date", 29);      // hour 24
  fails("]C1" + GTIN + "8008" "2601311260", "bad_date", 31);    // minute 60
  fails("]C1" + GTIN + "8008" "260131123060", "bad_date", 33);  // second 60
  fails("]C1" + GTIN + "8008" "260132" "12", "bad_date", 27);   // 32 January
  fails("]C1" + GTIN + "8008" "260131123", "bad_length", 23);   // half a minute field
}

TEST(Gs1AiExamples, Gsrn8018AndItsExclusions) {
  const Decoded d = ok("]C1" "8018" "795260646311110004" + GS + "8019" "12");
  EXPECT_EQ(value_of(d, "8018"), "795260646311110004");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/8018/795260646311110004/8019/12");
  fails("]C1" "8018" "795260646311110005", "bad_check_digit", 24);
  fails("]C1" "8018" "795260646311110004" + GS + "8017" "795260646311110004", "excludes", 26);
  // 8018 is fixed-length but not predefined: a following AI needs a GS first.
  fails("]C1" "8018" "795260646311110004" "8019" "12", "missing_separator", 25);
}

TEST(Gs1AiExamples, PaymentSlip8020With415) {
  const Decoded d = ok("]C1" "4159506000134000" "8020" "1234567890");
  EXPECT_EQ(value_of(d, "8020"), "1234567890");
  fails("]C1" "8020" "1234567890", "requires", 3);
  fails("]C1" "4159506000134000", "requires", 3);  // 415 needs 8020
}

TEST(Gs1AiExamples, ShipToPostal421WithIsoCountry) {
  const Decoded d = ok("]C1" "00106141412345678908" "421" "276" "10115");
  EXPECT_EQ(value_of(d, "421"), "27610115");
  const DecodeError e = fails("]C1" "421" "999" "10115", "bad_charset", 6);
  EXPECT_NE(e.message.find("AI (421)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'999'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("ISO 3166"), std::string::npos) << e.message;
  fails("]C1" "421" "276" "1234567890", "bad_length", 6);  // postal code X..9
  fails("]C1" "421" "27610115" + GS + "4307DE", "excludes", 15);
}

TEST(Gs1AiExamples, CountriesOfOrigin422To427) {
  Decoded d = ok("]C1" + GTIN + "422" "276" + GS + "427" "BY");
  EXPECT_EQ(value_of(d, "427"), "BY");
  d = ok("]C1" + GTIN + "423" "276040056" + GS + "424" "250" + GS + "425" "276");
  EXPECT_EQ(value_of(d, "423"), "276040056");
  EXPECT_EQ(value_of(d, "425"), "276");
  fails("]C1" + GTIN + "423" "2760400", "bad_length", 22);     // half a country
  fails("]C1" + GTIN + "423" "276041", "bad_charset", 25);     // 041 is no country
  fails("]C1" + GTIN + "422" "276" + GS + "426" "276", "excludes", 26);
  fails("]C1" + GTIN + "427" "BY", "requires", 19);            // 427 needs 422
  fails("]C1" + GTIN + "424" "000", "bad_charset", 22);
}

TEST(Gs1AiExamples, ExpiryDateAndTime7003) {
  EXPECT_EQ(value_of(ok("]C1" + GTIN + "7003" "2603311530"), "7003"), "2603311530");
  fails("]C1" + GTIN + "7003" "2603312430", "bad_date", 29);
  fails("]C1" + GTIN + "7003" "2602301530", "bad_date", 27);  // 30 February
  fails("]C1" + GTIN + "7003" "260331153", "bad_length", 23);
}

TEST(Gs1AiExamples, HarvestDateRange7007) {
  EXPECT_EQ(value_of(ok("]C1" + GTIN + "7007" "260101"), "7007"), "260101");
  EXPECT_EQ(value_of(ok("]C1" + GTIN + "7007" "260101260131"), "7007"), "260101260131");
  fails("]C1" + GTIN + "7007" "2601012601", "bad_length", 23);
  fails("]C1" + GTIN + "7007" "260101260100", "bad_date", 33);  // no day 00 in a range
}

TEST(Gs1AiExamples, Protocol7240AndUrl8200AndInternal99) {
  EXPECT_EQ(value_of(ok("]C1" + GTIN + "7240" "ABC-123/X"), "7240"), "ABC-123/X");
  const std::string url = "https://example.com/p?id=1";
  EXPECT_EQ(value_of(ok("]C1" + GTIN + "8200" + url), "8200"), url);
  fails("]C1" + GTIN + "8200" "https://example.com/a b", "bad_charset", 44);
  EXPECT_EQ(value_of(ok("]C1" "99" "ANY-internal/123"), "99"), "ANY-internal/123");
  EXPECT_EQ(value_of(ok("]C1" "91" + std::string(90, 'x')), "91"), std::string(90, 'x'));
  fails("]C1" "91" + std::string(91, 'x'), "bad_length", 5);
}

TEST(Gs1AiExamples, ShipToCountryAndPhone4307And4308) {
  const std::string sscc = "]C1" "00106141412345678908";
  EXPECT_EQ(value_of(ok(sscc + "4307" "DE" + GS + "4308" "+49-30-1234567"), "4308"),
            "+49-30-1234567");
  fails(sscc + "4307" "XX", "bad_charset", 27);
  fails(sscc + "4307" "de", "bad_charset", 27);  // alpha-2 codes are upper case
  fails(sscc + "4307" "D", "bad_length", 27);
  fails(sscc + "4308" + std::string(31, '1'), "bad_length", 27);
}

TEST(Gs1AiExamples, Temperatures4330WithMinusSign) {
  const std::string sscc = "]C1" "00106141412345678908";
  EXPECT_EQ(value_of(ok(sscc + "4330" "000440" "-"), "4330"), "000440-");
  EXPECT_EQ(value_of(ok(sscc + "4331" "002500"), "4331"), "002500");
  const DecodeError e = fails(sscc + "4330" "000440" "+", "bad_charset", 33);
  EXPECT_NE(e.message.find("hyphen"), std::string::npos) << e.message;
  fails(sscc + "4330" "000440" + GS + "4331" "000440", "excludes", 34);
}

TEST(Gs1AiExamples, GmnCheckCharacterPair8013) {
  // GS1 General Specifications example GMN.
  const Decoded d = ok("]C1" "8013" "1987654Ad4X4bL5ttr2310c2K");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K");
  const DecodeError e = fails("]C1" "8013" "1987654Ad4X4bL5ttr2310cXK", "bad_check_digit", 30);
  EXPECT_NE(e.message.find("'2K'"), std::string::npos) << e.message;
  // MUDI (8014) additionally needs a non-digit.
  ok("]C1" + GTIN + "21S1" + GS + "8014" "1987654Ad4X4bL5ttr2310c2K");
}

TEST(Gs1AiExamples, CouponCodes8110And8112) {
  EXPECT_EQ(value_of(ok("]C1" "8110" "012345612345611110123"), "8110"),
            "012345612345611110123");
  // with optional field 3 (expiration date) and 9 (misc.)
  ok("]C1" "8110" "012345612345611110123" "3" "261231" "9" "0010");
  fails("]C1" "8110" "012345612345611110123" "3" "261331", "bad_date", 29);
  fails("]C1" "8110" "712345612345611110123", "bad_charset", 7);  // GCP length indicator 7
  fails("]C1" "8110" "0123456", "bad_length", 14);                // offer code missing
  EXPECT_EQ(value_of(ok("]C1" "8112" "001234561234560123456"), "8112"),
            "001234561234560123456");
  fails("]C1" "8112" "0012345612345601234567", "bad_length", 28);  // data after serial
}

TEST(Gs1AiExamples, GeoLocationAndImporterIndex) {
  const std::string sscc = "]C1" "00106141412345678908";
  ok(sscc + "4309" "0900000000" "1800000000");
  fails(sscc + "4309" "1800000001" "1800000000", "bad_charset", 27);
  fails(sscc + "4309" "0900000000" "3600000001", "bad_charset", 37);
  ok("]C1" "7040" "1ABz");
  fails("]C1" "7040" "1AB!", "bad_charset", 10);
}

TEST(Gs1AiExamples, DecimalPositionValues) {
  const AiEntry* w = find_ai_exact("3103");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->decimals, 3);
  EXPECT_EQ(decimal_value(*w, "001250"), "1.250");
  EXPECT_EQ(decimal_value(*w, "000000"), "0.000");
  EXPECT_EQ(decimal_value(*find_ai_exact("3100"), "000500"), "500");
  EXPECT_EQ(decimal_value(*find_ai_exact("3105"), "000050"), "0.00050");
  EXPECT_EQ(decimal_value(*find_ai_exact("3922"), "12345"), "123.45");
  EXPECT_EQ(decimal_value(*find_ai_exact("3925"), "12"), "0.00012");
  EXPECT_EQ(decimal_value(*find_ai_exact("3932"), "97812345"), "123.45");  // EUR 123.45
  EXPECT_EQ(decimal_value(*find_ai_exact("3941"), "0125"), "12.5");
  EXPECT_EQ(find_ai_exact("10")->decimals, -1);
  EXPECT_EQ(decimal_value(*find_ai_exact("10"), "123"), "");
  EXPECT_EQ(decimal_value(*w, "00A250"), "");
  // Two different units of the same measure exclude each other; the same AI twice does not.
  fails("]C1" + GTIN + "3103001250" "3102000125", "excludes", 29);
  EXPECT_EQ(ok("]C1" + GTIN + "3103001250" "3103001250").ais.size(), 3u);
}

}  // namespace
}  // namespace scanedge::decode
