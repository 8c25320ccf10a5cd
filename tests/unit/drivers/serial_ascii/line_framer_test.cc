#include "drivers/serial_ascii/line_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scanedge::serial_ascii {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr nanoseconds ms(long v) { return std::chrono::duration_cast<nanoseconds>(milliseconds(v)); }

class Framer {
 public:
  explicit Framer(FramerConfig c) : f(std::move(c)) {}
  std::vector<std::string> feed(const std::string& bytes, nanoseconds now) {
    std::vector<FramedScan> out;
    f.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), now,
           out);
    return data(out);
  }
  std::vector<std::string> poll(nanoseconds now) {
    std::vector<FramedScan> out;
    f.poll(now, out);
    return data(out);
  }
  static std::vector<std::string> data(const std::vector<FramedScan>& v) {
    std::vector<std::string> r;
    for (const auto& s : v) r.push_back(s.data);
    return r;
  }
  LineFramer f;
};

using V = std::vector<std::string>;

FramerConfig crlf() { return FramerConfig{"", "\r\n", milliseconds(200), 4096}; }

TEST(LineFramer, CrLfEndsOneScanWithoutEmptySecondScan) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("]E04006381333931\r\n", ms(0)), V{"]E04006381333931"});
  EXPECT_EQ(fr.f.counters().empty_lines, 0u);
  EXPECT_EQ(fr.poll(ms(10'000)), V{});
  EXPECT_EQ(fr.f.counters().scans, 1u);
}

TEST(LineFramer, CrLfSplitBetweenReadsIsStillOneEnding) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("ABC\r", ms(0)), V{"ABC"});
  EXPECT_EQ(fr.feed("\nDEF\r", ms(5)), V{"DEF"});
  EXPECT_EQ(fr.feed("\n", ms(6)), V{});
  EXPECT_EQ(fr.f.counters().scans, 2u);
  EXPECT_EQ(fr.f.counters().empty_lines, 0u);
}

TEST(LineFramer, LfOnlyAndCrOnlyAreAcceptedWithCrLfProfile) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("A1\nB2\rC3\r\nD4\n", ms(0)), (V{"A1", "B2", "C3", "D4"}));
}

TEST(LineFramer, ScanSplitAcrossManyReads) {
  Framer fr(crlf());
  const std::string scan = "]C1010950600013435210ABC123\x1d" "17270331";
  V got;
  nanoseconds t{0};
  for (char c : scan + "\r\n") {
    auto v = fr.feed(std::string(1, c), t);
    got.insert(got.end(), v.begin(), v.end());
    t += ms(1);
  }
  EXPECT_EQ(got, V{scan});  // GS kept as data
}

TEST(LineFramer, StripsConfiguredPrefixAndCountsMissingPrefix) {
  Framer fr(FramerConfig{"\x02", "\r", milliseconds(200), 4096});
  EXPECT_EQ(fr.feed("\x02]E04006381333931\r", ms(0)), V{"]E04006381333931"});
  EXPECT_EQ(fr.feed("NOPREFIX\r", ms(1)), V{"NOPREFIX"});
  EXPECT_EQ(fr.f.counters().prefix_missing, 1u);
  // A prefix alone is not a scan.
  EXPECT_EQ(fr.feed("\x02\r", ms(2)), V{});
}

TEST(LineFramer, IdleTimeoutFlushesPartialScanOnlyAfterTimeout) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("]E0400638", ms(1000)), V{});
  EXPECT_EQ(fr.feed("1333931", ms(1100)), V{});
  ASSERT_TRUE(fr.f.idle_deadline().has_value());
  EXPECT_EQ(*fr.f.idle_deadline(), ms(1300));
  EXPECT_EQ(fr.poll(ms(1299)), V{});
  EXPECT_EQ(fr.poll(ms(1300)), V{"]E04006381333931"});
  EXPECT_EQ(fr.f.counters().idle_flushes, 1u);
  EXPECT_FALSE(fr.f.idle_deadline().has_value());
}

TEST(LineFramer, BytesAfterIdleGapStartANewScan) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("FIRST", ms(0)), V{});
  // Next bytes come long after the idle timeout, without poll() in between.
  EXPECT_EQ(fr.feed("SECOND\r\n", ms(500)), (V{"FIRST", "SECOND"}));
}

TEST(LineFramer, IdleTimeoutZeroDisablesFlush) {
  Framer fr(FramerConfig{"", "\r\n", milliseconds(0), 4096});
  EXPECT_EQ(fr.feed("PARTIAL", ms(0)), V{});
  EXPECT_FALSE(fr.f.idle_deadline().has_value());
  EXPECT_EQ(fr.poll(ms(1'000'000)), V{});
}

TEST(LineFramer, OverlongLineIsDroppedWholeAndCounted) {
  Framer fr(FramerConfig{"", "\r\n", milliseconds(200), 16});
  EXPECT_EQ(fr.feed(std::string(40, '7'), ms(0)), V{});
  EXPECT_EQ(fr.f.counters().overlong_dropped, 1u);
  // The tail of the over-long line up to its ending is not delivered as a scan.
  EXPECT_EQ(fr.feed(std::string(10, '8') + "\r\nOK\r\n", ms(1)), V{"OK"});
  EXPECT_EQ(fr.f.counters().overlong_dropped, 1u);
  // Exactly at the limit is fine.
  EXPECT_EQ(fr.feed(std::string(16, '9') + "\r", ms(2)), V{std::string(16, '9')});
}

TEST(LineFramer, OverlongLineEndedByIdleIsNotDelivered) {
  Framer fr(FramerConfig{"", "\r\n", milliseconds(200), 16});
  EXPECT_EQ(fr.feed(std::string(1000, 'x'), ms(0)), V{});
  EXPECT_EQ(fr.poll(ms(300)), V{});
  EXPECT_EQ(fr.feed("NEXT\r", ms(400)), V{"NEXT"});
}

TEST(LineFramer, MemoryStaysBoundedUnderEndlessGarbage) {
  Framer fr(FramerConfig{"", "\r\n", milliseconds(0), 64});
  std::string junk(4096, 'Z');
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(fr.feed(junk, ms(i)), V{});
  EXPECT_EQ(fr.f.counters().overlong_dropped, 1u);
  EXPECT_EQ(fr.feed("\rGOOD\r", ms(2000)), V{"GOOD"});
}

TEST(LineFramer, NulBytesAreDroppedAndCountedOtherControlBytesKept) {
  Framer fr(crlf());
  const std::string in = std::string("\0\0]C1", 5) + "01" + std::string("\0", 1) + "09506000134352\x1d" "10A\r\n";
  EXPECT_EQ(fr.feed(in, ms(0)), V{"]C10109506000134352\x1d" "10A"});
  EXPECT_EQ(fr.f.counters().garbage_bytes, 3u);
}

TEST(LineFramer, EmptyLinesAreNotScans) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("\r\n\n\r\r\n", ms(0)), V{});
  EXPECT_EQ(fr.f.counters().scans, 0u);
  // Endings: CRLF, LF, CR, CRLF -> four empty lines, no scans.
  EXPECT_EQ(fr.f.counters().empty_lines, 4u);
}

TEST(LineFramer, ExactSuffixModeUsesTheConfiguredBytes) {
  Framer fr(FramerConfig{"", "\t", milliseconds(200), 4096});
  // CR/LF are data here; only TAB ends a scan.
  EXPECT_EQ(fr.feed("AB\rC\tDE", ms(0)), V{"AB\rC"});
  EXPECT_EQ(fr.feed("F\t", ms(1)), V{"DEF"});
  Framer multi(FramerConfig{"", "<END>", milliseconds(200), 4096});
  EXPECT_EQ(multi.feed("123<EN", ms(0)), V{});
  EXPECT_EQ(multi.feed("D>456<END>", ms(1)), (V{"123", "456"}));
}

TEST(LineFramer, ResetDiscardsPartialScan) {
  Framer fr(crlf());
  EXPECT_EQ(fr.feed("HALF", ms(0)), V{});
  fr.f.reset();
  EXPECT_EQ(fr.f.counters().partial_discarded, 1u);
  EXPECT_EQ(fr.feed("WHOLE\r", ms(1)), V{"WHOLE"});
}

TEST(LineFramer, ScanTimestampIsCompletionTime) {
  LineFramer f(crlf());
  std::vector<FramedScan> out;
  const std::string a = "AB";
  const std::string b = "C\r";
  f.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()), ms(10), out);
  f.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()), ms(20), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].mono, ms(20));
}

}  // namespace
}  // namespace scanedge::serial_ascii
