#include "edge/core/event_id.h"

#include <cstdio>
#include <ctime>

namespace scanedge {

EventIdGenerator::EventIdGenerator() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

std::string EventIdGenerator::next(std::chrono::system_clock::time_point now) {
  std::uint64_t ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  {
    std::lock_guard lock(mu_);
    if (ms <= last_ms_) {
      // Same (or earlier: the wall clock stepped back) millisecond: keep ids increasing.
      ms = last_ms_;
      if (++rand_b_ >= (1ULL << 62)) {
        rand_b_ = 0;
        if (++rand_a_ >= (1ULL << 12)) {
          rand_a_ = 0;
          ++ms;
        }
      }
    } else {
      rand_a_ = rng_() & 0xFFFULL;
      rand_b_ = rng_() & ((1ULL << 62) - 1) & ~(0xFFFFFULL);  // leave room to count up
    }
    last_ms_ = ms;
    a = rand_a_;
    b = rand_b_;
  }
  const std::uint64_t hi = (ms << 16) | (0x7ULL << 12) | a;
  const std::uint64_t lo = (0x2ULL << 62) | b;
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return out;
}

std::string format_time_utc(std::chrono::system_clock::time_point t) {
  // Calendar arithmetic on 64-bit durations, not time_t + gmtime_r: armhf's 32-bit time_t
  // would wrap after 2038.
  using namespace std::chrono;
  const auto ms_point = floor<milliseconds>(t);
  const auto day = floor<days>(ms_point);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms_point - day};
  // Sized for the widest values the types allow (g++ -Os cannot bound them and warns with
  // -Wformat-truncation); real output is always 24 characters.
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

}  // namespace scanedge
