#include "drivers/hid_keyboard/hid_keyboard_driver.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace scanedge::hid_keyboard {
namespace {

constexpr int kHidClass = 3;

}  // namespace

HidKeyboardDriver::HidKeyboardDriver(std::string identity, Profile profile, const Clock& clock,
                                     usb::HidStreamOpener opener, DriverTuning tuning)
    : id_(std::move(identity)),
      profile_(std::move(profile)),
      clock_(clock),
      opener_(std::move(opener)),
      tuning_(tuning),
      interface_class_(profile_.match.usb_interface_class >= 0 ? profile_.match.usb_interface_class : kHidClass) {}

HidKeyboardDriver::~HidKeyboardDriver() { stop(); }

DriverStats HidKeyboardDriver::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool HidKeyboardDriver::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

std::shared_ptr<usb::HidReportStream> HidKeyboardDriver::current_stream() const {
  std::lock_guard lock(mu_);
  return stream_;
}

void HidKeyboardDriver::set_stream(std::shared_ptr<usb::HidReportStream> s) {
  std::lock_guard lock(mu_);
  stream_ = std::move(s);
}

// Opens by identity and checks the firmware; counts nothing (callers do).
Result<std::shared_ptr<usb::HidReportStream>> HidKeyboardDriver::open_stream() {
  auto s = opener_(id_, interface_class_);
  if (!s) return s.error();
  std::shared_ptr<usb::HidReportStream> stream(std::move(*s));
  const std::string fw = stream->firmware_version();
  bool too_old = false;
  if (!profile_.min_firmware.empty() && !fw.empty() && compare_firmware(fw, profile_.min_firmware) < 0) {
    too_old = true;
    spdlog::warn("{}: firmware {} is older than {} required by profile {}; scans may be unreliable", id_, fw,
                 profile_.min_firmware, profile_.name);
  }
  {
    std::lock_guard lock(mu_);
    stats_.firmware_version = fw;
    stats_.firmware_too_old = too_old;
  }
  return stream;
}

Status HidKeyboardDriver::start(ScanHandler on_scan) {
  if (thread_.joinable()) return make_error("already_started", "driver " + id_ + " is already started");
  if (!on_scan) return make_error("invalid_argument", "driver " + id_ + ": on_scan handler is empty");
  if (!opener_) return make_error("invalid_argument", "driver " + id_ + ": no HID stream opener");
  auto config = decoder_config(profile_);
  if (!config) return make_error(config.error().code, "driver " + id_ + ": " + config.error().message);
  if (!profile_.init.empty()) {
    spdlog::warn("{}: profile {} has [init] commands, but a keyboard wedge has no command channel: ignored", id_,
                 profile_.name);
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
  thread_ = std::thread([this, c = std::move(*config)] { run(c); });
  if (!s) return s.error();
  return ok_status();
}

void HidKeyboardDriver::stop() {
  std::shared_ptr<usb::HidReportStream> s;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    s = stream_;
  }
  cv_.notify_all();
  if (s) s->close();  // a blocked read returns promptly
  if (thread_.joinable()) thread_.join();
  set_stream(nullptr);
  state_ = DriverState::stopped;
}

bool HidKeyboardDriver::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void HidKeyboardDriver::run(KeyboardDecoderConfig config) {
  KeyboardDecoder decoder(std::move(config));
  std::array<std::uint8_t, 256> buf{};
  std::vector<DecodedScan> scans;
  auto backoff = tuning_.backoff_initial;
  auto publish_counters = [&] {
    std::lock_guard lock(mu_);
    stats_.decoder = decoder.counters();
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
      spdlog::info("{}: reopened ({}), back in service", id_, (*s)->describe());
      continue;
    }

    // Wait no longer than the decoder's idle deadline so a suffix-less scan is flushed on time.
    auto wait = tuning_.read_slice;
    if (auto deadline = decoder.idle_deadline()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock_.monotonic());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    auto n = stream->read_report(buf, wait);
    const auto now = clock_.monotonic();
    scans.clear();
    if (!n) {
      if (stopping()) break;
      decoder.reset();
      stream->close();
      set_stream(nullptr);
      state_ = DriverState::disconnected;
      {
        std::lock_guard lock(mu_);
        ++stats_.disconnects;
        stats_.last_error = n.error().message;
        stats_.decoder = decoder.counters();
      }
      spdlog::warn("{}: {} ({}); reopening", id_, n.error().message, n.error().code);
      if (!wait_backoff(backoff)) break;
      backoff = std::min(backoff * 2, tuning_.backoff_max);
      continue;
    }
    if (*n > 0) {
      decoder.feed(std::span<const std::uint8_t>(buf.data(), std::min(*n, buf.size())), now, scans);
    }
    decoder.poll(now, scans);
    publish_counters();  // cheap: one report (at most ~1000/s) or one idle slice per loop
    for (auto& sc : scans) {
      if (stopping()) break;
      on_scan_(RawScan{std::move(sc.data), id_, sc.mono});
    }
  }
  if (auto s = current_stream()) s->close();
  publish_counters();
}

Status HidKeyboardDriver::feedback(Feedback /*kind*/) {
  std::lock_guard lock(mu_);
  ++stats_.feedback_unsupported;
  return ok_status();
}

}  // namespace scanedge::hid_keyboard
