#include "drivers/rfid_mercury/mercury_frame.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace scanedge::mercury {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes response(std::uint8_t op, std::uint16_t status, Bytes data) { return *encode_response(op, status, data); }

TEST(MercuryCrc, KnownValues) {
  // By hand, for the VERSION request's covered bytes 00 03 (LEN 0, opcode 0x03): register
  // 0xFFFF; each bit shifts in at the bottom and 0x1021 is XORed in when a 1 falls off the top.
  // First byte 00: the four leading 1s fall off with XORs -> EFDF CF9F 8F1F 0E1F, then four
  // 0s -> 1C3E 387C 70F8 E1F0. Second byte 03: top bits 1 1 1 0 1 1 1 1 -> D3C1 B7A3 7F67
  // FECE EDBD CB5B, then the two 1 data bits with top 1 -> 8696, 1D0C. Result 0x1D0C, which
  // is why every Mercury host sends FF 00 03 1D 0C to ask for the version. (CRC-16/CCITT-FALSE
  // of the same bytes would be 0x2D6C: the reader's CRC is not that one.)
  const Bytes v{0x00, 0x03};
  EXPECT_EQ(crc16(v), 0x1D0C);
  EXPECT_NE(crc16(v), 0x2D6C);
  EXPECT_EQ(crc16({}), 0xFFFF);
  // A continuous-read tag response captured from an M6e Nano (SparkFun library comments):
  // its last two bytes 56 1D are the CRC of everything between FF and them.
  const Bytes sample{0x28, 0x22, 0x00, 0x00, 0x10, 0x00, 0x1B, 0x01, 0xFF, 0x01, 0x01, 0xC4, 0x11, 0x0E, 0x16,
                     0x40, 0x00, 0x00, 0x01, 0x27, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0F, 0x00, 0x80, 0x30, 0x00,
                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x45, 0xE9, 0x4A};
  EXPECT_EQ(crc16(sample), 0x561D);
  // Continuing a CRC over a split buffer equals the CRC of the whole.
  EXPECT_EQ(crc16(Bytes(sample.begin() + 10, sample.end()), crc16(Bytes(sample.begin(), sample.begin() + 10))),
            0x561D);
}

TEST(MercuryFrame, EncodesVersionRequestAndRefusesOversizeData) {
  auto f = encode_request(opcode::kVersion, {});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (Bytes{0xFF, 0x00, 0x03, 0x1D, 0x0C}));
  auto big = encode_request(0x22, Bytes(256, 0));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "mercury_frame_too_long");
  EXPECT_NE(big.error().message.find("0x22"), std::string::npos) << big.error().message;
  auto r = encode_response(0x03, 0x0400, Bytes{1, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u + kResponseOverhead);
  EXPECT_EQ((*r)[1], 2);  // LEN counts data only
}

TEST(MercuryFrame, RoundTripResponsesAndRequestsByteByByte) {
  const Bytes d1{0x10, 0x00, 0x1B, 0x00, 0x5F, 0x01, 0xAA};
  const Bytes all = cat({response(0x22, 0x0000, d1), response(0x03, 0x0101, {}), response(0x2F, 0, Bytes(255, 0xFF))});
  FrameParser p;
  std::vector<Frame> out;
  for (auto b : all) p.feed(Bytes{b}, 0ns, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].opcode, 0x22);
  EXPECT_EQ(out[0].status, 0x0000);
  EXPECT_EQ(Bytes(out[0].data().begin(), out[0].data().end()), d1);
  EXPECT_EQ(out[1].opcode, 0x03);
  EXPECT_EQ(out[1].status, 0x0101);
  EXPECT_EQ(out[1].length, 0);
  EXPECT_EQ(out[2].length, 255);
  EXPECT_EQ(p.counters().frames, 3u);
  EXPECT_EQ(p.counters().bad_crc, 0u);
  EXPECT_EQ(p.pending(), 0u);

  FrameParser req(FrameParserConfig{FrameKind::request, kMaxData, 500ms});
  out.clear();
  req.feed(cat({*encode_request(0x91, Bytes{2, 1, 1}), *encode_request(0x03, {})}), 0ns, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].opcode, 0x91);
  EXPECT_EQ(Bytes(out[0].data().begin(), out[0].data().end()), (Bytes{2, 1, 1}));
  EXPECT_EQ(out[1].opcode, 0x03);
}

TEST(MercuryFrame, GarbageBeforeAFrameIsSkippedAndCounted) {
  FrameParser p;
  std::vector<Frame> out;
  p.feed(cat({Bytes{0x00, 0x13, 0x7E, 0x41}, response(0x22, 0x0400, {})}), 0ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, kStatusNoTagsFound);
  EXPECT_EQ(p.counters().garbage_bytes, 4u);
}

TEST(MercuryFrame, BadCrcIsDroppedCountedAndTheNextFrameStillFound) {
  Bytes bad = response(0x22, 0, Bytes{1, 2, 3, 4});
  bad[6] ^= 0x01;  // one flipped data bit
  FrameParser p;
  std::vector<Frame> out;
  p.feed(cat({bad, response(0x03, 0, Bytes{9})}), 0ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].opcode, 0x03);
  EXPECT_EQ(p.counters().bad_crc, 1u);
}

TEST(MercuryFrame, TruncatedFrameDoesNotSwallowTheFramesAfterIt) {
  // A frame loses its tail (cable glitch): its header claims 16 data bytes, the following
  // frames' bytes are read as its body, the CRC fails, and the search restarts right after
  // its 0xFF, where the following frames are found intact.
  const Bytes cut{0xFF, 0x10, 0x22, 0x00, 0x00, 0x10, 0x00};
  Bytes next;
  for (int i = 0; i < 5; ++i) next = cat({next, response(0x22, 0, Bytes(6, static_cast<std::uint8_t>(i)))});
  FrameParser p;
  std::vector<Frame> out;
  p.feed(cat({cut, next}), 0ns, out);
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].bytes[0], i);
  EXPECT_EQ(p.counters().bad_crc, 1u);
}

TEST(MercuryFrame, StrayHeaderByteIsGivenUpAfterThePartialTimeout) {
  // A lone 0xFF right before a frame reads as a header with LEN 0xFF; the frame after it
  // would only be found once 262 bytes arrived. The partial timeout ends that wait.
  FrameParser p(FrameParserConfig{FrameKind::response, kMaxData, 500ms});
  std::vector<Frame> out;
  p.feed(cat({Bytes{0xFF}, response(0x22, 0x0400, {})}), 1s, out);
  EXPECT_TRUE(out.empty());
  p.poll(1s + 499ms, out);
  EXPECT_TRUE(out.empty());
  p.poll(1s + 500ms, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].opcode, 0x22);
  EXPECT_EQ(p.counters().stale_partial, 1u);
  EXPECT_EQ(p.pending(), 0u);
}

TEST(MercuryFrame, LengthAboveTheLimitIsRefusedAtOnce) {
  FrameParser p(FrameParserConfig{FrameKind::response, 64, 500ms});
  std::vector<Frame> out;
  p.feed(cat({Bytes{0xFF, 0xC8, 0x22}, response(0x22, 0, Bytes(10, 1))}), 0ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].length, 10);
  EXPECT_EQ(p.counters().oversize, 1u);
}

TEST(MercuryFrame, RandomFloodNeverCrashesStaysBoundedAndFindsEmbeddedFrames) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  FrameParser p;
  std::vector<Frame> out;
  std::size_t embedded = 0;
  for (int round = 0; round < 400; ++round) {
    Bytes noise(static_cast<std::size_t>(byte(rng)) * 8);
    for (auto& b : noise) b = static_cast<std::uint8_t>(byte(rng));
    p.feed(noise, std::chrono::milliseconds(round * 10), out);
    EXPECT_LT(p.pending(), kMaxData + kResponseOverhead);
    if (round % 4 == 0) {
      p.feed(response(0x29, 0x0000, Bytes{0xAB, static_cast<std::uint8_t>(round / 4)}), std::chrono::milliseconds(round * 10),
             out);
      ++embedded;
    }
  }
  // Each false header still pending gets its own timeout: poll until nothing is pending.
  for (int i = 1; i <= 300 && p.pending() > 0; ++i) p.poll(1h + std::chrono::seconds(i), out);
  std::size_t found = 0;
  for (const auto& f : out) {
    if (f.opcode == 0x29 && f.length == 2 && f.bytes[0] == 0xAB) ++found;
  }
  EXPECT_EQ(found, embedded);
  EXPECT_GT(p.counters().garbage_bytes, 0u);
  EXPECT_EQ(p.counters().frames, out.size());
}

}  // namespace
}  // namespace scanedge::mercury
