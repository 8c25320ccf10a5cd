// Clock placement: a time for every applied event of a device, correcting events stamped
// while the device's wall clock was not synchronised.
//
// Every event carries "time" (the device's wall clock, RFC 3339), "clock" ("synced" |
// "unsynced": whether the kernel believed the wall clock disciplined), "mono_ms" (the
// boot-relative monotonic clock, ms) and "boot" (the kernel boot id: monotonic times compare
// only within one boot).
// Rule, per device (all streams together):
//   - a synced event (or one without "clock", written before the field existed): placed
//     time = its own time, placement "synced";
//   - an unsynced event with mono_ms and boot, when a synced event of the same device and
//     boot with a usable time and mono_ms exists, before or after it: placed time = that
//     event's time + (mono_ms - its mono_ms), using the synced event nearest in mono_ms
//     (least drift; the earlier one on a tie); placement "placed";
//   - otherwise its own time, placement "unplaced" (the time is the device's guess).
// An anchor's time must parse as RFC 3339 ("...Z" or "+HH:MM" offsets, fractions); placed
// times are formatted UTC with milliseconds (2026-11-26T17:00:00.123Z). A placed time outside
// years 1970..2199 is not used (unplaced).
//
// Usage: add() every event of the device first (anchors are collected), then place() each.
// Memory: 16 bytes per synced event with mono_ms, per boot. Nothing here throws; bodies that
// are not JSON objects are "unplaced" with no time.
// Threading: one ClockPlacer per thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

// RFC 3339 -> Unix milliseconds; nullopt when not a valid date-time.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s);

struct Placement {
  enum class Kind { synced, placed, unplaced };
  Kind kind = Kind::unplaced;
  std::optional<std::string> time;  // the placed time (nullopt: the event has no usable time)
};

std::string_view to_string(Placement::Kind k);

class ClockPlacer {
 public:
  void add(const nlohmann::json& event);
  void add(std::string_view body);  // parses; ignores non-JSON
  Placement place(const nlohmann::json& event) const;
  Placement place(std::string_view body) const;
  std::size_t anchors() const;

 private:
  void sort() const;
  // boot -> (mono_ms, Unix ms) of its synced events; sorted by mono_ms before placing.
  mutable std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>, std::less<>> by_boot_;
  mutable bool sorted_ = true;
};

class LedgerStore;

// A placer holding the anchors of every applied event of `address` (both streams), read from
// `store` in pages. Errors: the store's.
Result<ClockPlacer> device_placer(LedgerStore& store, const sync::DeviceAddress& address);

}  // namespace scanedge::ledger
