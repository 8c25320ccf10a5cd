// Added latency per scan, measured one scan at a time (a picker scans one item, waits for
// the beep): from the moment a driver hands over a complete scan (on_scan) to the moment
// the pipeline releases the operator's feedback (the scan's reply callback), with
//   - MemoryOutbox: what decode + confirm + grouping + thread hand-offs cost by themselves;
//   - SqliteOutbox synchronous=off: plus SQLite's transaction work, no disk flush;
//   - SqliteOutbox synchronous=full: the product's setting, including the fdatasync that
//     makes the confirmation durable (the baseline this cost should be compared to).
// And the driver side: a keyboard-wedge barcode (96 HID reports) decoded to a scan.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "drivers/hid_keyboard/keyboard_decoder.h"
#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/outbox/sqlite_outbox.h"
#include "edge/pipeline/confirm_pipeline.h"
#include "edge/tasks/work_executor.h"
#include "tests/support/memory_outbox.h"
#include "tests/support/process.h"

namespace {

using namespace scanedge;

// A work state holding one pick task with a line big enough for any run.
tasks::WorkState big_book(tasks::WorkExecutor& executor) {
  nlohmann::json doc{{"task_id", "PICK-B"},
                     {"version", 1},
                     {"type", "pick"},
                     {"lines", {{{"line", 1}, {"gtin", "09506000134352"}, {"qty", 100000000}, {"location", "A"}}}}};
  tasks::WorkState state;
  executor.put_task(doc, state);
  return state;
}

void run_latency(benchmark::State& state, Outbox& outbox) {
  SystemClock clock;
  EventIdGenerator ids;
  tasks::WorkExecutor executor(clock, ids, tasks::DeviceIdentity{"s", "d"});
  pipeline::ConfirmPipeline pipe(outbox, executor, big_book(executor), {});
  pipe.start();
  std::mutex mu;
  std::condition_variable cv;
  std::int64_t i = 0;
  for (auto _ : state) {
    bool done = false;
    RawScan scan{"]C101095060001343522" "1S" + std::to_string(i++) + "\x1d" "10LOT1", "bench", clock.monotonic()};
    pipe.submit_scan(std::move(scan), [&](const pipeline::ScanReply&) {
      std::lock_guard lock(mu);
      done = true;
      cv.notify_one();
    });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  pipe.stop();
  state.SetItemsProcessed(state.iterations());
}

void BM_PipelineAddedLatency_MemoryOutbox(benchmark::State& state) {
  testing::MemoryOutbox outbox;
  run_latency(state, outbox);
}
BENCHMARK(BM_PipelineAddedLatency_MemoryOutbox)->UseRealTime()->Unit(benchmark::kMicrosecond);

void sqlite_latency(benchmark::State& state, const char* sync) {
  testing::TempDir dir;
  auto ob = outbox::SqliteOutbox::open(outbox::OutboxOptions{dir.file("o.db"), sync, 0});
  if (!ob) {
    state.SkipWithError(ob.error().message.c_str());
    return;
  }
  run_latency(state, **ob);
}
void BM_PipelineAddedLatency_SqliteNoSync(benchmark::State& state) { sqlite_latency(state, "off"); }
BENCHMARK(BM_PipelineAddedLatency_SqliteNoSync)->UseRealTime()->Unit(benchmark::kMicrosecond);
void BM_PipelineAddedLatency_SqliteFullSync(benchmark::State& state) { sqlite_latency(state, "full"); }
BENCHMARK(BM_PipelineAddedLatency_SqliteFullSync)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_KeyboardWedgeBarcodeToScan(benchmark::State& state) {
  Profile p;
  p.suffix = "\r";
  auto cfg = hid_keyboard::decoder_config(p);
  if (!cfg) {
    state.SkipWithError(cfg.error().message.c_str());
    return;
  }
  hid_keyboard::KeyboardDecoder dec(*cfg);
  // "]C1" + 16 digits + "\r" as press/release boot reports (US layout).
  std::vector<std::uint8_t> bytes;
  auto key = [&](std::uint8_t mod, std::uint8_t usage) {
    const std::uint8_t press[8] = {mod, 0, usage, 0, 0, 0, 0, 0};
    const std::uint8_t release[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    bytes.insert(bytes.end(), press, press + 8);
    bytes.insert(bytes.end(), release, release + 8);
  };
  key(0, 0x30);
  key(0x02, 0x06);
  key(0, 0x1e);
  for (int k = 0; k < 16; ++k) key(0, static_cast<std::uint8_t>(0x1e + (k % 9)));
  key(0, 0x28);
  std::vector<hid_keyboard::DecodedScan> out;
  std::chrono::nanoseconds now{0};
  for (auto _ : state) {
    out.clear();
    for (std::size_t off = 0; off < bytes.size(); off += 8) {
      dec.feed(std::span<const std::uint8_t>(bytes.data() + off, 8), now, out);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyboardWedgeBarcodeToScan);

}  // namespace
