#include "drivers/serial_ascii/serial_ascii_driver.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>


namespace scanedge::serial_ascii {

SerialAsciiDriver::SerialAsciiDriver(std::string port, Profile profile, const Clock& clock, StreamFactory factory,
                                     DriverTuning tuning)
    : port_(std::move(port)),
      id_(serial::serial_scanner_id(port_)),
      profile_(std::move(profile)),
      clock_(clock),
      factory_(std::move(factory)),
      tuning_(tuning) {}

SerialAsciiDriver::~SerialAsciiDriver() { stop(); }

void SerialAsciiDriver::set_stream(std::shared_ptr<ByteStream> s) {
  std::lock_guard lock(mu_);
  stream_ = std::move(s);
}

std::shared_ptr<ByteStream> SerialAsciiDriver::current_stream() const {
  std::lock_guard lock(mu_);
  return stream_;
}

void SerialAsciiDriver::note_error(const std::string& msg) {
  std::lock_guard lock(mu_);
  stats_.last_error = msg;
}

DriverStats SerialAsciiDriver::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status SerialAsciiDriver::start(ScanHandler on_scan) {
  if (thread_.joinable()) return make_error("already_started", "driver " + id_ + " is already started");
  if (!on_scan) return make_error("invalid_argument", "driver " + id_ + ": on_scan handler is empty");
  if (!factory_) return make_error("invalid_argument", "driver " + id_ + ": no stream factory");
  state_ = DriverState::opening;
  auto s = factory_(port_, profile_.serial);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    if (s) stream_ = std::shared_ptr<ByteStream>(std::move(*s));
  }
  on_scan_ = std::move(on_scan);
  // A scanner that is absent (or not yet permitted) now is kept being retried by the reader
  // thread: plugging it in later puts it in service without restarting the agent.
  state_ = s ? DriverState::in_service : DriverState::disconnected;
  if (!s) note_error(s.error().message);
  if (auto first = current_stream()) send_init(*first);
  thread_ = std::thread([this] { run(); });
  if (!s) return s.error();
  return ok_status();
}

void SerialAsciiDriver::stop() {
  std::shared_ptr<ByteStream> s;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    s = stream_;
  }
  cv_.notify_all();
  if (s) s->close();  // a blocked read returns within one slice
  if (thread_.joinable()) thread_.join();
  set_stream(nullptr);
  state_ = DriverState::stopped;
}

bool SerialAsciiDriver::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void SerialAsciiDriver::run() {
  LineFramer framer(FramerConfig{profile_.prefix, profile_.suffix, profile_.idle_timeout, profile_.max_scan_bytes});
  std::array<std::uint8_t, 512> buf{};
  std::vector<FramedScan> scans;
  auto backoff = tuning_.backoff_initial;
  auto publish_counters = [&] {
    std::lock_guard lock(mu_);
    stats_.framer = framer.counters();
  };
  auto stopping = [this] {
    std::lock_guard lock(mu_);
    return stopping_;
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
        if (stopping_) {
          (*s)->close();
          break;
        }
        stream_ = std::shared_ptr<ByteStream>(std::move(*s));
        ++stats_.reconnects;
      }
      backoff = tuning_.backoff_initial;
      if (auto reopened = current_stream()) send_init(*reopened);
      state_ = DriverState::in_service;
      spdlog::info("{}: reopened, back in service", id_);
      continue;
    }

    // Wait no longer than the framer's idle deadline so a suffix-less scan is flushed on time.
    auto wait = tuning_.read_slice;
    if (auto deadline = framer.idle_deadline()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock_.monotonic());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    auto n = stream->read(buf, wait);
    const auto now = clock_.monotonic();
    scans.clear();
    if (!n) {
      if (stopping()) break;
      framer.reset();
      stream->close();
      set_stream(nullptr);
      state_ = DriverState::disconnected;
      {
        std::lock_guard lock(mu_);
        ++stats_.disconnects;
        stats_.last_error = n.error().message;
        stats_.framer = framer.counters();
      }
      spdlog::warn("{}: {} ({}); reopening", id_, n.error().message, n.error().code);
      if (!wait_backoff(backoff)) break;
      backoff = std::min(backoff * 2, tuning_.backoff_max);
      continue;
    }
    if (*n > 0) {
      framer.feed(std::span<const std::uint8_t>(buf.data(), *n), now, scans);
    } else {
      framer.poll(now, scans);
    }
    if (*n > 0 || !scans.empty()) publish_counters();
    for (auto& sc : scans) {
      if (stopping()) break;
      on_scan_(RawScan{std::move(sc.data), id_, sc.mono});
    }
  }
  if (auto s = current_stream()) s->close();
  publish_counters();
}

void SerialAsciiDriver::send_init(ByteStream& s) {
  for (const auto& cmd : profile_.init) {
    auto st = s.write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(cmd.data()), cmd.size()));
    std::lock_guard lock(mu_);
    if (!st) {
      ++stats_.init_failures;
      stats_.last_error = st.error().message;
      spdlog::warn("{}: init command not sent: {}", id_, st.error().message);
      return;  // the read loop notices a dead port; the next open sends the sequence again
    }
    ++stats_.init_sent;
  }
}

Status SerialAsciiDriver::feedback(Feedback kind) {
  std::string bytes;
  if (profile_.host_ack) {
    bytes.assign(1, static_cast<char>(kind == Feedback::good ? kAck : kNak));
  } else {
    switch (kind) {
      case Feedback::good: bytes = profile_.feedback.good; break;
      case Feedback::bad: bytes = profile_.feedback.bad; break;
      case Feedback::warning: bytes = profile_.feedback.warning; break;
      case Feedback::storage_full: bytes = profile_.feedback.storage_full; break;
    }
  }
  if (bytes.empty()) {
    std::lock_guard lock(mu_);
    ++stats_.feedback_unsupported;
    return ok_status();
  }
  auto s = current_stream();
  if (!s) return make_error("device_unavailable", "driver " + id_ + ": port is not open, cannot send feedback");
  auto st = s->write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  if (!st) return st;
  std::lock_guard lock(mu_);
  ++stats_.feedback_sent;
  return ok_status();
}

}  // namespace scanedge::serial_ascii
