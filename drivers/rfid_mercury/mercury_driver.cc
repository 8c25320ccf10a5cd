#include "drivers/rfid_mercury/mercury_driver.h"

#include <algorithm>
#include <array>
#include <utility>

#include <spdlog/spdlog.h>

namespace scanedge::mercury {
namespace {

std::string hex_status(std::uint16_t s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[(s >> 12) & 0xF] + kDigits[(s >> 8) & 0xF] + kDigits[(s >> 4) & 0xF] +
         kDigits[s & 0xF];
}

rfid::RfidFilterSettings filter_settings(const Profile& p) {
  rfid::RfidFilterSettings s;
  s.window = p.rfid.window;
  s.min_reads = p.rfid.min_reads;
  s.rssi_min_dbm = p.rfid.rssi_min_dbm;
  s.absence_timeout = p.rfid.absence_timeout;
  s.max_tags = p.rfid.max_tags;
  return s;
}

}  // namespace

MercuryDriver::MercuryDriver(std::string port, Profile profile, const Clock& clock, StreamFactory factory,
                             DriverTuning tuning)
    : port_(std::move(port)),
      id_(serial::serial_scanner_id(port_)),
      profile_(std::move(profile)),
      clock_(clock),
      factory_(std::move(factory)),
      tuning_(tuning) {}

MercuryDriver::~MercuryDriver() { stop(); }

std::shared_ptr<ByteStream> MercuryDriver::current_stream() const {
  std::lock_guard lock(mu_);
  return stream_;
}

bool MercuryDriver::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void MercuryDriver::note_error(const std::string& msg) {
  std::lock_guard lock(mu_);
  stats_.last_error = msg;
}

DriverStats MercuryDriver::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void MercuryDriver::publish() {
  std::lock_guard lock(mu_);
  stats_.frames = parser_.counters();
  stats_.records = decoder_.counters();
  if (filter_) stats_.filter = filter_->counters();
  stats_.scans = scans_;
  stats_.frames_ignored = frames_ignored_;
}

Status MercuryDriver::start(ScanHandler on_scan) {
  if (thread_.joinable()) return make_error("already_started", "driver " + id_ + " is already started");
  if (!on_scan) return make_error("invalid_argument", "driver " + id_ + ": on_scan handler is empty");
  if (!factory_) return make_error("invalid_argument", "driver " + id_ + ": no stream factory");
  auto f = rfid::ReadFilter::create(filter_settings(profile_));
  if (!f) return make_error(f.error().code, "driver " + id_ + " (profile " + profile_.name + "): " + f.error().message);
  auto seq = start_sequence(profile_);
  if (!seq) {
    return make_error(seq.error().code, "driver " + id_ + " (profile " + profile_.name + "): " + seq.error().message);
  }
  filter_.emplace(std::move(*f));
  sequence_ = std::move(*seq);

  state_ = DriverState::opening;
  auto s = factory_(port_, profile_.serial);
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    if (s) stream_ = std::shared_ptr<ByteStream>(std::move(*s));
  }
  on_scan_ = std::move(on_scan);
  // Absent now: the thread keeps retrying, a reader plugged in later comes into service.
  state_ = s ? DriverState::opening : DriverState::disconnected;
  if (!s) note_error(s.error().message);
  thread_ = std::thread([this] { run(); });
  if (!s) return s.error();
  return ok_status();
}

void MercuryDriver::stop() {
  std::shared_ptr<ByteStream> s;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    s = stream_;
  }
  cv_.notify_all();
  if (s) {
    // After stopping_ is set the thread writes nothing more; tell the reader to stop
    // streaming (harmless if it was not).
    std::lock_guard wlock(write_mu_);
    auto frame = encode_request(opcode::kMultiProtocolTagOp, stop_reading_data());
    if (frame) {
      auto st = s->write(*frame);
      if (!st) spdlog::debug("{}: stop-reading not sent: {}", id_, st.error().message);
    }
    s->close();  // a blocked read returns within one slice
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    stream_.reset();
  }
  state_ = DriverState::stopped;
}

bool MercuryDriver::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

Status MercuryDriver::send(ByteStream& s, std::uint8_t op, std::span<const std::uint8_t> data) {
  auto frame = encode_request(op, data);
  if (!frame) return frame.error();
  std::lock_guard wlock(write_mu_);
  if (stopping()) return make_error("stopping", "driver " + id_ + " is stopping");
  return s.write(*frame);
}

Result<bool> MercuryDriver::await(ByteStream& s, std::uint8_t op, Frame& answer) {
  std::array<std::uint8_t, 512> buf{};
  frames_ignored_ += leftover_.size();
  leftover_.clear();
  const auto deadline = std::chrono::steady_clock::now() + tuning_.command_timeout;
  while (!stopping()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto n = s.read(buf, std::min(left, tuning_.read_slice));
    if (!n) return n.error();
    const auto now = clock_.monotonic();
    frames_.clear();
    if (*n > 0) {
      parser_.feed(std::span<const std::uint8_t>(buf.data(), *n), now, frames_);
    } else {
      parser_.poll(now, frames_);
    }
    bool found = false;
    for (const auto& f : frames_) {
      if (found) {
        leftover_.push_back(f);  // arrived with the answer: tag records right after "start"
      } else if (f.opcode == op) {
        answer = f;
        found = true;
      } else {
        ++frames_ignored_;  // e.g. tag records of a reader still streaming from before
      }
    }
    if (found) return true;
  }
  return false;
}

Status MercuryDriver::handshake(ByteStream& s) {
  for (const auto& cmd : sequence_) {
    if (stopping()) return make_error("stopping", "driver " + id_ + " is stopping");
    auto st = send(s, cmd.opcode, cmd.data);
    if (!st) return st;
    Frame answer;
    auto got = await(s, cmd.opcode, answer);
    if (!got) return got.error();
    if (!*got) {
      if (stopping()) return make_error("stopping", "driver " + id_ + " is stopping");
      if (cmd.response_optional) continue;
      if (cmd.required) {
        return make_error("mercury_no_answer", "reader " + id_ + " did not answer '" + cmd.what + "' within " +
                                                   std::to_string(tuning_.command_timeout.count()) + " ms");
      }
      spdlog::warn("{}: no answer to '{}'", id_, cmd.what);
      std::lock_guard lock(mu_);
      ++stats_.commands_unanswered;
      continue;
    }
    if (answer.status != kStatusOk) {
      if (cmd.response_optional) continue;
      if (cmd.required) {
        return make_error("mercury_command_failed",
                          "reader " + id_ + " answered '" + cmd.what + "' with status " + hex_status(answer.status));
      }
      spdlog::warn("{}: reader answered '{}' with status {}; continuing", id_, cmd.what, hex_status(answer.status));
      std::lock_guard lock(mu_);
      ++stats_.command_errors;
      continue;
    }
    if (cmd.opcode == opcode::kVersion) {
      auto v = parse_version(answer.data());
      if (!v) {
        spdlog::warn("{}: {}", id_, v.error().message);
        continue;
      }
      const auto fw = v->firmware_version();
      const bool too_old = !profile_.min_firmware.empty() && compare_firmware(fw, profile_.min_firmware) < 0;
      if (too_old) {
        spdlog::warn("{}: firmware {} is older than {} required by profile {}; some settings may not apply", id_, fw,
                     profile_.min_firmware, profile_.name);
      } else {
        spdlog::info("{}: Mercury reader hardware {} firmware {}", id_, v->hardware_version(), fw);
      }
      std::lock_guard lock(mu_);
      stats_.firmware_version = fw;
      stats_.hardware_version = v->hardware_version();
      stats_.firmware_too_old = too_old;
    }
  }
  return ok_status();
}

void MercuryDriver::handle_stream_frames(std::vector<Frame>& frames, std::chrono::nanoseconds now) {
  for (const auto& f : frames) {
    if (f.opcode != opcode::kReadTagIdMultiple && f.opcode != opcode::kGetTagIdBuffer) {
      ++frames_ignored_;
      continue;
    }
    const auto bad_before = decoder_.counters().malformed;
    const auto err_before = decoder_.counters().error_status;
    reads_.clear();
    decoder_.decode(f, now, reads_);
    if (decoder_.counters().malformed != bad_before) {
      spdlog::debug("{}: dropped malformed tag record: {}", id_, decoder_.last_error());
      note_error(decoder_.last_error());
    }
    if (decoder_.counters().error_status != err_before) {
      spdlog::warn("{}: reader reports status {} while reading", id_, hex_status(f.status));
    }
    for (const auto& r : reads_) {
      for (const auto& ev : filter_->feed(r)) {
        if (ev.kind != rfid::PresenceKind::appear) continue;
        if (stopping()) return;
        ++scans_;
        RawScan scan{ev.epc.to_hex(), id_, ev.time};
        scan.rfid_epc = true;  // the confirmer decodes it with decode_epc
        on_scan_(std::move(scan));
      }
    }
  }
}

void MercuryDriver::poll_filter(std::chrono::nanoseconds now) {
  // Disappear events only end sessions (counted by the filter); they are not scans.
  (void)filter_->poll(now);
}

void MercuryDriver::run() {
  std::array<std::uint8_t, 1024> buf{};
  auto backoff = tuning_.backoff_initial;
  bool need_handshake = true;

  auto drop_stream = [&](const std::shared_ptr<ByteStream>& s, const Error& e, bool io_error) {
    parser_.reset();
    s->close();
    {
      std::lock_guard lock(mu_);
      stream_.reset();
      if (io_error) {
        ++stats_.disconnects;
      } else {
        ++stats_.handshake_failures;
      }
      stats_.last_error = e.message;
    }
    state_ = DriverState::disconnected;
    need_handshake = true;
    publish();
    spdlog::warn("{}: {} ({}); reopening", id_, e.message, e.code);
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
      need_handshake = true;
      continue;
    }

    if (need_handshake) {
      state_ = DriverState::opening;
      parser_.reset();
      auto st = handshake(*stream);
      if (!st) {
        if (stopping()) break;
        const bool io = st.error().code != "mercury_no_answer" && st.error().code != "mercury_command_failed";
        drop_stream(stream, st.error(), io);
        if (!wait_backoff(backoff)) break;
        backoff = std::min(backoff * 2, tuning_.backoff_max);
        continue;
      }
      need_handshake = false;
      backoff = tuning_.backoff_initial;
      {
        std::lock_guard lock(mu_);
        ++stats_.handshakes;
      }
      state_ = DriverState::in_service;
      spdlog::info("{}: continuous reading started", id_);
      if (!leftover_.empty()) {
        handle_stream_frames(leftover_, clock_.monotonic());
        leftover_.clear();
      }
      publish();
      continue;
    }

    auto n = stream->read(buf, tuning_.read_slice);
    const auto now = clock_.monotonic();
    if (!n) {
      if (stopping()) break;
      drop_stream(stream, n.error(), true);
      if (!wait_backoff(backoff)) break;
      backoff = std::min(backoff * 2, tuning_.backoff_max);
      continue;
    }
    frames_.clear();
    if (*n > 0) {
      parser_.feed(std::span<const std::uint8_t>(buf.data(), *n), now, frames_);
    } else {
      parser_.poll(now, frames_);
    }
    handle_stream_frames(frames_, now);
    poll_filter(now);
    publish();
  }
  if (auto s = current_stream()) s->close();
  publish();
}

Status MercuryDriver::feedback(Feedback /*kind*/) {
  std::lock_guard lock(mu_);
  ++stats_.feedback_unsupported;
  return ok_status();
}

}  // namespace scanedge::mercury
