// The dictionary's linters one by one: what passes, what fails, and which error code each
// failure maps to (gs1_linters.h).
#include "edge/decode/gs1_linters.h"

#include <gtest/gtest.h>

#include <string>

#include "edge/decode/error_codes.h"

namespace scanedge::decode {
namespace {

constexpr int kYear = 2026;

void passes(Linter l, std::string_view v) {
  const auto e = run_linter(l, v, kYear);
  EXPECT_FALSE(e.has_value()) << linter_name(l) << " rejected '" << v << "': "
                              << (e ? e->message : "");
}

void rejects(Linter l, std::string_view v, std::string_view code, std::size_t at = 0) {
  const auto e = run_linter(l, v, kYear);
  ASSERT_TRUE(e.has_value()) << linter_name(l) << " accepted '" << v << "'";
  EXPECT_EQ(e->code, code) << e->message;
  EXPECT_EQ(e->at, at) << e->message;
  EXPECT_NE(e->message.find(std::string(linter_name(l))), std::string::npos) << e->message;
}

TEST(Gs1Linters, CheckCharacterPairPublishedExamples) {
  passes(Linter::kCsumAlpha, "1987654Ad4X4bL5ttr2310c2K");  // GS1 GenSpecs GMN example
  passes(Linter::kCsumAlpha, "12345678901234567890123NT");
  passes(Linter::kCsumAlpha, "22");  // empty data: sum 0 -> "22"
  rejects(Linter::kCsumAlpha, "1987654Ad4X4bL5ttr2310cXK", error_code::kBadCheckDigit, 23);
  rejects(Linter::kCsumAlpha, "1987654Ad4X4bL5ttr2310c2X", error_code::kBadCheckDigit, 23);
  rejects(Linter::kCsumAlpha, "2", error_code::kBadLength);
  EXPECT_EQ(gs1_check_pair("1987654Ad4X4bL5ttr2310c"), "2K");
}

TEST(Gs1Linters, GtinCheckDigit) {
  passes(Linter::kCsum, "09506000134352");
  rejects(Linter::kCsum, "09506000134353", error_code::kBadCheckDigit, 13);
}

TEST(Gs1Linters, IbanPublishedExamples) {
  for (const char* v : {"FR7630006000011234567890189", "DE91100000000123456789",
                        "GB98MIDL07009312345678", "BE71096123456769",
                        "LC14BOSL123456789012345678901234"}) {
    passes(Linter::kIban, v);
  }
  rejects(Linter::kIban, "BE71096123456760", error_code::kBadCheckDigit, 2);
  rejects(Linter::kIban, "XX361234567890", error_code::kBadCharset, 0);
  rejects(Linter::kIban, "LC14BOSLxx3456789012345678901230", error_code::kBadCharset, 8);
  rejects(Linter::kIban, "BE71", error_code::kBadLength);
}

TEST(Gs1Linters, GcpPrefixPositions) {
  passes(Linter::kGcpPos1, "1234");
  passes(Linter::kGcpPos1, "1234ABC");
  rejects(Linter::kGcpPos1, "123", error_code::kBadLength);
  rejects(Linter::kGcpPos1, "12A4", error_code::kBadCharset, 2);
  passes(Linter::kGcpPos2, "X1234");
  rejects(Linter::kGcpPos2, "1234", error_code::kBadLength);
  rejects(Linter::kGcpPos2, "1A234", error_code::kBadCharset, 1);
}

TEST(Gs1Linters, DatesAndTimes) {
  passes(Linter::kYymmd0, "260200");
  rejects(Linter::kYymmdd, "260200", error_code::kBadDate, 4);
  passes(Linter::kYymmdd, "280229");  // 2028 is a leap year
  rejects(Linter::kYymmdd, "270229", error_code::kBadDate, 4);
  rejects(Linter::kYymmdd, "271301", error_code::kBadDate, 2);
  passes(Linter::kYyyymmdd, "20000229");
  rejects(Linter::kYyyymmdd, "19000229", error_code::kBadDate, 6);
  passes(Linter::kHhmi, "2359");
  rejects(Linter::kHhmi, "2400", error_code::kBadDate, 0);
  rejects(Linter::kHhmi, "2360", error_code::kBadDate, 2);
  passes(Linter::kHh, "00");
  rejects(Linter::kHh, "24", error_code::kBadDate);
  rejects(Linter::kMi, "60", error_code::kBadDate);
  rejects(Linter::kSs, "60", error_code::kBadDate);
}

TEST(Gs1Linters, IsoCodeLists) {
  for (const char* c : {"004", "276", "250", "840", "826", "894"}) passes(Linter::kIso3166, c);
  for (const char* c : {"000", "999", "001", "900"}) {
    rejects(Linter::kIso3166, c, error_code::kBadCharset);
  }
  passes(Linter::kIso3166999, "999");
  passes(Linter::kIso3166999, "276");
  rejects(Linter::kIso3166999, "998", error_code::kBadCharset);
  for (const char* c : {"DE", "FR", "US", "GB", "ZW"}) passes(Linter::kIso3166Alpha2, c);
  for (const char* c : {"XX", "UK", "de", "D1"}) {
    rejects(Linter::kIso3166Alpha2, c, error_code::kBadCharset);
  }
  for (const char* c : {"978", "840", "826", "392"}) passes(Linter::kIso4217, c);
  rejects(Linter::kIso4217, "000", error_code::kBadCharset);
  for (const char* c : {"0", "1", "2", "9"}) passes(Linter::kIso5218, c);
  rejects(Linter::kIso5218, "3", error_code::kBadCharset);
}

TEST(Gs1Linters, SmallContentRules) {
  passes(Linter::kPcenc, "A%20B%2f");
  rejects(Linter::kPcenc, "A%2", error_code::kBadCharset, 1);
  rejects(Linter::kPcenc, "A%G0", error_code::kBadCharset, 1);
  passes(Linter::kLatitude, "1800000000");
  rejects(Linter::kLatitude, "1800000001", error_code::kBadCharset);
  passes(Linter::kLongitude, "3600000000");
  rejects(Linter::kLongitude, "3600000001", error_code::kBadCharset);
  passes(Linter::kYesNo, "0");
  rejects(Linter::kYesNo, "2", error_code::kBadCharset);
  passes(Linter::kHyphen, "-");
  rejects(Linter::kHyphen, "+", error_code::kBadCharset);
  passes(Linter::kZero, "0");
  rejects(Linter::kZero, "1", error_code::kBadCharset);
  passes(Linter::kWinding, "9");
  rejects(Linter::kWinding, "2", error_code::kBadCharset);
  passes(Linter::kNonZero, "0001");
  rejects(Linter::kNonZero, "0000", error_code::kBadCharset);
  passes(Linter::kNoZeroPrefix, "0");
  passes(Linter::kNoZeroPrefix, "10");
  rejects(Linter::kNoZeroPrefix, "01", error_code::kBadCharset);
  passes(Linter::kHasNonDigit, "12A");
  rejects(Linter::kHasNonDigit, "123", error_code::kBadCharset);
  passes(Linter::kImporterIdx, "_");
  rejects(Linter::kImporterIdx, "!", error_code::kBadCharset);
  for (const char* c : {"1A", "200", "8", "BX", "PX", "ZZ"}) passes(Linter::kPackageType, c);
  for (const char* c : {"", "0", "AAAA", "1a"}) {
    rejects(Linter::kPackageType, c, error_code::kBadCharset);
  }
  for (const char* c : {"01", "10", "80", "99"}) passes(Linter::kMediaType, c);
  for (const char* c : {"00", "11", "79"}) rejects(Linter::kMediaType, c, error_code::kBadCharset);
}

TEST(Gs1Linters, SequencesAndPieces) {
  for (const char* v : {"1/1", "2/3", "9/10", "100/100"}) passes(Linter::kPosInSeqSlash, v);
  for (const char* v : {"", "/", "1/", "/1", "1//2", "x/y", "0/1", "1/0", "01/2", "2/1",
                        "10/9"}) {
    rejects(Linter::kPosInSeqSlash, v, error_code::kBadCharset, v == std::string("1/0") ? 2 : 0);
  }
  passes(Linter::kPieceOfTotal, "0102");
  passes(Linter::kPieceOfTotal, "0202");
  rejects(Linter::kPieceOfTotal, "0302", error_code::kBadCharset);
  rejects(Linter::kPieceOfTotal, "0002", error_code::kBadCharset);
  rejects(Linter::kPieceOfTotal, "0100", error_code::kBadCharset, 2);
}

TEST(Gs1Linters, CouponCodes) {
  passes(Linter::kCouponCode, "012345612345611110123");
  passes(Linter::kCouponCode, "012345612345611110123" "1" "2" "1" "1" "0" "123" "9");
  passes(Linter::kCouponCode, "012345612345611110123" "3" "261231" "4" "260101" "5" "0123456"
                              "6" "1" "1234567" "9" "0010");
  rejects(Linter::kCouponCode, "012345612345611110123" "3" "260101" "4" "261231",
          error_code::kBadDate, 29);  // starts after it expires
  rejects(Linter::kCouponCode, "a12345612345611110123", error_code::kBadCharset, 0);
  rejects(Linter::kCouponCode, "71234567890123", error_code::kBadCharset, 0);
  rejects(Linter::kCouponCode, "01234561234560", error_code::kBadCharset, 13);
  rejects(Linter::kCouponCode, "01234", error_code::kBadLength, 1);
  rejects(Linter::kCouponCode, "0123456123456111101237", error_code::kBadLength, 21);
  passes(Linter::kCouponPosOffer, "001234561234560123456");
  passes(Linter::kCouponPosOffer, "061234567890121234569123456789012345");
  rejects(Linter::kCouponPosOffer, "201234561234560123456", error_code::kBadCharset, 0);
  rejects(Linter::kCouponPosOffer, "07", error_code::kBadCharset, 1);
  rejects(Linter::kCouponPosOffer, "001234561234561123456", error_code::kBadLength, 15);
  rejects(Linter::kCouponPosOffer, "0012345612345601234567", error_code::kBadLength, 21);
}

TEST(Gs1Linters, NamesMatchTheDictionary) {
  EXPECT_EQ(linter_name(Linter::kNone), "");
  EXPECT_EQ(linter_name(Linter::kCsumAlpha), "csumalpha");
  EXPECT_EQ(linter_name(Linter::kIso3166999), "iso3166999");
  EXPECT_EQ(linter_name(Linter::kCouponPosOffer), "couponposoffer");
  EXPECT_FALSE(run_linter(Linter::kNone, "anything", kYear).has_value());
}

}  // namespace
}  // namespace scanedge::decode
