// Whatever the bytes, decode() returns a well-formed result and to_json() dumps.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "edge/decode/decoder.h"
#include "edge/decode/error_codes.h"

namespace scanedge::decode {
namespace {

void expect_well_formed(const std::string& data) {
  const DecodeResult r = decode(data);
  if (r.ok()) {
    const Decoded& d = *r.value;
    EXPECT_TRUE(d.kind == "gs1" || d.kind == "gtin" || d.kind == "plain") << d.kind;
    EXPECT_TRUE(d.aim.empty() || (d.aim.size() == 3 && d.aim[0] == ']'));
    EXPECT_FALSE(d.symbology.empty());
    if (d.identity.gtin) {
      EXPECT_EQ(d.identity.gtin->size(), 14u);
    }
    if (d.kind == "gs1") {
      EXPECT_FALSE(d.ais.empty());
    }
  } else {
    EXPECT_NE(std::find(error_code::kAll.begin(), error_code::kAll.end(), r.error.code),
              error_code::kAll.end())
        << r.error.code;
    EXPECT_LE(r.error.offset, data.size()) << r.error.code << " " << r.error.message;
    EXPECT_FALSE(r.error.message.empty());
    for (char c : r.error.message) {
      EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F);
    }
  }
  std::string dumped;
  EXPECT_NO_THROW(dumped = to_json(r).dump());
  EXPECT_FALSE(dumped.empty());
}

TEST(DecodeRobustness, RandomBytes) {
  std::mt19937 rng(20260127);
  std::uniform_int_distribution<int> len(0, 80);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string s(static_cast<std::size_t>(len(rng)), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    expect_well_formed(s);
    if (HasFailure()) return;
  }
}

TEST(DecodeRobustness, RandomGs1LikeStrings) {
  // Biased towards AIM ids, AI digits and GS so the parser's deeper paths are reached.
  static constexpr std::string_view kAlphabet = "0123456789012345678901\x1D\x1D" "ABCz /%";
  static constexpr std::string_view kPrefixes[] = {"]C1", "]d2", "]E0", "]E4", "]I1",
                                                   "]Q3", "\x1D", "", "]e0", "]C0"};
  static constexpr std::string_view kAis[] = {"01", "00", "02", "10", "11", "17", "21",
                                              "30", "37", "7001", "235", "99", "0109506000134352"};
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string s(kPrefixes[rng() % std::size(kPrefixes)]);
    const int parts = static_cast<int>(rng() % 6);
    for (int p = 0; p < parts; ++p) {
      s += kAis[rng() % std::size(kAis)];
      const int n = static_cast<int>(rng() % 22);
      for (int k = 0; k < n; ++k) s += kAlphabet[rng() % kAlphabet.size()];
    }
    expect_well_formed(s);
    if (HasFailure()) return;
  }
}

TEST(DecodeRobustness, DecodesRealisticInputRepeatablyAndIndependentlyOfOtherCalls) {
  const std::string data = "]C10109506000134352" "10ABC123";
  const DecodeResult first = decode(data);
  for (int i = 0; i < 100; ++i) decode(std::string(i % 40, static_cast<char>(i)));
  const DecodeResult again = decode(data);
  EXPECT_EQ(to_json(first), to_json(again));
}

}  // namespace
}  // namespace scanedge::decode
