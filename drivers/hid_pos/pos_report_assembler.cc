#include "drivers/hid_pos/pos_report_assembler.h"

#include <algorithm>

namespace scanedge::hid_pos {
namespace {

bool printable(std::uint8_t b) { return b > 0x20 && b < 0x7F; }

bool is_status(char c) { return c == static_cast<char>(kAck) || c == static_cast<char>(kEnq) || c == static_cast<char>(kNak); }

int severity(std::uint8_t s) {
  switch (s) {
    case kNak: return 3;
    case kEnq: return 2;
    case kAck: return 1;
    default: return 0;
  }
}

// Ends with a status byte, or a status byte and one storage/terminator character.
bool ends_with_status(const std::string& body) {
  const auto n = body.size();
  return (n >= 1 && is_status(body[n - 1])) || (n >= 2 && is_status(body[n - 2]));
}

bool crlf_only(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}

}  // namespace

Status validate_layout(const HidPosLayout& l) { return validate_hid_pos_layout(l); }

AssemblerConfig assembler_config(const Profile& p) {
  AssemblerConfig c;
  c.layout = p.hid_pos;
  c.prefix = p.prefix;
  c.suffix = p.suffix;
  c.idle_timeout = p.idle_timeout;
  c.max_scan_bytes = p.max_scan_bytes;
  return c;
}

PosReportAssembler::PosReportAssembler(AssemblerConfig config)
    : config_(std::move(config)), line_ending_suffix_(crlf_only(config_.suffix)) {
  const auto& l = config_.layout;
  int need = std::max({1, l.length_offset + 1, l.more_offset + 1, l.data_offset});
  if (l.aim_offset >= 0) need = std::max(need, l.aim_offset + 3);
  min_size_ = static_cast<std::size_t>(need);
}

void PosReportAssembler::drop_message() {
  in_progress_ = false;
  overlong_ = false;
  reports_in_message_ = 0;
  aim_.clear();
  body_.clear();
}

void PosReportAssembler::feed(std::span<const std::uint8_t> r, std::chrono::nanoseconds now,
                              AssemblerOutput& out) {
  ++counters_.reports;
  const auto& l = config_.layout;
  if (r.empty()) {
    ++counters_.bad_reports;
    return;
  }
  if (l.report_id >= 0 && r[0] != static_cast<std::uint8_t>(l.report_id)) {
    ++counters_.other_reports;
    return;
  }
  if (r.size() < min_size_ || l.data_offset < 0) {
    ++counters_.short_reports;
    drop_message();
    return;
  }
  const auto data_off = static_cast<std::size_t>(l.data_offset);
  const std::size_t room = std::min(r.size() - data_off, static_cast<std::size_t>(std::max(l.data_max, 0)));
  std::size_t len = 0;
  if (l.length_offset >= 0) {
    len = r[static_cast<std::size_t>(l.length_offset)];
    if (len > room) {
      ++counters_.bad_length;
      drop_message();
      return;
    }
  } else {
    len = room;
    while (len > 0 && r[data_off + len - 1] == 0) --len;
  }
  std::string aim;
  if (l.aim_offset >= 0) {
    const auto a = static_cast<std::size_t>(l.aim_offset);
    aim.assign(reinterpret_cast<const char*>(r.data() + a), 3);
  }
  const bool more =
      l.more_offset >= 0 && (r[static_cast<std::size_t>(l.more_offset)] & static_cast<std::uint8_t>(l.more_mask)) != 0;

  if (in_progress_ && aim != aim_) {
    ++counters_.interrupted;
    drop_message();
  }
  if (!in_progress_) {
    in_progress_ = true;
    aim_ = aim;
  }
  ++reports_in_message_;
  last_report_ = now;
  if (!overlong_) {
    if (body_.size() + len > config_.max_scan_bytes) {
      overlong_ = true;
      body_.clear();
    } else {
      body_.append(reinterpret_cast<const char*>(r.data() + data_off), len);
    }
  }
  if (more) return;
  complete(now, out);
}

void PosReportAssembler::complete(std::chrono::nanoseconds now, AssemblerOutput& out) {
  if (overlong_) {
    ++counters_.overlong_dropped;
    drop_message();
    return;
  }
  const bool aim_ok = aim_.size() == 3 && aim_[0] == ']' && printable(static_cast<std::uint8_t>(aim_[1])) &&
                      printable(static_cast<std::uint8_t>(aim_[2]));
  const bool aim_none = std::all_of(aim_.begin(), aim_.end(), [](char c) { return c == 0; });
  if (aim_ok && aim_[1] == 'Z') {
    emit_reply(body_, now, out);
    drop_message();
    return;
  }
  if (aim_ok && aim_ == "]X0" && (now < reply_until_ || ends_with_status(body_))) {
    if (ends_with_status(body_)) {
      emit_reply(body_, now, out);
    } else if (reply_text_.size() + body_.size() <= config_.max_scan_bytes) {
      reply_text_ += body_;
    }
    drop_message();
    return;
  }
  if (!aim_ok && !aim_none) ++counters_.aim_invalid;

  std::string data = std::move(body_);
  const std::string aim = aim_ok ? aim_ : std::string();
  const bool multi = reports_in_message_ > 1;
  drop_message();
  if (!config_.prefix.empty()) {
    if (data.compare(0, config_.prefix.size(), config_.prefix) == 0) {
      data.erase(0, config_.prefix.size());
    } else if (!data.empty()) {
      ++counters_.prefix_missing;
    }
  }
  if (line_ending_suffix_) {
    while (!data.empty() && (data.back() == '\r' || data.back() == '\n')) data.pop_back();
  } else if (!config_.suffix.empty() && data.size() >= config_.suffix.size() &&
             data.compare(data.size() - config_.suffix.size(), config_.suffix.size(), config_.suffix) == 0) {
    data.resize(data.size() - config_.suffix.size());
  }
  if (data.empty()) {
    ++counters_.empty_scans;
    return;
  }
  ++counters_.scans;
  if (multi) ++counters_.multi_report_scans;
  out.scans.push_back(PosScan{aim + data, now});
}

void PosReportAssembler::emit_reply(const std::string& body, std::chrono::nanoseconds now, AssemblerOutput& out) {
  CommandReply reply;
  reply.mono = now;
  for (char c : body) {
    if (is_status(c)) {
      const auto s = static_cast<std::uint8_t>(c);
      if (severity(s) > severity(reply.status)) reply.status = s;
    } else {
      reply.echo.push_back(c);
    }
  }
  reply.text = std::move(reply_text_);
  reply_text_.clear();
  reply_until_ = std::chrono::nanoseconds{0};
  ++counters_.replies;
  out.replies.push_back(std::move(reply));
}

std::optional<std::chrono::nanoseconds> PosReportAssembler::idle_deadline() const {
  if (!in_progress_ || config_.idle_timeout.count() <= 0) return std::nullopt;
  return last_report_ + std::chrono::duration_cast<std::chrono::nanoseconds>(config_.idle_timeout);
}

void PosReportAssembler::poll(std::chrono::nanoseconds now, AssemblerOutput& /*out*/) {
  auto deadline = idle_deadline();
  if (deadline && now >= *deadline) {
    ++counters_.continuation_timeouts;
    drop_message();
  }
  // Reply text whose final "]Z" report never came is forgotten once the wait is over.
  if (!reply_text_.empty() && now >= reply_until_ && !in_progress_) reply_text_.clear();
}

void PosReportAssembler::reset() {
  if (in_progress_) ++counters_.partial_discarded;
  drop_message();
  reply_text_.clear();
}

}  // namespace scanedge::hid_pos
