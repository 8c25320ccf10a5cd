// The filter sits on the RFID hot path: once warmed up, feeding reads must not allocate.
// This file replaces the global operator new/delete of the unit_rfid executable with
// counting versions (malloc/free underneath).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "edge/rfid/read_filter.h"
#include "tests/unit/rfid/rfid_test_util.h"

namespace {
std::atomic<long> g_allocations{0};
}

// g++ 12 at -Os (the device build) inlines these into gtest's `new TestClass` and then
// reports free() of operator new's memory as mismatched: it is not, operator new above is
// malloc. The warning is silenced for these definitions only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace scanedge::rfid {
namespace {

using namespace std::chrono_literals;

TEST(ReadFilterAllocation, SteadyStateFeedAndPollDoNotAllocate) {
  RfidFilterSettings s;
  s.min_reads = 2;
  s.absence_timeout = 1000ms;
  s.window = 500ms;
  s.max_tags = 64;
  auto made = ReadFilter::create(s);
  ASSERT_TRUE(made.ok());
  ReadFilter& f = *made;
  std::vector<TagRead> reads;
  for (unsigned i = 0; i < 300; ++i) reads.push_back(test::read(i % 30, 0ns, -40.0, static_cast<std::uint16_t>(i % 4)));
  // Plus tags that come and go, so that appears, disappears and evictions happen in the loop.
  for (unsigned i = 0; i < 100; ++i) reads.push_back(test::read(1000 + i, 0ns));

  std::chrono::nanoseconds t = 1s;
  std::size_t events = 0;
  auto run = [&](int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (auto& rd : reads) {
        rd.time = t;
        events += f.feed(rd).size();
        t += 1ms;
      }
      events += f.poll(t + 2s).size();
      t += 2s;
    }
  };
  run(2);  // warm up: the event buffer reaches its working size
  const long before = g_allocations.load();
  run(20);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_GT(events, 0u);
  EXPECT_GT(f.counters().evicted, 0u);
}

}  // namespace
}  // namespace scanedge::rfid
