#include "drivers/rfid_mercury/mercury_tag_record.h"

#include <limits>
#include <string>

namespace scanedge::mercury {
namespace {

std::string hex4(unsigned v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string{kDigits[(v >> 12) & 0xF], kDigits[(v >> 8) & 0xF], kDigits[(v >> 4) & 0xF], kDigits[v & 0xF]};
}

// Bounds-checked big-endian reader over one record's bytes.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  bool has(std::size_t n) const { return n <= b_.size() - pos_; }
  std::uint32_t u(std::size_t n) {  // caller checked has(n); n <= 4
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b_[pos_ + i];
    pos_ += n;
    return v;
  }
  const std::uint8_t* ptr() const { return b_.data() + pos_; }
  void skip(std::size_t n) { pos_ += n; }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

Error truncated(std::size_t at, const char* field, std::size_t need, std::size_t left) {
  return make_error("mercury_record_truncated", "tag record truncated at byte " + std::to_string(at) + ": " + field +
                                                    " needs " + std::to_string(need) + " bytes, " +
                                                    std::to_string(left) + " left");
}

void put(std::vector<std::uint8_t>& out, std::uint32_t v, std::size_t n) {
  for (std::size_t i = n; i > 0; --i) out.push_back(static_cast<std::uint8_t>((v >> (8 * (i - 1))) & 0xFF));
}

}  // namespace

Result<ParsedRecord> parse_tag_record(std::span<const std::uint8_t> bytes, std::uint16_t m) {
  if ((m & ~metadata::kKnown) != 0) {
    return make_error("mercury_record_bad_metadata", "tag record at byte 0: metadata flags 0x" + hex4(m) +
                                                         " have unknown bits 0x" + hex4(m & ~metadata::kKnown) +
                                                         ", record length unknown");
  }
  ParsedRecord pr;
  TagRecord& r = pr.record;
  r.metadata = m;
  Cursor c(bytes);
  auto left = [&] { return bytes.size() - c.pos(); };
  // Fixed-size optional fields, in wire order.
  struct Field {
    std::uint16_t flag;
    std::size_t size;
    const char* name;
  };
  static constexpr Field kFixed[] = {
      {metadata::kReadCount, 1, "READCOUNT"}, {metadata::kRssi, 1, "RSSI"},   {metadata::kAntenna, 1, "ANTENNAID"},
      {metadata::kFrequency, 3, "FREQUENCY"}, {metadata::kTimestamp, 4, "TIMESTAMP"},
      {metadata::kPhase, 2, "PHASE"},         {metadata::kProtocol, 1, "PROTOCOL"}};
  for (const auto& f : kFixed) {
    if ((m & f.flag) == 0) continue;
    if (!c.has(f.size)) return truncated(c.pos(), f.name, f.size, left());
    const std::uint32_t v = c.u(f.size);
    switch (f.flag) {
      case metadata::kReadCount: r.read_count = static_cast<std::uint8_t>(v); break;
      case metadata::kRssi: r.rssi_dbm = static_cast<std::int8_t>(static_cast<std::uint8_t>(v)); break;
      case metadata::kAntenna: {
        r.antenna_ports = static_cast<std::uint8_t>(v);
        const unsigned rx = v & 0x0F;
        r.antenna = static_cast<std::uint16_t>(rx == 0 ? 16 : rx);
        break;
      }
      case metadata::kFrequency: r.frequency_khz = v; break;
      case metadata::kTimestamp: r.timestamp_ms = v; break;
      case metadata::kPhase: r.phase = static_cast<std::uint16_t>(v); break;
      case metadata::kProtocol: r.protocol = static_cast<std::uint8_t>(v); break;
      default: break;
    }
  }
  if (r.protocol != kProtocolGen2) {
    return make_error("mercury_record_bad_protocol", "tag record at byte " + std::to_string(c.pos() - 1) +
                                                         ": protocol 0x" + hex4(r.protocol).substr(2) +
                                                         " is not EPC Gen2 (0x05)");
  }
  if ((m & metadata::kData) != 0) {
    if (!c.has(2)) return truncated(c.pos(), "DATA length", 2, left());
    const std::size_t bits = c.u(2);
    const std::size_t n = (bits + 7) / 8;
    if (!c.has(n)) return truncated(c.pos(), "DATA", n, left());
    c.skip(n);
  }
  static constexpr Field kTail[] = {{metadata::kGpio, 1, "GPIO"},
                                    {metadata::kGen2Q, 1, "GEN2_Q"},
                                    {metadata::kGen2LinkFrequency, 1, "GEN2_LF"},
                                    {metadata::kGen2Target, 1, "GEN2_TARGET"},
                                    {metadata::kBrandId, 2, "BRAND_ID"}};
  for (const auto& f : kTail) {
    if ((m & f.flag) == 0) continue;
    if (!c.has(f.size)) return truncated(c.pos(), f.name, f.size, left());
    c.skip(f.size);
  }
  // The tag: EPC length (bits) | PC | [XPC_W1 [XPC_W2]] | EPC | tag CRC.
  const std::size_t len_at = c.pos();
  if (!c.has(2)) return truncated(c.pos(), "EPC length", 2, left());
  const std::size_t bits = c.u(2);
  auto bad_len = [&](const std::string& why) {
    return make_error("mercury_record_bad_epc_length",
                      "tag record at byte " + std::to_string(len_at) + ": EPC length " + std::to_string(bits) +
                          " bits " + why);
  };
  if (bits % 8 != 0) return bad_len("is not whole bytes");
  std::size_t n = bits / 8;
  if (n < 4) return bad_len("is shorter than PC + CRC (32 bits)");
  if (!c.has(n)) return truncated(c.pos(), "tag (PC, EPC, CRC)", n, left());
  r.pc = static_cast<std::uint16_t>(c.u(2));
  n -= 2;
  if ((r.pc & 0x0200) != 0) {  // XI: XPC_W1 follows
    if (n < 2 + 2) return bad_len("leaves no room for the XPC_W1 word the PC announces");
    const std::uint32_t xpc1 = c.u(2);
    n -= 2;
    if ((xpc1 & 0x8000) != 0) {  // XEB: XPC_W2 follows
      if (n < 2 + 2) return bad_len("leaves no room for the XPC_W2 word XPC_W1 announces");
      c.skip(2);
      n -= 2;
    }
  }
  const std::size_t epc_len = n - 2;
  if (epc_len == 0) return bad_len("leaves no EPC byte");
  if (epc_len > rfid::EpcBytes::kMaxBytes) {
    return bad_len("holds a " + std::to_string(epc_len) + "-byte EPC, more than the 62 bytes a Gen2 EPC can have");
  }
  auto epc = rfid::EpcBytes::from_bytes(c.ptr(), epc_len);
  if (!epc) return bad_len(epc.error().message);
  r.epc = *epc;
  c.skip(epc_len);
  r.tag_crc = static_cast<std::uint16_t>(c.u(2));
  pr.consumed = c.pos();
  return pr;
}

rfid::TagRead to_tag_read(const TagRecord& record, std::chrono::nanoseconds now) {
  rfid::TagRead t;
  t.epc = record.epc;
  t.antenna = record.antenna;
  t.rssi_dbm = (record.metadata & metadata::kRssi) != 0 ? static_cast<double>(record.rssi_dbm)
                                                        : std::numeric_limits<double>::quiet_NaN();
  t.time = now;
  return t;
}

Result<std::vector<std::uint8_t>> encode_tag_record(const TagRecord& r, std::uint16_t m) {
  if (r.epc.empty()) return make_error("mercury_record_bad_epc_length", "cannot encode a tag record without EPC");
  std::vector<std::uint8_t> out;
  out.reserve(32 + r.epc.size());
  if ((m & metadata::kReadCount) != 0) put(out, r.read_count, 1);
  if ((m & metadata::kRssi) != 0) put(out, static_cast<std::uint8_t>(r.rssi_dbm), 1);
  if ((m & metadata::kAntenna) != 0) put(out, r.antenna_ports, 1);
  if ((m & metadata::kFrequency) != 0) put(out, r.frequency_khz, 3);
  if ((m & metadata::kTimestamp) != 0) put(out, r.timestamp_ms, 4);
  if ((m & metadata::kPhase) != 0) put(out, r.phase, 2);
  if ((m & metadata::kProtocol) != 0) put(out, r.protocol, 1);
  if ((m & metadata::kData) != 0) put(out, 0, 2);
  if ((m & metadata::kGpio) != 0) put(out, 0, 1);
  if ((m & metadata::kGen2Q) != 0) put(out, 0, 1);
  if ((m & metadata::kGen2LinkFrequency) != 0) put(out, 0, 1);
  if ((m & metadata::kGen2Target) != 0) put(out, 0, 1);
  if ((m & metadata::kBrandId) != 0) put(out, 0, 2);
  put(out, static_cast<std::uint32_t>((2 + r.epc.size() + 2) * 8), 2);
  put(out, static_cast<std::uint16_t>(r.pc & ~0x0200U), 2);  // no XPC words are written
  out.insert(out.end(), r.epc.data(), r.epc.data() + r.epc.size());
  put(out, r.tag_crc, 2);
  return out;
}

Result<std::vector<std::uint8_t>> encode_stream_data(std::span<const TagRecord> records, std::uint16_t m,
                                                     std::uint16_t search_flags) {
  std::vector<std::uint8_t> out;
  out.push_back(kStreamOptionMetadata);
  put(out, search_flags, 2);
  put(out, m, 2);
  put(out, static_cast<std::uint32_t>(records.size()), 1);
  for (const auto& r : records) {
    auto rec = encode_tag_record(r, m);
    if (!rec) return rec.error();
    out.insert(out.end(), rec->begin(), rec->end());
  }
  if (out.size() > kMaxData || records.size() > 255) {
    return make_error("mercury_frame_too_long", std::to_string(records.size()) + " tag records take " +
                                                    std::to_string(out.size()) + " bytes, a frame holds 255");
  }
  return out;
}

void TagRecordDecoder::malformed(const Error& e) {
  ++counters_.malformed;
  if (e.code == "mercury_record_truncated") {
    ++counters_.truncated;
  } else if (e.code == "mercury_record_bad_metadata") {
    ++counters_.bad_metadata;
  } else if (e.code == "mercury_record_bad_protocol") {
    ++counters_.bad_protocol;
  } else if (e.code == "mercury_record_bad_epc_length") {
    ++counters_.bad_epc_length;
  } else {
    ++counters_.bad_header;
  }
  last_error_ = e.message;
}

std::size_t TagRecordDecoder::decode(const Frame& frame, std::chrono::nanoseconds now,
                                     std::vector<rfid::TagRead>& out) {
  const bool stream = frame.opcode == opcode::kReadTagIdMultiple;
  const bool buffer = frame.opcode == opcode::kGetTagIdBuffer;
  if (!stream && !buffer) return 0;
  if (frame.status == kStatusNoTagsFound && stream) {
    ++counters_.keepalives;
    return 0;
  }
  if (frame.status != kStatusOk) {
    ++counters_.error_status;
    return 0;
  }
  const auto d = frame.data();
  std::uint16_t m = 0;
  std::size_t count = 0;
  std::size_t at = 0;
  if (stream) {
    if (d.size() < 6) {
      malformed(make_error("mercury_frame_bad_header", "0x22 response with " + std::to_string(d.size()) +
                                                           " data bytes, a tag response has at least 6"));
      return 0;
    }
    if ((d[0] & kStreamOptionMetadata) == 0) {
      malformed(make_error("mercury_frame_bad_header",
                           "0x22 response option 0x" + hex4(d[0]).substr(2) + " has no metadata flags"));
      return 0;
    }
    m = static_cast<std::uint16_t>((d[3] << 8) | d[4]);
    count = d[5];
    at = 6;
  } else {
    if (d.size() < 4) {
      malformed(make_error("mercury_frame_bad_header", "0x29 response with " + std::to_string(d.size()) +
                                                           " data bytes, a tag buffer response has at least 4"));
      return 0;
    }
    m = static_cast<std::uint16_t>((d[0] << 8) | d[1]);
    count = d[3];
    at = 4;
  }
  ++counters_.tag_frames;
  std::size_t produced = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto r = parse_tag_record(d.subspan(at), m);
    if (!r) {
      Error e = r.error();
      e.message = "opcode 0x" + hex4(frame.opcode).substr(2) + " record " + std::to_string(i + 1) + " of " +
                  std::to_string(count) + " (frame data byte " + std::to_string(at) + "): " + e.message;
      malformed(e);
      return produced;
    }
    out.push_back(to_tag_read(r->record, now));
    at += r->consumed;
    ++produced;
    ++counters_.records;
  }
  if (at != d.size()) ++counters_.trailing_bytes;
  return produced;
}

}  // namespace scanedge::mercury
