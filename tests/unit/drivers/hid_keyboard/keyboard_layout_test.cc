#include "drivers/hid_keyboard/keyboard_layout.h"

#include <gtest/gtest.h>

#include <string>

namespace scanedge::hid_keyboard {
namespace {

constexpr std::uint8_t S = kLShift, C = kLCtrl, G = kRAlt;

TEST(KeyboardLayout, ParsesNamesCaseInsensitivelyAndRejectsUnknown) {
  EXPECT_EQ(*parse_layout("us"), Layout::us);
  EXPECT_EQ(*parse_layout("DE"), Layout::de);
  EXPECT_EQ(*parse_layout("Fr"), Layout::fr);
  EXPECT_EQ(*parse_layout("uk"), Layout::uk);
  EXPECT_EQ(*parse_layout("it"), Layout::it);
  auto bad = parse_layout("dvorak");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "unknown_keyboard_layout");
  EXPECT_NE(bad.error().message.find("dvorak"), std::string::npos);
  for (const auto& n : known_layouts()) EXPECT_EQ(to_string(*parse_layout(n)), n);
}

TEST(KeyboardLayout, UsLettersDigitsAndPunctuation) {
  EXPECT_EQ(translate(Layout::us, 0x04, 0), 'a');
  EXPECT_EQ(translate(Layout::us, 0x04, S), 'A');
  EXPECT_EQ(translate(Layout::us, 0x1D, kRShift), 'Z');
  EXPECT_EQ(translate(Layout::us, 0x27, 0), '0');
  EXPECT_EQ(translate(Layout::us, 0x1F, S), '@');
  EXPECT_EQ(translate(Layout::us, 0x2D, 0), '-');
  EXPECT_EQ(translate(Layout::us, 0x2D, S), '_');
  EXPECT_EQ(translate(Layout::us, 0x38, 0), '/');
  EXPECT_EQ(translate(Layout::us, 0x38, S), '?');
  EXPECT_EQ(translate(Layout::us, 0x34, S), '"');
  EXPECT_EQ(translate(Layout::us, 0x2C, 0), ' ');
  EXPECT_EQ(translate(Layout::us, 0x28, 0), '\r');
  EXPECT_EQ(translate(Layout::us, 0x58, 0), '\r');
  EXPECT_EQ(translate(Layout::us, 0x2B, 0), '\t');
  EXPECT_EQ(translate(Layout::us, 0x62, 0), '0');
  EXPECT_EQ(translate(Layout::us, 0x56, 0), '-');
}

TEST(KeyboardLayout, GermanSwapsYZAndMovesPunctuation) {
  EXPECT_EQ(translate(Layout::de, 0x1C, 0), 'z');
  EXPECT_EQ(translate(Layout::de, 0x1D, 0), 'y');
  EXPECT_EQ(translate(Layout::de, 0x1D, S), 'Y');
  EXPECT_EQ(translate(Layout::de, 0x38, 0), '-');
  EXPECT_EQ(translate(Layout::de, 0x24, S), '/');
  EXPECT_EQ(translate(Layout::de, 0x14, G), '@');
  EXPECT_EQ(translate(Layout::de, 0x14, C | kLAlt), '@');  // Ctrl+Alt = AltGr
  EXPECT_EQ(translate(Layout::de, 0x25, G), '[');
  EXPECT_EQ(translate(Layout::de, 0x26, G), ']');
  EXPECT_EQ(translate(Layout::de, 0x32, 0), '#');
  EXPECT_EQ(translate(Layout::de, 0x63, 0), ',');
  EXPECT_EQ(translate(Layout::de, 0x2F, 0), kUnmapped);  // u-umlaut: not ASCII
  EXPECT_EQ(translate(Layout::de, 0x20, S), kUnmapped);  // section sign
}

TEST(KeyboardLayout, FrenchAzertyNeedsShiftForDigits) {
  EXPECT_EQ(translate(Layout::fr, 0x1E, 0), '&');
  EXPECT_EQ(translate(Layout::fr, 0x1E, S), '1');
  EXPECT_EQ(translate(Layout::fr, 0x27, S), '0');
  EXPECT_EQ(translate(Layout::fr, 0x1F, 0), kUnmapped);  // e-acute
  EXPECT_EQ(translate(Layout::fr, 0x14, 0), 'a');
  EXPECT_EQ(translate(Layout::fr, 0x04, 0), 'q');
  EXPECT_EQ(translate(Layout::fr, 0x33, S), 'M');
  EXPECT_EQ(translate(Layout::fr, 0x10, 0), ',');
  EXPECT_EQ(translate(Layout::fr, 0x23, 0), '-');
  EXPECT_EQ(translate(Layout::fr, 0x36, S), '.');
  EXPECT_EQ(translate(Layout::fr, 0x37, S), '/');
  EXPECT_EQ(translate(Layout::fr, 0x27, G), '@');
  EXPECT_EQ(translate(Layout::fr, 0x20, G), '#');
}

TEST(KeyboardLayout, ItalianDashIsOnTheUsSlashKey) {
  EXPECT_EQ(translate(Layout::it, 0x38, 0), '-');
  EXPECT_EQ(translate(Layout::it, 0x38, S), '_');
  // The key a US-configured scanner uses for '-' types an apostrophe on Italian.
  EXPECT_EQ(translate(Layout::it, 0x2D, 0), '\'');
  EXPECT_EQ(translate(Layout::it, 0x2F, G), '[');
  EXPECT_EQ(translate(Layout::it, 0x2F, G | S), '{');
  EXPECT_EQ(translate(Layout::it, 0x33, G), '@');
  EXPECT_EQ(translate(Layout::it, 0x34, G), '#');
}

TEST(KeyboardLayout, UkDiffersFromUsOnQuoteAndHash) {
  EXPECT_EQ(translate(Layout::uk, 0x1F, S), '"');
  EXPECT_EQ(translate(Layout::uk, 0x34, S), '@');
  EXPECT_EQ(translate(Layout::uk, 0x32, 0), '#');
  EXPECT_EQ(translate(Layout::uk, 0x20, S), kUnmapped);  // pound sign
}

TEST(KeyboardLayout, ControlCharacters) {
  for (auto l : {Layout::us, Layout::uk, Layout::de, Layout::fr, Layout::it}) {
    SCOPED_TRACE(to_string(l));
    EXPECT_EQ(translate(l, 0x30, C), 0x1D);        // Ctrl+] is GS on every layout
    EXPECT_EQ(translate(l, 0x30, kRCtrl | S), 0x1D);
    EXPECT_EQ(translate(l, 0x23, C), 0x1E);        // RS
    EXPECT_EQ(translate(l, 0x2D, C), 0x1F);        // US
    EXPECT_EQ(translate(l, 0x22, C), kUnmapped);   // no Ctrl+5 variant
    EXPECT_EQ(translate(l, 0x28, kLGui), kUnmapped);
  }
  EXPECT_EQ(translate(Layout::us, 0x10, C), 0x0D);  // Ctrl+M
  EXPECT_EQ(translate(Layout::us, 0x07, C), 0x04);  // Ctrl+D
  EXPECT_EQ(translate(Layout::fr, 0x33, C), 0x0D);  // Ctrl+M where AZERTY has M
  EXPECT_EQ(translate(Layout::de, 0x1D, C), 0x19);  // Ctrl+Y on QWERTZ
  EXPECT_EQ(translate(Layout::us, 0x04, kLAlt), kUnmapped);
}

TEST(KeyboardLayout, EveryBarcodePunctuationIsTypeableAndRoundTrips) {
  const std::string chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./+%$:;=?!*()',_#&@<>[] \x1d\r\t";
  for (auto l : {Layout::us, Layout::uk, Layout::de, Layout::fr, Layout::it}) {
    for (char c : chars) {
      SCOPED_TRACE(std::string(to_string(l)) + " char " + std::to_string(static_cast<int>(c)));
      auto k = keystroke_for(l, c);
      ASSERT_TRUE(k.has_value());
      EXPECT_EQ(translate(l, k->usage, k->modifiers), static_cast<int>(static_cast<unsigned char>(c)));
    }
  }
  EXPECT_FALSE(keystroke_for(Layout::us, '\x80').has_value());
}

TEST(KeyboardLayout, NoTableEntryOutsideAscii) {
  for (auto l : {Layout::us, Layout::uk, Layout::de, Layout::fr, Layout::it})
    for (int u = 0; u < 256; ++u)
      for (int m = 0; m < 256; ++m) {
        const int c = translate(l, static_cast<std::uint8_t>(u), static_cast<std::uint8_t>(m));
        ASSERT_TRUE(c == kUnmapped || (c >= 1 && c <= 127)) << u << " " << m;
      }
}

}  // namespace
}  // namespace scanedge::hid_keyboard
