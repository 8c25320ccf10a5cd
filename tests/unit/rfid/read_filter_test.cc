#include "edge/rfid/read_filter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edge/core/clock.h"
#include "tests/unit/rfid/rfid_test_util.h"

namespace scanedge::rfid {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using test::epc;

ReadFilter make_filter(const RfidFilterSettings& s) {
  auto f = ReadFilter::create(s);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().message);
  return std::move(f).value();
}

void append(std::vector<PresenceEvent>& out, std::span<const PresenceEvent> evs) {
  out.insert(out.end(), evs.begin(), evs.end());
}

std::size_t count_kind(const std::vector<PresenceEvent>& evs, PresenceKind k) {
  std::size_t n = 0;
  for (const auto& e : evs) n += e.kind == k ? 1 : 0;
  return n;
}

void expect_funnel(const ReadFilterCounters& c) {
  EXPECT_EQ(c.reads_in, c.invalid + c.below_threshold + c.pending_reads + c.qualified + c.duplicates_suppressed);
  EXPECT_EQ(c.appears, c.qualified);
}

struct Expected {
  nanoseconds first{0};
  nanoseconds last{0};
  std::uint32_t count = 0;
  double peak = -1000.0;
  std::uint16_t antenna = 0;
};

// The scenario: a pallet of 30 tagged cases in front of a 4-antenna reader.
TEST(ReadFilter, ThousandReadsOfThirtyTagsOnFourAntennasAreThirtyScans) {
  RfidFilterSettings s;
  s.window = 1000ms;
  s.min_reads = 2;
  s.rssi_min_dbm = -70.0;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  FakeClock clock;

  std::vector<PresenceEvent> events;
  std::map<std::string, Expected> expected;
  for (int i = 0; i < 1000; ++i) {
    const unsigned tag = static_cast<unsigned>(i % 30);
    const auto antenna = static_cast<std::uint16_t>((i / 7) % 4 + 1);
    const double rssi = -40.0 - static_cast<double>((i * 13) % 25);  // -64..-40
    const TagRead r{epc(tag), antenna, rssi, clock.monotonic()};
    append(events, f.feed(r));
    auto& x = expected[r.epc.to_hex()];
    if (x.count == 0) x.first = r.time;
    x.last = r.time;
    ++x.count;
    if (rssi > x.peak) {
      x.peak = rssi;
      x.antenna = antenna;
    }
    clock.advance(3ms);  // 1000 reads over 3 s
  }
  ASSERT_EQ(events.size(), 30u);
  std::set<std::string> appeared;
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, PresenceKind::appear);
    EXPECT_EQ(e.read_count, 2u);  // qualified on the second read
    appeared.insert(e.epc.to_hex());
  }
  EXPECT_EQ(appeared.size(), 30u);
  EXPECT_EQ(f.present(), 30u);

  // Still present just before the absence timeout of the last-read tag... and of the first.
  clock.advance(2000ms - 3ms - 30 * 3ms);
  EXPECT_TRUE(f.poll(clock).empty());

  clock.advance(2000ms);
  events.clear();
  append(events, f.poll(clock));
  ASSERT_EQ(events.size(), 30u);
  std::uint32_t total = 0;
  nanoseconds prev{0};
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, PresenceKind::disappear);
    EXPECT_EQ(e.reason, DisappearReason::timeout);
    const auto& x = expected.at(e.epc.to_hex());
    EXPECT_EQ(e.first_seen, x.first);
    EXPECT_EQ(e.last_seen, x.last);
    EXPECT_EQ(e.read_count, x.count);
    EXPECT_EQ(e.peak_rssi_dbm, x.peak);
    EXPECT_EQ(e.peak_antenna, x.antenna);
    EXPECT_EQ(e.time, x.last + 2000ms);  // stamped by the timeout, not by the poll
    EXPECT_GE(e.time, prev);             // in time order
    prev = e.time;
    total += e.read_count;
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(f.present(), 0u);
  EXPECT_EQ(f.tracked(), 0u);

  const auto& c = f.counters();
  EXPECT_EQ(c.reads_in, 1000u);
  EXPECT_EQ(c.below_threshold, 0u);
  EXPECT_EQ(c.pending_reads, 30u);
  EXPECT_EQ(c.qualified, 30u);
  EXPECT_EQ(c.duplicates_suppressed, 940u);
  EXPECT_EQ(c.appears, 30u);
  EXPECT_EQ(c.disappears, 30u);
  EXPECT_EQ(c.evicted, 0u);
  expect_funnel(c);
}

TEST(ReadFilter, ReadsBelowRssiThresholdAreIgnoredAndCounted) {
  RfidFilterSettings s;
  s.min_reads = 1;
  s.rssi_min_dbm = -70.0;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  nanoseconds t = 1s;

  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(f.feed(test::read(1, t, -70.5)).empty());
    t += 10ms;
  }
  EXPECT_TRUE(f.feed(test::read(1, t, std::nan(""))).empty());
  EXPECT_EQ(f.counters().below_threshold, 101u);
  EXPECT_EQ(f.tracked(), 0u);

  // Exactly at the threshold counts.
  auto evs = f.feed(test::read(1, t, -70.0, 3));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, PresenceKind::appear);
  EXPECT_EQ(evs[0].peak_antenna, 3);
  const nanoseconds last_strong = t;

  // Weak reads do not keep a present tag alive.
  for (int i = 0; i < 150; ++i) {
    t += 10ms;
    EXPECT_TRUE(f.feed(test::read(1, t, -80.0)).empty());
  }
  EXPECT_TRUE(f.poll(last_strong + 2000ms - 1ns).empty());
  auto gone = f.poll(last_strong + 2000ms);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, PresenceKind::disappear);
  EXPECT_EQ(gone[0].read_count, 1u);
  EXPECT_EQ(gone[0].last_seen, last_strong);
  expect_funnel(f.counters());
}

TEST(ReadFilter, SingleStrayReadAmongOthersIsNotAScan) {
  RfidFilterSettings s;
  s.min_reads = 3;
  s.window = 1000ms;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  std::vector<PresenceEvent> events;
  nanoseconds t = 1s;
  for (int i = 0; i < 100; ++i) {
    append(events, f.feed(test::read(i % 2 == 0 ? 1 : 2, t)));
    if (i == 50) append(events, f.feed(test::read(99, t)));  // the neighbour's item, once
    t += 10ms;
  }
  t += 5s;
  append(events, f.poll(t));
  ASSERT_EQ(count_kind(events, PresenceKind::appear), 2u);
  for (const auto& e : events) EXPECT_FALSE(e.epc == epc(99));
  EXPECT_EQ(f.counters().strays, 1u);

  // Two reads within the window are still not enough; the third makes it a scan.
  EXPECT_TRUE(f.feed(test::read(99, t)).empty());
  EXPECT_TRUE(f.feed(test::read(99, t + 400ms)).empty());
  auto evs = f.feed(test::read(99, t + 800ms));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].kind, PresenceKind::appear);
  EXPECT_EQ(evs[0].read_count, 3u);
  EXPECT_EQ(evs[0].first_seen, t);
  expect_funnel(f.counters());
}

TEST(ReadFilter, WindowIsHalfOpenAtItsEdge) {
  RfidFilterSettings s;
  s.min_reads = 2;
  s.window = 1000ms;
  s.absence_timeout = 3000ms;

  {  // Second read one nanosecond before the edge: inside, qualifies.
    auto f = make_filter(s);
    EXPECT_TRUE(f.feed(test::read(1, 10s)).empty());
    auto evs = f.feed(test::read(1, 10s + 1000ms - 1ns));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].first_seen, 10s);
    EXPECT_EQ(evs[0].read_count, 2u);
  }
  {  // Second read exactly at the edge: outside, starts a new window.
    auto f = make_filter(s);
    EXPECT_TRUE(f.feed(test::read(1, 10s)).empty());
    EXPECT_TRUE(f.feed(test::read(1, 11s)).empty());
    EXPECT_EQ(f.present(), 0u);
    auto evs = f.feed(test::read(1, 11s + 999ms));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].first_seen, 11s);
    EXPECT_EQ(evs[0].read_count, 2u);
  }
  {  // Reads spread so that the window restarts while the tag is still tracked.
    s.min_reads = 3;
    auto g = make_filter(s);
    EXPECT_TRUE(g.feed(test::read(1, 10s)).empty());
    EXPECT_TRUE(g.feed(test::read(1, 10s + 900ms)).empty());
    EXPECT_TRUE(g.feed(test::read(1, 11s)).empty());  // third read, but at the edge: restart
    EXPECT_TRUE(g.feed(test::read(1, 11s + 100ms)).empty());
    auto evs = g.feed(test::read(1, 11s + 200ms));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].first_seen, 11s);
    EXPECT_EQ(evs[0].read_count, 3u);
    expect_funnel(g.counters());
  }
}

TEST(ReadFilter, AbsenceTimeoutEdgeAndReappear) {
  RfidFilterSettings s;
  s.min_reads = 1;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  ASSERT_EQ(f.feed(test::read(1, 10s)).size(), 1u);
  EXPECT_TRUE(f.poll(11s + 500ms).empty());
  EXPECT_TRUE(f.feed(test::read(1, 11s + 999ms)).empty());  // 1 ms before its timeout  // duplicate, keeps it present
  EXPECT_TRUE(f.poll(13s + 999ms - 1ns).empty());
  auto gone = f.poll(13s + 999ms);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, PresenceKind::disappear);
  EXPECT_EQ(gone[0].reason, DisappearReason::timeout);
  EXPECT_EQ(gone[0].time, 13s + 999ms);
  EXPECT_EQ(gone[0].read_count, 2u);
  EXPECT_EQ(gone[0].first_seen, 10s);

  auto back = f.feed(test::read(1, 20s));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].kind, PresenceKind::appear);
  EXPECT_EQ(back[0].first_seen, 20s);
  EXPECT_EQ(back[0].read_count, 1u);
  EXPECT_EQ(f.counters().appears, 2u);
}

TEST(ReadFilter, ReadAtExactlyTheTimeoutDisappearsThenAppearsWithoutPoll) {
  RfidFilterSettings s;
  s.min_reads = 1;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  ASSERT_EQ(f.feed(test::read(1, 10s)).size(), 1u);
  ASSERT_EQ(f.feed(test::read(2, 10s + 500ms)).size(), 1u);
  auto evs = f.feed(test::read(1, 12s));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, PresenceKind::disappear);
  EXPECT_TRUE(evs[0].epc == epc(1));
  EXPECT_EQ(evs[0].time, 12s);
  EXPECT_EQ(evs[1].kind, PresenceKind::appear);
  EXPECT_TRUE(evs[1].epc == epc(1));
  EXPECT_EQ(evs[1].first_seen, 12s);
  // A feed also times out other tags, stamped by their own timeout.
  auto other = f.feed(test::read(1, 13s));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_TRUE(other[0].epc == epc(2));
  EXPECT_EQ(other[0].time, 12s + 500ms);
}

TEST(ReadFilter, FullTableEvictsOldestPresentTagWithDisappear) {
  RfidFilterSettings s;
  s.min_reads = 1;
  s.max_tags = 3;
  auto f = make_filter(s);
  ASSERT_EQ(f.feed(test::read(1, 1s)).size(), 1u);
  ASSERT_EQ(f.feed(test::read(2, 1s + 1ms)).size(), 1u);
  ASSERT_EQ(f.feed(test::read(3, 1s + 2ms)).size(), 1u);
  EXPECT_TRUE(f.feed(test::read(1, 1s + 3ms)).empty());  // tag 1 is now the most recent
  auto evs = f.feed(test::read(4, 1s + 4ms));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, PresenceKind::disappear);
  EXPECT_EQ(evs[0].reason, DisappearReason::evicted);
  EXPECT_TRUE(evs[0].epc == epc(2));
  EXPECT_EQ(evs[0].time, 1s + 4ms);
  EXPECT_EQ(evs[1].kind, PresenceKind::appear);
  EXPECT_TRUE(evs[1].epc == epc(4));
  EXPECT_EQ(f.tracked(), 3u);
  EXPECT_EQ(f.counters().evicted, 1u);
  EXPECT_EQ(f.counters().disappears, 1u);
}

TEST(ReadFilter, FullTableDropsPendingStraysBeforePresentTags) {
  RfidFilterSettings s;
  s.min_reads = 2;
  s.max_tags = 100;
  s.window = 1000ms;
  s.absence_timeout = 3000ms;
  auto f = make_filter(s);
  // Busy dock: 10 cases on the portal, 5000 different items read once each in passing.
  std::vector<PresenceEvent> events;
  nanoseconds t = 1s;
  unsigned stray = 1000;
  for (int round = 0; round < 500; ++round) {
    for (unsigned tag = 0; tag < 10; ++tag) {
      append(events, f.feed(test::read(tag, t)));
      append(events, f.feed(test::read(stray++, t)));
      ASSERT_LE(f.tracked(), 100u);
      t += 100us;
    }
  }
  EXPECT_EQ(events.size(), 10u);
  EXPECT_EQ(count_kind(events, PresenceKind::appear), 10u);
  EXPECT_EQ(f.present(), 10u);
  EXPECT_EQ(f.counters().evicted, 5000u - 90u);
  EXPECT_EQ(f.counters().disappears, 0u);
  expect_funnel(f.counters());
}

TEST(ReadFilter, CountersAddUpOverAMixedStream) {
  RfidFilterSettings s;
  s.min_reads = 2;
  s.rssi_min_dbm = -70.0;
  auto f = make_filter(s);
  (void)f.feed(TagRead{EpcBytes{}, 1, -40.0, 1s});   // invalid
  (void)f.feed(test::read(1, 1s, -90.0));            // below threshold
  (void)f.feed(test::read(1, 1s + 1ms));             // pending
  (void)f.feed(test::read(1, 1s + 2ms));             // qualified
  (void)f.feed(test::read(1, 1s + 3ms));             // duplicate
  (void)f.feed(test::read(1, 1s));                   // duplicate, stamped in the past
  (void)f.feed(test::read(2, 1s + 4ms));             // pending, later a stray
  (void)f.poll(1h);
  const auto& c = f.counters();
  EXPECT_EQ(c.reads_in, 7u);
  EXPECT_EQ(c.invalid, 1u);
  EXPECT_EQ(c.below_threshold, 1u);
  EXPECT_EQ(c.pending_reads, 2u);
  EXPECT_EQ(c.qualified, 1u);
  EXPECT_EQ(c.duplicates_suppressed, 2u);
  EXPECT_EQ(c.out_of_order, 1u);
  EXPECT_EQ(c.appears, 1u);
  EXPECT_EQ(c.disappears, 1u);
  EXPECT_EQ(c.strays, 1u);
  EXPECT_EQ(c.evicted, 0u);
  expect_funnel(c);
}

TEST(ReadFilter, OutOfOrderReadIsTakenAtTheFiltersTime) {
  RfidFilterSettings s;
  s.min_reads = 1;
  s.absence_timeout = 2000ms;
  auto f = make_filter(s);
  ASSERT_EQ(f.feed(test::read(1, 10s)).size(), 1u);
  auto evs = f.feed(test::read(2, 5s));
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].time, 10s);
  EXPECT_EQ(evs[0].first_seen, 10s);
  EXPECT_TRUE(f.poll(9s).empty());  // time does not go back
  EXPECT_EQ(f.poll(12s).size(), 2u);
  EXPECT_EQ(f.counters().out_of_order, 1u);
}

TEST(ReadFilter, EventsDoNotDependOnPollCadence) {
  RfidFilterSettings s;
  s.min_reads = 2;
  s.window = 500ms;
  s.absence_timeout = 1500ms;
  s.max_tags = 16;
  auto fed_only = make_filter(s);
  auto polled = make_filter(s);
  std::vector<PresenceEvent> a, b;
  std::uint64_t x = 7;
  nanoseconds t = 1s;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto gap = nanoseconds(static_cast<std::int64_t>((x >> 40) % 4000) * 1000 +
                                 ((x >> 20) % 97 == 0 ? 2'000'000'000 : 0));
    const auto poll_at = t + gap / 2;
    t += gap;
    const TagRead r = test::read(static_cast<unsigned>((x >> 33) % 24), t, -30.0 - static_cast<double>((x >> 50) % 40),
                                 static_cast<std::uint16_t>((x >> 45) % 4 + 1));
    append(a, fed_only.feed(r));
    append(b, polled.poll(poll_at));
    append(b, polled.feed(r));
  }
  append(a, fed_only.poll(t + 1h));
  append(b, polled.poll(t + 1h));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(count_kind(a, PresenceKind::appear), 100u);
  ASSERT_GT(fed_only.counters().evicted, 0u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, b[i].kind) << i;
    EXPECT_EQ(a[i].reason, b[i].reason) << i;
    EXPECT_TRUE(a[i].epc == b[i].epc) << i;
    EXPECT_EQ(a[i].time, b[i].time) << i;
    EXPECT_EQ(a[i].read_count, b[i].read_count) << i;
    EXPECT_EQ(a[i].peak_antenna, b[i].peak_antenna) << i;
  }
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_GE(a[i].time, a[i - 1].time) << i;
  EXPECT_EQ(count_kind(a, PresenceKind::appear), count_kind(a, PresenceKind::disappear));
  expect_funnel(fed_only.counters());
}

TEST(ReadFilter, FlushEndsEverySession) {
  RfidFilterSettings s;
  s.min_reads = 2;
  auto f = make_filter(s);
  (void)f.feed(test::read(1, 1s));
  (void)f.feed(test::read(1, 1s + 1ms));
  (void)f.feed(test::read(2, 1s + 2ms));
  (void)f.feed(test::read(2, 1s + 3ms));
  (void)f.feed(test::read(3, 1s + 4ms));  // pending
  auto evs = f.flush(1s + 10ms);
  ASSERT_EQ(evs.size(), 2u);
  for (const auto& e : evs) {
    EXPECT_EQ(e.kind, PresenceKind::disappear);
    EXPECT_EQ(e.reason, DisappearReason::flushed);
    EXPECT_EQ(e.time, 1s + 10ms);
  }
  EXPECT_EQ(f.tracked(), 0u);
  EXPECT_EQ(f.counters().strays, 1u);
  // After a flush the same tags are new again.
  (void)f.feed(test::read(1, 2s));
  EXPECT_EQ(f.feed(test::read(1, 2s + 1ms)).size(), 1u);
}

TEST(ReadFilter, ExtremeTimestampsDoNotOverflow) {
  RfidFilterSettings s;
  s.min_reads = 1;
  auto f = make_filter(s);
  const auto lo = nanoseconds(std::numeric_limits<std::int64_t>::min());
  const auto hi = nanoseconds(std::numeric_limits<std::int64_t>::max());
  ASSERT_EQ(f.feed(test::read(1, lo)).size(), 1u);
  auto evs = f.feed(test::read(2, hi));
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].kind, PresenceKind::disappear);
  EXPECT_EQ(evs[0].time, lo + s.absence_timeout);
  EXPECT_TRUE(f.poll(hi).empty());
  auto flushed = f.flush(hi);
  ASSERT_EQ(flushed.size(), 1u);
  EXPECT_EQ(flushed[0].time, hi);
}

TEST(ReadFilter, EventNamesAreStable) {
  EXPECT_STREQ(to_string(PresenceKind::appear), "appear");
  EXPECT_STREQ(to_string(PresenceKind::disappear), "disappear");
  EXPECT_STREQ(to_string(DisappearReason::timeout), "timeout");
  EXPECT_STREQ(to_string(DisappearReason::evicted), "evicted");
  EXPECT_STREQ(to_string(DisappearReason::flushed), "flushed");
}

}  // namespace
}  // namespace scanedge::rfid
