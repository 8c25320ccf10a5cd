#include "drivers/hid_keyboard/keyboard_layout.h"

#include <array>
#include <cctype>

namespace scanedge::hid_keyboard {
namespace {

// One layout: the character of each usage per modifier plane; 0 = nothing (unmapped).
struct Table {
  std::array<char, 256> plain{};
  std::array<char, 256> shift{};
  std::array<char, 256> altgr{};
  std::array<char, 256> shift_altgr{};
};

constexpr std::uint8_t kA = 0x04;      // usage of the 'a' key on a US keyboard; letters follow
constexpr std::uint8_t kOne = 0x1E;    // '1'..'9' then '0' at 0x27
constexpr std::uint8_t kEnter = 0x28, kEsc = 0x29, kBackspace = 0x2A, kTab = 0x2B, kSpace = 0x2C;
constexpr std::uint8_t kKpSlash = 0x54, kKpEnter = 0x58, kKpOne = 0x59, kKpZero = 0x62, kKpDot = 0x63;
constexpr std::uint8_t kNonUsBackslash = 0x64;

void set(std::array<char, 256>& plane, std::uint8_t usage, char c) { plane[usage] = c; }

// Sets plain/shift for the punctuation keys from two strings indexed like `usages`.
void keys(Table& t, std::initializer_list<std::uint8_t> usages, std::string_view plain, std::string_view shifted) {
  std::size_t i = 0;
  for (auto u : usages) {
    t.plain[u] = plain[i] == '\0' ? 0 : plain[i];
    t.shift[u] = shifted[i] == '\0' ? 0 : shifted[i];
    ++i;
  }
}

// What every layout shares: letters in US positions, digits unshifted, whitespace and
// editing keys, keypad.
Table base() {
  Table t;
  for (int i = 0; i < 26; ++i) {
    t.plain[kA + i] = static_cast<char>('a' + i);
    t.shift[kA + i] = static_cast<char>('A' + i);
  }
  for (int i = 0; i < 9; ++i) t.plain[kOne + i] = static_cast<char>('1' + i);
  t.plain[kOne + 9] = '0';
  for (auto* plane : {&t.plain, &t.shift}) {
    set(*plane, kEnter, '\r');
    set(*plane, kKpEnter, '\r');
    set(*plane, kTab, '\t');
    set(*plane, kSpace, ' ');
    set(*plane, kEsc, '\x1b');
    set(*plane, kBackspace, '\x08');
  }
  const char* kp = "/*-+";
  for (int i = 0; i < 4; ++i) t.plain[kKpSlash + i] = kp[i];
  for (int i = 0; i < 9; ++i) t.plain[kKpOne + i] = static_cast<char>('1' + i);
  t.plain[kKpZero] = '0';
  t.plain[kKpDot] = '.';
  return t;
}

void letters_upper(Table& t, std::uint8_t usage, char lower) {
  t.plain[usage] = lower;
  t.shift[usage] = static_cast<char>(std::toupper(static_cast<unsigned char>(lower)));
}

void digit_shifts(Table& t, std::string_view shifted /* 10 chars for 1..9,0; '\0' none */) {
  for (std::size_t i = 0; i < 10; ++i) t.shift[kOne + i] = shifted[i];
}

// The punctuation keys in usage order 0x2D..0x38, and the ISO key 0x64.
constexpr std::initializer_list<std::uint8_t> kPunct = {0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32,
                                                        0x33, 0x34, 0x35, 0x36, 0x37, 0x38};

Table make_us() {
  Table t = base();
  digit_shifts(t, "!@#$%^&*()");
  keys(t, kPunct, "-=[]\\\\;'`,./", "_+{}||:\"~<>?");
  set(t.plain, kNonUsBackslash, '\\');
  set(t.shift, kNonUsBackslash, '|');
  return t;
}

Table make_uk() {
  Table t = make_us();
  using namespace std::string_view_literals;
  digit_shifts(t, "!\"\0$%^&*()"sv);  // Shift+3 is the pound sign: not ASCII
  // 0x31 and 0x32 are the same physical key on ISO boards (Linux maps both alike).
  keys(t, {0x31, 0x32, 0x34, 0x35}, "##'`", "~~@\0"sv);  // Shift+` is the not sign
  set(t.plain, kNonUsBackslash, '\\');
  set(t.shift, kNonUsBackslash, '|');
  return t;
}

Table make_de() {
  Table t = base();
  using namespace std::string_view_literals;
  letters_upper(t, 0x1C, 'z');  // QWERTZ: Y and Z swapped
  letters_upper(t, 0x1D, 'y');
  digit_shifts(t, "!\"\0$%&/()="sv);  // Shift+3 is the section sign
  // 0x2D sharp s / ?, 0x2E dead acute, 0x2F u-umlaut, 0x30 + *, 0x31/0x32 # ',
  // 0x33 o-umlaut, 0x34 a-umlaut, 0x35 dead circumflex, 0x36 , ;, 0x37 . :, 0x38 - _
  keys(t, kPunct, "\0\0\0+##\0\0\0,.-"sv, "?\0\0*''\0\0\0;:_"sv);
  set(t.plain, kNonUsBackslash, '<');
  set(t.shift, kNonUsBackslash, '>');
  set(t.altgr, 0x14, '@');  // AltGr+Q
  set(t.altgr, 0x24, '{');  // AltGr+7
  set(t.altgr, 0x25, '[');
  set(t.altgr, 0x26, ']');
  set(t.altgr, 0x27, '}');
  set(t.altgr, 0x2D, '\\');
  set(t.altgr, 0x30, '~');
  set(t.altgr, kNonUsBackslash, '|');
  set(t.plain, kKpDot, ',');  // German keypad decimal key
  return t;
}

Table make_fr() {
  Table t = base();
  using namespace std::string_view_literals;
  letters_upper(t, 0x04, 'q');  // AZERTY: A<->Q, Z<->W, M on the US ';' key
  letters_upper(t, 0x14, 'a');
  letters_upper(t, 0x1A, 'z');
  letters_upper(t, 0x1D, 'w');
  letters_upper(t, 0x33, 'm');
  set(t.plain, 0x10, ',');  // the US 'm' key
  set(t.shift, 0x10, '?');
  // Digit row: symbols unshifted, digits with Shift.
  const std::string_view row = "&\0\"'(-\0_\0\0"sv;  // & é " ' ( - è _ ç à
  for (std::size_t i = 0; i < 10; ++i) {
    t.plain[kOne + i] = row[i];
    t.shift[kOne + i] = i == 9 ? '0' : static_cast<char>('1' + i);
  }
  // 0x2D ) degree, 0x2E = +, 0x2F dead circumflex, 0x30 $ pound, 0x31/0x32 * micro,
  // 0x33 m (set above), 0x34 u-grave %, 0x35 superscript two, 0x36 ; ., 0x37 : /, 0x38 ! section
  keys(t, {0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x34, 0x35, 0x36, 0x37, 0x38}, ")=\0$**\0\0;:!"sv,
       "\0+\0\0\0\0%\0./\0"sv);
  set(t.plain, kNonUsBackslash, '<');
  set(t.shift, kNonUsBackslash, '>');
  set(t.altgr, 0x20, '#');  // AltGr+3
  set(t.altgr, 0x21, '{');
  set(t.altgr, 0x22, '[');
  set(t.altgr, 0x23, '|');
  set(t.altgr, 0x25, '\\');
  set(t.altgr, 0x26, '^');
  set(t.altgr, 0x27, '@');  // AltGr+0
  set(t.altgr, 0x2D, ']');
  set(t.altgr, 0x2E, '}');
  return t;
}

Table make_it() {
  Table t = base();
  using namespace std::string_view_literals;
  digit_shifts(t, "!\"\0$%&/()="sv);  // Shift+3 is the pound sign
  // 0x2D ' ?, 0x2E i-grave ^, 0x2F e-grave e-acute, 0x30 + *, 0x31/0x32 u-grave section,
  // 0x33 o-grave c-cedilla, 0x34 a-grave degree, 0x35 \ |, 0x36 , ;, 0x37 . :, 0x38 - _
  keys(t, kPunct, "'\0\0+\0\0\0\0\\,.-"sv, "?^\0*\0\0\0\0|;:_"sv);
  set(t.plain, kNonUsBackslash, '<');
  set(t.shift, kNonUsBackslash, '>');
  set(t.altgr, 0x2F, '[');
  set(t.altgr, 0x30, ']');
  set(t.shift_altgr, 0x2F, '{');
  set(t.shift_altgr, 0x30, '}');
  set(t.altgr, 0x33, '@');
  set(t.altgr, 0x34, '#');
  return t;
}

const Table& table(Layout l) {
  static const Table us = make_us(), uk = make_uk(), de = make_de(), fr = make_fr(), it = make_it();
  switch (l) {
    case Layout::us: return us;
    case Layout::uk: return uk;
    case Layout::de: return de;
    case Layout::fr: return fr;
    case Layout::it: return it;
  }
  return us;
}

// Control codes after the letters, sent by US key position (see the header).
int control_by_position(std::uint8_t usage) {
  switch (usage) {
    case 0x2F: return 0x1B;  // Ctrl+[
    case 0x31: return 0x1C;  // Ctrl+backslash
    case 0x30: return 0x1D;  // Ctrl+] : GS
    case 0x23: return 0x1E;  // Ctrl+6 (^)
    case 0x2D: return 0x1F;  // Ctrl+- (_)
    default: return kUnmapped;
  }
}

}  // namespace

Result<Layout> parse_layout(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (n == "us") return Layout::us;
  if (n == "uk") return Layout::uk;
  if (n == "de") return Layout::de;
  if (n == "fr") return Layout::fr;
  if (n == "it") return Layout::it;
  return make_error("unknown_keyboard_layout",
                    "unknown keyboard layout '" + std::string(name) + "' (known: us, uk, de, fr, it)");
}

const char* to_string(Layout layout) {
  switch (layout) {
    case Layout::us: return "us";
    case Layout::uk: return "uk";
    case Layout::de: return "de";
    case Layout::fr: return "fr";
    case Layout::it: return "it";
  }
  return "us";
}

const std::vector<std::string>& known_layouts() {
  static const std::vector<std::string> names{"us", "uk", "de", "fr", "it"};
  return names;
}

int translate(Layout layout, std::uint8_t usage, std::uint8_t modifiers) {
  const Table& t = table(layout);
  const bool shift = (modifiers & (kLShift | kRShift)) != 0;
  const bool ctrl = (modifiers & (kLCtrl | kRCtrl)) != 0;
  const bool lalt = (modifiers & kLAlt) != 0;
  const bool ralt = (modifiers & kRAlt) != 0;
  if ((modifiers & (kLGui | kRGui)) != 0) return kUnmapped;
  char c = 0;
  if (ralt || (ctrl && lalt)) {
    c = shift ? t.shift_altgr[usage] : t.altgr[usage];
  } else if (ctrl) {
    if (int p = control_by_position(usage); p != kUnmapped) return p;
    const char letter = t.plain[usage];
    if (letter >= 'a' && letter <= 'z') return letter - 'a' + 1;
    return kUnmapped;
  } else if (lalt) {
    return kUnmapped;
  } else {
    c = shift ? t.shift[usage] : t.plain[usage];
    // The keypad types the same with Shift held (scanners never shift it).
    if (c == 0 && shift && usage >= kKpSlash && usage <= kKpDot) c = t.plain[usage];
  }
  return c == 0 ? kUnmapped : static_cast<unsigned char>(c);
}

bool is_character_usage(std::uint8_t usage) {
  return (usage >= kA && usage <= 0x38) || (usage >= kKpSlash && usage <= kKpDot) || usage == kNonUsBackslash;
}

std::optional<KeyStroke> keystroke_for(Layout layout, char c) {
  if (c == 0) return std::nullopt;
  const Table& t = table(layout);
  struct Plane {
    const std::array<char, 256>* keys;
    std::uint8_t mods;
  };
  const Plane planes[] = {{&t.plain, 0}, {&t.shift, kLShift}, {&t.altgr, kRAlt}, {&t.shift_altgr, kLShift | kRAlt}};
  for (const auto& p : planes) {
    // Main block first (a digit is typed on the digit row, not the keypad).
    for (int u = kA; u <= 0x38; ++u)
      if ((*p.keys)[static_cast<std::size_t>(u)] == c) return KeyStroke{static_cast<std::uint8_t>(u), p.mods};
    if ((*p.keys)[kNonUsBackslash] == c) return KeyStroke{kNonUsBackslash, p.mods};
    for (int u = kKpSlash; u <= kKpDot; ++u)
      if ((*p.keys)[static_cast<std::size_t>(u)] == c) return KeyStroke{static_cast<std::uint8_t>(u), p.mods};
  }
  const auto code = static_cast<unsigned char>(c);
  if (code >= 1 && code <= 26) {
    for (int u = kA; u <= 0x38; ++u)
      if (t.plain[static_cast<std::size_t>(u)] == static_cast<char>('a' + code - 1))
        return KeyStroke{static_cast<std::uint8_t>(u), kLCtrl};
  }
  for (std::uint8_t u : {std::uint8_t{0x2F}, std::uint8_t{0x31}, std::uint8_t{0x30}, std::uint8_t{0x23},
                         std::uint8_t{0x2D}})
    if (control_by_position(u) == code) return KeyStroke{u, kLCtrl};
  return std::nullopt;
}

}  // namespace scanedge::hid_keyboard
