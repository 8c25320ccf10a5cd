#include "edge/core/clock.h"

#include <gtest/gtest.h>

namespace scanedge {
namespace {

TEST(SystemClock, MonotonicNeverGoesBack) {
  SystemClock c;
  auto a = c.monotonic();
  for (int i = 0; i < 1000; ++i) {
    auto b = c.monotonic();
    ASSERT_GE(b, a);
    a = b;
  }
  EXPECT_GT(a.count(), 0);
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock c;
  const auto m = c.monotonic();
  const auto w = c.wall();
  EXPECT_EQ(c.monotonic(), m);
  c.advance(std::chrono::milliseconds(250));
  EXPECT_EQ(c.monotonic() - m, std::chrono::milliseconds(250));
  EXPECT_EQ(c.wall() - w, std::chrono::milliseconds(250));
  c.set_synced(false);
  EXPECT_FALSE(c.wall_synced());
}

}  // namespace
}  // namespace scanedge
