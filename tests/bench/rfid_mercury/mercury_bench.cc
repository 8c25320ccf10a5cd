// Mercury reader throughput on one core: continuous-read response frames (one tag record
// each, metadata READCOUNT|RSSI|ANTENNAID|FREQUENCY|TIMESTAMP|PROTOCOL, 12-byte EPCs, as the
// driver requests them) pre-encoded into one byte stream, then
//   BM_MercuryRecordParse     parse_tag_record() on one record's bytes,
//   BM_MercuryStreamToReads   bytes -> FrameParser (CRC) -> TagRecordDecoder -> TagReads,
//   BM_MercuryStreamToFilter  the same plus rfid::ReadFilter::feed() (30 tags in view).
// items_per_second = tag records per second (target >= 50,000/s).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "drivers/rfid_mercury/mercury_commands.h"
#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"
#include "edge/rfid/read_filter.h"

namespace {

using namespace scanedge;
using namespace scanedge::mercury;
using namespace std::chrono_literals;

TagRecord record(int tag, int i) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "3074257BF7194E40%08X", tag);
  TagRecord r;
  r.read_count = 1;
  r.rssi_dbm = static_cast<std::int8_t>(-45 - (i % 30));
  r.antenna_ports = static_cast<std::uint8_t>(0x11 * (1 + i % 4));
  r.frequency_khz = 902750;
  r.timestamp_ms = static_cast<std::uint32_t>(i);
  r.protocol = kProtocolGen2;
  r.pc = 0x3000;
  r.epc = *rfid::EpcBytes::from_hex(hex);
  r.tag_crc = 0x1234;
  return r;
}

// 4096 frames of reads of `distinct` tags as one byte stream.
std::vector<std::uint8_t> stream(int distinct) {
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 4096; ++i) {
    const auto r = record(i % distinct, i);
    auto data = encode_stream_data(std::span<const TagRecord>(&r, 1), kStreamMetadata, kStreamSearchFlags);
    auto f = encode_response(opcode::kReadTagIdMultiple, kStatusOk, *data);
    out.insert(out.end(), f->begin(), f->end());
  }
  return out;
}

void BM_MercuryRecordParse(benchmark::State& state) {
  const auto bytes = *encode_tag_record(record(7, 1), kStreamMetadata);
  for (auto _ : state) {
    auto r = parse_tag_record(bytes, kStreamMetadata);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MercuryRecordParse);

void BM_MercuryStreamToReads(benchmark::State& state) {
  const auto bytes = stream(30);
  FrameParser parser;
  TagRecordDecoder decoder;
  std::vector<Frame> frames;
  std::vector<rfid::TagRead> reads;
  frames.reserve(64);
  reads.reserve(64);
  std::int64_t records = 0;
  for (auto _ : state) {
    // Fed in 512-byte reads, like the driver's read slices.
    for (std::size_t off = 0; off < bytes.size(); off += 512) {
      const auto n = std::min<std::size_t>(512, bytes.size() - off);
      frames.clear();
      parser.feed(std::span<const std::uint8_t>(bytes.data() + off, n), 0ns, frames);
      for (const auto& f : frames) {
        reads.clear();
        records += static_cast<std::int64_t>(decoder.decode(f, 0ns, reads));
        benchmark::DoNotOptimize(reads.data());
      }
    }
  }
  state.SetItemsProcessed(records);
  state.counters["bytes_per_record"] = static_cast<double>(bytes.size()) / 4096.0;
}
BENCHMARK(BM_MercuryStreamToReads);

void BM_MercuryStreamToFilter(benchmark::State& state) {
  const auto bytes = stream(static_cast<int>(state.range(0)));
  FrameParser parser;
  TagRecordDecoder decoder;
  rfid::RfidFilterSettings s;  // profile defaults: 1 s window, 2 reads, -70 dBm, 3 s absence
  s.max_tags = 1024;
  auto filter = rfid::ReadFilter::create(s);
  std::vector<Frame> frames;
  std::vector<rfid::TagRead> reads;
  frames.reserve(64);
  reads.reserve(64);
  std::int64_t records = 0;
  std::int64_t t = 0;
  std::int64_t appears = 0;
  for (auto _ : state) {
    for (std::size_t off = 0; off < bytes.size(); off += 512) {
      const auto n = std::min<std::size_t>(512, bytes.size() - off);
      const std::chrono::nanoseconds now{t += 1'000'000};  // 1 ms per read slice
      frames.clear();
      parser.feed(std::span<const std::uint8_t>(bytes.data() + off, n), now, frames);
      for (const auto& f : frames) {
        reads.clear();
        records += static_cast<std::int64_t>(decoder.decode(f, now, reads));
        for (const auto& r : reads) appears += static_cast<std::int64_t>(filter->feed(r).size());
      }
      benchmark::DoNotOptimize(filter->poll(now).size());
    }
  }
  state.SetItemsProcessed(records);
  state.counters["filter_events_total"] = static_cast<double>(appears);
}
BENCHMARK(BM_MercuryStreamToFilter)->Arg(30)->Arg(3000);

}  // namespace
