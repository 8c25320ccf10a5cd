#include "edge/core/event_id.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace scanedge {
namespace {

using namespace std::chrono;

TEST(EventId, IsUuidV7WithTimestamp) {
  EventIdGenerator gen;
  const auto t = sys_days{year{2026} / 11 / 26} + hours(17);
  const std::string id = gen.next(t);
  ASSERT_TRUE(std::regex_match(id, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
      << id;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  char expect[16];
  std::snprintf(expect, sizeof expect, "%012llx", static_cast<unsigned long long>(ms));
  const std::string ts = id.substr(0, 8) + id.substr(9, 4);
  EXPECT_EQ(ts, expect);
}

TEST(EventId, StrictlyIncreasingWithinOneMillisecondAndWhenClockStepsBack) {
  EventIdGenerator gen;
  const auto t = sys_days{year{2026} / 1 / 1};
  std::string prev = gen.next(t);
  std::set<std::string> seen{prev};
  for (int i = 0; i < 10000; ++i) {
    const auto when = (i % 3 == 0) ? t - seconds(5) : t;  // wall clock stepping back
    std::string id = gen.next(when);
    EXPECT_LT(prev, id);
    EXPECT_TRUE(seen.insert(id).second);
    prev = id;
  }
}

TEST(FormatTime, Rfc3339Millis) {
  const auto t = sys_days{year{2026} / 11 / 26} + hours(17) + milliseconds(123);
  EXPECT_EQ(format_time_utc(t), "2026-11-26T17:00:00.123Z");
  EXPECT_EQ(format_time_utc(system_clock::time_point{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
  // Past 2038: a 32-bit time_t (armhf) must not wrap the date.
  const auto later = sys_days{year{2040} / 2 / 29} + hours(12) + minutes(34) + seconds(56) + milliseconds(789);
  EXPECT_EQ(format_time_utc(later), "2040-02-29T12:34:56.789Z");
}

}  // namespace
}  // namespace scanedge
