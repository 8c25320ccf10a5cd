#include "drivers/rfid_mercury/mercury_tag_record.h"

#include "drivers/rfid_mercury/mercury_commands.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace scanedge::mercury {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

TagRecord sample_record(const std::string& epc_hex) {
  TagRecord r;
  r.read_count = 3;
  r.rssi_dbm = -61;
  r.antenna_ports = 0x22;
  r.frequency_khz = 866900;
  r.timestamp_ms = 1234;
  r.phase = 90;
  r.protocol = kProtocolGen2;
  r.pc = 0x3000;
  r.epc = *rfid::EpcBytes::from_hex(epc_hex);
  r.tag_crc = 0x1234;
  return r;
}

Frame frame_of(const Bytes& wire) {
  FrameParser p;
  std::vector<Frame> out;
  p.feed(wire, 0ns, out);
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? Frame{} : out[0];
}

TEST(MercuryTagRecord, ParsesARealContinuousReadResponse) {
  // Captured from an M6e Nano (SparkFun library comments): metadata 0x01FF, one record,
  // RSSI 0xC4, antenna 0x11, 0x0E1640 kHz, 0x127 ms, Gen2, 128 EPC bits, PC 3000.
  const Bytes wire{0xFF, 0x28, 0x22, 0x00, 0x00, 0x10, 0x00, 0x1B, 0x01, 0xFF, 0x01, 0x01, 0xC4, 0x11, 0x0E, 0x16,
                   0x40, 0x00, 0x00, 0x01, 0x27, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0F, 0x00, 0x80, 0x30, 0x00, 0x00,
                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x45, 0xE9, 0x4A, 0x56, 0x1D};
  const Frame f = frame_of(wire);
  auto r = parse_tag_record(f.data().subspan(6), 0x01FF);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->consumed, f.data().size() - 6);
  EXPECT_EQ(r->record.read_count, 1);
  EXPECT_EQ(r->record.rssi_dbm, -60);
  EXPECT_EQ(r->record.antenna, 1);
  EXPECT_EQ(r->record.frequency_khz, 923200u);
  EXPECT_EQ(r->record.timestamp_ms, 295u);
  EXPECT_EQ(r->record.pc, 0x3000);
  EXPECT_EQ(r->record.epc.to_hex(), "000000000000000000001545");
  EXPECT_EQ(r->record.tag_crc, 0xE94A);

  TagRecordDecoder d;
  std::vector<rfid::TagRead> reads;
  EXPECT_EQ(d.decode(f, 7s, reads), 1u);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].epc.to_hex(), "000000000000000000001545");
  EXPECT_EQ(reads[0].antenna, 1);
  EXPECT_DOUBLE_EQ(reads[0].rssi_dbm, -60.0);
  EXPECT_EQ(reads[0].time, 7s);
  EXPECT_EQ(d.counters().records, 1u);
  EXPECT_EQ(d.counters().trailing_bytes, 0u);
}

TEST(MercuryTagRecord, RoundTripsForEveryMetadataCombination) {
  const auto rec = sample_record("3074257BF7194E4000001A85");
  for (unsigned m = 0; m <= metadata::kKnown; m += 7) {  // a spread of combinations incl. 0x1FFF-ish
    const auto flags = static_cast<std::uint16_t>(m);
    auto bytes = encode_tag_record(rec, flags);
    ASSERT_TRUE(bytes.ok());
    bytes->push_back(0xEE);  // a following record's first byte must not be consumed
    auto r = parse_tag_record(*bytes, flags);
    ASSERT_TRUE(r.ok()) << "flags " << m << ": " << r.error().message;
    EXPECT_EQ(r->consumed, bytes->size() - 1) << m;
    EXPECT_EQ(r->record.epc, rec.epc) << m;
    if ((flags & metadata::kRssi) != 0) {
      EXPECT_EQ(r->record.rssi_dbm, -61);
    }
    if ((flags & metadata::kAntenna) != 0) {
      EXPECT_EQ(r->record.antenna, 2);
    }
    if ((flags & metadata::kFrequency) != 0) {
      EXPECT_EQ(r->record.frequency_khz, 866900u);
    }
    if ((flags & metadata::kTimestamp) != 0) {
      EXPECT_EQ(r->record.timestamp_ms, 1234u);
    }
    const auto t = to_tag_read(r->record, 5ms);
    if ((flags & metadata::kRssi) == 0) {
      EXPECT_TRUE(std::isnan(t.rssi_dbm));
    }
    if ((flags & metadata::kAntenna) == 0) {
      EXPECT_EQ(t.antenna, 0);
    }
  }
}

TEST(MercuryTagRecord, AntennaPortZeroMeansSixteen) {
  auto rec = sample_record("E2801160600002");
  rec.antenna_ports = 0x00;
  auto r = parse_tag_record(*encode_tag_record(rec, metadata::kAntenna), metadata::kAntenna);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->record.antenna, 16);
}

TEST(MercuryTagRecord, EveryTruncationIsATruncatedErrorNamingTheOffset) {
  const auto full = *encode_tag_record(sample_record("3074257BF7194E4000001A85"), kStreamMetadata);
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    auto r = parse_tag_record(std::span<const std::uint8_t>(full.data(), cut), kStreamMetadata);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().code, "mercury_record_truncated") << cut;
    EXPECT_NE(r.error().message.find("byte "), std::string::npos) << r.error().message;
  }
}

TEST(MercuryTagRecord, BadEpcLengthsProtocolsAndMetadataAreRefused) {
  // EPC length field right after PROTOCOL when flags = kProtocol.
  auto with_len = [](std::uint16_t bits, Bytes tail) {
    Bytes b{kProtocolGen2, static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits & 0xFF)};
    b.insert(b.end(), tail.begin(), tail.end());
    return b;
  };
  auto code = [](const Result<ParsedRecord>& r) { return r.ok() ? std::string("ok") : r.error().code; };
  EXPECT_EQ(code(parse_tag_record(with_len(0x0081, Bytes(20, 0)), metadata::kProtocol)), "mercury_record_bad_epc_length");
  EXPECT_EQ(code(parse_tag_record(with_len(24, Bytes(20, 0)), metadata::kProtocol)), "mercury_record_bad_epc_length");
  // PC + CRC only: no EPC byte.
  EXPECT_EQ(code(parse_tag_record(with_len(32, Bytes{0x00, 0x00, 0x12, 0x34}), metadata::kProtocol)),
            "mercury_record_bad_epc_length");
  // 63-byte EPC: more than Gen2 allows.
  EXPECT_EQ(code(parse_tag_record(with_len((2 + 63 + 2) * 8, Bytes(67, 0)), metadata::kProtocol)),
            "mercury_record_bad_epc_length");
  // PC announces an XPC_W1 word, and XPC_W1 an XPC_W2: EPC comes after both.
  Bytes xpc{0x32, 0x00, 0x80, 0x00, 0x00, 0x00, 0xAA, 0xBB, 0x12, 0x34};
  auto r = parse_tag_record(with_len(static_cast<std::uint16_t>(xpc.size() * 8), xpc), metadata::kProtocol);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->record.epc.to_hex(), "AABB");
  // ISO 18000-6B is not read by this driver.
  Bytes iso{0x03, 0x00, 0x40, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  EXPECT_EQ(code(parse_tag_record(iso, metadata::kProtocol)), "mercury_record_bad_protocol");
  EXPECT_EQ(code(parse_tag_record(Bytes(30, 0), 0x2000)), "mercury_record_bad_metadata");
}

TEST(MercuryTagRecordDecoder, KeepAlivesErrorStatusesAndBufferFramesAreTold) {
  TagRecordDecoder d;
  std::vector<rfid::TagRead> reads;
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x22, kStatusNoTagsFound, {})), 0ns, reads), 0u);
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x22, kStatusTemperature, {})), 0ns, reads), 0u);
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x03, 0, Bytes(20, 1))), 0ns, reads), 0u);
  EXPECT_EQ(d.counters().keepalives, 1u);
  EXPECT_EQ(d.counters().error_status, 1u);

  // GET_TAG_ID_BUFFER: metadata(2) | read options | count | records.
  const std::uint16_t m = metadata::kRssi | metadata::kAntenna;
  Bytes data{static_cast<std::uint8_t>(m >> 8), static_cast<std::uint8_t>(m & 0xFF), 0x00, 0x02};
  for (const char* epc : {"3074257BF7194E4000001A85", "3074257BF7194E4000001A86"}) {
    auto rec = *encode_tag_record(sample_record(epc), m);
    data.insert(data.end(), rec.begin(), rec.end());
  }
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x29, 0, data)), 3s, reads), 2u);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[1].epc.to_hex(), "3074257BF7194E4000001A86");
  EXPECT_EQ(reads[1].time, 3s);
}

TEST(MercuryTagRecordDecoder, MalformedRecordEndsItsFrameAndIsCounted) {
  const std::uint16_t m = kStreamMetadata;
  const std::vector<TagRecord> recs{sample_record("AAAA"), sample_record("BBBB")};
  auto data = *encode_stream_data(recs, m, kStreamSearchFlags);
  data[5] = 3;  // claims a third record that is not there
  TagRecordDecoder d;
  std::vector<rfid::TagRead> reads;
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x22, 0, data)), 0ns, reads), 2u);
  EXPECT_EQ(d.counters().malformed, 1u);
  EXPECT_EQ(d.counters().truncated, 1u);
  EXPECT_NE(d.last_error().find("record 3 of 3"), std::string::npos) << d.last_error();

  // A frame too short for its header, and one without the metadata option.
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x22, 0, Bytes{0x10, 0x00})), 0ns, reads), 0u);
  EXPECT_EQ(d.decode(frame_of(*encode_response(0x22, 0, Bytes{0x00, 0x00, 0x1B, 0x00, 0x5F, 0x01, 0x01})), 0ns, reads),
            0u);
  EXPECT_EQ(d.counters().bad_header, 2u);
  EXPECT_EQ(d.counters().malformed, 3u);
}

TEST(MercuryTagRecordDecoder, ArbitraryFrameDataNeverCrashes) {
  std::uint32_t x = 2463534242u;
  TagRecordDecoder d;
  std::vector<rfid::TagRead> reads;
  for (int i = 0; i < 20000; ++i) {
    Frame f;
    f.opcode = (i % 2) == 0 ? 0x22 : 0x29;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    f.length = static_cast<std::uint8_t>(x & 0xFF);
    for (std::size_t k = 0; k < f.length; ++k) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      f.bytes[k] = static_cast<std::uint8_t>(x);
    }
    if (f.length > 0 && f.opcode == 0x22) f.bytes[0] = 0x10;
    d.decode(f, 0ns, reads);
  }
  EXPECT_EQ(d.counters().records, reads.size());
  EXPECT_GT(d.counters().malformed, 0u);
}

}  // namespace
}  // namespace scanedge::mercury
