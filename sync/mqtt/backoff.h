// Reconnect backoff: exponential growth with "full jitter".
//
// backoff_delay(attempt, min, max, rng) returns a delay drawn uniformly from
// [min, min(max, min * 2^attempt)], attempt counting failed attempts from 0. The result is
// always within [min, max] (max < min is treated as max == min). Pure apart from `rng`;
// not thread-safe beyond what the caller's rng is.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace scanedge::sync {

template <class Rng>
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds min, std::chrono::milliseconds max,
                                        Rng& rng) {
  const std::int64_t lo = std::max<std::int64_t>(0, min.count());
  const std::int64_t hi_cap = std::max<std::int64_t>(lo, max.count());
  std::int64_t ceiling = std::max<std::int64_t>(lo, 1);
  for (int i = 0; i < attempt && ceiling < hi_cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, hi_cap);
  if (ceiling < lo) ceiling = lo;
  std::uniform_int_distribution<std::int64_t> dist(lo, ceiling);
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace scanedge::sync
