#include "drivers/hid_keyboard/keyboard_decoder.h"

#include <algorithm>

namespace scanedge::hid_keyboard {
namespace {

constexpr std::uint8_t kKpOne = 0x59, kKpZero = 0x62;  // keypad 1..9 then 0
constexpr std::size_t kMaxAltDigits = 4;  // "0255": Windows takes at most 4 (with leading 0)

bool crlf_only(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<KeyboardDecoderConfig> decoder_config(const Profile& profile) {
  auto layout = parse_layout(profile.keyboard_layout);
  if (!layout) {
    return make_error(layout.error().code, "profile " + profile.name + ": " + layout.error().message);
  }
  KeyboardDecoderConfig c;
  c.layout = *layout;
  c.prefix = profile.prefix;
  c.suffix = profile.suffix;
  c.idle_timeout = profile.idle_timeout;
  c.max_scan_bytes = profile.max_scan_bytes;
  return c;
}

KeyboardDecoder::KeyboardDecoder(KeyboardDecoderConfig config)
    : config_(std::move(config)), line_ending_mode_(crlf_only(config_.suffix)) {
  if (config_.max_scan_bytes == 0) config_.max_scan_bytes = 1;
}

bool KeyboardDecoder::has_pending() const {
  return !pending_.empty() || pending_unmapped_ || discarding_ || alt_active_;
}

void KeyboardDecoder::feed(std::span<const std::uint8_t> report, std::chrono::nanoseconds now,
                           std::vector<DecodedScan>& out) {
  ++counters_.reports;
  std::size_t off = 0;
  if (report.size() == 9) {
    off = 1;  // report id first
  } else if (report.size() != 8) {
    ++counters_.bad_reports;
    return;
  }
  const std::uint8_t mods = report[off];
  std::array<std::uint8_t, 6> keys{};
  std::copy_n(report.begin() + static_cast<std::ptrdiff_t>(off + 2), 6, keys.begin());
  if (std::any_of(keys.begin(), keys.end(), [](std::uint8_t k) { return k >= 0x01 && k <= 0x03; })) {
    ++counters_.rollover_reports;
    return;
  }
  for (std::uint8_t k : keys) {
    if (k == 0) continue;
    if (std::find(prev_keys_.begin(), prev_keys_.end(), k) != prev_keys_.end()) continue;
    press(k, mods, now, out);
  }
  // An Alt code is typed when left Alt is let go.
  if (alt_active_ && (mods & kLAlt) == 0) finish_alt_code(now, out);
  prev_keys_ = keys;
}

void KeyboardDecoder::press(std::uint8_t usage, std::uint8_t mods, std::chrono::nanoseconds now,
                            std::vector<DecodedScan>& out) {
  last_key_ = now;
  const bool alt_only = (mods & kLAlt) != 0 && (mods & (kLCtrl | kRCtrl | kRAlt | kLGui | kRGui)) == 0;
  if (alt_only && usage >= kKpOne && usage <= kKpZero) {
    alt_active_ = true;
    if (alt_digits_.size() <= kMaxAltDigits) {
      alt_digits_.push_back(usage == kKpZero ? '0' : static_cast<char>('1' + (usage - kKpOne)));
    }
    return;
  }
  const int c = translate(config_.layout, usage, mods);
  if (c == kUnmapped) {
    if (is_character_usage(usage)) {
      ++counters_.unmapped_keys;
      pending_unmapped_ = true;
    } else {
      ++counters_.ignored_keys;
    }
    return;
  }
  type_char(static_cast<char>(c), now, out);
}

void KeyboardDecoder::finish_alt_code(std::chrono::nanoseconds now, std::vector<DecodedScan>& out) {
  alt_active_ = false;
  int code = -1;
  if (!alt_digits_.empty() && alt_digits_.size() <= kMaxAltDigits) {
    code = 0;
    for (char d : alt_digits_) code = code * 10 + (d - '0');
  }
  alt_digits_.clear();
  if (code >= 1 && code <= 127) {
    type_char(static_cast<char>(code), now, out);
  } else {
    ++counters_.unmapped_keys;
    pending_unmapped_ = true;
  }
}

void KeyboardDecoder::type_char(char c, std::chrono::nanoseconds now, std::vector<DecodedScan>& out) {
  if (line_ending_mode_) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      return;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      if (discarding_) {
        discarding_ = false;
        pending_unmapped_ = false;
      } else {
        end_scan(now, out, false);
      }
      return;
    }
  }
  if (discarding_) {
    if (config_.suffix.empty() || line_ending_mode_) return;  // only the idle timeout / CR ends it
    discard_tail_.push_back(c);
    if (discard_tail_.size() > config_.suffix.size()) discard_tail_.erase(0, 1);
    if (discard_tail_ == config_.suffix) {
      discarding_ = false;
      pending_unmapped_ = false;
      discard_tail_.clear();
    }
    return;
  }
  pending_.push_back(c);
  if (!line_ending_mode_ && !config_.suffix.empty() && ends_with(pending_, config_.suffix)) {
    pending_.resize(pending_.size() - config_.suffix.size());
    end_scan(now, out, false);
    return;
  }
  // Room for the suffix: only the data part is bounded.
  if (pending_.size() > config_.max_scan_bytes + (line_ending_mode_ ? 0 : config_.suffix.size())) {
    ++counters_.overlong_dropped;
    pending_.clear();
    pending_unmapped_ = false;
    discarding_ = true;
    discard_tail_.clear();
  }
}

void KeyboardDecoder::end_scan(std::chrono::nanoseconds now, std::vector<DecodedScan>& out, bool by_idle) {
  if (pending_unmapped_) {
    ++counters_.unmapped_dropped;
  } else if (pending_.empty()) {
    ++counters_.empty_scans;
  } else if (pending_.size() > config_.max_scan_bytes) {
    ++counters_.overlong_dropped;
  } else {
    std::string data = std::move(pending_);
    if (!config_.prefix.empty()) {
      if (data.compare(0, config_.prefix.size(), config_.prefix) == 0) {
        data.erase(0, config_.prefix.size());
      } else {
        ++counters_.prefix_missing;
      }
    }
    if (data.empty()) {
      ++counters_.empty_scans;
    } else {
      ++counters_.scans;
      if (by_idle) ++counters_.idle_flushes;
      out.push_back(DecodedScan{std::move(data), now});
    }
  }
  pending_.clear();
  pending_unmapped_ = false;
}

std::optional<std::chrono::nanoseconds> KeyboardDecoder::idle_deadline() const {
  if (config_.idle_timeout.count() <= 0 || !has_pending()) return std::nullopt;
  return last_key_ + std::chrono::duration_cast<std::chrono::nanoseconds>(config_.idle_timeout);
}

void KeyboardDecoder::poll(std::chrono::nanoseconds now, std::vector<DecodedScan>& out) {
  auto deadline = idle_deadline();
  if (!deadline || now < *deadline) return;
  if (alt_active_) {
    // Alt never released: the code is incomplete.
    alt_active_ = false;
    alt_digits_.clear();
    ++counters_.unmapped_keys;
    pending_unmapped_ = true;
  }
  if (discarding_) {
    discarding_ = false;
    discard_tail_.clear();
    pending_unmapped_ = false;
    pending_.clear();
    return;
  }
  after_cr_ = false;
  end_scan(now, out, true);
}

void KeyboardDecoder::reset() {
  if (!pending_.empty() || pending_unmapped_ || alt_active_) ++counters_.partial_discarded;
  pending_.clear();
  pending_unmapped_ = false;
  discarding_ = false;
  discard_tail_.clear();
  alt_digits_.clear();
  alt_active_ = false;
  after_cr_ = false;
  prev_keys_.fill(0);
}

}  // namespace scanedge::hid_keyboard
