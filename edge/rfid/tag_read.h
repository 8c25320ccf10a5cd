// TagRead: one raw observation of one tag by an RFID reader, as a driver hands it to the
// read filter. Readers report the same tag on every inventory round and every antenna;
// turning that stream into scans is the filter's job (read_filter.h).
#pragma once

#include <chrono>
#include <cstdint>

#include "edge/rfid/epc_bytes.h"

namespace scanedge::rfid {

struct TagRead {
  EpcBytes epc;                     // the tag's EPC bank contents (binary, not hex)
  std::uint16_t antenna = 0;        // reader antenna port (LLRP AntennaID); 0 = unknown
  double rssi_dbm = 0.0;            // received signal strength; NaN counts as below threshold
  std::chrono::nanoseconds time{0};  // Clock::monotonic() when the read was taken
};

}  // namespace scanedge::rfid
