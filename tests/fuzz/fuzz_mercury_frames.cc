// Fuzz target: the Mercury (ThingMagic/JADAK RFID) serial frame parser and tag record
// decoder, scanedge::mercury::FrameParser and TagRecordDecoder
// (drivers/rfid_mercury/mercury_frame.h, mercury_tag_record.h), on arbitrary reader bytes
// split at fuzzer-chosen points, with pauses, partial timeouts and resets between the
// pieces (fuzz_input.h chunk plan).
//
// Input: [settings][chunk plan][bytes]. Settings bit 0: request frames (else responses);
// bits 1-2: max_data 255 | 255 | 64 | 16; bit 3: partial_timeout 500 ms (else 0, off);
// bit 4: the bytes are also decoded directly as the data of a 0x29 response (else 0x22);
// bits 5-6: that response's status 0x0000 | 0x0000 | 0x0400 | 0x0504.
//
// Properties:
// - memory stays bounded: less than one maximal frame (max_data + overhead) is pending;
// - every byte fed is accounted for: bytes_in = bytes of the good frames + garbage_bytes +
//   oversize + stale_partial + bad_crc (one header byte each) + the bytes reset() threw
//   away + the bytes pending;
// - every frame has LEN <= max_data (status 0 for requests) and re-encodes
//   (encode_request/encode_response) to bytes whose CRC verifies, which a fresh parser
//   decodes to the same frame;
// - "feed() takes bytes as they arrive (any split)": when the plan only splits the bytes,
//   one feed() of all of them gives the same frames and counters;
// - tag records (every 0x22/0x29 frame, and the bytes as one response's data): the
//   TagReads are exactly the records an independent walk of the documented record layout
//   finds, in order, up to the first malformed one: each EPC has the length the record's
//   EPC length says (bits / 8 - PC - XPC words - CRC) and its bytes, the antenna is the RX
//   port (0 -> 16; 0 without ANTENNAID), RSSI the signed byte (NaN without RSSI), time the
//   frame's time; the decoder's counters add up (records, malformed = sum of reasons);
// - a parsed record re-encodes (encode_tag_record) to bytes that parse to the same record.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace m = scanedge::mercury;
namespace md = scanedge::mercury::metadata;
using scanedge::fuzz::Action;
using scanedge::fuzz::printable;
using namespace std::chrono_literals;

std::string str(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

std::string describe(const m::Frame& f) {
  return "frame op " + std::to_string(f.opcode) + " status " + std::to_string(f.status) + " data " +
         printable(str(f.data()));
}

bool same_frame(const m::Frame& a, const m::Frame& b) {
  return a.opcode == b.opcode && a.status == b.status && a.length == b.length && str(a.data()) == str(b.data());
}

bool same_counters(const m::FrameParserCounters& a, const m::FrameParserCounters& b) {
  return a.frames == b.frames && a.bytes_in == b.bytes_in && a.garbage_bytes == b.garbage_bytes &&
         a.bad_crc == b.bad_crc && a.oversize == b.oversize && a.stale_partial == b.stale_partial;
}

// A record as the documented layout says it must decode.
struct ExpectedRead {
  std::string epc;
  std::uint16_t antenna = 0;
  std::optional<std::int8_t> rssi;
  std::size_t offset = 0;  // where the record starts in the frame data
};

// Walks the records of a 0x22/0x29 response by mercury_tag_record.h's description, without
// the parser's code: the reads it must produce, up to the first malformed record.
std::vector<ExpectedRead> expected_reads(const m::Frame& f, std::uint16_t& flags) {
  std::vector<ExpectedRead> out;
  const auto d = f.data();
  const bool stream = f.opcode == m::opcode::kReadTagIdMultiple;
  if (!stream && f.opcode != m::opcode::kGetTagIdBuffer) return out;
  if (f.status != m::kStatusOk) return out;
  std::size_t count = 0, at = 0;
  if (stream) {
    if (d.size() < 6 || (d[0] & 0x10) == 0) return out;
    flags = static_cast<std::uint16_t>((d[3] << 8) | d[4]);
    count = d[5];
    at = 6;
  } else {
    if (d.size() < 4) return out;
    flags = static_cast<std::uint16_t>((d[0] << 8) | d[1]);
    count = d[3];
    at = 4;
  }
  if ((flags & 0xE000) != 0) return out;
  auto has = [&](std::size_t n) { return at + n <= d.size(); };
  auto u16 = [&](std::size_t pos) { return static_cast<std::size_t>((d[pos] << 8) | d[pos + 1]); };
  for (std::size_t i = 0; i < count; ++i) {
    ExpectedRead r;
    r.offset = at;
    std::uint8_t protocol = 0x05;
    // READCOUNT RSSI ANTENNAID FREQUENCY TIMESTAMP PHASE PROTOCOL, fixed sizes.
    const std::pair<std::uint16_t, std::size_t> fixed[] = {{md::kReadCount, 1}, {md::kRssi, 1},      {md::kAntenna, 1},
                                                           {md::kFrequency, 3}, {md::kTimestamp, 4}, {md::kPhase, 2},
                                                           {md::kProtocol, 1}};
    for (const auto& [flag, n] : fixed) {
      if ((flags & flag) == 0) continue;
      if (!has(n)) return out;
      if (flag == md::kRssi) r.rssi = static_cast<std::int8_t>(d[at]);
      if (flag == md::kAntenna) r.antenna = (d[at] & 0x0F) == 0 ? 16 : (d[at] & 0x0F);
      if (flag == md::kProtocol) protocol = d[at];
      at += n;
    }
    if (protocol != 0x05) return out;
    if ((flags & md::kData) != 0) {
      if (!has(2)) return out;
      const std::size_t n = (u16(at) + 7) / 8;
      at += 2;
      if (!has(n)) return out;
      at += n;
    }
    const std::pair<std::uint16_t, std::size_t> tail[] = {
        {md::kGpio, 1}, {md::kGen2Q, 1}, {md::kGen2LinkFrequency, 1}, {md::kGen2Target, 1}, {md::kBrandId, 2}};
    for (const auto& [flag, n] : tail) {
      if ((flags & flag) == 0) continue;
      if (!has(n)) return out;
      at += n;
    }
    if (!has(2)) return out;
    const std::size_t bits = u16(at);
    at += 2;
    if (bits % 8 != 0 || bits / 8 < 4 || !has(bits / 8)) return out;
    std::size_t words = 1;  // PC
    const std::size_t pc = u16(at);
    if ((pc & 0x0200) != 0) {
      if (bits / 8 < 2 + 2 + 2 + 1) return out;  // PC, XPC_W1, CRC and one EPC byte
      ++words;
      if ((u16(at + 2) & 0x8000) != 0) {
        if (bits / 8 < 2 + 2 + 2 + 2 + 1) return out;
        ++words;
      }
    }
    const std::size_t epc_len = bits / 8 - 2 * words - 2;
    if (epc_len == 0 || epc_len > 62) return out;
    r.epc = str(d.subspan(at + 2 * words, epc_len));
    at += bits / 8;
    out.push_back(std::move(r));
  }
  return out;
}

// Decodes one frame's records and checks them against the independent walk.
void check_records(m::TagRecordDecoder& dec, const m::Frame& f, std::chrono::nanoseconds now, const std::string& ctx) {
  std::vector<scanedge::rfid::TagRead> reads;
  const std::size_t before = dec.counters().records;
  const std::size_t n = dec.decode(f, now, reads);
  const std::string what = ctx + "; " + describe(f);
  std::uint16_t flags = 0;
  const auto want = expected_reads(f, flags);
  FUZZ_CHECK(n == reads.size() && dec.counters().records == before + n, what);
  FUZZ_CHECK(reads.size() == want.size(), what + "; decoded " + std::to_string(reads.size()) + " reads, the layout gives " +
                                              std::to_string(want.size()));
  const auto& c = dec.counters();
  FUZZ_CHECK(c.malformed == c.bad_header + c.truncated + c.bad_metadata + c.bad_protocol + c.bad_epc_length, what);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const auto& r = reads[i];
    const auto& w = want[i];
    const std::string epc(reinterpret_cast<const char*>(r.epc.data()), r.epc.size());
    FUZZ_CHECK(epc == w.epc, what + "; read " + std::to_string(i) + " EPC " + r.epc.to_hex() + ", the record says " +
                                 printable(w.epc));
    FUZZ_CHECK(r.antenna == w.antenna && r.time == now, what + "; read " + std::to_string(i));
    FUZZ_CHECK(w.rssi ? r.rssi_dbm == static_cast<double>(*w.rssi) : std::isnan(r.rssi_dbm),
               what + "; read " + std::to_string(i) + " rssi " + std::to_string(r.rssi_dbm));

    // The record re-encodes to bytes that parse to the same record.
    const auto rec = m::parse_tag_record(f.data().subspan(w.offset), flags);
    FUZZ_CHECK(rec.ok(), what + "; record " + std::to_string(i));
    const auto enc = m::encode_tag_record(rec->record, flags);
    FUZZ_CHECK(enc.ok(), what + "; record " + std::to_string(i) + " does not encode");
    const auto back = m::parse_tag_record(*enc, flags);
    FUZZ_CHECK(back.ok() && back->consumed == enc->size(), what + "; re-encoded record " + std::to_string(i) +
                                                               " does not parse: " + printable(str(*enc)));
    const m::TagRecord& a = rec->record;
    const m::TagRecord& b = back->record;
    FUZZ_CHECK(a.epc == b.epc && a.read_count == b.read_count && a.rssi_dbm == b.rssi_dbm &&
                   a.antenna_ports == b.antenna_ports && a.antenna == b.antenna && a.frequency_khz == b.frequency_khz &&
                   a.timestamp_ms == b.timestamp_ms && a.phase == b.phase && a.protocol == b.protocol &&
                   a.tag_crc == b.tag_crc && (a.pc & ~0x0200U) == b.pc,
               what + "; re-encoded record " + std::to_string(i) + " differs: " + printable(str(*enc)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  scanedge::fuzz::FuzzInput in(bytes, size);
  const std::uint8_t settings = in.byte();
  m::FrameParserConfig cfg;
  cfg.kind = (settings & 1) != 0 ? m::FrameKind::request : m::FrameKind::response;
  static constexpr std::size_t kMaxData[] = {255, 255, 64, 16};
  cfg.max_data = kMaxData[(settings >> 1) & 3];
  cfg.partial_timeout = (settings & 8) != 0 ? 500ms : 0ms;
  const std::size_t overhead = cfg.kind == m::FrameKind::request ? m::kRequestOverhead : m::kResponseOverhead;
  const auto chunks = scanedge::fuzz::read_chunks(in);
  const std::string ctx = "mercury input " + printable(std::string_view(reinterpret_cast<const char*>(bytes), size));

  // The bytes as one response's data, whatever their framing.
  {
    m::Frame direct;
    direct.opcode = (settings & 0x10) != 0 ? m::opcode::kGetTagIdBuffer : m::opcode::kReadTagIdMultiple;
    static constexpr std::uint16_t kStatus[] = {m::kStatusOk, m::kStatusOk, m::kStatusNoTagsFound,
                                                m::kStatusTemperature};
    direct.status = kStatus[(settings >> 5) & 3];
    std::string all;
    for (const auto& c : chunks) all.append(c.bytes.begin(), c.bytes.end());
    direct.length = static_cast<std::uint8_t>(std::min<std::size_t>(all.size(), m::kMaxData));
    std::copy_n(all.begin(), direct.length, direct.bytes.begin());
    m::TagRecordDecoder dec;
    check_records(dec, direct, 7s, ctx + " (as response data)");
  }

  m::FrameParser parser(cfg);
  m::TagRecordDecoder decoder;
  std::vector<m::Frame> out;
  std::uint64_t frame_bytes = 0, reset_bytes = 0;
  std::chrono::nanoseconds now = 1s;

  auto check_new = [&](std::size_t from) {
    for (std::size_t i = from; i < out.size(); ++i) {
      const m::Frame& f = out[i];
      const std::string what = ctx + " -> " + describe(f);
      FUZZ_CHECK(f.length <= cfg.max_data, what);
      if (cfg.kind == m::FrameKind::request) FUZZ_CHECK(f.status == 0, what);
      frame_bytes += f.length + overhead;
      const auto enc = cfg.kind == m::FrameKind::request ? m::encode_request(f.opcode, f.data())
                                                         : m::encode_response(f.opcode, f.status, f.data());
      FUZZ_CHECK(enc.ok() && enc->size() == f.length + overhead, what);
      const std::vector<std::uint8_t>& b = *enc;
      FUZZ_CHECK(b[0] == m::kHeader && b[1] == f.length && b[2] == f.opcode, what);
      const auto crc = m::crc16(std::span<const std::uint8_t>(b).subspan(1, b.size() - 3));
      FUZZ_CHECK(crc == ((b[b.size() - 2] << 8) | b[b.size() - 1]), what + "; encoded " + printable(str(b)));
      m::FrameParser fresh(m::FrameParserConfig{cfg.kind, m::kMaxData, 0ms});
      std::vector<m::Frame> again;
      fresh.feed(b, 0ns, again);
      FUZZ_CHECK(again.size() == 1 && same_frame(again[0], f) && fresh.pending() == 0,
                 what + "; re-encoded " + printable(str(b)));
      if (cfg.kind == m::FrameKind::response) check_records(decoder, f, now, ctx);
    }
    const auto& c = parser.counters();
    FUZZ_CHECK(parser.pending() < cfg.max_data + overhead, ctx + "; pending " + std::to_string(parser.pending()));
    FUZZ_CHECK(c.frames == out.size(), ctx + "; frames counter " + std::to_string(c.frames));
    FUZZ_CHECK(c.bytes_in == frame_bytes + c.garbage_bytes + c.oversize + c.stale_partial + c.bad_crc + reset_bytes +
                                 parser.pending(),
               ctx + "; bytes_in " + std::to_string(c.bytes_in) + " != frames " + std::to_string(frame_bytes) +
                   " + garbage " + std::to_string(c.garbage_bytes) + " + oversize " + std::to_string(c.oversize) +
                   " + stale " + std::to_string(c.stale_partial) + " + bad_crc " + std::to_string(c.bad_crc) +
                   " + reset " + std::to_string(reset_bytes) + " + pending " + std::to_string(parser.pending()));
  };

  for (const auto& chunk : chunks) {
    now += 1ms;
    std::size_t from = out.size();
    parser.feed(chunk.bytes, now, out);
    check_new(from);
    switch (chunk.action) {
      case Action::none:
        break;
      case Action::pause:
        now += 50ms;
        break;
      case Action::timeout:
        // The first poll() notices the partial frame, the second one gives it up.
        for (int k = 0; k < 2; ++k) {
          now += 501ms;
          from = out.size();
          parser.poll(now, out);
          check_new(from);
        }
        break;
      case Action::reset:
        reset_bytes += parser.pending();
        parser.reset();
        FUZZ_CHECK(parser.pending() == 0, ctx + "; pending after reset");
        break;
    }
  }

  // The same bytes in one piece (no partial timeout can have passed between the pieces).
  const bool no_timeout = cfg.partial_timeout.count() == 0 || now - 1s < cfg.partial_timeout;
  if (scanedge::fuzz::only_splits(chunks) && no_timeout) {
    std::string stream;
    for (const auto& c : chunks) stream.append(c.bytes.begin(), c.bytes.end());
    m::FrameParser whole(cfg);
    std::vector<m::Frame> once;
    whole.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(stream.data()), stream.size()),
               now, once);
    FUZZ_CHECK(once.size() == out.size(), ctx + "; split gave " + std::to_string(out.size()) + " frames, whole " +
                                              std::to_string(once.size()));
    for (std::size_t i = 0; i < once.size(); ++i) {
      FUZZ_CHECK(same_frame(once[i], out[i]),
                 ctx + "; frame " + std::to_string(i) + " split " + describe(out[i]) + " whole " + describe(once[i]));
    }
    FUZZ_CHECK(same_counters(whole.counters(), parser.counters()) && whole.pending() == parser.pending(),
               ctx + "; split and whole counters differ");
  }
  return 0;
}
