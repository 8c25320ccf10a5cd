// PresenceEvent: what the RFID read filter produces (read_filter.h).
//
// appear    a tag qualified (enough reads above the RSSI threshold within the window). This is
//           THE scan: the pipeline turns each appear into exactly one scan of the EPC. A tag
//           stays present, producing no further events however often it is read, until it
//           disappears.
// disappear a present tag has left: not read (above threshold) for the absence timeout
//           (reason timeout), pushed out of a full table (reason evicted), or dropped by
//           flush() (reason flushed). Every appear is followed by exactly one disappear.
//
// The statistics cover the tag's session: from the first read of the window in which it
// qualified up to `last_seen`. On appear they are the qualifying reads; on disappear, the
// whole session.
#pragma once

#include <chrono>
#include <cstdint>

#include "edge/rfid/epc_bytes.h"

namespace scanedge::rfid {

enum class PresenceKind : std::uint8_t { appear, disappear };
enum class DisappearReason : std::uint8_t { none, timeout, evicted, flushed };

struct PresenceEvent {
  PresenceKind kind = PresenceKind::appear;
  DisappearReason reason = DisappearReason::none;  // none for appear
  EpcBytes epc;
  // When the event happened on the filter's clock: appear = time of the qualifying read;
  // disappear by timeout = last_seen + absence_timeout (independent of when poll() ran);
  // evicted/flushed = the filter's time when it happened.
  std::chrono::nanoseconds time{0};
  std::chrono::nanoseconds first_seen{0};
  std::chrono::nanoseconds last_seen{0};
  std::uint32_t read_count = 0;       // reads above threshold in the session
  double peak_rssi_dbm = 0.0;         // strongest read of the session
  std::uint16_t peak_antenna = 0;     // antenna of the strongest read (first one on ties)
};

const char* to_string(PresenceKind kind);
const char* to_string(DisappearReason reason);

}  // namespace scanedge::rfid
