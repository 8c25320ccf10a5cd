#include "drivers/hid_keyboard/keyboard_decoder.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace scanedge::hid_keyboard {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using Report = std::vector<std::uint8_t>;
using V = std::vector<std::string>;

constexpr nanoseconds ms(long v) { return std::chrono::duration_cast<nanoseconds>(milliseconds(v)); }
constexpr std::uint8_t S = kLShift, C = kLCtrl, G = kRAlt;
constexpr std::uint8_t kEnter = 0x28, kTab = 0x2B;

struct Key {
  std::uint8_t usage;
  std::uint8_t mods;
};

Report press(Key k) { return Report{k.mods, 0, k.usage, 0, 0, 0, 0, 0}; }
Report release() { return Report(8, 0); }

// Press + release reports for each key.
std::vector<Report> typing(const std::vector<Key>& keys) {
  std::vector<Report> r;
  for (auto k : keys) {
    r.push_back(press(k));
    r.push_back(release());
  }
  return r;
}

class Dec {
 public:
  explicit Dec(KeyboardDecoderConfig c) : d(std::move(c)) {}
  V feed(const std::vector<Report>& reports, nanoseconds now = ms(1000)) {
    std::vector<DecodedScan> out;
    for (const auto& r : reports) d.feed(r, now, out);
    return data(out);
  }
  V poll(nanoseconds now) {
    std::vector<DecodedScan> out;
    d.poll(now, out);
    return data(out);
  }
  static V data(const std::vector<DecodedScan>& v) {
    V r;
    for (const auto& s : v) r.push_back(s.data);
    return r;
  }
  KeyboardDecoder d;
};

KeyboardDecoderConfig cfg(Layout l, std::string suffix = "\r\n") {
  KeyboardDecoderConfig c;
  c.layout = l;
  c.suffix = std::move(suffix);
  c.idle_timeout = milliseconds(100);
  return c;
}

const std::string kGs1 = std::string("0109506000134352") + '\x1d' + "10ABC-12/3";

// Hand-written key maps (independent of the layout tables) for the characters of kGs1.
std::map<char, Key> us_keys() {
  std::map<char, Key> m{{'1', {0x1E, 0}}, {'2', {0x1F, 0}}, {'3', {0x20, 0}}, {'4', {0x21, 0}},
                        {'5', {0x22, 0}}, {'6', {0x23, 0}}, {'9', {0x26, 0}}, {'0', {0x27, 0}},
                        {'A', {0x04, S}}, {'B', {0x05, S}}, {'C', {0x06, S}}, {'-', {0x2D, 0}},
                        {'/', {0x38, 0}}, {'\x1d', {0x30, C}}};
  return m;
}

std::vector<Key> keys_for(const std::string& text, const std::map<char, Key>& m) {
  std::vector<Key> v;
  for (char c : text) v.push_back(m.at(c));
  return v;
}

void expect_types_gs1(Layout l, const std::map<char, Key>& m) {
  SCOPED_TRACE(to_string(l));
  Dec dec(cfg(l));
  auto keys = keys_for(kGs1, m);
  keys.push_back({kEnter, 0});
  EXPECT_EQ(dec.feed(typing(keys)), V{kGs1});
  EXPECT_EQ(dec.d.counters().unmapped_keys, 0u);
  EXPECT_EQ(dec.d.counters().scans, 1u);
}

TEST(KeyboardDecoder, UsTypesGs1WithGroupSeparator) { expect_types_gs1(Layout::us, us_keys()); }

TEST(KeyboardDecoder, UkTypesGs1) { expect_types_gs1(Layout::uk, us_keys()); }

TEST(KeyboardDecoder, GermanTypesGs1) {
  auto m = us_keys();
  m['-'] = {0x38, 0};
  m['/'] = {0x24, S};  // Shift+7
  expect_types_gs1(Layout::de, m);
}

TEST(KeyboardDecoder, FrenchTypesGs1WithShiftedDigits) {
  std::map<char, Key> m{{'1', {0x1E, S}}, {'2', {0x1F, S}}, {'3', {0x20, S}}, {'4', {0x21, S}},
                        {'5', {0x22, S}}, {'6', {0x23, S}}, {'9', {0x26, S}}, {'0', {0x27, S}},
                        {'A', {0x14, S}}, {'B', {0x05, S}}, {'C', {0x06, S}}, {'-', {0x23, 0}},
                        {'/', {0x37, S}}, {'\x1d', {0x30, C}}};
  expect_types_gs1(Layout::fr, m);
}

TEST(KeyboardDecoder, ItalianTypesGs1) {
  auto m = us_keys();
  m['-'] = {0x38, 0};
  m['/'] = {0x24, S};
  expect_types_gs1(Layout::it, m);
}

TEST(KeyboardDecoder, ItalianLayoutMismatchShowsAsApostrophe) {
  // A scanner configured for US but read as Italian: its '-' (0x2D) is an apostrophe.
  Dec dec(cfg(Layout::it));
  auto keys = keys_for("10ABC-12", us_keys());
  keys.push_back({kEnter, 0});
  EXPECT_EQ(dec.feed(typing(keys)), V{"10ABC'12"});
}

TEST(KeyboardDecoder, RepeatedCharactersNeedRelease) {
  Dec dec(cfg(Layout::us));
  // "11" with a release in between, then a held key reported twice, then Enter.
  std::vector<Report> r{press({0x1E, 0}), release(), press({0x1E, 0}), release(),
                        press({0x1F, 0}), press({0x1F, 0}), release(), press({kEnter, 0}), release()};
  EXPECT_EQ(dec.feed(r), V{"112"});
}

TEST(KeyboardDecoder, PressWithoutReleaseBetweenDifferentKeys) {
  Dec dec(cfg(Layout::us));
  std::vector<Report> r{press({0x04, 0}), press({0x05, 0}), press({0x06, 0}), press({kEnter, 0}), release()};
  EXPECT_EQ(dec.feed(r), V{"abc"});
}

TEST(KeyboardDecoder, SeveralKeysInOneReportInReportOrder) {
  Dec dec(cfg(Layout::us));
  std::vector<Report> r{Report{0, 0, 0x04, 0x05, 0x06, 0, 0, 0}, release(), press({kEnter, 0})};
  EXPECT_EQ(dec.feed(r), V{"abc"});
}

TEST(KeyboardDecoder, RolloverErrorReportsAreIgnored) {
  Dec dec(cfg(Layout::us));
  std::vector<Report> r{press({0x04, 0}), Report{0, 0, 1, 1, 1, 1, 1, 1}, press({0x04, 0}), release(),
                        press({kEnter, 0})};
  EXPECT_EQ(dec.feed(r), V{"a"});  // the held 'a' across the phantom report is one press
  EXPECT_EQ(dec.d.counters().rollover_reports, 1u);
}

TEST(KeyboardDecoder, EnterAndKeypadEnterEndScansInLineMode) {
  Dec dec(cfg(Layout::us));
  EXPECT_EQ(dec.feed(typing({{0x04, 0}, {kEnter, 0}, {0x05, 0}, {0x58, 0}})), (V{"a", "b"}));
}

TEST(KeyboardDecoder, TabSuffix) {
  Dec dec(cfg(Layout::us, "\t"));
  EXPECT_EQ(dec.feed(typing({{0x04, 0}, {0x05, 0}, {kTab, 0}, {0x06, 0}, {kEnter, 0}, {kTab, 0}})),
            (V{"ab", "c\r"}));
}

TEST(KeyboardDecoder, IdleTimeoutFlushesScanWithoutSuffix) {
  Dec dec(cfg(Layout::us, ""));
  EXPECT_TRUE(dec.feed(typing({{0x1E, 0}, {0x1F, 0}}), ms(1000)).empty());
  ASSERT_TRUE(dec.d.idle_deadline().has_value());
  EXPECT_EQ(*dec.d.idle_deadline(), ms(1100));
  EXPECT_TRUE(dec.poll(ms(1099)).empty());
  EXPECT_EQ(dec.poll(ms(1100)), V{"12"});
  EXPECT_EQ(dec.d.counters().idle_flushes, 1u);
  EXPECT_FALSE(dec.d.idle_deadline().has_value());
}

TEST(KeyboardDecoder, IdleTimeoutZeroDisablesFlush) {
  auto c = cfg(Layout::us, "");
  c.idle_timeout = milliseconds(0);
  Dec dec(c);
  dec.feed(typing({{0x1E, 0}}));
  EXPECT_FALSE(dec.d.idle_deadline().has_value());
  EXPECT_TRUE(dec.poll(ms(999999)).empty());
}

TEST(KeyboardDecoder, PrefixIsStripped) {
  auto c = cfg(Layout::us);
  c.prefix = "#";
  Dec dec(c);
  EXPECT_EQ(dec.feed(typing({{0x20, S}, {0x1E, 0}, {kEnter, 0}, {0x1F, 0}, {kEnter, 0}})), (V{"1", "2"}));
  EXPECT_EQ(dec.d.counters().prefix_missing, 1u);
}

TEST(KeyboardDecoder, OverlongScanIsDroppedAndNextOneIsFine) {
  auto c = cfg(Layout::us);
  c.max_scan_bytes = 4;
  Dec dec(c);
  EXPECT_EQ(dec.feed(typing({{0x1E, 0}, {0x1E, 0}, {0x1E, 0}, {0x1E, 0}, {0x1E, 0}, {0x1E, 0}, {kEnter, 0},
                             {0x1F, 0}, {0x1F, 0}, {0x1F, 0}, {0x1F, 0}, {kEnter, 0}})),
            V{"2222"});
  EXPECT_EQ(dec.d.counters().overlong_dropped, 1u);
}

TEST(KeyboardDecoder, OverlongWithTabSuffixDiscardsUntilSuffix) {
  auto c = cfg(Layout::us, "\t");
  c.max_scan_bytes = 2;
  Dec dec(c);
  EXPECT_EQ(dec.feed(typing({{0x04, 0}, {0x04, 0}, {0x04, 0}, {0x04, 0}, {kTab, 0}, {0x05, 0}, {kTab, 0}})),
            V{"b"});
  EXPECT_EQ(dec.d.counters().overlong_dropped, 1u);
}

TEST(KeyboardDecoder, ScanWithUnmappedKeyIsDroppedNotGuessed) {
  Dec dec(cfg(Layout::de));
  // 0x2F is u-umlaut on German: no ASCII character, so "1?2" is not delivered as "12".
  EXPECT_TRUE(dec.feed(typing({{0x1E, 0}, {0x2F, 0}, {0x1F, 0}, {kEnter, 0}})).empty());
  EXPECT_EQ(dec.d.counters().unmapped_keys, 1u);
  EXPECT_EQ(dec.d.counters().unmapped_dropped, 1u);
  EXPECT_EQ(dec.feed(typing({{0x1F, 0}, {kEnter, 0}})), V{"2"});
}

TEST(KeyboardDecoder, NonCharacterKeysAreIgnored) {
  Dec dec(cfg(Layout::us));
  // F12 (0x45) and Right arrow (0x4F) carry no data; a modifier usage in the key array too.
  EXPECT_EQ(dec.feed(typing({{0x45, 0}, {0x1E, 0}, {0x4F, 0}, {0xE1, 0}, {kEnter, 0}})), V{"1"});
  EXPECT_EQ(dec.d.counters().ignored_keys, 3u);
}

TEST(KeyboardDecoder, AltKeypadCodeTypesGroupSeparator) {
  Dec dec(cfg(Layout::de));
  // Alt held, keypad 0 0 2 9, Alt released: GS.
  std::vector<Report> r = typing({{0x1E, 0}});
  for (std::uint8_t u : {0x62, 0x62, 0x5A, 0x61}) {  // keypad 0 0 2 9
    r.push_back(press({u, kLAlt}));
    r.push_back(Report{kLAlt, 0, 0, 0, 0, 0, 0, 0});
  }
  r.push_back(release());
  auto tail = typing({{0x1F, 0}, {kEnter, 0}});
  r.insert(r.end(), tail.begin(), tail.end());
  EXPECT_EQ(dec.feed(r), V{std::string("1\x1d") + "2"});
}

TEST(KeyboardDecoder, ReportIdPrefixedReports) {
  Dec dec(cfg(Layout::us));
  std::vector<Report> r{Report{1, 0, 0, 0x04, 0, 0, 0, 0, 0}, Report{1, 0, 0, 0, 0, 0, 0, 0, 0},
                        Report{1, 0, 0, kEnter, 0, 0, 0, 0, 0}};
  EXPECT_EQ(dec.feed(r), V{"a"});
}

TEST(KeyboardDecoder, EmptyLinesAreNotScans) {
  Dec dec(cfg(Layout::us));
  EXPECT_TRUE(dec.feed(typing({{kEnter, 0}, {kEnter, 0}})).empty());
  EXPECT_EQ(dec.d.counters().empty_scans, 2u);
}

TEST(KeyboardDecoder, ResetForgetsPartialScanAndKeyState) {
  Dec dec(cfg(Layout::us));
  dec.feed({press({0x04, 0})});
  dec.d.reset();
  EXPECT_EQ(dec.d.counters().partial_discarded, 1u);
  EXPECT_FALSE(dec.d.has_pending());
  // The same key pressed again after reset counts as a new press.
  EXPECT_EQ(dec.feed({press({0x04, 0}), release(), press({kEnter, 0})}), V{"a"});
}

TEST(KeyboardDecoder, GarbageReportsNeverCrashAndAreCounted) {
  Dec dec(cfg(Layout::us));
  std::mt19937 rng(1234);
  std::uint64_t bad = 0;
  std::vector<DecodedScan> out;
  for (int i = 0; i < 20000; ++i) {
    Report r(rng() % 20);
    for (auto& b : r) b = static_cast<std::uint8_t>(rng());
    if (r.size() != 8 && r.size() != 9) ++bad;
    dec.d.feed(r, ms(i), out);
    if (i % 100 == 0) dec.d.poll(ms(i + 1000), out);
  }
  EXPECT_EQ(dec.d.counters().bad_reports, bad);
  EXPECT_EQ(dec.d.counters().reports, 20000u);
  for (const auto& s : out) EXPECT_LE(s.data.size(), dec.d.config().max_scan_bytes);
  // Still decodes after the garbage.
  dec.d.reset();
  out.clear();
  for (const auto& r : typing({{0x1E, 0}, {kEnter, 0}})) dec.d.feed(r, ms(50000), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "1");
}

TEST(KeyboardDecoder, ConfigFromProfile) {
  Profile p;
  p.name = "t";
  p.keyboard_layout = "fr";
  p.suffix = "\t";
  p.prefix = "X";
  p.max_scan_bytes = 77;
  auto c = decoder_config(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout, Layout::fr);
  EXPECT_EQ(c->suffix, "\t");
  EXPECT_EQ(c->prefix, "X");
  EXPECT_EQ(c->max_scan_bytes, 77u);
  p.keyboard_layout = "xx";
  auto bad = decoder_config(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "unknown_keyboard_layout");
}

}  // namespace
}  // namespace scanedge::hid_keyboard
