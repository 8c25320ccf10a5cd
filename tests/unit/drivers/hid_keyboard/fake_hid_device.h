// Test doubles for the HidReportStream seam, shared by the hid_keyboard and hid_pos driver
// tests: FakeHidDevice (one plugged-in session: queued input reports, recorded output and
// feature reports, injectable failures), FakeHidStream over it, FakeHidOpener handing out
// scripted open outcomes, Scans collecting on_scan calls. All thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "drivers/usb/hid_report_stream.h"
#include "edge/core/raw_scan.h"

namespace scanedge::test {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

class FakeHidDevice {
 public:
  explicit FakeHidDevice(std::string firmware = "") : firmware_(std::move(firmware)) {}

  void push(Bytes report) {
    std::lock_guard lock(mu_);
    rx_.push_back(std::move(report));
    cv_.notify_all();
  }
  void push_all(const std::vector<Bytes>& reports) {
    for (const auto& r : reports) push(r);
  }
  // Reads fail with `code` once the queued reports are consumed (device_disconnected: unplug).
  void fail(std::string code) {
    std::lock_guard lock(mu_);
    failure_ = std::move(code);
    cv_.notify_all();
  }
  void fail_writes(bool on) {
    std::lock_guard lock(mu_);
    fail_writes_ = on;
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<Bytes> outputs() const {
    std::lock_guard lock(mu_);
    return outputs_;
  }
  std::vector<Bytes> features() const {
    std::lock_guard lock(mu_);
    return features_;
  }
  // Output and feature reports in the order they were sent, feature reports tagged "F".
  std::vector<std::pair<char, Bytes>> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::string firmware() const { return firmware_; }

  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !rx_.empty() || !failure_.empty() || closed_; });
    if (closed_) return make_error("device_closed", "fake closed");
    if (!rx_.empty()) {
      Bytes r = std::move(rx_.front());
      rx_.pop_front();
      const std::size_t n = std::min(r.size(), buf.size());
      std::copy_n(r.begin(), n, buf.begin());
      return n;
    }
    if (!failure_.empty()) return make_error(failure_, "fake device failure: " + failure_);
    return std::size_t{0};
  }
  Status write(char kind, std::span<const std::uint8_t> report) {
    std::lock_guard lock(mu_);
    if (closed_) return make_error("device_closed", "fake closed");
    if (fail_writes_) return make_error("device_io", "fake write failure");
    Bytes b(report.begin(), report.end());
    (kind == 'F' ? features_ : outputs_).push_back(b);
    sent_.emplace_back(kind, std::move(b));
    return ok_status();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Bytes> rx_;
  std::vector<Bytes> outputs_, features_;
  std::vector<std::pair<char, Bytes>> sent_;
  std::string failure_;
  std::string firmware_;
  bool closed_ = false;
  bool fail_writes_ = false;
};

class FakeHidStream final : public usb::HidReportStream {
 public:
  explicit FakeHidStream(std::shared_ptr<FakeHidDevice> d) : d_(std::move(d)) {}
  Result<std::size_t> read_report(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    return d_->read(buf, timeout);
  }
  Status write_output_report(std::span<const std::uint8_t> report) override { return d_->write('O', report); }
  Status set_feature_report(std::span<const std::uint8_t> report) override { return d_->write('F', report); }
  void close() override { d_->close(); }
  std::string describe() const override { return "fake hid"; }
  std::string firmware_version() const override { return d_->firmware(); }

 private:
  std::shared_ptr<FakeHidDevice> d_;
};

// Hands out scripted open outcomes in order; once exhausted, every open fails with
// device_not_found. Records the identity and interface class asked for and when.
class FakeHidOpener {
 public:
  void add_device(std::shared_ptr<FakeHidDevice> d) {
    std::lock_guard lock(mu_);
    outcomes_.emplace_back(std::move(d));
  }
  void add_error(std::string code) {
    std::lock_guard lock(mu_);
    outcomes_.emplace_back(make_error(code, "fake open error: " + code));
  }
  int opens() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(open_times_.size());
  }
  std::vector<std::chrono::steady_clock::time_point> open_times() const {
    std::lock_guard lock(mu_);
    return open_times_;
  }
  std::vector<std::string> identities() const {
    std::lock_guard lock(mu_);
    return identities_;
  }
  int last_class() const {
    std::lock_guard lock(mu_);
    return last_class_;
  }
  usb::HidStreamOpener opener() {
    return [this](const std::string& identity, int cls) -> Result<std::unique_ptr<usb::HidReportStream>> {
      std::lock_guard lock(mu_);
      open_times_.push_back(std::chrono::steady_clock::now());
      identities_.push_back(identity);
      last_class_ = cls;
      if (outcomes_.empty()) return make_error("device_not_found", "no fake device left");
      auto o = std::move(outcomes_.front());
      outcomes_.pop_front();
      if (auto* e = std::get_if<Error>(&o)) return *e;
      return std::unique_ptr<usb::HidReportStream>(
          std::make_unique<FakeHidStream>(std::get<std::shared_ptr<FakeHidDevice>>(o)));
    };
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::variant<std::shared_ptr<FakeHidDevice>, Error>> outcomes_;
  std::vector<std::chrono::steady_clock::time_point> open_times_;
  std::vector<std::string> identities_;
  int last_class_ = -2;
};

class Scans {
 public:
  void add(RawScan s) {
    std::lock_guard lock(mu_);
    scans_.push_back(std::move(s));
    cv_.notify_all();
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return scans_.size() >= n; });
  }
  std::vector<RawScan> get() const {
    std::lock_guard lock(mu_);
    return scans_;
  }
  std::vector<std::string> data() const {
    std::vector<std::string> v;
    for (const auto& s : get()) v.push_back(s.data);
    return v;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RawScan> scans_;
};

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return p();
}

}  // namespace scanedge::test
