#include "drivers/ssi/ssi_frame.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/drivers/ssi/ssi_test_util.h"

namespace scanedge::ssi {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;
using testing::cat;
using testing::decode;
using testing::frame;
using testing::hex;
using testing::to_hex;

constexpr std::chrono::nanoseconds kT0{1'000'000'000};

std::vector<SsiParsed> feed_all(SsiFrameParser& p, const Bytes& b, std::chrono::nanoseconds now = kT0) {
  std::vector<SsiParsed> out;
  p.feed(b, now, out);
  return out;
}

std::vector<std::string> messages(const std::vector<SsiParsed>& v) {
  std::vector<std::string> m;
  for (const auto& x : v) {
    if (x.message) m.push_back(x.message->data);
  }
  return m;
}

TEST(SsiChecksum, SpecCmdAckExample) {
  const Bytes ack = hex("04 D0 04 00 FF 28");
  EXPECT_EQ(ssi_checksum(std::span<const std::uint8_t>(ack.data(), 4)), 0xFF28);
  auto enc = encode_frame(SsiFrame{opcode::cmd_ack, kSourceHost, 0, {}});
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(to_hex(*enc), "04 D0 04 00 FF 28");
}

TEST(SsiChecksum, MatchesIndependentBuilderForAllDataLengths) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n <= kMaxData; ++n) {
    std::string data(n, '\0');
    for (auto& c : data) c = static_cast<char>(rng() & 0xFF);
    auto enc = encode_frame(SsiFrame{0xF3, 0x00, 0x02, data});
    ASSERT_TRUE(enc.ok());
    ASSERT_EQ(*enc, frame(0xF3, data, 0x02)) << "data length " << n;
  }
}

TEST(SsiEncode, DataLongerThan251BytesIsAnError) {
  auto enc = encode_frame(SsiFrame{0xF3, 0x00, 0, std::string(252, 'x')});
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.error().code, "ssi_data_too_long");
}

TEST(SsiParser, RoundTripInOneFeedAndByteByByte) {
  std::vector<SsiFrame> frames;
  std::mt19937 rng(11);
  const std::uint8_t ops[] = {opcode::cmd_ack, opcode::cmd_nak, opcode::reply_revision, opcode::event, opcode::beep,
                              opcode::param_send};
  for (int i = 0; i < 200; ++i) {
    SsiFrame f;
    f.opcode = ops[static_cast<std::size_t>(i) % std::size(ops)];
    f.source = (i % 2) != 0 ? kSourceDecoder : kSourceHost;
    f.status = static_cast<std::uint8_t>(rng() & 0x0F);
    f.data.resize(rng() % (kMaxData + 1));
    for (auto& c : f.data) c = static_cast<char>(rng() & 0xFF);
    frames.push_back(f);
  }
  Bytes stream;
  for (const auto& f : frames) {
    auto enc = encode_frame(f);
    ASSERT_TRUE(enc.ok());
    stream.insert(stream.end(), enc->begin(), enc->end());
  }
  {
    SsiFrameParser p;
    auto out = feed_all(p, stream);
    ASSERT_EQ(out.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      EXPECT_EQ(out[i].kind, SsiParsed::Kind::frame);
      EXPECT_EQ(out[i].frame, frames[i]) << i;
    }
    EXPECT_EQ(p.counters().garbage_bytes, 0u);
    EXPECT_EQ(p.counters().bad_checksum_frames, 0u);
    EXPECT_EQ(p.counters().frames, frames.size());
  }
  {
    SsiFrameParser p;
    std::vector<SsiParsed> out;
    for (auto b : stream) p.feed(std::span<const std::uint8_t>(&b, 1), kT0, out);
    ASSERT_EQ(out.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(out[i].frame, frames[i]) << i;
  }
}

TEST(SsiParser, GarbageBetweenFramesIsDroppedAndCounted) {
  // Bytes that cannot start a frame: lengths 0..3, or a plausible length with a bad source.
  const Bytes garbage1 = hex("00 01 02 03 00");
  const Bytes garbage2 = hex("10 33 07 02 01");  // Len 0x10/0x33/0x07 with impossible sources
  const auto a = decode(0x0B, "4006381333931");
  const auto b = decode(0x03, "ABC-123");
  SsiFrameParser p;
  auto out = feed_all(p, cat({garbage1, a, garbage2, b, garbage1}));
  EXPECT_EQ(messages(out), (std::vector<std::string>{"4006381333931", "ABC-123"}));
  const auto& c = p.counters();
  EXPECT_EQ(c.garbage_bytes, garbage1.size() * 2 + garbage2.size());
  EXPECT_EQ(c.bad_checksum_frames, 0u);
  EXPECT_EQ(p.buffered_bytes(), 0u);
  EXPECT_EQ(c.frames, 2u);
}

TEST(SsiParser, BadChecksumIsReportedOnceThenTheNextFrameIsFound) {
  auto bad = decode(0x0B, "4006381333931");
  bad[7] ^= 0x01;  // corrupt one data byte
  const auto good = decode(0x0A, "96385074");
  SsiFrameParser p;
  auto out = feed_all(p, cat({bad, good}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, SsiParsed::Kind::bad_checksum);
  EXPECT_EQ(out[0].frame.opcode, opcode::decode_data);
  EXPECT_EQ(out[1].kind, SsiParsed::Kind::frame);
  ASSERT_TRUE(out[1].message.has_value());
  EXPECT_EQ(out[1].message->data, "96385074");
  EXPECT_EQ(out[1].message->barcode_type, 0x0A);
  EXPECT_EQ(p.counters().bad_checksum_reported, 1u);
  EXPECT_GE(p.counters().bad_checksum_frames, 1u);
  EXPECT_EQ(p.counters().messages, 1u);
}

TEST(SsiParser, CorruptedLengthByteDoesNotHideTheFollowingFrame) {
  auto bad = decode(0x0B, "4006381333931");
  bad[0] = 0x40;  // claims 0x40 bytes: swallows the next frame unless the parser resyncs
  const auto good = decode(0x03, "NEXT");
  SsiFrameParser p;
  std::vector<SsiParsed> out;
  p.feed(cat({bad, good}), kT0, out);
  EXPECT_TRUE(messages(out).empty());  // still waiting for 0x42 bytes
  p.poll(kT0 + 100ms, out);
  EXPECT_TRUE(messages(out).empty());  // not stale yet (300 ms)
  p.poll(kT0 + 301ms, out);
  EXPECT_EQ(messages(out), std::vector<std::string>{"NEXT"});
  EXPECT_GT(p.counters().stale_bytes, 0u);
  EXPECT_EQ(p.buffered_bytes(), 0u);
}

TEST(SsiParser, CorruptedLengthByteResyncsAsSoonAsEnoughBytesArrive) {
  auto bad = decode(0x0B, "4006381333931");
  bad[0] = 0x20;
  SsiFrameParser p;
  std::vector<SsiParsed> out;
  Bytes more;
  for (int i = 0; i < 3; ++i) {
    auto f = decode(0x03, "SCAN" + std::to_string(i));
    more.insert(more.end(), f.begin(), f.end());
  }
  p.feed(cat({bad, more}), kT0, out);
  EXPECT_EQ(messages(out), (std::vector<std::string>{"SCAN0", "SCAN1", "SCAN2"}));
}

TEST(SsiParser, RetransmittedDuplicateYieldsOneMessageButTwoAcks) {
  const auto first = decode(0x0B, "4006381333931");
  const auto again = decode(0x0B, "4006381333931", kStatusRetransmit);
  SsiFrameParser p;
  auto out = feed_all(p, cat({first, again}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].ack_required);
  EXPECT_TRUE(out[1].ack_required);
  EXPECT_EQ(messages(out), std::vector<std::string>{"4006381333931"});
  EXPECT_EQ(p.counters().duplicate_packets, 1u);
}

TEST(SsiParser, SameBarcodeScannedTwiceIsTwoMessages) {
  const auto scan = decode(0x0B, "4006381333931");
  SsiFrameParser p;
  auto out = feed_all(p, cat({scan, scan}));
  EXPECT_EQ(messages(out), (std::vector<std::string>{"4006381333931", "4006381333931"}));
  EXPECT_EQ(p.counters().duplicate_packets, 0u);
}

TEST(SsiParser, RetransmissionAnsweringOurNakIsAcceptedEvenIfItRepeatsThePreviousScan) {
  const auto scan = decode(0x0B, "4006381333931");
  auto corrupted = scan;
  corrupted[6] ^= 0x10;
  const auto resent = decode(0x0B, "4006381333931", kStatusRetransmit);
  SsiFrameParser p;
  auto out = feed_all(p, cat({scan, corrupted, resent}));
  EXPECT_EQ(messages(out), (std::vector<std::string>{"4006381333931", "4006381333931"}));
  EXPECT_EQ(p.counters().bad_checksum_reported, 1u);
  EXPECT_EQ(p.counters().duplicate_packets, 0u);
}

TEST(SsiParser, ThreeContinuationPacketsAreJoinedIntoOneMessage) {
  const auto p1 = decode(0x1B, "0109506000134352", kStatusContinuation);
  const auto p2 = decode(0x1B, "10ABC123\x1d", kStatusContinuation);
  const auto p3 = decode(0x1B, "17270331");
  SsiFrameParser p;
  auto out = feed_all(p, cat({p1, p2, p3}));
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) EXPECT_TRUE(o.ack_required);
  EXPECT_FALSE(out[0].message.has_value());
  EXPECT_FALSE(out[1].message.has_value());
  ASSERT_TRUE(out[2].message.has_value());
  EXPECT_EQ(out[2].message->data, "010950600013435210ABC123\x1d" "17270331");
  EXPECT_EQ(out[2].message->barcode_type, 0x1B);
  EXPECT_EQ(out[2].message->packets, 3);
  EXPECT_EQ(p.counters().multi_packet_messages, 1u);
}

TEST(SsiParser, RetransmittedContinuationPacketIsNotJoinedTwice) {
  const auto p1 = decode(0x1C, "PART1-", kStatusContinuation);
  const auto p1again = decode(0x1C, "PART1-", kStatusContinuation | kStatusRetransmit);
  const auto p2 = decode(0x1C, "PART2");
  SsiFrameParser p;
  auto out = feed_all(p, cat({p1, p1again, p2}));
  EXPECT_EQ(messages(out), std::vector<std::string>{"PART1-PART2"});
}

TEST(SsiParser, OversizeMessageIsDroppedWholeAndTheNextOneIsFine) {
  SsiFrameParser p(SsiParserConfig{10, 300ms});
  const auto a = decode(0x03, "12345", kStatusContinuation);
  const auto b = decode(0x03, "67890", kStatusContinuation);
  const auto c = decode(0x03, "XYZ");
  const auto next = decode(0x03, "OK");
  auto out = feed_all(p, cat({a, b, c, next}));
  EXPECT_EQ(messages(out), std::vector<std::string>{"OK"});
  EXPECT_EQ(p.counters().oversize_messages, 1u);
  for (const auto& o : out) EXPECT_TRUE(o.ack_required);
}

TEST(SsiParser, DecodeDataWithoutBarcodeTypeIsMalformed) {
  SsiFrameParser p;
  auto out = feed_all(p, frame(0xF3));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].ack_required);
  EXPECT_FALSE(out[0].message.has_value());
  EXPECT_EQ(p.counters().malformed_decode, 1u);
}

TEST(SsiParser, ResetDropsAPartialMessageAndCountsIt) {
  SsiFrameParser p;
  auto out = feed_all(p, decode(0x03, "HALF", kStatusContinuation));
  Bytes partial = decode(0x03, "X");
  partial.pop_back();
  p.feed(partial, kT0, out);
  EXPECT_TRUE(p.has_pending());
  p.reset();
  EXPECT_FALSE(p.has_pending());
  EXPECT_EQ(p.counters().partial_discarded, 1u);
  out = feed_all(p, decode(0x03, "WHOLE"));
  EXPECT_EQ(messages(out), std::vector<std::string>{"WHOLE"});
}

TEST(SsiParser, FloodOfRandomBytesNeverCrashesStaysBoundedAndCountsEveryByte) {
  std::mt19937 rng(1234);
  SsiFrameParser p;
  std::vector<SsiParsed> out;
  std::uint64_t total = 0;
  std::uint64_t frame_bytes = 0;
  auto now = kT0;
  for (int round = 0; round < 2000; ++round) {
    Bytes chunk(rng() % 1500);
    for (auto& b : chunk) b = static_cast<std::uint8_t>(rng() & 0xFF);
    total += chunk.size();
    out.clear();
    p.feed(chunk, now, out);
    ASSERT_LE(p.buffered_bytes(), kMaxFrameBytes);
    for (const auto& o : out) {
      if (o.kind == SsiParsed::Kind::frame) frame_bytes += o.frame.data.size() + 6;
    }
    now += 1ms;
  }
  out.clear();
  p.poll(now + 1s, out);
  for (const auto& o : out) {
    if (o.kind == SsiParsed::Kind::frame) frame_bytes += o.frame.data.size() + 6;
  }
  const auto& c = p.counters();
  EXPECT_EQ(c.bytes_in, total);
  EXPECT_EQ(p.buffered_bytes(), 0u);
  EXPECT_EQ(c.garbage_bytes + c.bad_checksum_frames + c.stale_bytes + frame_bytes, total);
  EXPECT_GT(c.garbage_bytes, total / 2);
  // The parser still works after the flood.
  out.clear();
  p.feed(decode(0x0B, "4006381333931"), now + 2s, out);
  EXPECT_EQ(messages(out), std::vector<std::string>{"4006381333931"});
}

}  // namespace
}  // namespace scanedge::ssi
