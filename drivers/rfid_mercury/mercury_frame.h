// Mercury serial framing (ThingMagic/JADAK embedded UHF RFID modules: M6e, Micro, Nano).
//
// Wire format (every multi-byte field big-endian):
//   request  (host -> reader): FF | LEN | OPCODE | data[LEN] | CRC(2)             = LEN + 5 bytes
//   response (reader -> host): FF | LEN | OPCODE | STATUS(2) | data[LEN] | CRC(2) = LEN + 7 bytes
// LEN counts the data bytes only (not OPCODE, not STATUS). The CRC covers every byte after
// the 0xFF header up to the CRC itself (LEN, OPCODE, [STATUS,] data).
//
// The CRC (crc16()): the 16-bit register starts at 0xFFFF and each message bit, most
// significant bit of each byte first, is SHIFTED INTO the low end of the register; when the
// bit shifted out of the top was 1 the register is XORed with 0x1021. No final XOR, no
// trailing zero bits. This is the "non-direct" form of a CRC-16 with polynomial 0x1021
// (ThingMagic's serial_reader_l3.c calls it "not a CCITT CRC-16, though it looks close").
// It is NOT CRC-16/CCITT-FALSE: for the bytes 00 03 (LEN 0, opcode VERSION) it gives 0x1D0C,
// the well-known request FF 00 03 1D 0C, where CCITT-FALSE would give 0x2D6C.
//
// FrameParser: a streaming decoder. feed() takes bytes as they arrive (any split) and
//   appends every complete frame whose CRC is right. Robustness:
//   - bytes before a 0xFF header are skipped (counted in garbage_bytes);
//   - a frame whose CRC is wrong is dropped (bad_crc) and the search for the next header
//     restarts at the byte after its 0xFF, so a real frame hidden behind a stray 0xFF or a
//     corrupted frame is still found;
//   - a LEN above `max_data` is refused at once (oversize) and the search restarts likewise;
//   - a partial frame that has waited longer than `partial_timeout` for its remaining bytes
//     (a lost tail, or a stray 0xFF read as a header) is given up the same way
//     (stale_partial), checked on feed() and poll();
//   - memory is bounded: at most one maximal frame (255 + 7 bytes) is ever pending.
// Threading: not thread-safe; one owner (the driver's reader thread). No allocation in
// feed()/poll() except when `out` grows beyond its capacity.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edge/core/result.h"

namespace scanedge::mercury {

inline constexpr std::uint8_t kHeader = 0xFF;
inline constexpr std::size_t kMaxData = 255;            // LEN is one byte
inline constexpr std::size_t kRequestOverhead = 5;       // FF LEN OP CRC CRC
inline constexpr std::size_t kResponseOverhead = 7;      // FF LEN OP ST ST CRC CRC

// Opcodes the driver uses (Mercury API names in comments).
namespace opcode {
inline constexpr std::uint8_t kVersion = 0x03;                // VERSION
inline constexpr std::uint8_t kReadTagIdMultiple = 0x22;      // READ_TAG_ID_MULTIPLE (tag records)
inline constexpr std::uint8_t kGetTagIdBuffer = 0x29;         // GET_TAG_ID_BUFFER
inline constexpr std::uint8_t kMultiProtocolTagOp = 0x2F;     // MULTI_PROTOCOL_TAG_OP (start/stop)
inline constexpr std::uint8_t kSetAntennaPort = 0x91;         // SET_ANTENNA_PORT
inline constexpr std::uint8_t kSetReadTxPower = 0x92;         // SET_READ_TX_POWER
inline constexpr std::uint8_t kSetTagProtocol = 0x93;         // SET_TAG_PROTOCOL
inline constexpr std::uint8_t kSetRegion = 0x97;              // SET_REGION
inline constexpr std::uint8_t kSetReaderOptionalParams = 0x9A;  // SET_READER_OPTIONAL_PARAMS
}  // namespace opcode

// Status words the driver interprets (others are reported as hex).
inline constexpr std::uint16_t kStatusOk = 0x0000;
inline constexpr std::uint16_t kStatusNoTagsFound = 0x0400;   // continuous-read keep-alive
inline constexpr std::uint16_t kStatusTemperature = 0x0504;   // reader throttled by temperature

// CRC over `bytes` as described above (init 0xFFFF unless continuing a previous value).
std::uint16_t crc16(std::span<const std::uint8_t> bytes, std::uint16_t init = 0xFFFF);

// A request frame (FF LEN OPCODE data CRC). Error `mercury_frame_too_long` when data has
// more than 255 bytes.
Result<std::vector<std::uint8_t>> encode_request(std::uint8_t opcode, std::span<const std::uint8_t> data);
// A response frame (FF LEN OPCODE STATUS data CRC), as a reader sends it (tests, emulators).
Result<std::vector<std::uint8_t>> encode_response(std::uint8_t opcode, std::uint16_t status,
                                                  std::span<const std::uint8_t> data);

enum class FrameKind : std::uint8_t { request, response };

// One decoded frame. `status` is 0 for requests. Fixed storage: copying never allocates.
struct Frame {
  std::uint8_t opcode = 0;
  std::uint16_t status = 0;
  std::uint8_t length = 0;  // data bytes
  std::array<std::uint8_t, kMaxData> bytes{};
  std::span<const std::uint8_t> data() const { return {bytes.data(), length}; }
};

struct FrameParserConfig {
  FrameKind kind = FrameKind::response;
  std::size_t max_data = kMaxData;                     // larger LEN values are refused
  std::chrono::milliseconds partial_timeout{500};      // 0 disables
};

struct FrameParserCounters {
  std::uint64_t frames = 0;          // good frames emitted
  std::uint64_t bytes_in = 0;
  std::uint64_t garbage_bytes = 0;   // bytes skipped while looking for a header
  std::uint64_t bad_crc = 0;         // complete frames dropped for a wrong CRC
  std::uint64_t oversize = 0;        // headers dropped for LEN > max_data
  std::uint64_t stale_partial = 0;   // partial frames given up after partial_timeout
};

class FrameParser {
 public:
  explicit FrameParser(FrameParserConfig config = {});

  // Consumes bytes that arrived at `now`; appends every complete, CRC-valid frame to `out`.
  void feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now, std::vector<Frame>& out);
  // Lets time pass: gives up a partial frame older than partial_timeout (and decodes what
  // follows its header).
  void poll(std::chrono::nanoseconds now, std::vector<Frame>& out);
  // Forgets pending bytes (after a reconnect). Counters are kept.
  void reset();

  std::size_t pending() const { return end_ - begin_; }
  const FrameParserCounters& counters() const { return counters_; }

 private:
  void scan(std::chrono::nanoseconds now, std::vector<Frame>& out);

  FrameParserConfig config_;
  std::size_t overhead_;
  std::array<std::uint8_t, 1024> buf_{};
  std::size_t begin_ = 0;  // first pending byte
  std::size_t end_ = 0;    // one past the last pending byte
  bool partial_ = false;   // a header is at begin_ and its frame is incomplete
  std::chrono::nanoseconds partial_since_{0};
  FrameParserCounters counters_;
};

}  // namespace scanedge::mercury
