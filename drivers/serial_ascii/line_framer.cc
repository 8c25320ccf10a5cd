#include "drivers/serial_ascii/line_framer.h"

#include <algorithm>
#include <utility>

namespace scanedge::serial_ascii {

LineFramer::LineFramer(FramerConfig config) : config_(std::move(config)) {
  line_ending_mode_ = !config_.suffix.empty() &&
                      std::all_of(config_.suffix.begin(), config_.suffix.end(),
                                  [](char c) { return c == '\r' || c == '\n'; });
  if (config_.max_scan_bytes == 0) config_.max_scan_bytes = 1;
}

void LineFramer::push_byte(char c) {
  if (discarding_) return;
  pending_.push_back(c);
  // In exact-suffix mode the suffix is still in pending_ when the limit is checked.
  const std::size_t limit = config_.max_scan_bytes + (line_ending_mode_ ? 0 : config_.suffix.size());
  if (pending_.size() > limit) {
    pending_.clear();
    pending_.shrink_to_fit();
    discarding_ = true;
    ++counters_.overlong_dropped;
  }
}

void LineFramer::end_line(std::chrono::nanoseconds now, std::vector<FramedScan>& out, bool by_idle) {
  if (discarding_) {
    discarding_ = false;
    pending_.clear();
    return;
  }
  if (pending_.empty()) {
    if (!by_idle) ++counters_.empty_lines;
    return;
  }
  std::string data = std::move(pending_);
  pending_.clear();
  if (!config_.prefix.empty()) {
    if (data.compare(0, config_.prefix.size(), config_.prefix) == 0) {
      data.erase(0, config_.prefix.size());
    } else {
      ++counters_.prefix_missing;
    }
  }
  if (data.empty()) {  // only the prefix: nothing scanned
    ++counters_.empty_lines;
    return;
  }
  ++counters_.scans;
  if (by_idle) ++counters_.idle_flushes;
  out.push_back(FramedScan{std::move(data), now});
}

void LineFramer::feed(std::span<const std::uint8_t> bytes, std::chrono::nanoseconds now,
                      std::vector<FramedScan>& out) {
  if (bytes.empty()) return;
  // Bytes that arrive after the idle deadline start a new scan: flush the old one first.
  poll(now, out);
  for (std::uint8_t b : bytes) {
    const char c = static_cast<char>(b);
    if (b == 0) {
      ++counters_.garbage_bytes;
      continue;
    }
    if (line_ending_mode_) {
      if (c == '\r') {
        end_line(now, out, false);
        after_cr_ = true;
        continue;
      }
      if (c == '\n') {
        if (!after_cr_) end_line(now, out, false);
        after_cr_ = false;
        continue;
      }
      after_cr_ = false;
      push_byte(c);
      continue;
    }
    push_byte(c);
    const auto& sfx = config_.suffix;
    if (!sfx.empty() && !discarding_ && pending_.size() >= sfx.size() &&
        pending_.compare(pending_.size() - sfx.size(), sfx.size(), sfx) == 0) {
      pending_.resize(pending_.size() - sfx.size());
      end_line(now, out, false);
    }
  }
  last_byte_ = now;
}

std::optional<std::chrono::nanoseconds> LineFramer::idle_deadline() const {
  if (config_.idle_timeout.count() <= 0 || !has_pending()) return std::nullopt;
  return last_byte_ + std::chrono::duration_cast<std::chrono::nanoseconds>(config_.idle_timeout);
}

void LineFramer::poll(std::chrono::nanoseconds now, std::vector<FramedScan>& out) {
  auto deadline = idle_deadline();
  if (deadline && now >= *deadline) end_line(now, out, true);
}

void LineFramer::reset() {
  if (!pending_.empty()) ++counters_.partial_discarded;
  pending_.clear();
  discarding_ = false;
  after_cr_ = false;
}

}  // namespace scanedge::serial_ascii
