// UUIDv7 event identifiers (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits.
// Thread-safe. Ids from one generator are strictly increasing within a process even when
// several are made in the same millisecond (the random part is incremented).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace scanedge {

class EventIdGenerator {
 public:
  EventIdGenerator();
  std::string next(std::chrono::system_clock::time_point now);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::uint64_t last_ms_ = 0;
  std::uint64_t rand_a_ = 0;  // 12 bits
  std::uint64_t rand_b_ = 0;  // 62 bits
};

// Formats a wall time as RFC 3339 UTC with milliseconds: 2026-11-26T17:00:00.123Z
std::string format_time_utc(std::chrono::system_clock::time_point t);

}  // namespace scanedge
