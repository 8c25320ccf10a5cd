// Helpers shared by the RFID unit tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "edge/rfid/epc_bytes.h"
#include "edge/rfid/tag_read.h"

namespace scanedge::rfid::test {

// SGTIN-96-shaped EPC whose last bytes carry `n`.
inline EpcBytes epc(unsigned n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "3074257BF7194E40%08X", n);
  auto r = EpcBytes::from_hex(buf);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : EpcBytes{};
}

inline TagRead read(unsigned n, std::chrono::nanoseconds t, double rssi = -50.0, std::uint16_t antenna = 1) {
  return TagRead{epc(n), antenna, rssi, t};
}

}  // namespace scanedge::rfid::test
