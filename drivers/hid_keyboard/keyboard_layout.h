// Keyboard layouts of keyboard-wedge scanners: which character a HID keyboard usage (page
// 0x07) types under given modifiers, for the layout the scanner is configured for.
//
// A wedge scanner "types" its data on the keyboard layout it was set to: the same '-' is
// usage 0x2D on a US layout and 0x38 on a German or Italian one. The profile names the
// layout ([keyboard] layout); translate() maps (usage, modifier byte) back to the character.
//
// Tables (written for this project from the public descriptions of these layouts, ASCII
// only): us (ANSI US), uk (ISO UK), de (ISO German QWERTZ), fr (ISO French AZERTY), it
// (ISO Italian). Letters, digits, the printable ASCII punctuation each layout can type
// without dead keys, space, and the keypad. Characters outside ASCII (é, £, ß, ...) and
// dead keys (^ ´ ` on de, ^ ¨ on fr) are not in the tables: such keys are *unmapped*, never
// guessed; a decoder counts them.
//
// Modifier byte (HID boot report byte 0): bit 0 LCtrl, 1 LShift, 2 LAlt, 3 LGUI, 4 RCtrl,
// 5 RShift, 6 RAlt, 7 RGUI.
//   - Shift: either shift bit.
//   - AltGr: RAlt, or Ctrl together with LAlt (Windows treats Ctrl+Alt as AltGr, and
//     scanners emulating AltGr send either). Shift+AltGr is a separate plane (it: '{' '}').
//   - Ctrl (without Alt): control characters the way scanners in "Ctrl+ASCII" mode send
//     them: Ctrl + a letter key types that letter's control code on the current layout
//     (Ctrl+M = CR 0x0D, Ctrl+D = EOT 0x04); the five codes after the letters are sent
//     with the keys that carry [ \ ] 6 - on a *US* keyboard, whatever the configured layout
//     (scanners emit them by key position): Ctrl+0x2F ESC 0x1B, Ctrl+0x31 FS 0x1C,
//     Ctrl+0x30 GS 0x1D (the GS1 separator, "Ctrl+]"), Ctrl+0x23 RS 0x1E, Ctrl+0x2D US 0x1F.
//     Shift does not change them. No other Ctrl combination is mapped (no evidence found
//     for Ctrl+5 or similar GS variants, so they are unmapped, not guessed).
//   - Alt (left Alt alone) and GUI combinations type nothing here (Alt+keypad decimal codes
//     are assembled by the decoder, see keyboard_decoder.h).
//   - Enter 0x28 and keypad Enter 0x58 type CR "\r", Tab 0x2B "\t", Space 0x2C ' ',
//     Escape 0x29 ESC, Backspace 0x2A BS 0x08, on every layout, with or without Shift.
//   - Keypad: / * - + digits, and the decimal key ('.'; ',' on de), without Shift.
// Threading: pure functions over immutable tables; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/result.h"

namespace scanedge::hid_keyboard {

enum class Layout { us, uk, de, fr, it };

// Modifier bits of the boot report's first byte.
inline constexpr std::uint8_t kLCtrl = 0x01, kLShift = 0x02, kLAlt = 0x04, kLGui = 0x08, kRCtrl = 0x10,
                              kRShift = 0x20, kRAlt = 0x40, kRGui = 0x80;

// "us" | "uk" | "de" | "fr" | "it" (case-insensitive). Error code unknown_keyboard_layout,
// whose message lists the known names.
Result<Layout> parse_layout(std::string_view name);
const char* to_string(Layout layout);
const std::vector<std::string>& known_layouts();

inline constexpr int kUnmapped = -1;

// The character (0..127) typed by `usage` with `modifiers` on `layout`, or kUnmapped.
int translate(Layout layout, std::uint8_t usage, std::uint8_t modifiers);

// True for usages that type a character on some layout with some modifiers (letters,
// digits, punctuation, Enter/Tab/Space/Esc/Backspace, keypad): an unmapped result for one
// of these means the layout table (or the configured layout) does not fit the scanner.
// Other usages (function, arrow, lock keys ...) carry no data.
bool is_character_usage(std::uint8_t usage);

// One key press: the usage and the modifier byte held with it.
struct KeyStroke {
  std::uint8_t usage = 0;
  std::uint8_t modifiers = 0;
};

// The key press a scanner set to `layout` uses to type `c` (inverse of translate(): the
// plain plane first, then Shift, AltGr (sent as RAlt), Shift+AltGr, then LCtrl for control
// characters). nullopt when the layout cannot type `c`. For tools, tests and emulation.
std::optional<KeyStroke> keystroke_for(Layout layout, char c);

}  // namespace scanedge::hid_keyboard
