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
  const auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms_total / 1000);
  int ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace scanedge
