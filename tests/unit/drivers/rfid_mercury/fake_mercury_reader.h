// A fake Mercury reader for driver unit tests: one plugged-in session of the device.
// It decodes the request frames the driver writes (with the library's request parser),
// records them, and answers each one synchronously: VERSION with a 20-byte version reply
// carrying `firmware`, every other opcode with status OK (or the status set with
// answer_status(); or no answer at all for opcodes in `silent`). Tests push tag frames,
// garbage or a failure into what the driver reads. Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "drivers/rfid_mercury/mercury_driver.h"
#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"

namespace scanedge::mercury::testing {

struct Request {
  std::uint8_t opcode;
  std::vector<std::uint8_t> data;
};

class FakeReader {
 public:
  std::array<std::uint8_t, 4> firmware{0x01, 0x0B, 0x02, 0x03};
  std::set<std::uint8_t> silent;                 // opcodes never answered
  std::map<std::uint8_t, std::uint16_t> status;  // opcode -> status word of the answer
  std::vector<std::uint8_t> after_start;         // sent in the same burst as the start answer

  void push(const std::vector<std::uint8_t>& bytes) {
    std::lock_guard lock(mu_);
    rx_.insert(rx_.end(), bytes.begin(), bytes.end());
    cv_.notify_all();
  }
  void fail(std::string code) {
    std::lock_guard lock(mu_);
    failure_ = std::move(code);
    cv_.notify_all();
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::uint8_t> opcodes() const {
    std::vector<std::uint8_t> v;
    for (const auto& r : requests()) v.push_back(r.opcode);
    return v;
  }
  std::vector<std::uint8_t> written() const {
    std::lock_guard lock(mu_);
    return tx_;
  }
  bool wait_for_request(std::uint8_t op, std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      std::size_t n = 0;
      for (const auto& r : requests_) n += r.opcode == op ? 1 : 0;
      return n >= count;
    });
  }
  bool streaming() const {
    std::lock_guard lock(mu_);
    return streaming_;
  }
  bool wait_streaming(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return streaming_; });
  }

  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !rx_.empty() || !failure_.empty() || closed_; });
    if (closed_) return make_error("device_closed", "fake closed");
    if (!rx_.empty()) {
      std::size_t n = 0;
      while (n < buf.size() && !rx_.empty()) {
        buf[n++] = rx_.front();
        rx_.pop_front();
      }
      return n;
    }
    if (!failure_.empty()) return make_error(failure_, "fake device failure: " + failure_);
    return std::size_t{0};
  }

  Status write(std::span<const std::uint8_t> bytes) {
    std::lock_guard lock(mu_);
    if (closed_) return make_error("device_closed", "fake closed");
    tx_.insert(tx_.end(), bytes.begin(), bytes.end());
    frames_.clear();
    parser_.feed(bytes, std::chrono::nanoseconds(0), frames_);
    for (const auto& f : frames_) {
      Request r{f.opcode, std::vector<std::uint8_t>(f.data().begin(), f.data().end())};
      requests_.push_back(r);
      answer(r);
    }
    cv_.notify_all();
    return ok_status();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  void answer(const Request& r) {  // mu_ held
    if (silent.count(r.opcode) != 0) return;
    const auto it = status.find(r.opcode);
    const std::uint16_t st = it == status.end() ? kStatusOk : it->second;
    std::vector<std::uint8_t> data;
    if (r.opcode == opcode::kVersion && st == kStatusOk) {
      data = {0x12, 0x03, 0x08, 0x00,  // bootloader
              0x18, 0x00, 0x00, 0x01,  // hardware
              0x20, 0x21, 0x03, 0x04,  // firmware date
              firmware[0], firmware[1], firmware[2], firmware[3],
              0x00, 0x00, 0x00, 0x10};  // protocols (Gen2)
    } else {
      data = r.data;  // Mercury readers echo the command's parameters
    }
    if (r.opcode == opcode::kMultiProtocolTagOp && st == kStatusOk && r.data.size() >= 3) {
      streaming_ = r.data[2] == 0x01;
    }
    auto f = encode_response(r.opcode, st, data);
    if (f) rx_.insert(rx_.end(), f->begin(), f->end());
    if (streaming_ && r.opcode == opcode::kMultiProtocolTagOp) rx_.insert(rx_.end(), after_start.begin(), after_start.end());
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::uint8_t> rx_;
  std::vector<std::uint8_t> tx_;
  std::vector<Request> requests_;
  FrameParser parser_{FrameParserConfig{FrameKind::request, kMaxData, std::chrono::milliseconds(0)}};
  std::vector<Frame> frames_;
  std::string failure_;
  bool closed_ = false;
  bool streaming_ = false;
};

class FakeStream final : public ByteStream {
 public:
  explicit FakeStream(std::shared_ptr<FakeReader> d) : d_(std::move(d)) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    return d_->read(buf, timeout);
  }
  Status write(std::span<const std::uint8_t> bytes) override { return d_->write(bytes); }
  void close() override { d_->close(); }
  std::string describe() const override { return "fake-mercury"; }

 private:
  std::shared_ptr<FakeReader> d_;
};

// Hands out scripted open outcomes in order; once exhausted, every open fails.
class FakeFactory {
 public:
  void add_device(std::shared_ptr<FakeReader> d) {
    std::lock_guard lock(mu_);
    outcomes_.emplace_back(std::move(d));
  }
  void add_error(std::string code) {
    std::lock_guard lock(mu_);
    outcomes_.emplace_back(make_error(code, "fake open error: " + code));
  }
  int opens() const {
    std::lock_guard lock(mu_);
    return opens_;
  }
  StreamFactory factory() {
    return [this](const std::string&, const SerialSettings&) -> Result<std::unique_ptr<ByteStream>> {
      std::lock_guard lock(mu_);
      ++opens_;
      if (outcomes_.empty()) return make_error("device_not_found", "no fake device left");
      auto o = std::move(outcomes_.front());
      outcomes_.pop_front();
      if (auto* e = std::get_if<Error>(&o)) return *e;
      return std::unique_ptr<ByteStream>(std::make_unique<FakeStream>(std::get<std::shared_ptr<FakeReader>>(o)));
    };
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::variant<std::shared_ptr<FakeReader>, Error>> outcomes_;
  int opens_ = 0;
};

// One continuous-read response frame carrying one record of `epc` (hex).
inline std::vector<std::uint8_t> tag_frame(const std::string& epc_hex, int rssi_dbm, int antenna,
                                           std::uint16_t metadata_flags = kStreamMetadata) {
  TagRecord r;
  r.read_count = 1;
  r.rssi_dbm = static_cast<std::int8_t>(rssi_dbm);
  r.antenna_ports = static_cast<std::uint8_t>(((antenna & 0xF) << 4) | (antenna & 0xF));
  r.frequency_khz = 915250;
  r.timestamp_ms = 42;
  r.protocol = kProtocolGen2;
  r.pc = 0x3000;
  r.epc = *rfid::EpcBytes::from_hex(epc_hex);
  r.tag_crc = 0xBEEF;
  auto data = encode_stream_data(std::span<const TagRecord>(&r, 1), metadata_flags, kStreamSearchFlags);
  return *encode_response(opcode::kReadTagIdMultiple, kStatusOk, *data);
}

}  // namespace scanedge::mercury::testing
