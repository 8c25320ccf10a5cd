// Micro benchmarks (Google Benchmark): the hot paths one core spends its time in.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "edge/decode/decoder.h"
#include "edge/decode/epc.h"
#include "edge/outbox/sqlite_outbox.h"
#include "sync/protocol/envelope.h"
#include "tests/support/process.h"

namespace {

using namespace scanedge;

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> c{
      "]C10109506000134352" "10ABC123\x1d" "17270331",  // GS1-128
      "]d20109506000134352" "21SERIAL0001\x1d" "10LOT42",  // GS1 DataMatrix
      "]C100106141412345678908",                          // SSCC
      "]E04006381333931",                                 // EAN-13
      "]E0036000291452",                                  // UPC-A
      "09506000134352",                                   // bare GTIN-14
  };
  return c;
}

void BM_DecodeMixed(benchmark::State& state) {
  const auto& c = corpus();
  decode::DecodeOptions opts;
  opts.reference_year = 2026;
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = decode::decode(c[i++ % c.size()], opts);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeMixed);

// The issue-3 mix: GS1-128, GS1 DataMatrix and EPC tag reads, one decode call each.
void BM_DecodeMixedWithEpc(benchmark::State& state) {
  const std::vector<std::string> gs1{"]C10109506000134352" "10ABC123\x1d" "17270331",
                                     "]d20109506000134352" "21SERIAL0001\x1d" "10LOT42"};
  const std::vector<std::string> epc{"3074257BF7194E4000001A85", "3174257BF4499602D2000000"};
  decode::DecodeOptions opts;
  opts.reference_year = 2026;
  std::size_t i = 0;
  for (auto _ : state) {
    if (i % 3 == 2) {
      auto r = decode::decode_epc(epc[(i / 3) % epc.size()]);
      benchmark::DoNotOptimize(r);
    } else {
      auto r = decode::decode(gs1[i % 2], opts);
      benchmark::DoNotOptimize(r);
    }
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeMixedWithEpc);

void BM_DecodeDigitalLink(benchmark::State& state) {
  const std::string uri = "]Q1https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=270331";
  decode::DecodeOptions opts;
  opts.reference_year = 2026;
  for (auto _ : state) {
    auto r = decode::decode(uri, opts);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeDigitalLink);

nlohmann::json event(int i) {
  return {{"id", "0192f3a0-0000-7000-8000-" + std::to_string(100000000000 + i)},
          {"type", "pick.confirmed"},
          {"time", "2026-11-26T17:00:00.123Z"},
          {"task", "PICK-1001"},
          {"item", {{"gtin", "09506000134352"}, {"lot", "ABC123"}, {"serial", std::to_string(i)}}},
          {"qty", 1}};
}

// Group commit: events per second for groups of 1, 10, 100, 1000 with synchronous=full.
void BM_OutboxCommit(benchmark::State& state) {
  testing::TempDir dir;
  auto ob = outbox::SqliteOutbox::open(outbox::OutboxOptions{dir.file("o.db"), "full"});
  std::vector<EventDraft> drafts;
  for (int i = 0; i < state.range(0); ++i) drafts.push_back(EventDraft{Stream::exec, event(i)});
  for (auto _ : state) {
    auto r = (*ob)->commit(drafts, {});
    if (!r) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_OutboxCommit)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();

// The ledger's side of a batch: decode + validate 500 events.
void BM_DecodeBatch500(benchmark::State& state) {
  std::vector<StoredEvent> evs;
  for (int i = 0; i < 500; ++i) {
    auto e = event(i);
    e["seq"] = i + 1;
    e["stream"] = "exec";
    evs.push_back(StoredEvent{i + 1, e.dump()});
  }
  const std::string payload = sync::encode_batch({"site-1", "dev-1"}, Stream::exec, evs);
  for (auto _ : state) {
    auto b = sync::decode_batch(payload, 4 << 20);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 500);
}
BENCHMARK(BM_DecodeBatch500);

}  // namespace
