#include "drivers/ssi/ssi_driver.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "drivers/ssi/ssi_barcode_types.h"
#include "drivers/ssi/ssi_commands.h"

namespace scanedge::ssi {
namespace {

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(b));
  return buf;
}

std::uint8_t nak_reason(const SsiFrame& f) { return f.data.empty() ? 0 : static_cast<std::uint8_t>(f.data[0]); }

const char* nak_reason_text(std::uint8_t r) {
  switch (r) {
    case kNakResend: return "resend";
    case kNakBadContext: return "bad context";
    case kNakDenied: return "denied";
    default: return "unknown reason";
  }
}

}  // namespace

SsiDriver::SsiDriver(std::string port, Profile profile, const Clock& clock, StreamFactory factory,
                     DriverTuning tuning)
    : port_(std::move(port)),
      id_(serial::serial_scanner_id(port_)),
      profile_(std::move(profile)),
      clock_(clock),
      factory_(std::move(factory)),
      tuning_(tuning),
      parser_(SsiParserConfig{profile_.max_scan_bytes, tuning_.stale_frame_timeout}) {}

SsiDriver::~SsiDriver() { stop(); }

void SsiDriver::set_stream(std::shared_ptr<ByteStream> s) {
  std::lock_guard lock(mu_);
  stream_ = std::move(s);
}

std::shared_ptr<ByteStream> SsiDriver::current_stream() const {
  std::lock_guard lock(mu_);
  return stream_;
}

void SsiDriver::note_error(const std::string& msg) {
  std::lock_guard lock(mu_);
  stats_.last_error = msg;
}

void SsiDriver::publish_parser_counters() {
  std::lock_guard lock(mu_);
  stats_.parser = parser_.counters();
}

DriverStats SsiDriver::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status SsiDriver::start(ScanHandler on_scan) {
  if (thread_.joinable()) return make_error("already_started", "driver " + id_ + " is already started");
  if (!on_scan) return make_error("invalid_argument", "driver " + id_ + ": on_scan handler is empty");
  if (!factory_) return make_error("invalid_argument", "driver " + id_ + ": no stream factory");
  stopping_ = false;
  session_ready_ = false;
  state_ = DriverState::opening;
  auto s = factory_(port_, profile_.serial);
  {
    std::lock_guard lock(mu_);
    if (s) {
      stream_ = std::shared_ptr<ByteStream>(std::move(*s));
      ++stats_.sessions;
    }
  }
  on_scan_ = std::move(on_scan);
  // A scanner that is absent (or not yet permitted) now is kept being retried by the reader
  // thread; the session set-up runs there after every open.
  if (!s) {
    state_ = DriverState::disconnected;
    note_error(s.error().message);
  }
  thread_ = std::thread([this] { run(); });
  if (!s) return s.error();
  return ok_status();
}

void SsiDriver::stop() {
  stopping_ = true;
  std::shared_ptr<ByteStream> s;
  {
    std::lock_guard lock(mu_);
    s = stream_;
  }
  cv_.notify_all();
  {
    std::lock_guard lock(answer_mu_);
  }
  answer_cv_.notify_all();
  if (s) s->close();  // a blocked read returns within one slice
  if (thread_.joinable()) thread_.join();
  set_stream(nullptr);
  session_ready_ = false;
  state_ = DriverState::stopped;
}

bool SsiDriver::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping(); });
  return !stopping();
}

Status SsiDriver::write_frame(ByteStream& s, const std::vector<std::uint8_t>& bytes) {
  std::lock_guard lock(write_mu_);
  return s.write(bytes);
}

void SsiDriver::run() {
  auto backoff = tuning_.backoff_initial;
  bool need_setup = current_stream() != nullptr;  // opened by start()

  auto disconnect = [&](const std::shared_ptr<ByteStream>& stream, const std::string& why) {
    session_ready_ = false;
    parser_.reset();
    stream->close();
    set_stream(nullptr);
    state_ = DriverState::disconnected;
    {
      std::lock_guard lock(mu_);
      ++stats_.disconnects;
      stats_.last_error = why;
      stats_.parser = parser_.counters();
    }
    spdlog::warn("{}: {}; reopening", id_, why);
  };

  while (!stopping()) {
    auto stream = current_stream();
    if (!stream) {
      state_ = DriverState::opening;
      auto s = factory_(port_, profile_.serial);
      if (!s) {
        state_ = DriverState::disconnected;
        {
          std::lock_guard lock(mu_);
          ++stats_.reopen_failures;
          stats_.last_error = s.error().message;
        }
        spdlog::debug("{}: reopen failed ({}), next try in {} ms", id_, s.error().message, backoff.count());
        if (!wait_backoff(backoff)) break;
        backoff = std::min(backoff * 2, tuning_.backoff_max);
        continue;
      }
      {
        std::lock_guard lock(mu_);
        if (stopping()) {
          (*s)->close();
          break;
        }
        stream_ = std::shared_ptr<ByteStream>(std::move(*s));
        ++stats_.reconnects;
        ++stats_.sessions;
      }
      spdlog::info("{}: reopened", id_);
      need_setup = true;
      continue;
    }

    if (need_setup) {
      state_ = DriverState::opening;
      session_ready_ = false;
      if (!setup_session(stream)) {
        if (stopping()) break;
        disconnect(stream, "session set-up failed: " + stats().last_error);
        if (!wait_backoff(backoff)) break;
        backoff = std::min(backoff * 2, tuning_.backoff_max);
        continue;
      }
      need_setup = false;
      backoff = tuning_.backoff_initial;
      session_ready_ = true;
      state_ = DriverState::in_service;
      spdlog::info("{}: in service (firmware '{}')", id_, stats().firmware_version);
      continue;
    }

    if (!pump(*stream, tuning_.read_slice)) {
      if (stopping()) break;
      disconnect(stream, stats().last_error);
      if (!wait_backoff(backoff)) break;
      backoff = std::min(backoff * 2, tuning_.backoff_max);
    }
  }
  if (auto s = current_stream()) s->close();
  publish_parser_counters();
}

bool SsiDriver::pump(ByteStream& s, std::chrono::milliseconds wait) {
  std::array<std::uint8_t, 512> buf{};
  auto n = s.read(buf, wait);
  if (!n) {
    note_error(n.error().message + " (" + n.error().code + ")");
    return false;
  }
  const auto now = clock_.monotonic();
  parsed_.clear();
  if (*n > 0) {
    parser_.feed(std::span<const std::uint8_t>(buf.data(), *n), now, parsed_);
  } else {
    parser_.poll(now, parsed_);
  }
  // Published before the scans are handed on, so whoever sees a scan sees its counters.
  if (*n > 0 || !parsed_.empty()) publish_parser_counters();
  bool write_failed = false;
  for (auto& p : parsed_) {
    if (stopping()) break;
    handle(p, s, write_failed);
  }
  return !write_failed;
}

void SsiDriver::handle(SsiParsed& p, ByteStream& s, bool& write_failed) {
  auto send = [&](const std::vector<std::uint8_t>& bytes, std::uint64_t DriverStats::*counter) {
    if (write_failed) return;
    auto st = write_frame(s, bytes);
    if (!st) {
      write_failed = true;
      note_error("write failed: " + st.error().message + " (" + st.error().code + ")");
      return;
    }
    std::lock_guard lock(mu_);
    ++(stats_.*counter);
  };

  if (p.kind == SsiParsed::Kind::bad_checksum) {
    spdlog::debug("{}: frame {} with a bad checksum; NAK resend", id_, hex_byte(p.frame.opcode));
    send(nak_frame(kNakResend), &DriverStats::naks_sent);
    return;
  }
  const SsiFrame& f = p.frame;
  if (p.ack_required) send(ack_frame(), &DriverStats::acks_sent);
  if (p.message) {
    ScanText text = scan_text(p.message->barcode_type, p.message->data, profile_.aim_ids);
    {
      std::lock_guard lock(mu_);
      ++stats_.scans;
      if (!text.known_type) ++stats_.unknown_barcode_types;
    }
    if (!text.known_type) {
      spdlog::info("{}: barcode type {} has no AIM id mapping; delivered without one", id_,
                   hex_byte(p.message->barcode_type));
    }
    on_scan_(RawScan{std::move(text.data), id_, clock_.monotonic()});
  }
  switch (f.opcode) {
    case opcode::decode_data:
      return;
    case opcode::event:
      send(ack_frame(), &DriverStats::acks_sent);
      {
        std::lock_guard lock(mu_);
        ++stats_.events;
      }
      spdlog::debug("{}: scanner event {}", id_, f.data.empty() ? std::string("-") : hex_byte(nak_reason(f)));
      return;
    case opcode::reply_revision:
      on_revision(f);
      [[fallthrough]];
    case opcode::cmd_ack:
    case opcode::cmd_nak: {
      bool taken = false;
      {
        std::lock_guard lock(answer_mu_);
        if (waiting_ && !answer_ && (f.opcode == expect_ || f.opcode == opcode::cmd_nak)) {
          answer_ = f;
          taken = true;
        }
      }
      if (taken) {
        answer_cv_.notify_all();
      } else if (f.opcode != opcode::reply_revision) {
        std::lock_guard lock(mu_);
        ++stats_.unexpected_frames;
      }
      return;
    }
    default: {
      std::lock_guard lock(mu_);
      ++stats_.unexpected_frames;
      return;
    }
  }
}

void SsiDriver::on_revision(const SsiFrame& f) {
  auto rev = parse_revision(f.data);
  if (!rev) {
    spdlog::warn("{}: {}", id_, rev.error().message);
    note_error(rev.error().message);
    return;
  }
  bool too_old = false;
  if (!profile_.min_firmware.empty() && compare_firmware(rev->firmware, profile_.min_firmware) < 0) {
    too_old = true;
    spdlog::warn("{}: firmware '{}' is older than the profile's minimum '{}' (profile {}); some settings may not apply",
                 id_, rev->firmware, profile_.min_firmware, profile_.name);
  }
  std::lock_guard lock(mu_);
  stats_.firmware_version = rev->firmware;
  stats_.revision = rev->full;
  stats_.firmware_too_old = too_old;
}

SsiDriver::CommandResult SsiDriver::run_command(const std::shared_ptr<ByteStream>& s,
                                                const std::vector<std::uint8_t>& frame, std::uint8_t expect,
                                                std::chrono::milliseconds timeout, int retries,
                                                bool retry_on_timeout, bool on_reader) {
  std::lock_guard command_lock(command_mu_);
  auto clear_slot = [this] {
    std::lock_guard lock(answer_mu_);
    waiting_ = false;
    answer_.reset();
  };
  CommandResult res;
  for (int attempt = 0; attempt <= retries; ++attempt) {
    if (attempt > 0) {
      std::lock_guard lock(mu_);
      ++stats_.command_resends;
    }
    {
      std::lock_guard lock(answer_mu_);
      waiting_ = true;
      expect_ = expect;
      answer_.reset();
    }
    if (auto st = write_frame(*s, frame); !st) {
      clear_slot();
      res.outcome = Outcome::io_error;
      res.error = "write failed: " + st.error().message + " (" + st.error().code + ")";
      note_error(res.error);
      return res;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<SsiFrame> got;
    if (on_reader) {
      for (;;) {
        {
          std::lock_guard lock(answer_mu_);
          if (answer_) {
            got = std::move(answer_);
            break;
          }
        }
        if (stopping()) break;
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        if (!pump(*s, std::min(left, tuning_.read_slice))) {
          clear_slot();
          res.outcome = Outcome::io_error;
          res.error = stats().last_error;
          return res;
        }
      }
    } else {
      std::unique_lock lock(answer_mu_);
      answer_cv_.wait_until(lock, deadline, [this] { return answer_.has_value() || stopping(); });
      if (answer_) got = std::move(answer_);
    }
    clear_slot();
    if (!got) {
      if (stopping()) {
        res.outcome = Outcome::stopped;
        return res;
      }
      {
        std::lock_guard lock(mu_);
        ++stats_.command_timeouts;
      }
      res.outcome = Outcome::timeout;
      if (!retry_on_timeout) return res;
      continue;
    }
    res.answer = std::move(*got);
    if (res.answer.opcode == opcode::cmd_nak) {
      res.outcome = Outcome::refused;
      if (nak_reason(res.answer) == kNakResend) continue;  // the scanner asks for it again
      std::lock_guard lock(mu_);
      ++stats_.command_naks;
      return res;
    }
    res.outcome = Outcome::answered;
    return res;
  }
  return res;
}

bool SsiDriver::setup_session(const std::shared_ptr<ByteStream>& s) {
  auto describe = [](const CommandResult& r) -> std::string {
    switch (r.outcome) {
      case Outcome::answered: return "acknowledged";
      case Outcome::refused: {
        const std::uint8_t why = nak_reason(r.answer);
        return "refused (NAK " + hex_byte(why) + " " + nak_reason_text(why) + ")";
      }
      case Outcome::timeout: return "no answer";
      case Outcome::io_error: return r.error;
      case Outcome::stopped: return "stopped";
    }
    return "?";
  };
  auto broken = [](const CommandResult& r) { return r.outcome == Outcome::io_error || r.outcome == Outcome::stopped; };

  // 1. Parameters.
  if (!profile_.ssi.params.empty()) {
    auto frames = param_send_frames(profile_.ssi.params, profile_.ssi.permanent);
    if (!frames) {
      spdlog::error("{}: profile {}: {}; parameters not sent", id_, profile_.name, frames.error().message);
      note_error(frames.error().message);
      std::lock_guard lock(mu_);
      ++stats_.param_send_failed;
    } else {
      for (const auto& fr : *frames) {
        auto r = run_command(s, fr, opcode::cmd_ack, tuning_.command_timeout, tuning_.command_retries, true, true);
        if (broken(r)) return false;
        if (r.outcome == Outcome::answered) {
          std::lock_guard lock(mu_);
          ++stats_.param_send_ok;
        } else {
          const std::string msg = "PARAM_SEND " + describe(r) + "; scanner keeps its current settings";
          spdlog::warn("{}: {}", id_, msg);
          note_error(msg);
          std::lock_guard lock(mu_);
          ++stats_.param_send_failed;
        }
      }
    }
  }

  // 2. Profile init commands.
  for (std::size_t i = 0; i < profile_.init.size(); ++i) {
    auto fr = command_frame(profile_.init[i]);
    if (!fr) {
      const std::string msg = "init[" + std::to_string(i) + "]: " + fr.error().message;
      spdlog::error("{}: profile {}: {}", id_, profile_.name, msg);
      note_error(msg);
      std::lock_guard lock(mu_);
      ++stats_.init_failed;
      continue;
    }
    auto r = run_command(s, *fr, opcode::cmd_ack, tuning_.command_timeout, tuning_.command_retries, true, true);
    if (broken(r)) return false;
    std::lock_guard lock(mu_);
    if (r.outcome == Outcome::answered) {
      ++stats_.init_ok;
    } else {
      ++stats_.init_failed;
      stats_.last_error = "init[" + std::to_string(i) + "] (opcode " +
                          hex_byte(static_cast<std::uint8_t>(profile_.init[i][0])) + ") " + describe(r);
      spdlog::warn("{}: {}", id_, stats_.last_error);
    }
  }

  // 3. Revision (firmware version); the reply is processed by handle() -> on_revision().
  auto r = run_command(s, revision_request_frame(), opcode::reply_revision, tuning_.command_timeout,
                       tuning_.command_retries, true, true);
  if (broken(r)) return false;
  if (r.outcome != Outcome::answered) {
    const std::string msg = "REQUEST_REVISION " + describe(r) + "; firmware version unknown";
    spdlog::warn("{}: {}", id_, msg);
    note_error(msg);
  }
  return true;
}

Status SsiDriver::feedback(Feedback kind) {
  const ByteCommand* cmd = nullptr;
  switch (kind) {
    case Feedback::good: cmd = &profile_.feedback.good; break;
    case Feedback::bad: cmd = &profile_.feedback.bad; break;
    case Feedback::warning: cmd = &profile_.feedback.warning; break;
    case Feedback::storage_full: cmd = &profile_.feedback.storage_full; break;
  }
  if (cmd == nullptr || cmd->empty()) {
    std::lock_guard lock(mu_);
    ++stats_.feedback_unsupported;
    return ok_status();
  }
  auto frame = command_frame(*cmd);
  if (!frame) {
    std::lock_guard lock(mu_);
    ++stats_.feedback_failed;
    return make_error("invalid_ssi_command", "driver " + id_ + ": feedback command: " + frame.error().message);
  }
  auto s = current_stream();
  if (!s || !session_ready_) {
    return make_error("device_unavailable", "driver " + id_ + ": scanner is not in service (port closed or being set up)");
  }
  if (std::this_thread::get_id() == thread_.get_id()) {
    // Called from on_scan: the reader thread cannot wait for the answer it would read itself.
    auto st = write_frame(*s, *frame);
    std::lock_guard lock(mu_);
    if (!st) {
      ++stats_.feedback_failed;
      return make_error("device_io", "driver " + id_ + ": " + st.error().message);
    }
    ++stats_.feedback_sent;
    return ok_status();
  }
  auto r = run_command(s, *frame, opcode::cmd_ack, tuning_.feedback_timeout, 1, false, false);
  std::lock_guard lock(mu_);
  switch (r.outcome) {
    case Outcome::answered:
      ++stats_.feedback_sent;
      return ok_status();
    case Outcome::refused: {
      ++stats_.feedback_failed;
      const std::uint8_t why = nak_reason(r.answer);
      return make_error("feedback_refused", "driver " + id_ + ": scanner refused the feedback command (NAK " +
                                                hex_byte(why) + " " + nak_reason_text(why) + ")");
    }
    case Outcome::timeout:
      ++stats_.feedback_failed;
      return make_error("feedback_timeout", "driver " + id_ + ": no ACK for the feedback command within " +
                                                std::to_string(tuning_.feedback_timeout.count()) + " ms");
    case Outcome::io_error:
      ++stats_.feedback_failed;
      return make_error("device_io", "driver " + id_ + ": " + r.error);
    case Outcome::stopped:
      break;
  }
  return make_error("device_unavailable", "driver " + id_ + ": stopping");
}

}  // namespace scanedge::ssi
