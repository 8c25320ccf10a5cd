#include "drivers/hid_pos/hid_pos_driver.h"

#include <algorithm>
#include <array>
#include <utility>

#include <spdlog/spdlog.h>

#include "drivers/hid_pos/honeywell_commands.h"

namespace scanedge::hid_pos {
namespace {

constexpr int kHidClass = 3;

const char* status_name(std::uint8_t s) {
  switch (s) {
    case kAck: return "ACK";
    case kNak: return "NAK";
    case kEnq: return "ENQ";
    default: return "no status";
  }
}

// Commands and replies for logs: control bytes as \xNN.
std::string printable_command(const std::string& cmd) {
  std::string out;
  for (char c : cmd) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out.push_back(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xF]);
    }
  }
  return out;
}

}  // namespace

HidPosDriver::HidPosDriver(std::string identity, Profile profile, const Clock& clock, usb::HidStreamOpener opener,
                           DriverTuning tuning)
    : id_(std::move(identity)),
      profile_(std::move(profile)),
      clock_(clock),
      opener_(std::move(opener)),
      tuning_(tuning),
      interface_class_(profile_.match.usb_interface_class >= 0 ? profile_.match.usb_interface_class : kHidClass) {}

HidPosDriver::~HidPosDriver() { stop(); }

DriverStats HidPosDriver::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool HidPosDriver::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

std::shared_ptr<usb::HidReportStream> HidPosDriver::current_stream() const {
  std::lock_guard lock(mu_);
  return stream_;
}

void HidPosDriver::set_stream(std::shared_ptr<usb::HidReportStream> s) {
  std::lock_guard lock(mu_);
  stream_ = std::move(s);
}

Status HidPosDriver::send_command(usb::HidReportStream& s, const std::string& profile_bytes) {
  const std::string cmd = serial_command(profile_bytes);
  const auto reports = command_reports(cmd, static_cast<std::size_t>(std::max(profile_.hid_pos.report_size, 3)));
  std::lock_guard wlock(write_mu_);
  if (expects_reply(cmd)) {
    const auto until = clock_.monotonic() + std::chrono::duration_cast<std::chrono::nanoseconds>(tuning_.reply_wait);
    reply_until_ns_ = until.count();
  }
  for (const auto& r : reports) {
    auto st = s.write_output_report(r);
    if (!st) return st;
  }
  return ok_status();
}

void HidPosDriver::configure(usb::HidReportStream& s) {
  std::uint64_t sent = 0, failed = 0;
  std::string last_err;
  if (profile_.hid_pos.route_feature) {
    const auto f = route_feature_report();
    Status st;
    {
      std::lock_guard wlock(write_mu_);
      st = s.set_feature_report(f);
    }
    if (st) {
      ++sent;
    } else {
      ++failed;
      last_err = st.error().message;
      spdlog::warn("{}: feature report 0xFE=0x01 (route output to HID POS) refused: {}", id_, st.error().message);
    }
  }
  for (const auto& cmd : profile_.init) {
    auto st = send_command(s, cmd);
    if (st) {
      ++sent;
    } else {
      ++failed;
      last_err = st.error().message;
      spdlog::warn("{}: init command '{}' refused: {}", id_, printable_command(cmd), st.error().message);
    }
  }
  std::lock_guard lock(mu_);
  stats_.init_sent += sent;
  stats_.init_failures += failed;
  if (!last_err.empty()) stats_.last_error = last_err;
}

Result<std::shared_ptr<usb::HidReportStream>> HidPosDriver::open_stream() {
  auto s = opener_(id_, interface_class_);
  if (!s) return s.error();
  std::shared_ptr<usb::HidReportStream> stream(std::move(*s));
  const std::string fw = stream->firmware_version();
  bool too_old = false;
  if (!profile_.min_firmware.empty() && !fw.empty() && compare_firmware(fw, profile_.min_firmware) < 0) {
    too_old = true;
    spdlog::warn("{}: firmware {} is older than {} required by profile {}; scans or commands may misbehave", id_,
                 fw, profile_.min_firmware, profile_.name);
  }
  {
    std::lock_guard lock(mu_);
    stats_.firmware_version = fw;
    stats_.firmware_too_old = too_old;
  }
  configure(*stream);
  return stream;
}

Status HidPosDriver::start(ScanHandler on_scan) {
  if (thread_.joinable()) return make_error("already_started", "driver " + id_ + " is already started");
  if (!on_scan) return make_error("invalid_argument", "driver " + id_ + ": on_scan handler is empty");
  if (!opener_) return make_error("invalid_argument", "driver " + id_ + ": no HID stream opener");
  if (auto v = validate_layout(profile_.hid_pos); !v) {
    return make_error(v.error().code, "driver " + id_ + ", profile " + profile_.name + ": " + v.error().message);
  }
  state_ = DriverState::opening;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  auto s = open_stream();
  if (s) set_stream(*s);
  on_scan_ = std::move(on_scan);
  state_ = s ? DriverState::in_service : DriverState::disconnected;
  if (!s) {
    std::lock_guard lock(mu_);
    stats_.last_error = s.error().message;
  }
  thread_ = std::thread([this] { run(); });
  if (!s) return s.error();
  return ok_status();
}

void HidPosDriver::stop() {
  std::shared_ptr<usb::HidReportStream> s;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    s = stream_;
  }
  cv_.notify_all();
  if (s) s->close();
  if (thread_.joinable()) thread_.join();
  set_stream(nullptr);
  state_ = DriverState::stopped;
}

bool HidPosDriver::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void HidPosDriver::note_reply(const CommandReply& r) {
  {
    std::lock_guard lock(mu_);
    switch (r.status) {
      case kAck: ++stats_.replies_ack; break;
      case kNak: ++stats_.replies_nak; break;
      case kEnq: ++stats_.replies_enq; break;
      default: ++stats_.replies_unknown; break;
    }
    stats_.last_reply = printable_command(r.echo);
  }
  if (r.status == kAck) {
    spdlog::debug("{}: menu reply {} {}", id_, printable_command(r.echo), status_name(r.status));
  } else {
    spdlog::warn("{}: menu command {} answered {} (ENQ: unknown to this firmware, NAK: bad value)", id_,
                 printable_command(r.echo), status_name(r.status));
  }
}

void HidPosDriver::run() {
  PosReportAssembler assembler(assembler_config(profile_));
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::max(profile_.hid_pos.report_size, 64)) + 64);
  AssemblerOutput out;
  auto backoff = tuning_.backoff_initial;
  auto publish_counters = [&] {
    std::lock_guard lock(mu_);
    stats_.assembler = assembler.counters();
  };

  // start() just failed to open: the first retry waits one backoff too (state stays
  // disconnected meanwhile instead of flickering through opening).
  if (!current_stream() && !wait_backoff(backoff)) return;
  while (!stopping()) {
    auto stream = current_stream();
    if (!stream) {
      state_ = DriverState::opening;
      auto s = open_stream();
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
        if (stopping_) {
          (*s)->close();
          break;
        }
        stream_ = *s;
        ++stats_.reconnects;
      }
      backoff = tuning_.backoff_initial;
      state_ = DriverState::in_service;
      spdlog::info("{}: reopened ({}), configured, back in service", id_, (*s)->describe());
      continue;
    }

    auto wait = tuning_.read_slice;
    if (auto deadline = assembler.idle_deadline()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock_.monotonic());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    auto n = stream->read_report(buf, wait);
    const auto now = clock_.monotonic();
    out.clear();
    if (!n) {
      if (stopping()) break;
      assembler.reset();
      stream->close();
      set_stream(nullptr);
      state_ = DriverState::disconnected;
      {
        std::lock_guard lock(mu_);
        ++stats_.disconnects;
        stats_.last_error = n.error().message;
        stats_.assembler = assembler.counters();
      }
      spdlog::warn("{}: {} ({}); reopening", id_, n.error().message, n.error().code);
      if (!wait_backoff(backoff)) break;
      backoff = std::min(backoff * 2, tuning_.backoff_max);
      continue;
    }
    assembler.expect_reply_until(std::chrono::nanoseconds(reply_until_ns_.load()));
    if (*n > 0) {
      assembler.feed(std::span<const std::uint8_t>(buf.data(), std::min(*n, buf.size())), now, out);
    }
    assembler.poll(now, out);
    publish_counters();  // cheap: one report (at most ~1000/s) or one idle slice per loop
    for (const auto& r : out.replies) note_reply(r);
    for (auto& sc : out.scans) {
      if (stopping()) break;
      on_scan_(RawScan{std::move(sc.data), id_, sc.mono});
    }
  }
  if (auto s = current_stream()) s->close();
  publish_counters();
}

Status HidPosDriver::feedback(Feedback kind) {
  const std::string* cmd = nullptr;
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
  auto s = current_stream();
  if (!s) return make_error("device_unavailable", "driver " + id_ + ": scanner is not open, cannot send feedback");
  auto st = send_command(*s, *cmd);
  std::lock_guard lock(mu_);
  if (!st) {
    stats_.last_error = st.error().message;
    return st;
  }
  ++stats_.feedback_sent;
  return ok_status();
}

}  // namespace scanedge::hid_pos
