#include "edge/decode/gs1_date.h"

#include <chrono>

namespace scanedge::decode {
namespace {

int two(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int gs1_full_year(int yy, int reference_year) {
  const int century = reference_year - reference_year % 100;
  const int diff = yy - reference_year % 100;
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}

DateCheck check_yymmdd(std::string_view d, bool allow_day_zero, int reference_year) {
  const int month = two(d, 2);
  if (month < 1 || month > 12) return {DateField::kMonth};
  const int day = two(d, 4);
  if (day == 0) return allow_day_zero ? DateCheck{} : DateCheck{DateField::kDay};
  if (day > days_in_month(gs1_full_year(two(d, 0), reference_year), month)) {
    return {DateField::kDay};
  }
  return {};
}

DateCheck check_yyyymmdd(std::string_view d) {
  const int year = two(d, 0) * 100 + two(d, 2);
  const int month = two(d, 4);
  if (month < 1 || month > 12) return {DateField::kMonth};
  const int day = two(d, 6);
  if (day < 1 || day > days_in_month(year, month)) return {DateField::kDay};
  return {};
}

std::string yymmdd_to_iso(std::string_view d, int reference_year) {
  const int year = gs1_full_year(two(d, 0), reference_year);
  const int month = two(d, 2);
  int day = two(d, 4);
  if (day == 0) day = days_in_month(year, month);
  std::string out = "0000-00-00";
  out[0] = static_cast<char>('0' + year / 1000 % 10);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

int current_utc_year() {
  // Civil-from-days (proleptic Gregorian), on days since 1970-01-01.
  const auto now = std::chrono::system_clock::now();
  const long long z =
      std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24 +
      719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const long long month = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

}  // namespace scanedge::decode
