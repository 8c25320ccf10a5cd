#include "drivers/hid_pos/pos_report_assembler.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace scanedge::hid_pos {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using Report = std::vector<std::uint8_t>;
using V = std::vector<std::string>;

constexpr nanoseconds ms(long v) { return std::chrono::duration_cast<nanoseconds>(milliseconds(v)); }

// A Honeywell report 0x02 (64 bytes) written out by hand.
Report honeywell(const std::string& aim, const std::string& data, bool more, int len_override = -1) {
  Report r(64, 0);
  r[0] = 0x02;
  r[1] = static_cast<std::uint8_t>(len_override >= 0 ? len_override : static_cast<int>(data.size()));
  for (std::size_t i = 0; i < aim.size() && i < 3; ++i) r[2 + i] = static_cast<std::uint8_t>(aim[i]);
  for (std::size_t i = 0; i < data.size() && i < 56; ++i) r[5 + i] = static_cast<std::uint8_t>(data[i]);
  r[61] = 0x3F;  // vendor bytes as seen on a real Voyager
  r[63] = more ? 0x01 : 0x00;
  return r;
}

AssemblerConfig honeywell_cfg() {
  AssemblerConfig c;  // HidPosLayout defaults are Honeywell's
  c.suffix = "";
  c.idle_timeout = milliseconds(100);
  return c;
}

class Asm {
 public:
  explicit Asm(AssemblerConfig c) : a(std::move(c)) {}
  V feed(const std::vector<Report>& reports, nanoseconds now = ms(1000)) {
    AssemblerOutput out;
    for (const auto& r : reports) a.feed(r, now, out);
    last = out;
    V v;
    for (const auto& s : out.scans) v.push_back(s.data);
    return v;
  }
  PosReportAssembler a;
  AssemblerOutput last;
};

TEST(PosReportAssembler, HoneywellDefaultLayoutIsValid) {
  EXPECT_TRUE(validate_layout(HidPosLayout{}).ok());
}

TEST(PosReportAssembler, SingleReportScanGetsAimIdPrepended) {
  Asm a(honeywell_cfg());
  EXPECT_EQ(a.feed({honeywell("]E0", "4006381333931", false)}), V{"]E04006381333931"});
  EXPECT_EQ(a.a.counters().scans, 1u);
  EXPECT_EQ(a.last.scans[0].mono, ms(1000));
}

TEST(PosReportAssembler, BarcodeSpanningThreeReports) {
  Asm a(honeywell_cfg());
  std::string data;
  for (int i = 0; i < 130; ++i) data.push_back(static_cast<char>('0' + i % 10));
  data[20] = '\x1d';
  const std::string p1 = data.substr(0, 56), p2 = data.substr(56, 56), p3 = data.substr(112);
  EXPECT_TRUE(a.feed({honeywell("]d2", p1, true)}).empty());
  EXPECT_TRUE(a.a.in_progress());
  EXPECT_TRUE(a.feed({honeywell("]d2", p2, true)}).empty());
  EXPECT_EQ(a.feed({honeywell("]d2", p3, false)}), V{"]d2" + data});
  EXPECT_EQ(a.a.counters().multi_report_scans, 1u);
  EXPECT_FALSE(a.a.in_progress());
}

TEST(PosReportAssembler, MissingContinuationIsDroppedAfterIdleTimeout) {
  Asm a(honeywell_cfg());
  a.feed({honeywell("]C1", "0109506000134352", true)}, ms(1000));
  ASSERT_TRUE(a.a.idle_deadline().has_value());
  EXPECT_EQ(*a.a.idle_deadline(), ms(1100));
  AssemblerOutput out;
  a.a.poll(ms(1099), out);
  EXPECT_TRUE(a.a.in_progress());
  a.a.poll(ms(1100), out);
  EXPECT_FALSE(a.a.in_progress());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(a.a.counters().continuation_timeouts, 1u);
  // The next barcode is not glued to the lost one.
  EXPECT_EQ(a.feed({honeywell("]E0", "123", false)}, ms(2000)), V{"]E0123"});
}

TEST(PosReportAssembler, NewAimIdInterruptsALostMessage) {
  Asm a(honeywell_cfg());
  EXPECT_EQ(a.feed({honeywell("]C1", "0109", true), honeywell("]E0", "4006381333931", false)}),
            V{"]E04006381333931"});
  EXPECT_EQ(a.a.counters().interrupted, 1u);
}

TEST(PosReportAssembler, BadLengthByteIsRejected) {
  Asm a(honeywell_cfg());
  EXPECT_TRUE(a.feed({honeywell("]E0", "123", false, 57)}).empty());  // > data_max 56
  EXPECT_TRUE(a.feed({honeywell("]E0", "123", false, 255)}).empty());
  EXPECT_EQ(a.a.counters().bad_length, 2u);
  // A length that runs past a short report is rejected too.
  Report shortr = honeywell("]E0", "123", false);
  shortr.resize(10);
  shortr[1] = 20;
  AssemblerConfig c = honeywell_cfg();
  c.layout.more_offset = -1;
  Asm b(c);
  EXPECT_TRUE(b.feed({shortr}).empty());
  EXPECT_EQ(b.a.counters().bad_length, 1u);
}

TEST(PosReportAssembler, BadLengthInTheMiddleDropsTheWholeMessage) {
  Asm a(honeywell_cfg());
  // The report after the bad one starts a new message: "0109" is never glued to "tail".
  EXPECT_EQ(a.feed({honeywell("]C1", "0109", true), honeywell("]C1", "x", true, 99), honeywell("]C1", "tail", false)}),
            V{"]C1tail"});
  EXPECT_EQ(a.a.counters().bad_length, 1u);
}

TEST(PosReportAssembler, ShortReportIsCounted) {
  Asm a(honeywell_cfg());
  EXPECT_TRUE(a.feed({Report{0x02, 3, ']', 'E', '0', '1', '2', '3'}}).empty());  // no more byte at 63
  EXPECT_EQ(a.a.counters().short_reports, 1u);
}

TEST(PosReportAssembler, OtherReportIdsAreIgnored) {
  Asm a(honeywell_cfg());
  Report other = honeywell("]E0", "999", false);
  other[0] = 0x04;
  EXPECT_EQ(a.feed({honeywell("]C1", "01", true), other, honeywell("]C1", "23", false)}), V{"]C10123"});
  EXPECT_EQ(a.a.counters().other_reports, 1u);
}

TEST(PosReportAssembler, NewlandStyleLayoutWithoutAim) {
  AssemblerConfig c;
  c.layout.report_id = 0x02;
  c.layout.report_size = 64;
  c.layout.length_offset = 1;
  c.layout.aim_offset = -1;
  c.layout.data_offset = 2;
  c.layout.data_max = 56;  // bytes 2..57
  c.layout.more_offset = -1;
  c.layout.route_feature = false;
  c.suffix = "\r\n";
  ASSERT_TRUE(validate_layout(c.layout).ok());
  Asm a(c);
  Report r(64, 0);
  r[0] = 0x02;
  const std::string d = "6901234567892\r";
  r[1] = static_cast<std::uint8_t>(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) r[2 + i] = static_cast<std::uint8_t>(d[i]);
  EXPECT_EQ(a.feed({r}), V{"6901234567892"});  // no AIM, CR suffix stripped
  // 56 bytes fill 2..57 exactly.
  std::string full(56, 'A');
  for (std::size_t i = 0; i < full.size(); ++i) r[2 + i] = static_cast<std::uint8_t>(full[i]);
  r[1] = 56;
  EXPECT_EQ(a.feed({r}), V{full});
}

TEST(PosReportAssembler, NoLengthByteUsesZeroPaddedWindow) {
  AssemblerConfig c;
  c.layout.report_id = -1;
  c.layout.report_size = 32;
  c.layout.length_offset = -1;
  c.layout.aim_offset = -1;
  c.layout.data_offset = 0;
  c.layout.data_max = 31;
  c.layout.more_offset = 31;
  c.suffix = "";
  ASSERT_TRUE(validate_layout(c.layout).ok());
  Asm a(c);
  Report r(32, 0);
  r[0] = 'A';
  r[1] = 'B';
  r[31] = 1;
  Report r2(32, 0);
  r2[0] = 'C';
  EXPECT_EQ(a.feed({r, r2}), V{"ABC"});
}

TEST(PosReportAssembler, OverlongMessageIsDroppedWhole) {
  auto c = honeywell_cfg();
  c.max_scan_bytes = 100;
  Asm a(c);
  EXPECT_TRUE(a.feed({honeywell("]C1", std::string(56, '1'), true), honeywell("]C1", std::string(56, '2'), true),
                      honeywell("]C1", "3", false)})
                  .empty());
  EXPECT_EQ(a.a.counters().overlong_dropped, 1u);
  EXPECT_EQ(a.feed({honeywell("]C1", std::string(100, '4').substr(0, 56), false)}), V{"]C1" + std::string(56, '4')});
}

TEST(PosReportAssembler, PrefixAndSuffixStripped) {
  auto c = honeywell_cfg();
  c.prefix = "<";
  c.suffix = "\r\n";
  Asm a(c);
  EXPECT_EQ(a.feed({honeywell("]E0", "<123\r\n", false), honeywell("]E0", "456", false)}), (V{"]E0123", "]E0456"}));
  EXPECT_EQ(a.a.counters().prefix_missing, 1u);
}

TEST(PosReportAssembler, InvalidAimFieldIsNotPrepended) {
  Asm a(honeywell_cfg());
  EXPECT_EQ(a.feed({honeywell(std::string("\0\0\0", 3), "123", false)}), V{"123"});
  EXPECT_EQ(a.a.counters().aim_invalid, 0u);
  EXPECT_EQ(a.feed({honeywell("ABC", "456", false)}), V{"456"});
  EXPECT_EQ(a.a.counters().aim_invalid, 1u);
}

TEST(PosReportAssembler, HoneywellMenuReplyWithTextAndAck) {
  Asm a(honeywell_cfg());
  a.a.expect_reply_until(ms(5000));
  // As a Voyager answers REVINF.: "]X0" text over two reports, then "]Z6" echo + ACK.
  auto scans = a.feed({honeywell("]X0", "Product Name: Voyager 1602g\r\n", true),
                       honeywell("]X0", "Serial Number: 15232B1F0C\r\n", false),
                       honeywell("]Z6", std::string("REVINF\x06."), false)});
  EXPECT_TRUE(scans.empty());
  ASSERT_EQ(a.last.replies.size(), 1u);
  const auto& r = a.last.replies[0];
  EXPECT_EQ(r.status, kAck);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.echo, "REVINF.");
  EXPECT_EQ(r.text, "Product Name: Voyager 1602g\r\nSerial Number: 15232B1F0C\r\n");
  EXPECT_EQ(a.a.counters().replies, 1u);
  EXPECT_EQ(a.a.counters().scans, 0u);
}

TEST(PosReportAssembler, MenuReplyNakAndEnqWorstWins) {
  Asm a(honeywell_cfg());
  a.feed({honeywell("]Z6", std::string("BEPLVL3\x06;BEPXXX1\x05!"), false)});
  ASSERT_EQ(a.last.replies.size(), 1u);
  EXPECT_EQ(a.last.replies[0].status, kEnq);
  EXPECT_EQ(a.last.replies[0].echo, "BEPLVL3;BEPXXX1!");
  a.feed({honeywell("]X0", std::string("BEPLVL9\x15!"), false)});  // "]X0" ending in a status
  ASSERT_EQ(a.last.replies.size(), 1u);
  EXPECT_EQ(a.last.replies[0].status, kNak);
  EXPECT_FALSE(a.last.replies[0].ok());
}

TEST(PosReportAssembler, X0WithoutPendingCommandIsABarcode) {
  Asm a(honeywell_cfg());
  EXPECT_EQ(a.feed({honeywell("]X0", "ABC123", false)}), V{"]X0ABC123"});
  EXPECT_TRUE(a.last.replies.empty());
}

TEST(PosReportAssembler, GarbageReportsNeverCrash) {
  for (int variant = 0; variant < 2; ++variant) {
    AssemblerConfig c = honeywell_cfg();
    if (variant == 1) {
      c.layout.report_id = -1;
      c.layout.length_offset = -1;
      c.layout.aim_offset = -1;
      c.layout.data_offset = 0;
      c.layout.data_max = 60;
      c.layout.more_offset = 63;
    }
    Asm a(c);
    std::mt19937 rng(99 + static_cast<unsigned>(variant));
    AssemblerOutput out;
    for (int i = 0; i < 20000; ++i) {
      Report r(rng() % 80);
      for (auto& b : r) b = static_cast<std::uint8_t>(rng());
      if (!r.empty() && rng() % 2) r[0] = 0x02;
      a.a.feed(r, ms(i), out);
      if (i % 50 == 0) a.a.poll(ms(i + 500), out);
    }
    for (const auto& s : out.scans) EXPECT_LE(s.data.size(), c.max_scan_bytes + 3);
    EXPECT_EQ(a.a.counters().reports, 20000u);
  }
}

TEST(PosReportAssembler, ValidateLayoutRejectsBadOffsets) {
  auto bad = [](auto mutate) {
    HidPosLayout l;
    mutate(l);
    auto s = validate_layout(l);
    EXPECT_FALSE(s.ok());
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "invalid_hid_pos_layout");
    }
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_NE(bad([](HidPosLayout& l) { l.data_max = 60; }).find("data window"), std::string::npos);
  EXPECT_NE(bad([](HidPosLayout& l) { l.length_offset = 0; }).find("length_offset"), std::string::npos);
  EXPECT_NE(bad([](HidPosLayout& l) { l.more_offset = 64; }).find("more_offset"), std::string::npos);
  EXPECT_NE(bad([](HidPosLayout& l) { l.aim_offset = 4; }).find("AIM"), std::string::npos);
  bad([](HidPosLayout& l) { l.report_size = 0; });
  bad([](HidPosLayout& l) { l.report_size = 5000; });
  bad([](HidPosLayout& l) { l.more_mask = 0; });
  bad([](HidPosLayout& l) { l.report_id = 300; });
  bad([](HidPosLayout& l) { l.data_offset = -4; });
}

TEST(PosReportAssembler, ResetCountsPartial) {
  Asm a(honeywell_cfg());
  a.feed({honeywell("]C1", "01", true)});
  a.a.reset();
  EXPECT_EQ(a.a.counters().partial_discarded, 1u);
  EXPECT_FALSE(a.a.in_progress());
}

}  // namespace
}  // namespace scanedge::hid_pos
