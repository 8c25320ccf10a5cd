// Fuzz target: the USB HID scan assemblers, scanedge::hid_keyboard::KeyboardDecoder (all
// five layouts) and scanedge::hid_pos::PosReportAssembler
// (drivers/hid_keyboard/keyboard_decoder.h, drivers/hid_pos/pos_report_assembler.h),
// configured from a default Profile (decoder_config / assembler_config) with the layout,
// prefix, suffix, max_scan_bytes and idle timeout the input picks.
//
// Input: [mode][framing][layout bytes, fuzzed-layout mode only][body].
//   mode bits 0-2: keyboard layout us | uk | de | fr | it (value mod 5); bits 3-4:
//     0 keyboard reports, 1 keyboard text, 2 POS reports, 3 POS text.
//   framing bits 0-2: suffix "\r\n" | "\r" | "\t" | "" | "\x03" | "\n" | "#END" | "\r\n";
//     bits 3-4: prefix "" | "" | "\x02" | "]C1"; bit 5: max_scan_bytes 16 (else 4096);
//     bit 6: idle timeout 0 when the suffix is not empty (else 200 ms); bit 7: keyboard
//     text: 9-byte reports with a report id (else 8-byte boot reports); POS reports: a
//     layout from the next 8 bytes (any values the loader's ranges allow, valid or not)
//     instead of the Honeywell default.
//   Reports body: [n][n bytes]... a report of n bytes each, 1 ms apart; n = 0xFF: silence
//     past the idle timeout, then poll(); 0xFE: reset(); 0xFD: poll() 1 ms later; 0xFC
//     (POS): a menu reply is expected for the next second (expect_reply_until).
//   Text body: the characters a scanner types (keyboard: key press and release reports
//     from keystroke_for(), CR/LF as Enter; POS: the text cut into Honeywell 0x02 reports
//     with AIM "]E0" and the more flag), text modes use the profile default framing.
//
// Properties:
// - no crash, no sanitizer report on any report of any length, any layout;
// - no scan is longer than max_scan_bytes (POS: its data; the AIM id is prepended), none
//   is empty; a reply's echo and text are bounded the same way, its status is ACK, ENQ,
//   NAK or 0 and its echo carries no status byte;
// - keyboard scans are ASCII; in line-ending mode they hold no CR/LF, in exact-suffix mode
//   they never contain the suffix (a scan ends at its first occurrence);
// - counters agree with what was delivered (reports fed, scans, replies), and once the idle
//   timeout has passed nothing is pending;
// - typed text round-trips: for every character a layout can type (keystroke_for), the
//   decoder returns that character, each line as one scan (unless longer than
//   max_scan_bytes, then dropped); a POS message cut into reports comes back whole as
//   "]E0" + its data (trailing CR/LF stripped; dropped when over max_scan_bytes).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drivers/hid_keyboard/keyboard_decoder.h"
#include "drivers/hid_keyboard/keyboard_layout.h"
#include "drivers/hid_pos/pos_report_assembler.h"
#include "edge/profiles/profile.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace kb = scanedge::hid_keyboard;
namespace pos = scanedge::hid_pos;
using scanedge::Profile;
using scanedge::fuzz::FuzzInput;
using scanedge::fuzz::printable;
using namespace std::chrono_literals;

constexpr std::uint8_t kIdleGap = 0xFF, kReset = 0xFE, kPoll = 0xFD, kExpectReply = 0xFC;
constexpr const char* kLayouts[] = {"us", "uk", "de", "fr", "it"};
constexpr const char* kSuffixes[] = {"\r\n", "\r", "\t", "", "\x03", "\n", "#END", "\r\n"};
constexpr const char* kPrefixes[] = {"", "", "\x02", "]C1"};

bool crlf_only(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}

void check_keyboard_scans(const kb::KeyboardDecoder& dec, const std::vector<kb::DecodedScan>& scans, std::size_t from,
                          std::chrono::nanoseconds now, const std::string& ctx) {
  const auto& cfg = dec.config();
  const bool line_ending = crlf_only(cfg.suffix);
  for (std::size_t i = from; i < scans.size(); ++i) {
    const std::string& s = scans[i].data;
    const std::string what = ctx + " -> scan " + printable(s);
    FUZZ_CHECK(!s.empty() && s.size() <= cfg.max_scan_bytes, what + " (" + std::to_string(s.size()) + " bytes, max " +
                                                                 std::to_string(cfg.max_scan_bytes) + ")");
    FUZZ_CHECK(std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }), what);
    if (line_ending) {
      FUZZ_CHECK(s.find_first_of("\r\n") == std::string::npos, what);
    } else if (!cfg.suffix.empty()) {
      FUZZ_CHECK(s.find(cfg.suffix) == std::string::npos, what + " holds the suffix " + printable(cfg.suffix));
    }
    FUZZ_CHECK(scans[i].mono == now, what);
  }
  const auto& c = dec.counters();
  FUZZ_CHECK(c.scans == scans.size() && c.idle_flushes <= c.scans, ctx + "; scans counter " + std::to_string(c.scans));
}

void check_pos_output(const pos::PosReportAssembler& as, const pos::AssemblerOutput& out, std::size_t scans_from,
                      std::size_t replies_from, const std::string& ctx) {
  const auto& cfg = as.config();
  const std::size_t aim = cfg.layout.aim_offset >= 0 ? 3 : 0;
  for (std::size_t i = scans_from; i < out.scans.size(); ++i) {
    const std::string& s = out.scans[i].data;
    FUZZ_CHECK(!s.empty() && s.size() <= cfg.max_scan_bytes + aim,
               ctx + " -> scan " + printable(s) + " (" + std::to_string(s.size()) + " bytes, max " +
                   std::to_string(cfg.max_scan_bytes) + " + AIM)");
  }
  for (std::size_t i = replies_from; i < out.replies.size(); ++i) {
    const pos::CommandReply& r = out.replies[i];
    const std::string what = ctx + " -> reply " + printable(r.echo) + " status " + std::to_string(r.status) + " text " +
                             printable(r.text);
    FUZZ_CHECK(r.echo.size() <= cfg.max_scan_bytes && r.text.size() <= cfg.max_scan_bytes, what);
    FUZZ_CHECK(r.status == 0 || r.status == pos::kAck || r.status == pos::kEnq || r.status == pos::kNak, what);
    FUZZ_CHECK(r.echo.find_first_of(std::string{static_cast<char>(pos::kAck), static_cast<char>(pos::kEnq),
                                                static_cast<char>(pos::kNak)}) == std::string::npos,
               what);
  }
  const auto& c = as.counters();
  FUZZ_CHECK(c.scans == out.scans.size() && c.replies == out.replies.size() && c.multi_report_scans <= c.scans,
             ctx + "; counters disagree with the output");
}

// Reports body: [n][n bytes]... with the control values above.
template <typename Feed, typename Special>
void play_reports(FuzzInput& in, std::chrono::nanoseconds& now, Feed feed, Special special) {
  while (in.left() > 0) {
    const std::uint8_t n = in.byte();
    if (n >= kExpectReply) {
      special(n);
      continue;
    }
    now += 1ms;
    feed(in.take(n));
  }
}

void keyboard_reports(const Profile& p, FuzzInput& in, const std::string& ctx) {
  const auto cfg = kb::decoder_config(p);
  FUZZ_CHECK(cfg.ok(), ctx + "; decoder_config: " + cfg.error().message);
  kb::KeyboardDecoder dec(*cfg);
  std::vector<kb::DecodedScan> scans;
  std::chrono::nanoseconds now = 1s;
  std::uint64_t fed = 0;
  play_reports(
      in, now,
      [&](std::span<const std::uint8_t> r) {
        const std::size_t from = scans.size();
        dec.feed(r, now, scans);
        ++fed;
        check_keyboard_scans(dec, scans, from, now, ctx);
      },
      [&](std::uint8_t op) {
        const std::size_t from = scans.size();
        if (op == kIdleGap) {
          now += p.idle_timeout + 1ms;
          dec.poll(now, scans);
        } else if (op == kPoll) {
          now += 1ms;
          dec.poll(now, scans);
        } else if (op == kReset) {
          dec.reset();
          FUZZ_CHECK(!dec.has_pending(), ctx + "; pending after reset");
        }
        check_keyboard_scans(dec, scans, from, now, ctx);
      });
  FUZZ_CHECK(dec.counters().reports == fed, ctx + "; reports counter");
  if (p.idle_timeout.count() > 0) {
    const std::size_t from = scans.size();
    now += p.idle_timeout + 1ms;
    dec.poll(now, scans);
    check_keyboard_scans(dec, scans, from, now, ctx);
    FUZZ_CHECK(!dec.has_pending() && !dec.idle_deadline(), ctx + "; pending after the idle timeout");
  }
}

void keyboard_text(const Profile& p, kb::Layout layout, bool report_id, FuzzInput& in, const std::string& ctx) {
  const auto cfg = kb::decoder_config(p);
  FUZZ_CHECK(cfg.ok(), ctx + "; decoder_config: " + cfg.error().message);
  kb::KeyboardDecoder dec(*cfg);
  std::vector<kb::DecodedScan> scans;
  std::vector<std::string> want;
  std::string line;
  std::chrono::nanoseconds now = 1s;
  auto key = [&](std::uint8_t usage, std::uint8_t mods) {
    std::array<std::uint8_t, 9> r{};
    const std::size_t off = report_id ? 1 : 0;
    if (report_id) r[0] = 0x01;
    r[off] = mods;
    r[off + 2] = usage;
    for (int release = 0; release < 2; ++release) {
      if (release == 1) {
        r[off] = 0;
        r[off + 2] = 0;
      }
      const std::size_t from = scans.size();
      now += 1ms;
      dec.feed(std::span<const std::uint8_t>(r.data(), 8 + off), now, scans);
      check_keyboard_scans(dec, scans, from, now, ctx);
    }
  };
  auto end_line = [&] {
    if (!line.empty() && line.size() <= p.max_scan_bytes) want.push_back(line);
    line.clear();
    key(0x28, 0);  // Enter
  };
  const auto text = in.rest();
  for (const std::uint8_t b : text) {
    const char c = static_cast<char>(b);
    if (c == '\r' || c == '\n') {
      end_line();
      continue;
    }
    const auto ks = kb::keystroke_for(layout, c);
    if (layout == kb::Layout::us && b >= 0x20 && b < 0x7F) {
      FUZZ_CHECK(ks.has_value(), ctx + "; the US layout cannot type " + printable(std::string(1, c)));
    }
    if (!ks) continue;
    FUZZ_CHECK(kb::translate(layout, ks->usage, ks->modifiers) == b,
               ctx + "; keystroke_for(" + printable(std::string(1, c)) + ") = usage " + std::to_string(ks->usage) +
                   " mods " + std::to_string(ks->modifiers) + " does not translate back");
    line.push_back(c);
    key(ks->usage, ks->modifiers);
  }
  end_line();
  std::string got;
  for (const auto& s : scans) got += printable(s.data) + " | ";
  std::string exp;
  for (const auto& s : want) exp += printable(s) + " | ";
  FUZZ_CHECK(scans.size() == want.size(), ctx + "; typed lines " + exp + " decoded as " + got);
  for (std::size_t i = 0; i < want.size(); ++i) {
    FUZZ_CHECK(scans[i].data == want[i], ctx + "; typed lines " + exp + " decoded as " + got);
  }
}

void pos_reports(const Profile& p, FuzzInput& in, const std::string& ctx) {
  pos::PosReportAssembler as(pos::assembler_config(p));
  pos::AssemblerOutput out;
  std::chrono::nanoseconds now = 1s;
  std::uint64_t fed = 0;
  play_reports(
      in, now,
      [&](std::span<const std::uint8_t> r) {
        const std::size_t s = out.scans.size(), rp = out.replies.size();
        as.feed(r, now, out);
        ++fed;
        check_pos_output(as, out, s, rp, ctx);
      },
      [&](std::uint8_t op) {
        const std::size_t s = out.scans.size(), rp = out.replies.size();
        if (op == kIdleGap) {
          now += p.idle_timeout + 1ms;
          as.poll(now, out);
        } else if (op == kPoll) {
          now += 1ms;
          as.poll(now, out);
        } else if (op == kReset) {
          as.reset();
          FUZZ_CHECK(!as.in_progress(), ctx + "; in progress after reset");
        } else {
          as.expect_reply_until(now + 1s);
        }
        check_pos_output(as, out, s, rp, ctx);
      });
  FUZZ_CHECK(as.counters().reports == fed, ctx + "; reports counter");
  if (p.idle_timeout.count() > 0) {
    now += p.idle_timeout + 1ms;
    as.poll(now, out);
    FUZZ_CHECK(!as.in_progress() && !as.idle_deadline(), ctx + "; in progress after the idle timeout");
  }
}

void pos_text(const Profile& p, FuzzInput& in, const std::string& ctx) {
  const scanedge::HidPosLayout& l = p.hid_pos;  // Honeywell report 0x02
  pos::PosReportAssembler as(pos::assembler_config(p));
  pos::AssemblerOutput out;
  const auto text = in.rest();
  std::chrono::nanoseconds now = 1s;
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(text.size() - at, static_cast<std::size_t>(l.data_max));
    std::array<std::uint8_t, 1024> r{};
    r[0] = static_cast<std::uint8_t>(l.report_id);
    r[static_cast<std::size_t>(l.length_offset)] = static_cast<std::uint8_t>(n);
    std::copy_n("]E0", 3, r.begin() + l.aim_offset);
    std::copy_n(text.begin() + static_cast<std::ptrdiff_t>(at), n, r.begin() + l.data_offset);
    at += n;
    if (at < text.size()) r[static_cast<std::size_t>(l.more_offset)] = static_cast<std::uint8_t>(l.more_mask);
    now += 1ms;
    as.feed(std::span<const std::uint8_t>(r.data(), static_cast<std::size_t>(l.report_size)), now, out);
  } while (at < text.size());
  check_pos_output(as, out, 0, 0, ctx);
  std::string data(text.begin(), text.end());
  while (!data.empty() && (data.back() == '\r' || data.back() == '\n')) data.pop_back();
  const bool want = !data.empty() && text.size() <= p.max_scan_bytes;
  FUZZ_CHECK(out.replies.empty() && out.scans.size() == (want ? 1u : 0u),
             ctx + "; " + std::to_string(out.scans.size()) + " scans for one message");
  if (want) {
    FUZZ_CHECK(out.scans[0].data == "]E0" + data, ctx + "; message came back as " + printable(out.scans[0].data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzInput in(bytes, size);
  const std::uint8_t mode = in.byte();
  const std::uint8_t framing = in.byte();
  const std::string ctx = "hid input " + printable(std::string_view(reinterpret_cast<const char*>(bytes), size));

  Profile p;  // the defaults, then what the input picks
  const std::size_t layout_index = (mode & 7u) % 5u;
  p.keyboard_layout = kLayouts[layout_index];
  const unsigned kind = (mode >> 3) & 3u;
  const bool text_mode = kind == 1 || kind == 3;
  if (!text_mode) {
    p.suffix = kSuffixes[framing & 7u];
    p.prefix = kPrefixes[(framing >> 3) & 3u];
    if ((framing & 0x40) != 0 && !p.suffix.empty()) p.idle_timeout = 0ms;
  }
  if ((framing & 0x20) != 0) p.max_scan_bytes = 16;

  switch (kind) {
    case 0:
      keyboard_reports(p, in, ctx);
      break;
    case 1:
      keyboard_text(p, static_cast<kb::Layout>(layout_index), (framing & 0x80) != 0, in, ctx);
      break;
    case 2:
      if ((framing & 0x80) != 0) {
        auto off = [&] { return static_cast<int>(in.byte() % 70) - 1; };  // -1..68
        scanedge::HidPosLayout& l = p.hid_pos;
        const std::uint8_t id = in.byte();
        l.report_id = id == 0xFF ? -1 : id;
        l.length_offset = off();
        l.aim_offset = off();
        l.data_offset = off() + 1;
        l.data_max = off() + 2;
        l.more_offset = off();
        l.more_mask = 1 + in.byte() % 255;
        l.report_size = 8 + in.byte() % 120;
      }
      pos_reports(p, in, ctx);
      break;
    default:
      pos_text(p, in, ctx);
      break;
  }
  return 0;
}
