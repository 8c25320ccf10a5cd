#include "drivers/rfid_mercury/mercury_frame.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace scanedge::mercury {
namespace {

// Contribution of the register's top byte after eight shifts: the plain table of the
// polynomial 0x1021 (the low byte and the shifted-in message byte are linear and added
// separately in crc16()).
constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned r = i << 8;
    for (int b = 0; b < 8; ++b) r = (r & 0x8000U) != 0 ? ((r << 1) ^ 0x1021U) : (r << 1);
    t[i] = static_cast<std::uint16_t>(r & 0xFFFFU);
  }
  return t;
}

constexpr auto kTable = make_table();

std::string hex2(unsigned v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string{kDigits[(v >> 4) & 0xF], kDigits[v & 0xF]};
}

void put_crc(std::vector<std::uint8_t>& out) {
  const auto crc = crc16(std::span<const std::uint8_t>(out).subspan(1));
  out.push_back(static_cast<std::uint8_t>(crc >> 8));
  out.push_back(static_cast<std::uint8_t>(crc & 0xFF));
}

}  // namespace

std::uint16_t crc16(std::span<const std::uint8_t> bytes, std::uint16_t init) {
  unsigned crc = init;
  for (const std::uint8_t b : bytes) crc = (((crc << 8) | b) & 0xFFFFU) ^ kTable[crc >> 8];
  return static_cast<std::uint16_t>(crc);
}

Result<std::vector<std::uint8_t>> encode_request(std::uint8_t opcode, std::span<const std::uint8_t> data) {
  if (data.size() > kMaxData) {
    return make_error("mercury_frame_too_long", "Mercury request opcode 0x" + hex2(opcode) + ": " +
                                                    std::to_string(data.size()) + " data bytes, at most 255 fit");
  }
  std::vector<std::uint8_t> out;
  out.reserve(data.size() + kRequestOverhead);
  out.push_back(kHeader);
  out.push_back(static_cast<std::uint8_t>(data.size()));
  out.push_back(opcode);
  out.insert(out.end(), data.begin(), data.end());
  put_crc(out);
  return out;
}

Result<std::vector<std::uint8_t>> encode_response(std::uint8_t opcode, std::uint16_t status,
                                                  std::span<const std::uint8_t> data) {
  if (data.size() > kMaxData) {
    return make_error("mercury_frame_too_long", "Mercury response opcode 0x" + hex2(opcode) + ": " +
                                                    std::to_string(data.size()) + " data bytes, at most 255 fit");
  }
  std::vector<std::uint8_t> out;
  out.reserve(data.size() + kResponseOverhead);
  out.push_back(kHeader);
  out.push_back(static_cast<std::uint8_t>(data.size()));
  out.push_back(opcode);
  out.push_back(static_cast<std::uint8_t>(status >> 8));
  out.push_back(static_cast<std::uint8_t>(status & 0xFF));
  out.insert(out.end(), data.begin(), data.end());
  put_crc(out);
  return out;
}

FrameParser::FrameParser(FrameParserConfig config)
    : config_(config),
      overhead_(config.kind == FrameKind::request ? kRequestOverhead : kResponseOverhead) {
  config_.max_data = std::min(config_.max_data, kMaxData);
}

void FrameParser::reset() {
  begin_ = end_ = 0;
  partial_ = false;
}

void FrameParser::feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now, std::vector<Frame>& out) {
  counters_.bytes_in += bytes.size();
  std::size_t i = 0;
  while (i < bytes.size()) {
    // Pending bytes are at most one partial frame (< 262 bytes): compacting keeps room.
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    const std::size_t n = std::min(buf_.size() - end_, bytes.size() - i);
    std::memcpy(buf_.data() + end_, bytes.data() + i, n);
    end_ += n;
    i += n;
    scan(now, out);
  }
}

void FrameParser::poll(std::chrono::nanoseconds now, std::vector<Frame>& out) { scan(now, out); }

void FrameParser::scan(std::chrono::nanoseconds now, std::vector<Frame>& out) {
  const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.partial_timeout);
  while (true) {
    while (begin_ < end_ && buf_[begin_] != kHeader) {
      ++begin_;
      ++counters_.garbage_bytes;
    }
    if (begin_ == end_) {
      begin_ = end_ = 0;
      partial_ = false;
      return;
    }
    const std::size_t avail = end_ - begin_;
    std::size_t total = overhead_;  // until LEN is known
    if (avail >= 2) {
      const std::size_t len = buf_[begin_ + 1];
      if (len > config_.max_data) {
        ++counters_.oversize;
        ++begin_;
        partial_ = false;
        continue;
      }
      total = len + overhead_;
    }
    if (avail < total) {
      if (!partial_) {
        partial_ = true;
        partial_since_ = now;
      } else if (timeout.count() > 0 && now - partial_since_ >= timeout) {
        ++counters_.stale_partial;
        ++begin_;
        partial_ = false;
        continue;
      }
      return;
    }
    partial_ = false;
    const std::uint8_t* f = buf_.data() + begin_;
    const std::uint16_t want = static_cast<std::uint16_t>((f[total - 2] << 8) | f[total - 1]);
    if (crc16(std::span<const std::uint8_t>(f + 1, total - 3)) != want) {
      ++counters_.bad_crc;
      ++begin_;
      continue;
    }
    Frame& fr = out.emplace_back();
    fr.length = f[1];
    fr.opcode = f[2];
    const std::uint8_t* data = f + 3;
    if (config_.kind == FrameKind::response) {
      fr.status = static_cast<std::uint16_t>((f[3] << 8) | f[4]);
      data = f + 5;
    } else {
      fr.status = 0;
    }
    std::memcpy(fr.bytes.data(), data, fr.length);
    ++counters_.frames;
    begin_ += total;
  }
}

}  // namespace scanedge::mercury
