#include "edge/decode/gs1_date.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::fails;
using testing::kGsStr;
using testing::ok;

const std::string kGtin = "]C10109506000134352";  // AI 17 requires a GTIN

TEST(Gs1Date, CenturyRuleRelativeToReferenceYear) {
  EXPECT_EQ(gs1_full_year(27, 2026), 2027);
  EXPECT_EQ(gs1_full_year(76, 2026), 2076);  // +50: still this century
  EXPECT_EQ(gs1_full_year(77, 2026), 1977);  // +51: previous century
  EXPECT_EQ(gs1_full_year(0, 2026), 2000);
  EXPECT_EQ(gs1_full_year(49, 2099), 2149);  // -50: next century
  EXPECT_EQ(gs1_full_year(50, 2099), 2050);
}

TEST(Gs1Date, DayZeroResolvesToLastDayOfMonthIncludingLeapFebruary) {
  EXPECT_EQ(yymmdd_to_iso("280200", 2026), "2028-02-29");
  EXPECT_EQ(yymmdd_to_iso("270200", 2026), "2027-02-28");
  EXPECT_EQ(yymmdd_to_iso("000200", 2026), "2000-02-29");  // 2000 is a leap year
  EXPECT_EQ(yymmdd_to_iso("270400", 2026), "2027-04-30");
  EXPECT_EQ(yymmdd_to_iso("261200", 2026), "2026-12-31");
  EXPECT_EQ(yymmdd_to_iso("270331", 2026), "2027-03-31");
}

TEST(Gs1Date, ExpiryInIdentityIsIso) {
  EXPECT_EQ(ok(kGtin + "17280200").identity.expiry, "2028-02-29");
  EXPECT_EQ(ok(kGtin + "17270200").identity.expiry, "2027-02-28");
  EXPECT_EQ(ok(kGtin + "17280229").identity.expiry, "2028-02-29");
  const Decoded d = ok(kGtin + "17270331");
  EXPECT_EQ(d.identity.expiry, "2027-03-31");
  ASSERT_EQ(d.ais.size(), 2u);
  EXPECT_EQ(d.ais[1].value, "270331");  // value stays as scanned
}

TEST(Gs1Date, ImpossibleDatesAreBadDateAtTheField) {
  // kGtin is 19 bytes; "17" follows; YY at 21, MM at 23, DD at 25.
  fails(kGtin + "17271301", "bad_date", 23);
  fails(kGtin + "17270001", "bad_date", 23);
  fails(kGtin + "17270230", "bad_date", 25);
  fails(kGtin + "17270229", "bad_date", 25);  // 2027 is not a leap year
  fails(kGtin + "17270432", "bad_date", 25);
  fails(kGtin + "1127043A", "bad_charset", 26);
  const DecodeError e = fails(kGtin + "15271301", "bad_date", 23);
  EXPECT_NE(e.message.find("(15)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'13'"), std::string::npos) << e.message;
}

TEST(Gs1Date, ProductionAndBestBeforeAcceptDayZeroToo) {
  const Decoded d = ok(kGtin + "11270100" + "15270300");
  ASSERT_EQ(d.ais.size(), 3u);
  EXPECT_FALSE(d.identity.expiry.has_value());  // only AI 17 is the expiry
}

TEST(Gs1Date, CurrentYearIsPlausible) {
  const int y = current_utc_year();
  EXPECT_GE(y, 2024);
  EXPECT_LE(y, 2200);
}

}  // namespace
}  // namespace scanedge::decode
