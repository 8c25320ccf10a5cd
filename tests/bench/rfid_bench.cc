// RFID read filter throughput: raw tag reads per second through ReadFilter::feed() on one
// core (reads pre-built; ~1/6 of them below the RSSI threshold). Arg = distinct EPCs in view (30: a pallet in front of the reader; 3000: a busy dock
// with a 1024-tag table, so tags keep being evicted and re-appearing).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "edge/rfid/read_filter.h"

namespace {

using namespace scanedge::rfid;
using namespace std::chrono_literals;

void BM_RfidFilter(benchmark::State& state) {
  const auto distinct = static_cast<unsigned>(state.range(0));
  RfidFilterSettings s;
  s.min_reads = 2;
  s.window = 1000ms;
  s.absence_timeout = 3000ms;
  s.rssi_min_dbm = -70.0;
  s.max_tags = 1024;
  auto made = ReadFilter::create(s);
  if (!made.ok()) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  ReadFilter& f = *made;

  // 4096 pre-built reads: every EPC on 4 antennas, RSSI spread around the threshold.
  std::vector<TagRead> reads;
  for (unsigned i = 0; i < 4096; ++i) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "3074257BF7194E40%08X", (i * 7919u) % distinct);
    reads.push_back(TagRead{*EpcBytes::from_hex(hex), static_cast<std::uint16_t>(i % 4 + 1),
                            -45.0 - static_cast<double>((i / 7) % 30), std::chrono::nanoseconds(0)});
  }
  std::chrono::nanoseconds t = 1s;
  std::size_t i = 0;
  std::size_t events = 0;
  for (auto _ : state) {
    TagRead& r = reads[i++ & 4095];
    r.time = t;
    t += 100us;  // 10,000 reads/s of simulated reader time: every EPC qualifies
    events += f.feed(r).size();
  }
  benchmark::DoNotOptimize(events);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["appears"] = static_cast<double>(f.counters().appears);
  state.counters["evicted"] = static_cast<double>(f.counters().evicted);
}
BENCHMARK(BM_RfidFilter)->Arg(30)->Arg(3000);

}  // namespace
