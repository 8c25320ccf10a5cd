#include "drivers/ssi/ssi_frame.h"

#include <algorithm>

namespace scanedge::ssi {
namespace {

constexpr std::size_t kChunk = 512;  // input bytes appended to the buffer per parse pass

bool plausible_source(std::uint8_t s) { return s == kSourceDecoder || s == kSourceHost; }

// Every SSI opcode is >= 0x80 (the ones in use are 0xA0..0xFF). Requiring it matters for
// resynchronisation: after a corrupted frame's Len byte is dropped, its Opcode byte (e.g.
// 0xF3) looks like a long length, but the byte after it, the Source (0x00/0x04), is no
// opcode, so that false candidate is rejected at once instead of waiting for 245 bytes.
bool plausible_opcode(std::uint8_t op) { return op >= 0x80; }

}  // namespace

bool is_known_opcode(std::uint8_t op) {
  switch (op) {
    case opcode::reply_revision:
    case opcode::request_revision:
    case opcode::aim_off:
    case opcode::aim_on:
    case opcode::param_send:
    case opcode::param_request:
    case opcode::param_defaults:
    case opcode::cmd_ack:
    case opcode::cmd_nak:
    case opcode::flush_queue:
    case opcode::start_decode:
    case opcode::stop_decode:
    case opcode::beep:
    case opcode::led_on:
    case opcode::led_off:
    case opcode::scan_enable:
    case opcode::scan_disable:
    case opcode::decode_data:
    case opcode::event:
      return true;
    default:
      return false;
  }
}

std::uint16_t ssi_checksum(std::span<const std::uint8_t> bytes) {
  std::uint32_t sum = 0;
  for (std::uint8_t b : bytes) sum += b;
  return static_cast<std::uint16_t>(0x10000u - (sum & 0xFFFFu));
}

Result<std::vector<std::uint8_t>> encode_frame(const SsiFrame& frame) {
  if (frame.data.size() > kMaxData) {
    return make_error("ssi_data_too_long", "SSI frame data of " + std::to_string(frame.data.size()) +
                                               " bytes exceeds the maximum of " + std::to_string(kMaxData));
  }
  std::vector<std::uint8_t> out;
  out.reserve(frame.data.size() + kMinLen + 2);
  out.push_back(static_cast<std::uint8_t>(kMinLen + frame.data.size()));
  out.push_back(frame.opcode);
  out.push_back(frame.source);
  out.push_back(frame.status);
  for (char c : frame.data) out.push_back(static_cast<std::uint8_t>(c));
  const std::uint16_t ck = ssi_checksum(out);
  out.push_back(static_cast<std::uint8_t>(ck >> 8));
  out.push_back(static_cast<std::uint8_t>(ck & 0xFF));
  return out;
}

SsiFrameParser::SsiFrameParser(SsiParserConfig config) : config_(config) { buf_.reserve(kMaxFrameBytes + kChunk); }

void SsiFrameParser::feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now,
                          std::vector<SsiParsed>& out) {
  if (bytes.empty()) return;
  poll(now, out);  // an incomplete frame that went stale before these bytes is given up first
  for (std::size_t off = 0; off < bytes.size(); off += kChunk) {
    const std::size_t n = std::min(kChunk, bytes.size() - off);
    buf_.insert(buf_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(off),
                bytes.begin() + static_cast<std::ptrdiff_t>(off + n));
    counters_.bytes_in += n;
    parse(out);
    compact();
  }
  last_byte_ = now;
}

void SsiFrameParser::poll(std::chrono::nanoseconds now, std::vector<SsiParsed>& out) {
  if (config_.stale_timeout.count() <= 0 || head_ >= buf_.size()) return;
  if (now - last_byte_ < config_.stale_timeout) return;
  // Nothing complete is left in the buffer (parse() ran after the last byte): give up the
  // leading candidate one byte at a time; frames hidden behind it are still delivered.
  while (head_ < buf_.size()) {
    if (buf_.size() - head_ >= 2 && is_known_opcode(buf_[head_ + 1])) have_last_packet_ = false;
    drop_front(counters_.stale_bytes);
    parse(out);
  }
  compact();
}

void SsiFrameParser::reset() {
  if (head_ < buf_.size() || assembling_) ++counters_.partial_discarded;
  base_offset_ += buf_.size();
  buf_.clear();
  head_ = 0;
  assembling_ = false;
  overflow_ = false;
  partial_ = DecodeMessage{};
}

void SsiFrameParser::drop_front(std::uint64_t& counter) {
  ++counter;
  ++head_;
}

void SsiFrameParser::compact() {
  if (head_ == 0) return;
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
  base_offset_ += head_;
  head_ = 0;
}

void SsiFrameParser::parse(std::vector<SsiParsed>& out) {
  while (head_ < buf_.size()) {
    const std::size_t avail = buf_.size() - head_;
    const std::uint8_t* p = buf_.data() + head_;
    const std::size_t len = p[0];
    if (len < kMinLen) {
      drop_front(counters_.garbage_bytes);
      continue;
    }
    if (avail < 2) return;
    if (!plausible_opcode(p[1])) {
      drop_front(counters_.garbage_bytes);
      continue;
    }
    if (avail < 3) return;
    if (!plausible_source(p[2])) {
      drop_front(counters_.garbage_bytes);
      continue;
    }
    const std::size_t total = len + 2;
    if (avail < total) return;  // wait for the rest (or the stale timeout)
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < len; ++i) sum += p[i];
    const std::uint32_t ck = (static_cast<std::uint32_t>(p[len]) << 8) | p[len + 1];
    if (((sum + ck) & 0xFFFFu) != 0) {
      ++counters_.bad_checksum_frames;
      const std::uint64_t start = base_offset_ + head_;
      if (is_known_opcode(p[1]) && start >= bad_span_end_) {
        SsiParsed bad;
        bad.kind = SsiParsed::Kind::bad_checksum;
        bad.frame.opcode = p[1];
        bad.frame.source = p[2];
        bad.frame.status = p[3];
        out.push_back(std::move(bad));
        ++counters_.bad_checksum_reported;
        bad_span_end_ = start + total;
        have_last_packet_ = false;  // the answer to our NAK must be accepted
      }
      ++head_;  // the Len byte; resync from the next one
      continue;
    }
    SsiParsed good;
    good.frame.opcode = p[1];
    good.frame.source = p[2];
    good.frame.status = p[3];
    good.frame.data.assign(reinterpret_cast<const char*>(p + kMinLen), len - kMinLen);
    head_ += total;
    ++counters_.frames;
    if (!is_known_opcode(good.frame.opcode)) ++counters_.unknown_opcode_frames;
    if (good.frame.opcode == opcode::decode_data) on_decode_packet(good);
    out.push_back(std::move(good));
  }
}

void SsiFrameParser::on_decode_packet(SsiParsed& pkt) {
  ++counters_.decode_packets;
  pkt.ack_required = true;
  const SsiFrame& f = pkt.frame;
  if (f.data.empty()) {
    ++counters_.malformed_decode;
    return;
  }
  const std::uint8_t st = static_cast<std::uint8_t>(f.status & ~kStatusRetransmit);
  if (f.retransmit() && have_last_packet_ && last_status_ == st && last_data_ == f.data) {
    ++counters_.duplicate_packets;
    return;
  }
  have_last_packet_ = true;
  last_status_ = st;
  last_data_ = f.data;

  if (!assembling_) {
    assembling_ = true;
    overflow_ = false;
    partial_.barcode_type = static_cast<std::uint8_t>(f.data[0]);
    partial_.data.clear();
    partial_.packets = 0;
  }
  ++partial_.packets;
  const std::size_t add = f.data.size() - 1;
  if (!overflow_) {
    if (partial_.data.size() + add > config_.max_message_bytes) {
      overflow_ = true;
      partial_.data.clear();
    } else {
      partial_.data.append(f.data, 1, add);
    }
  }
  if (f.continuation()) return;
  assembling_ = false;
  if (overflow_) {
    ++counters_.oversize_messages;
    overflow_ = false;
    partial_.data.clear();
    return;
  }
  ++counters_.messages;
  if (partial_.packets > 1) ++counters_.multi_packet_messages;
  pkt.message = std::move(partial_);
  partial_ = DecodeMessage{};
}

}  // namespace scanedge::ssi
