// Clock placement (sync/ledger/clock_placement.h): unsynced events placed through a synced
// event of the same device and boot, before or after them, via the monotonic clock; what
// stays unplaced; RFC 3339 parsing; the EPCIS export's eventTime.
#include "sync/ledger/clock_placement.h"

#include <gtest/gtest.h>

#include <sstream>

#include "sync/ledger/epcis_export.h"
#include "sync/ledger/ledger_store.h"
#include "tests/support/process.h"

namespace scanedge::ledger {
namespace {

using nlohmann::json;

json ev(const std::string& time, const char* clock, std::optional<std::int64_t> mono, const char* boot) {
  json e{{"id", "x"}, {"type", "pick.confirmed"}, {"time", time}};
  if (clock != nullptr) e["clock"] = clock;
  if (mono) e["mono_ms"] = *mono;
  if (boot != nullptr) e["boot"] = boot;
  return e;
}

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00.123456Z"), 123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T17:00:00.123Z"), 1795712400123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T18:00:00.123+01:00"), 1795712400123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T16:30:00.123-00:30"), 1795712400123);
  for (const char* bad : {"", "2026-11-26", "2026-11-26T17:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-26T17:00:00.Z", "2026-11-26T25:00:00Z", "2026-11-26T17:00:00+1:00", "x026-11-26T17:00:00Z",
                          "2026-11-26T17:00:00Zjunk"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad).has_value()) << bad;
  }
}

TEST(ClockPlacer, SyncedEventsKeepTheirTime) {
  ClockPlacer p;
  const json e = ev("2026-11-26T17:00:00.000Z", "synced", 1000, "b1");
  p.add(e);
  const Placement got = p.place(e);
  EXPECT_EQ(got.kind, Placement::Kind::synced);
  EXPECT_EQ(got.time, "2026-11-26T17:00:00.000Z");
  // No "clock" at all (older builds): taken as stamped.
  EXPECT_EQ(p.place(ev("2026-11-26T18:00:00.000Z", nullptr, std::nullopt, nullptr)).kind, Placement::Kind::synced);
}

TEST(ClockPlacer, UnsyncedEventsArePlacedFromASyncedEventOfTheSameBootBeforeOrAfter) {
  ClockPlacer p;
  // The device booted with its clock at 1970; it synced later (mono 50 000 ms).
  const json early = ev("1970-01-01T00:00:10.000Z", "unsynced", 10'000, "boot-a");
  const json sync = ev("2026-11-26T17:00:40.000Z", "synced", 50'000, "boot-a");
  const json late = ev("1970-01-01T00:01:00.000Z", "unsynced", 70'500, "boot-a");  // clock lost again
  for (const json* e : {&early, &sync, &late}) p.add(*e);
  EXPECT_EQ(p.anchors(), 1u);
  const Placement a = p.place(early);
  EXPECT_EQ(a.kind, Placement::Kind::placed);
  EXPECT_EQ(a.time, "2026-11-26T17:00:00.000Z");  // 40 s before the synced event
  const Placement b = p.place(late);
  EXPECT_EQ(b.kind, Placement::Kind::placed);
  EXPECT_EQ(b.time, "2026-11-26T17:01:00.500Z");
}

TEST(ClockPlacer, TheNearestSyncedEventInMonotonicTimeIsUsed) {
  ClockPlacer p;
  // Two synced events whose offsets differ by 2 s (drift / an NTP step between them).
  p.add(ev("2026-11-26T17:00:00.000Z", "synced", 1'000, "b"));
  p.add(ev("2026-11-26T18:00:02.000Z", "synced", 3'601'000, "b"));
  EXPECT_EQ(p.place(ev("2001-01-01T00:00:00Z", "unsynced", 2'000, "b")).time, "2026-11-26T17:00:01.000Z");
  EXPECT_EQ(p.place(ev("2001-01-01T00:00:00Z", "unsynced", 3'600'000, "b")).time, "2026-11-26T18:00:01.000Z");
  // Halfway: the earlier one.
  EXPECT_EQ(p.place(ev("2001-01-01T00:00:00Z", "unsynced", 1'801'000, "b")).time, "2026-11-26T17:30:00.000Z");
  EXPECT_EQ(p.place(ev("2001-01-01T00:00:00Z", "unsynced", 1'802'000, "b")).time, "2026-11-26T17:30:03.000Z");
}

TEST(ClockPlacer, OtherBootsMissingFieldsAndUnusableAnchorsLeaveEventsUnplaced) {
  ClockPlacer p;
  p.add(ev("2026-11-26T17:00:00.000Z", "synced", 1'000, "boot-a"));
  p.add(ev("not a time", "synced", 5'000, "boot-c"));          // unusable anchor
  p.add(ev("2026-11-26T17:00:00.000Z", "synced", std::nullopt, "boot-d"));  // no mono_ms
  p.add(ev("2026-11-26T17:00:00.000Z", "synced", 1'000, nullptr));         // no boot
  p.add(std::string_view("garbage{"));
  EXPECT_EQ(p.anchors(), 1u);
  // Monotonic times of another boot do not compare.
  const Placement other = p.place(ev("1970-01-01T00:00:02.000Z", "unsynced", 2'000, "boot-b"));
  EXPECT_EQ(other.kind, Placement::Kind::unplaced);
  EXPECT_EQ(other.time, "1970-01-01T00:00:02.000Z");
  EXPECT_EQ(p.place(ev("1970-01-01T00:00:02.000Z", "unsynced", std::nullopt, "boot-a")).kind, Placement::Kind::unplaced);
  EXPECT_EQ(p.place(ev("1970-01-01T00:00:02.000Z", "unsynced", 2'000, nullptr)).kind, Placement::Kind::unplaced);
  EXPECT_EQ(p.place(ev("1970-01-01T00:00:02.000Z", "unsynced", 2'000, "boot-c")).kind, Placement::Kind::unplaced);
  // A placement before 1970 is not used.
  EXPECT_EQ(p.place(ev("x", "unsynced", -9'000'000'000'000, "boot-a")).kind, Placement::Kind::unplaced);
  const Placement garbage = p.place(std::string_view("[1,2"));
  EXPECT_EQ(garbage.kind, Placement::Kind::unplaced);
  EXPECT_FALSE(garbage.time.has_value());
}

TEST(ClockPlacer, AnchorsComeFromBothStreamsOfTheDeviceInTheStore) {
  scanedge::testing::TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "normal", nullptr});
  ASSERT_TRUE(store);
  const sync::DeviceAddress a{"s1", "d1"};
  auto batch = [&](Stream s, const std::vector<json>& bodies) {
    sync::Batch b{a, s, {}, std::nullopt};
    std::int64_t seq = 1;
    for (json body : bodies) {
      body["seq"] = seq;
      body["stream"] = std::string(to_string(s));
      body["id"] = "0190b6a0-0000-7000-8000-00000000000" + std::to_string(seq + (s == Stream::exec ? 0 : 5));
      b.events.push_back({seq, body["id"], body["type"], body.dump()});
      ++seq;
    }
    return b;
  };
  json pick = ev("1970-01-01T00:00:05.000Z", "unsynced", 5'000, "b");
  pick["item"] = {{"gtin", "09506000134352"}, {"lot", nullptr}, {"serial", "S1"}};
  pick["qty"] = 1;
  json rejected = ev("2026-11-26T17:00:10.000Z", "synced", 10'000, "b");
  rejected["type"] = "scan.rejected";
  ASSERT_TRUE((*store)->apply(batch(Stream::exec, {pick})));
  ASSERT_TRUE((*store)->apply(batch(Stream::telemetry, {rejected})));
  auto placer = device_placer(**store, a);
  ASSERT_TRUE(placer);
  EXPECT_EQ(placer->anchors(), 1u);
  auto events = (*store)->events(a, Stream::exec, 0, 10);
  ASSERT_TRUE(events);
  EXPECT_EQ(placer->place(std::string_view(events->at(0).body)).time, "2026-11-26T17:00:05.000Z");
  // The EPCIS export uses the placed time as eventTime.
  std::ostringstream out;
  auto stats = epcis::write_document(**store, epcis::ExportOptions{std::nullopt, "2026-11-27T00:00:00.000Z"}, out);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->placed, 1);
  const json doc = json::parse(out.str());
  ASSERT_EQ(doc["epcisBody"]["eventList"].size(), 1u);
  EXPECT_EQ(doc["epcisBody"]["eventList"][0]["eventTime"], "2026-11-26T17:00:05.000Z");
}

}  // namespace
}  // namespace scanedge::ledger
