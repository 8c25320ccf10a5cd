// Zebra SSI (Simple Serial Interface) framing: encoding host frames and a streaming decoder
// for the bytes a scanner sends. Pure: no I/O, no clock of its own (time is passed in).
//
// Frame: [Len][Opcode][Source][Status][Data...][CkHi][CkLo]
//   Len      counts every byte but the two checksum bytes (4..255, so Data is 0..251 bytes);
//   Source   0x04 host, 0x00 decoder (scanner);
//   Status   bit 0 retransmit, bit 1 continuation (more packets follow), bit 3 permanent
//            parameter change;
//   Checksum 16-bit two's complement of the sum of the Len..Data bytes, big-endian, so that
//            sum(Len..Data) + checksum == 0 (mod 65536). Example CMD_ACK: 04 D0 04 00 FF 28.
//
// encode_frame(): builds one frame. Error `ssi_data_too_long` when Data exceeds 251 bytes.
//
// SsiFrameParser: feed() the received bytes in any split; it appends to `out`, in order:
//   - Kind::frame for every frame with a good checksum (any opcode >= 0x80; ones not listed
//     below are counted in unknown_opcode_frames). For DECODE_DATA (0xF3) packets `ack_required` is
//     set: the host must ACK every such packet, also a duplicate or a dropped one, or the
//     scanner keeps retransmitting it. When the packet completes a new scan, `message`
//     holds it (see "Decode messages").
//   - Kind::bad_checksum when a candidate frame with a known opcode failed its checksum: the
//     host should NAK it (reason 0x01 resend). Reported at most once per corrupted span:
//     candidates that start inside the span of an already reported one are only counted.
// Resynchronisation: a candidate frame starts at any byte with Len in 4..255 followed by an
//   Opcode >= 0x80 (every SSI opcode is) and a Source of 0x00 or 0x04. A byte that cannot
//   start one (impossible length, opcode or source) is dropped (garbage_bytes). A candidate whose checksum fails costs exactly one byte (its Len
//   byte, bad_checksum_frames): parsing restarts at the next byte, so a frame hidden behind a
//   corrupted length byte is still found. A candidate still incomplete `stale_timeout` after
//   the last byte arrived is given up the same way (stale_bytes), so a truncated frame does
//   not hold back the frames behind it. Memory is bounded: at most one incomplete frame
//   (<= 257 bytes) plus one 512-byte input chunk are buffered, whatever feed() is given.
// Decode messages: DECODE_DATA Data is [barcode type][bytes...]. Packets with the
//   continuation bit are joined with the packets after them, up to and including the first
//   one without it, into one message (barcode type of the first packet, bytes of all). A
//   message longer than `max_message_bytes` is dropped whole (oversize_messages).
//   A packet with the retransmit bit whose status (ignoring that bit) and Data equal the last
//   accepted DECODE_DATA packet is a duplicate caused by a lost host ACK: it is not joined or
//   delivered again (duplicate_packets), only ACKed. After a bad_checksum report the memory
//   of the last packet is cleared: the scanner's answer to our NAK is a retransmission of a
//   packet we never accepted and must be taken even when it repeats the previous barcode.
//   A DECODE_DATA packet without the barcode type byte is malformed (ACKed, counted, dropped).
//   A stale candidate with a known opcode is treated like a reported bad checksum for the
//   duplicate memory (the frame was lost; its retransmission must be accepted).
// reset(): forgets buffered bytes and a partial message (device went away); counted. The
//   duplicate memory is kept (a retransmission after a reconnect is still recognised).
// Threading: not thread-safe; one owner (the driver's reader thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edge/core/result.h"

namespace scanedge::ssi {

namespace opcode {
inline constexpr std::uint8_t reply_revision = 0xA4;
inline constexpr std::uint8_t request_revision = 0xA3;
inline constexpr std::uint8_t aim_off = 0xC4;
inline constexpr std::uint8_t aim_on = 0xC5;
inline constexpr std::uint8_t param_send = 0xC6;
inline constexpr std::uint8_t param_request = 0xC7;
inline constexpr std::uint8_t param_defaults = 0xC8;
inline constexpr std::uint8_t cmd_ack = 0xD0;
inline constexpr std::uint8_t cmd_nak = 0xD1;
inline constexpr std::uint8_t flush_queue = 0xD2;
inline constexpr std::uint8_t start_decode = 0xE4;
inline constexpr std::uint8_t stop_decode = 0xE5;
inline constexpr std::uint8_t beep = 0xE6;
inline constexpr std::uint8_t led_on = 0xE7;
inline constexpr std::uint8_t led_off = 0xE8;
inline constexpr std::uint8_t scan_enable = 0xE9;
inline constexpr std::uint8_t scan_disable = 0xEA;
inline constexpr std::uint8_t decode_data = 0xF3;
inline constexpr std::uint8_t event = 0xF6;
}  // namespace opcode

// True for the opcodes listed above (the ones this project knows).
bool is_known_opcode(std::uint8_t op);

inline constexpr std::uint8_t kSourceHost = 0x04;
inline constexpr std::uint8_t kSourceDecoder = 0x00;

inline constexpr std::uint8_t kStatusRetransmit = 0x01;
inline constexpr std::uint8_t kStatusContinuation = 0x02;
inline constexpr std::uint8_t kStatusPermanent = 0x08;

inline constexpr std::uint8_t kNakResend = 0x01;
inline constexpr std::uint8_t kNakBadContext = 0x02;
inline constexpr std::uint8_t kNakDenied = 0x06;

inline constexpr std::size_t kMinLen = 4;
inline constexpr std::size_t kMaxLen = 255;
inline constexpr std::size_t kMaxData = kMaxLen - kMinLen;  // 251
inline constexpr std::size_t kMaxFrameBytes = kMaxLen + 2;  // 257

struct SsiFrame {
  std::uint8_t opcode = 0;
  std::uint8_t source = kSourceHost;
  std::uint8_t status = 0;
  std::string data;  // raw bytes
  bool retransmit() const { return (status & kStatusRetransmit) != 0; }
  bool continuation() const { return (status & kStatusContinuation) != 0; }
  bool operator==(const SsiFrame&) const = default;
};

// The 16-bit two's complement of the byte sum (the value of CkHi:CkLo).
std::uint16_t ssi_checksum(std::span<const std::uint8_t> bytes);

// [Len][Opcode][Source][Status][Data][CkHi][CkLo]; Error ssi_data_too_long (> 251 data bytes).
Result<std::vector<std::uint8_t>> encode_frame(const SsiFrame& frame);

// A complete scan from one or more DECODE_DATA packets.
struct DecodeMessage {
  std::uint8_t barcode_type = 0;
  std::string data;  // barcode bytes, type byte removed, packets joined
  int packets = 1;
};

struct SsiParsed {
  enum class Kind { frame, bad_checksum };
  Kind kind = Kind::frame;
  // frame: the packet as received. bad_checksum: Opcode/Source/Status of the rejected
  // candidate (Data left empty).
  SsiFrame frame;
  bool ack_required = false;             // a good DECODE_DATA packet: the host must ACK it
  std::optional<DecodeMessage> message;  // set when this packet completed a new scan
};

struct SsiParserConfig {
  std::size_t max_message_bytes = 4096;           // joined DECODE_DATA bytes per scan
  std::chrono::milliseconds stale_timeout{300};   // give up an incomplete frame; 0 disables
};

struct SsiParserCounters {
  std::uint64_t bytes_in = 0;
  std::uint64_t frames = 0;                  // good-checksum frames of any opcode
  std::uint64_t unknown_opcode_frames = 0;   // of which with an opcode not known here
  std::uint64_t garbage_bytes = 0;           // bytes that could not start a frame
  std::uint64_t bad_checksum_frames = 0;     // candidates rejected by their checksum (1 byte each)
  std::uint64_t bad_checksum_reported = 0;   // of which reported for a NAK
  std::uint64_t stale_bytes = 0;             // bytes of incomplete frames given up after the timeout
  std::uint64_t decode_packets = 0;          // good DECODE_DATA packets (incl. duplicates)
  std::uint64_t messages = 0;                // complete scans delivered
  std::uint64_t multi_packet_messages = 0;   // of which joined from 2+ packets
  std::uint64_t duplicate_packets = 0;       // retransmitted packets already accepted
  std::uint64_t oversize_messages = 0;       // scans dropped for exceeding max_message_bytes
  std::uint64_t malformed_decode = 0;        // DECODE_DATA without a barcode type byte
  std::uint64_t partial_discarded = 0;       // reset() calls that threw away buffered bytes or a partial scan
};

class SsiFrameParser {
 public:
  explicit SsiFrameParser(SsiParserConfig config = {});

  void feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now, std::vector<SsiParsed>& out);
  // Gives up an incomplete frame once stale_timeout has passed since the last byte.
  void poll(std::chrono::nanoseconds now, std::vector<SsiParsed>& out);
  void reset();

  bool has_pending() const { return head_ < buf_.size() || assembling_; }
  std::size_t buffered_bytes() const { return buf_.size() - head_; }  // <= 256 after feed()
  const SsiParserCounters& counters() const { return counters_; }
  const SsiParserConfig& config() const { return config_; }

 private:
  void parse(std::vector<SsiParsed>& out);
  void drop_front(std::uint64_t& counter);
  void compact();
  void on_decode_packet(SsiParsed& p);

  SsiParserConfig config_;
  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;             // first unparsed byte in buf_
  std::uint64_t base_offset_ = 0;    // stream offset of buf_[0]
  std::uint64_t bad_span_end_ = 0;   // stream offset after the last reported corrupt frame
  std::chrono::nanoseconds last_byte_{0};

  // Decode message assembly.
  bool assembling_ = false;
  bool overflow_ = false;
  DecodeMessage partial_;
  bool have_last_packet_ = false;
  std::uint8_t last_status_ = 0;     // without the retransmit bit
  std::string last_data_;

  SsiParserCounters counters_;
};

}  // namespace scanedge::ssi
