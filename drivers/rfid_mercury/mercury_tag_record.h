// Tag records of Mercury read responses -> rfid::TagRead.
//
// Where records come from (data = the response's data bytes, after STATUS):
//   continuous read (opcode 0x22, sent by the reader after the 0x2F start command, see
//   mercury_commands.h):
//     [0]     option byte (0x10: metadata flags follow)
//     [1..2]  search flags (echo of the start command)
//     [3..4]  metadata flags M (which optional fields each record carries)
//     [5]     number of tag records that follow (1 in streaming mode)
//     [6..]   the records
//     A 0x22 frame with no data and status 0x0400 (no tags found) is the reader's
//     keep-alive between search cycles.
//   tag buffer (opcode 0x29 GET_TAG_ID_BUFFER, after a timed 0x22 read):
//     [0..1]  metadata flags M
//     [2]     read options
//     [3]     number of records
//     [4..]   the records
//
// One record: the optional fields present in M, in this fixed order, then the tag:
//   READCOUNT 0x0001  1 byte   reads of this tag folded into the record
//   RSSI      0x0002  1 byte   signed dBm (two's complement; 0xC4 = -60 dBm)
//   ANTENNAID 0x0004  1 byte   high nibble TX port, low nibble RX port (0 means port 16)
//   FREQUENCY 0x0008  3 bytes  carrier frequency in kHz
//   TIMESTAMP 0x0010  4 bytes  ms since the start of the search cycle
//   PHASE     0x0020  2 bytes  RF phase, degrees
//   PROTOCOL  0x0040  1 byte   tag protocol (0x05 = EPC Gen2)
//   DATA      0x0080  2 bytes  embedded data length in BITS, then ceil(bits/8) bytes
//   GPIO      0x0100  1 byte   GPIO levels
//   GEN2_Q    0x0200  1 byte   (Gen2 only)
//   GEN2_LF   0x0400  1 byte   link frequency code (Gen2 only)
//   GEN2_TARGET 0x0800 1 byte  A/B (Gen2 only)
//   BRAND_ID  0x1000  2 bytes
//   then   EPC length in BITS (2 bytes): counts PC + XPC words + EPC + the tag's CRC-16
//          PC word (2 bytes); if PC bit 0x0200 (XI) is set an XPC_W1 word follows, and if
//          XPC_W1's top bit is set an XPC_W2 word after it
//          EPC (length - PC/XPC - 2 bytes)
//          tag CRC (2 bytes, the tag's own StoredCRC; not checked: the frame CRC protects
//          the transfer)
//   Example (continuous read, M = 0x01FF): 01 C4 11 0E1640 00000127 0000 05 0000 0F 0080
//   3000 <12 EPC bytes> E94A = read count 1, -60 dBm, antenna 1/1, 923200 kHz, 295 ms,
//   phase 0, Gen2, no data, GPIO 0x0F, 128 bits = PC + 12-byte EPC + CRC.
//
// parse_tag_record(): one record from `bytes` (which may hold more after it). Success is the
//   record and the number of bytes it used. Failure is an Error naming the problem and the
//   byte offset within `bytes`:
//     mercury_record_truncated      the record runs past the end of the bytes
//     mercury_record_bad_metadata   M has bits this parser does not know (0xE000): the
//                                   record length cannot be known
//     mercury_record_bad_protocol   a protocol other than Gen2 (the driver reads Gen2 only)
//     mercury_record_bad_epc_length the EPC length is shorter than PC + CRC, is not whole
//                                   bytes, leaves no EPC byte, or exceeds 62 EPC bytes
// TagRecordDecoder::decode(frame, now, out): all records of one 0x22/0x29 response; appends
//   one rfid::TagRead per good record: EPC bytes, antenna = the RX port (1..16; 0 when the
//   record has no ANTENNAID), RSSI in dBm (NaN when the record has no RSSI: the filter then
//   counts it below threshold), time = `now` (Clock::monotonic() when the frame was
//   complete; the reader's own timestamp is kept in TagRecord only). A malformed record is
//   counted under its reason and ends the frame (later records cannot be located). Frames
//   of other opcodes are ignored (returns 0). Never throws except std::bad_alloc; never
//   reads outside the frame.
// Threading: decoder not thread-safe (one owner); the free functions are pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drivers/rfid_mercury/mercury_frame.h"
#include "edge/core/result.h"
#include "edge/rfid/epc_bytes.h"
#include "edge/rfid/tag_read.h"

namespace scanedge::mercury {

namespace metadata {
inline constexpr std::uint16_t kReadCount = 0x0001;
inline constexpr std::uint16_t kRssi = 0x0002;
inline constexpr std::uint16_t kAntenna = 0x0004;
inline constexpr std::uint16_t kFrequency = 0x0008;
inline constexpr std::uint16_t kTimestamp = 0x0010;
inline constexpr std::uint16_t kPhase = 0x0020;
inline constexpr std::uint16_t kProtocol = 0x0040;
inline constexpr std::uint16_t kData = 0x0080;
inline constexpr std::uint16_t kGpio = 0x0100;
inline constexpr std::uint16_t kGen2Q = 0x0200;
inline constexpr std::uint16_t kGen2LinkFrequency = 0x0400;
inline constexpr std::uint16_t kGen2Target = 0x0800;
inline constexpr std::uint16_t kBrandId = 0x1000;
inline constexpr std::uint16_t kKnown = 0x1FFF;
}  // namespace metadata

inline constexpr std::uint8_t kProtocolGen2 = 0x05;
inline constexpr std::uint8_t kStreamOptionMetadata = 0x10;

struct TagRecord {
  std::uint16_t metadata = 0;     // the flags the record was parsed with
  std::uint8_t read_count = 0;
  std::int8_t rssi_dbm = 0;
  std::uint8_t antenna_ports = 0; // raw ANTENNAID byte
  std::uint16_t antenna = 0;      // RX port 1..16, 0 = not reported
  std::uint32_t frequency_khz = 0;
  std::uint32_t timestamp_ms = 0;
  std::uint16_t phase = 0;
  std::uint8_t protocol = kProtocolGen2;
  std::uint16_t pc = 0;
  rfid::EpcBytes epc;
  std::uint16_t tag_crc = 0;
};

struct ParsedRecord {
  TagRecord record;
  std::size_t consumed = 0;
};

Result<ParsedRecord> parse_tag_record(std::span<const std::uint8_t> bytes, std::uint16_t metadata_flags);

// The TagRead the filter gets for a record (see above).
rfid::TagRead to_tag_read(const TagRecord& record, std::chrono::nanoseconds now);

// Encoders, for emulated readers in tests and benchmarks: the bytes a reader sends for one
// record with the given metadata flags (fields absent from the flags are not written), and
// the data of a continuous-read response carrying `records`. Error
// mercury_record_bad_epc_length for an empty EPC; mercury_frame_too_long when the records
// do not fit one frame.
Result<std::vector<std::uint8_t>> encode_tag_record(const TagRecord& record, std::uint16_t metadata_flags);
Result<std::vector<std::uint8_t>> encode_stream_data(std::span<const TagRecord> records, std::uint16_t metadata_flags,
                                                     std::uint16_t search_flags);

struct TagRecordCounters {
  std::uint64_t tag_frames = 0;      // 0x22/0x29 frames with status OK and records
  std::uint64_t keepalives = 0;      // 0x22 with status "no tags found"
  std::uint64_t error_status = 0;    // 0x22/0x29 with any other non-zero status
  std::uint64_t records = 0;         // good records (= TagReads produced)
  std::uint64_t malformed = 0;       // sum of the reasons below
  std::uint64_t bad_header = 0;      // data too short for its header, or option without metadata
  std::uint64_t truncated = 0;
  std::uint64_t bad_metadata = 0;
  std::uint64_t bad_protocol = 0;
  std::uint64_t bad_epc_length = 0;
  std::uint64_t trailing_bytes = 0;  // frames with bytes left after their last record
};

class TagRecordDecoder {
 public:
  // Returns the number of TagReads appended to `out`.
  std::size_t decode(const Frame& frame, std::chrono::nanoseconds now, std::vector<rfid::TagRead>& out);

  const TagRecordCounters& counters() const { return counters_; }
  // Message of the last malformed record/frame (empty if none).
  const std::string& last_error() const { return last_error_; }

 private:
  void malformed(const Error& e);

  TagRecordCounters counters_;
  std::string last_error_;
};

}  // namespace scanedge::mercury
