// RfidFilterSettings: the knobs of the RFID read filter (read_filter.h), one set per reader.
//
// Proposed profile keys (firmware-profiles/<name>.toml, table [rfid]; the profile loader
// learns them in issue 4 and should call validate_filter_settings() on the result):
//
//   [rfid]
//   window_ms          = 1000    # qualification window: min_reads must fall within it
//   min_reads          = 2       # reads (above threshold) in one window before a tag counts
//   rssi_min_dbm       = -70.0   # reads weaker than this are ignored (counted)
//   absence_timeout_ms = 3000    # a present tag not read for this long disappears
//   max_tags           = 4096    # tags tracked at once; beyond it the oldest is evicted
//
// validate_filter_settings(s): success when every value is in range; failure is an Error with
// code `rfid_settings_invalid` whose message names the key (`rfid.window_ms`, ...), the
// value given and the allowed range. Ranges:
//   window_ms           1 .. 600000 (10 min)
//   min_reads           1 .. 10000
//   rssi_min_dbm        finite, -150 .. 30
//   absence_timeout_ms  window_ms .. 86400000 (24 h) — a tag must not be able to disappear
//                       while it is still collecting reads to qualify
//   max_tags            1 .. 1000000 (memory is reserved up front: ~150 bytes per tag)
// Threading: pure function.
#pragma once

#include <chrono>
#include <cstddef>

#include "edge/core/result.h"

namespace scanedge::rfid {

struct RfidFilterSettings {
  std::chrono::milliseconds window{1000};
  int min_reads = 2;
  double rssi_min_dbm = -70.0;
  std::chrono::milliseconds absence_timeout{3000};
  std::size_t max_tags = 4096;
};

Status validate_filter_settings(const RfidFilterSettings& s);

}  // namespace scanedge::rfid
