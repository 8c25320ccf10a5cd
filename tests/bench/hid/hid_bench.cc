// bench_hid: throughput of the pure HID parsers (no USB I/O).
//   BM_KeyboardDecode/<layout>: boot reports (press + release per character) decoded into
//     scans; items = reports.
//   BM_PosAssemble/<reports per barcode>: Honeywell 64-byte reports assembled into scans;
//     items = reports.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "drivers/hid_keyboard/keyboard_decoder.h"
#include "drivers/hid_pos/pos_report_assembler.h"

namespace {

using namespace scanedge;
using Report = std::vector<std::uint8_t>;

const std::string kBarcode = std::string("]C1010950600013435210ABC-12/3") + '\x1d' + "17270331" + '\x1d' + "21SN4711";

std::vector<Report> typing(hid_keyboard::Layout layout, const std::string& text) {
  std::vector<Report> r;
  for (char c : text + "\r") {
    auto k = hid_keyboard::keystroke_for(layout, c);
    if (!k) continue;
    r.push_back(Report{k->modifiers, 0, k->usage, 0, 0, 0, 0, 0});
    r.push_back(Report(8, 0));
  }
  return r;
}

void BM_KeyboardDecode(benchmark::State& state) {
  const auto layout = static_cast<hid_keyboard::Layout>(state.range(0));
  hid_keyboard::KeyboardDecoderConfig c;
  c.layout = layout;
  c.suffix = "\r";
  hid_keyboard::KeyboardDecoder dec(c);
  const auto reports = typing(layout, kBarcode);
  std::vector<hid_keyboard::DecodedScan> out;
  std::chrono::nanoseconds now{0};
  for (auto _ : state) {
    out.clear();
    for (const auto& r : reports) dec.feed(r, now, out);
    now += std::chrono::milliseconds(1);
    benchmark::DoNotOptimize(out.data());
    if (out.size() != 1 || out[0].data != kBarcode) state.SkipWithError("wrong decode");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(reports.size()));
  state.SetLabel(std::string(hid_keyboard::to_string(layout)) + ", " + std::to_string(reports.size()) +
                 " reports/scan");
}
BENCHMARK(BM_KeyboardDecode)->Arg(static_cast<int>(hid_keyboard::Layout::us))->Arg(static_cast<int>(hid_keyboard::Layout::fr));

Report honeywell(const std::string& aim, const std::string& data, bool more) {
  Report r(64, 0);
  r[0] = 0x02;
  r[1] = static_cast<std::uint8_t>(data.size());
  for (std::size_t i = 0; i < 3; ++i) r[2 + i] = static_cast<std::uint8_t>(aim[i]);
  for (std::size_t i = 0; i < data.size(); ++i) r[5 + i] = static_cast<std::uint8_t>(data[i]);
  r[63] = more ? 1 : 0;
  return r;
}

void BM_PosAssemble(benchmark::State& state) {
  const auto per_scan = static_cast<std::size_t>(state.range(0));
  std::string data;
  while (data.size() < per_scan * 56 - 10) data += "0123456789";
  std::vector<Report> reports;
  for (std::size_t i = 0; i < per_scan; ++i) {
    const auto part = data.substr(i * 56, 56);
    reports.push_back(honeywell("]d2", part, i + 1 < per_scan));
  }
  hid_pos::AssemblerConfig c;
  c.suffix = "";
  hid_pos::PosReportAssembler a(c);
  hid_pos::AssemblerOutput out;
  std::chrono::nanoseconds now{0};
  for (auto _ : state) {
    out.clear();
    for (const auto& r : reports) a.feed(r, now, out);
    now += std::chrono::milliseconds(1);
    benchmark::DoNotOptimize(out.scans.data());
    if (out.scans.size() != 1 || out.scans[0].data.size() != data.size() + 3) state.SkipWithError("wrong assembly");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(reports.size()));
  state.SetLabel(std::to_string(per_scan) + " reports/scan");
}
BENCHMARK(BM_PosAssemble)->Arg(1)->Arg(3);

}  // namespace
