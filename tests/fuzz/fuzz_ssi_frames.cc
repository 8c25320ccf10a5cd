// Fuzz target: the Zebra SSI frame parser, scanedge::ssi::SsiFrameParser
// (drivers/ssi/ssi_frame.h), on arbitrary scanner bytes split at fuzzer-chosen points, with
// pauses, stale timeouts and resets between the pieces (fuzz_input.h chunk plan).
//
// Input: [settings][chunk plan][bytes]; settings bit 0: stale_timeout 300 ms (else 0, off),
// bits 1-2: max_message_bytes 4096 | 16 | 100 | 251.
//
// Properties:
// - memory stays bounded: at most 256 bytes (one incomplete frame) are buffered after any
//   feed() or poll(), none once a stale timeout has passed;
// - every byte fed is accounted for: bytes_in = bytes of the good frames + garbage_bytes +
//   bad_checksum_frames + stale_bytes + the bytes reset() threw away + the bytes buffered;
// - every good frame has a plausible header (opcode >= 0x80, source 0x00/0x04, <= 251 data
//   bytes) and re-encodes (encode_frame) to bytes whose checksum verifies (sum of all bytes
//   = 0 mod 65536, Len = data + 4), which a fresh parser decodes to the same frame;
//   `ack_required` exactly for DECODE_DATA; a bad_checksum report names a known opcode and
//   carries no data, once per corrupted span at most;
// - decode messages are what the header says: the DECODE_DATA packets joined up to the
//   first one without the continuation bit, retransmitted duplicates of the last accepted
//   packet skipped, a packet without barcode type ignored, joined data above
//   max_message_bytes dropped whole (checked against a model of those rules whenever no
//   stale timeout gave up a candidate, which clears the duplicate memory invisibly);
// - the counters agree with what was delivered (frames, unknown opcodes, reports, decode
//   packets, messages, multi-packet messages);
// - "feed() the received bytes in any split": when the plan only splits the bytes, one
//   feed() of all of them gives the same outputs, counters and buffered bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drivers/ssi/ssi_frame.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace ssi = scanedge::ssi;
using scanedge::fuzz::Action;
using scanedge::fuzz::printable;
using namespace std::chrono_literals;

constexpr std::size_t kMaxBuffered = ssi::kMaxFrameBytes - 1;  // 256

std::string as_string(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

std::string describe(const ssi::SsiParsed& p) {
  std::string s = p.kind == ssi::SsiParsed::Kind::frame ? "frame" : "bad_checksum";
  s += " op " + std::to_string(p.frame.opcode) + " src " + std::to_string(p.frame.source) + " st " +
       std::to_string(p.frame.status) + " data " + printable(p.frame.data);
  if (p.message) s += " message " + printable(p.message->data);
  return s;
}

bool same_output(const ssi::SsiParsed& a, const ssi::SsiParsed& b) {
  if (a.kind != b.kind || !(a.frame == b.frame) || a.ack_required != b.ack_required) return false;
  if (a.message.has_value() != b.message.has_value()) return false;
  return !a.message || (a.message->barcode_type == b.message->barcode_type && a.message->data == b.message->data &&
                        a.message->packets == b.message->packets);
}

bool same_counters(const ssi::SsiParserCounters& a, const ssi::SsiParserCounters& b) {
  return a.bytes_in == b.bytes_in && a.frames == b.frames && a.unknown_opcode_frames == b.unknown_opcode_frames &&
         a.garbage_bytes == b.garbage_bytes && a.bad_checksum_frames == b.bad_checksum_frames &&
         a.bad_checksum_reported == b.bad_checksum_reported && a.stale_bytes == b.stale_bytes &&
         a.decode_packets == b.decode_packets && a.messages == b.messages &&
         a.multi_packet_messages == b.multi_packet_messages && a.duplicate_packets == b.duplicate_packets &&
         a.oversize_messages == b.oversize_messages && a.malformed_decode == b.malformed_decode &&
         a.partial_discarded == b.partial_discarded;
}

// The decode-message rules of ssi_frame.h, written from the header, fed with what the
// parser reports.
class MessageModel {
 public:
  explicit MessageModel(std::size_t max_bytes) : max_(max_bytes) {}

  void bad_checksum() { have_last_ = false; }
  void reset() {
    assembling_ = false;
    overflow_ = false;
    data_.clear();
  }
  // The message a good DECODE_DATA packet should complete, if any.
  std::optional<ssi::DecodeMessage> packet(const ssi::SsiFrame& f) {
    if (f.data.empty()) return std::nullopt;  // malformed: no barcode type
    const auto st = static_cast<std::uint8_t>(f.status & ~ssi::kStatusRetransmit);
    if (f.retransmit() && have_last_ && last_status_ == st && last_data_ == f.data) return std::nullopt;
    have_last_ = true;
    last_status_ = st;
    last_data_ = f.data;
    if (!assembling_) {
      assembling_ = true;
      overflow_ = false;
      type_ = static_cast<std::uint8_t>(f.data[0]);
      data_.clear();
      packets_ = 0;
    }
    ++packets_;
    if (!overflow_) {
      data_ += f.data.substr(1);
      if (data_.size() > max_) {
        overflow_ = true;
        data_.clear();
      }
    }
    if (f.continuation()) return std::nullopt;
    assembling_ = false;
    if (overflow_) return std::nullopt;
    ssi::DecodeMessage m;
    m.barcode_type = type_;
    m.data = std::move(data_);
    m.packets = packets_;
    data_.clear();
    return m;
  }

 private:
  std::size_t max_;
  bool have_last_ = false;
  std::uint8_t last_status_ = 0;
  std::string last_data_;
  bool assembling_ = false;
  bool overflow_ = false;
  std::uint8_t type_ = 0;
  std::string data_;
  int packets_ = 0;
};

// Checks one parser output on its own; returns the stream bytes a good frame used.
std::size_t check_output(const ssi::SsiParsed& p, const ssi::SsiParserConfig& cfg, const std::string& ctx) {
  const std::string what = ctx + " -> " + describe(p);
  const ssi::SsiFrame& f = p.frame;
  FUZZ_CHECK(f.opcode >= 0x80, what);
  FUZZ_CHECK(f.source == ssi::kSourceDecoder || f.source == ssi::kSourceHost, what);
  if (p.kind == ssi::SsiParsed::Kind::bad_checksum) {
    FUZZ_CHECK(ssi::is_known_opcode(f.opcode) && f.data.empty() && !p.ack_required && !p.message, what);
    return 0;
  }
  FUZZ_CHECK(f.data.size() <= ssi::kMaxData, what);
  FUZZ_CHECK(p.ack_required == (f.opcode == ssi::opcode::decode_data), what);
  if (p.message) {
    FUZZ_CHECK(f.opcode == ssi::opcode::decode_data && !f.continuation() && !f.data.empty(), what);
    FUZZ_CHECK(p.message->packets >= 1 && p.message->data.size() <= cfg.max_message_bytes, what);
    if (p.message->packets == 1) {
      FUZZ_CHECK(p.message->barcode_type == static_cast<std::uint8_t>(f.data[0]) &&
                     p.message->data == f.data.substr(1),
                 what);
    }
  }
  // Re-encoding gives a frame whose checksum verifies, and it decodes to the same frame.
  const auto enc = ssi::encode_frame(f);
  FUZZ_CHECK(enc.ok(), what);
  const std::vector<std::uint8_t>& b = *enc;
  FUZZ_CHECK(b.size() == f.data.size() + 6 && b[0] == f.data.size() + ssi::kMinLen, what);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < b.size() - 2; ++i) sum += b[i];
  const std::uint32_t ck = (static_cast<std::uint32_t>(b[b.size() - 2]) << 8) | b[b.size() - 1];
  FUZZ_CHECK(((sum + ck) & 0xFFFFu) == 0, what + "; encoded " + printable(as_string(b)));
  FUZZ_CHECK(ssi::ssi_checksum(std::span<const std::uint8_t>(b.data(), b.size() - 2)) == ck, what);
  ssi::SsiFrameParser fresh(ssi::SsiParserConfig{ssi::kMaxData, 0ms});
  std::vector<ssi::SsiParsed> again;
  fresh.feed(b, 0ns, again);
  FUZZ_CHECK(again.size() == 1 && again[0].kind == ssi::SsiParsed::Kind::frame && again[0].frame == f &&
                 fresh.buffered_bytes() == 0 && fresh.counters().garbage_bytes == 0,
             what + "; re-encoded " + printable(as_string(b)));
  return b.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  scanedge::fuzz::FuzzInput in(bytes, size);
  const std::uint8_t settings = in.byte();
  ssi::SsiParserConfig cfg;
  cfg.stale_timeout = (settings & 1) != 0 ? 300ms : 0ms;
  static constexpr std::size_t kMaxMessage[] = {4096, 16, 100, 251};
  cfg.max_message_bytes = kMaxMessage[(settings >> 1) & 3];
  const auto chunks = scanedge::fuzz::read_chunks(in);
  const std::string ctx = "ssi input " + printable(std::string_view(reinterpret_cast<const char*>(bytes), size));

  ssi::SsiFrameParser parser(cfg);
  MessageModel model(cfg.max_message_bytes);
  bool model_valid = true;
  std::vector<ssi::SsiParsed> all;
  std::uint64_t frame_bytes = 0, reset_bytes = 0;
  std::size_t reports = 0, decode_packets = 0, unknown = 0, messages = 0, multi = 0;
  std::uint64_t stale_seen = 0;
  std::chrono::nanoseconds now = 1s;
  std::vector<ssi::SsiParsed> out;

  auto check_new = [&](std::size_t from) {
    if (parser.counters().stale_bytes != stale_seen) model_valid = false;  // memory cleared unseen
    stale_seen = parser.counters().stale_bytes;
    for (std::size_t i = from; i < out.size(); ++i) {
      const ssi::SsiParsed& p = out[i];
      frame_bytes += check_output(p, cfg, ctx);
      if (p.kind == ssi::SsiParsed::Kind::bad_checksum) {
        ++reports;
        model.bad_checksum();
        continue;
      }
      if (!ssi::is_known_opcode(p.frame.opcode)) ++unknown;
      if (p.message) {
        ++messages;
        if (p.message->packets > 1) ++multi;
      }
      if (p.frame.opcode != ssi::opcode::decode_data) continue;
      ++decode_packets;
      const auto want = model.packet(p.frame);
      if (model_valid) {
        FUZZ_CHECK(want.has_value() == p.message.has_value(),
                   ctx + " -> " + describe(p) + (want ? "; model expects message " + printable(want->data)
                                                      : "; model expects no message"));
        if (want) {
          FUZZ_CHECK(want->barcode_type == p.message->barcode_type && want->data == p.message->data &&
                         want->packets == p.message->packets,
                     ctx + " -> " + describe(p) + "; model expects " + printable(want->data));
        }
      }
    }
    const auto& c = parser.counters();
    FUZZ_CHECK(parser.buffered_bytes() <= kMaxBuffered, ctx + "; buffered " + std::to_string(parser.buffered_bytes()));
    FUZZ_CHECK(c.bytes_in == frame_bytes + c.garbage_bytes + c.bad_checksum_frames + c.stale_bytes + reset_bytes +
                                 parser.buffered_bytes(),
               ctx + "; bytes_in " + std::to_string(c.bytes_in) + " != frames " + std::to_string(frame_bytes) +
                   " + garbage " + std::to_string(c.garbage_bytes) + " + bad " + std::to_string(c.bad_checksum_frames) +
                   " + stale " + std::to_string(c.stale_bytes) + " + reset " + std::to_string(reset_bytes) +
                   " + buffered " + std::to_string(parser.buffered_bytes()));
    FUZZ_CHECK(c.frames == out.size() - reports && c.bad_checksum_reported == reports &&
                   c.bad_checksum_reported <= c.bad_checksum_frames && c.unknown_opcode_frames == unknown &&
                   c.decode_packets == decode_packets && c.messages == messages && c.multi_packet_messages == multi,
               ctx + "; counters disagree with the outputs");
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
        now += 301ms;
        from = out.size();
        parser.poll(now, out);
        check_new(from);
        if (cfg.stale_timeout.count() > 0) FUZZ_CHECK(parser.buffered_bytes() == 0, ctx + "; buffered after timeout");
        break;
      case Action::reset:
        reset_bytes += parser.buffered_bytes();
        parser.reset();
        model.reset();
        FUZZ_CHECK(parser.buffered_bytes() == 0 && !parser.has_pending(), ctx + "; pending after reset");
        break;
    }
  }

  // The same bytes in one piece (unless a stale timeout may have passed between pieces:
  // feed() gives up a candidate whose bytes stopped coming stale_timeout ago).
  const bool no_stale = cfg.stale_timeout.count() == 0 || now - 1s < cfg.stale_timeout;
  if (scanedge::fuzz::only_splits(chunks) && no_stale) {
    std::string stream;
    for (const auto& c : chunks) stream.append(c.bytes.begin(), c.bytes.end());
    ssi::SsiFrameParser whole(cfg);
    std::vector<ssi::SsiParsed> once;
    whole.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(stream.data()), stream.size()),
               now, once);
    FUZZ_CHECK(once.size() == out.size(), ctx + "; split gave " + std::to_string(out.size()) + " outputs, whole " +
                                              std::to_string(once.size()));
    for (std::size_t i = 0; i < once.size(); ++i) {
      FUZZ_CHECK(same_output(once[i], out[i]), ctx + "; output " + std::to_string(i) + " split " + describe(out[i]) +
                                                   " whole " + describe(once[i]));
    }
    FUZZ_CHECK(same_counters(whole.counters(), parser.counters()) && whole.buffered_bytes() == parser.buffered_bytes(),
               ctx + "; split and whole counters differ");
  }

  // Silence past the stale timeout gives up whatever is left, accounted for.
  if (cfg.stale_timeout.count() > 0) {
    const std::size_t from = out.size();
    parser.poll(now + 1s, out);
    check_new(from);
    FUZZ_CHECK(parser.buffered_bytes() == 0, ctx + "; buffered after the final timeout");
  }
  return 0;
}
