// GS1 dates: YYMMDD with the GS1 century rule and DD=00 meaning "end of the month".
//
// Century (GS1 General Specifications 7.12): with C the current year's last two digits,
// a YY more than 50 years ahead belongs to the previous century, 50 or more years behind
// to the next one, otherwise to the current century. The reference year is passed in so
// results are reproducible; current_utc_year() gives the real one.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace scanedge::decode {

enum class DateField { kNone, kMonth, kDay };

struct DateCheck {
  DateField bad = DateField::kNone;  // kNone: valid
  bool ok() const { return bad == DateField::kNone; }
};

// Four-digit year for a two-digit GS1 year, relative to `reference_year` (e.g. 2026).
int gs1_full_year(int yy, int reference_year);

int days_in_month(int year, int month);

// Validates six digits YYMMDD. Precondition: six ASCII digits. `allow_day_zero` accepts
// DD=00 (the dictionary's "yymmd0"). Month 01-12; day 01..days in that month (Feb 29 only
// in a leap year of the full year per gs1_full_year).
DateCheck check_yymmdd(std::string_view yymmdd, bool allow_day_zero, int reference_year);

// Validates eight digits YYYYMMDD (the dictionary's "yyyymmdd"). Precondition: eight ASCII
// digits. Month 01-12; day 01..days in that month of that (full) year.
DateCheck check_yyyymmdd(std::string_view yyyymmdd);

// "YYYY-MM-DD" for a valid YYMMDD; DD=00 becomes the month's last day.
std::string yymmdd_to_iso(std::string_view yymmdd, int reference_year);

// The current calendar year in UTC (from the system clock).
int current_utc_year();

}  // namespace scanedge::decode
