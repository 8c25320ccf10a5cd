#include "drivers/ssi/ssi_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <variant>
#include <vector>

#include "drivers/ssi/ssi_commands.h"
#include "tests/unit/drivers/ssi/ssi_test_util.h"

namespace scanedge::ssi {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;
using testing::cat;
using testing::decode;
using testing::frame;
using testing::hex;
using testing::to_hex;

const Bytes kAck = hex("04 D0 04 00 FF 28");
const Bytes kHostNak = hex("05 D1 04 00 01 FF 25");
const Bytes kRevisionRequest = hex("04 A3 04 00 FF 55");
const Bytes kScannerAck = frame(0xD0);
Bytes scanner_nak(std::uint8_t reason) { return frame(0xD1, std::string(1, static_cast<char>(reason))); }
Bytes revision_reply(const std::string& fw = "PAAFLS00-002-R07") { return frame(0xA4, fw + " 0 DS3608"); }

// A fake scanner session. Every write() call is recorded as one chunk; an optional responder
// reacts to what the driver wrote (like a scanner answering commands). Thread-safe.
class FakeScanner {
 public:
  using Responder = std::function<void(const Bytes& written, FakeScanner& self)>;

  void set_responder(Responder r) {
    std::lock_guard lock(mu_);
    responder_ = std::move(r);
  }
  void push(const Bytes& bytes) {
    std::lock_guard lock(mu_);
    rx_.insert(rx_.end(), bytes.begin(), bytes.end());
    cv_.notify_all();
  }
  void fail(std::string code) {
    std::lock_guard lock(mu_);
    failure_ = std::move(code);
    cv_.notify_all();
  }
  std::vector<Bytes> writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }
  Bytes written() const {
    Bytes all;
    for (const auto& w : writes()) all.insert(all.end(), w.begin(), w.end());
    return all;
  }
  std::size_t count_writes(const Bytes& b) const {
    std::size_t n = 0;
    for (const auto& w : writes()) n += (w == b) ? 1 : 0;
    return n;
  }
  bool wait_for_write(const Bytes& b, std::size_t times = 1, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      std::size_t n = 0;
      for (const auto& w : writes_) n += (w == b) ? 1 : 0;
      return n >= times;
    });
  }
  int max_concurrent_writers() const { return max_writers_.load(); }
  void set_write_delay(std::chrono::microseconds d) { write_delay_ = d; }

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
    const int now = ++writers_;
    int prev = max_writers_.load();
    while (now > prev && !max_writers_.compare_exchange_weak(prev, now)) {
    }
    if (write_delay_.count() > 0) std::this_thread::sleep_for(write_delay_);
    --writers_;
    Responder r;
    Bytes w(bytes.begin(), bytes.end());
    {
      std::lock_guard lock(mu_);
      if (closed_) return make_error("device_closed", "fake closed");
      if (!failure_.empty()) return make_error(failure_, "fake write failure");
      writes_.push_back(w);
      r = responder_;
      cv_.notify_all();
    }
    if (r) r(w, *this);
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
  std::deque<std::uint8_t> rx_;
  std::vector<Bytes> writes_;
  Responder responder_;
  std::string failure_;
  bool closed_ = false;
  std::atomic<int> writers_{0};
  std::atomic<int> max_writers_{0};
  std::chrono::microseconds write_delay_{0};
};

// A well-behaved scanner: ACKs every command, answers REQUEST_REVISION.
FakeScanner::Responder polite(const std::string& fw = "PAAFLS00-002-R07") {
  return [fw](const Bytes& w, FakeScanner& s) {
    if (w.size() < 2) return;
    if (w[1] == 0xA3) {
      s.push(revision_reply(fw));
    } else if (w[1] != 0xD0 && w[1] != 0xD1) {
      s.push(kScannerAck);
    }
  };
}

class FakeStream final : public ByteStream {
 public:
  explicit FakeStream(std::shared_ptr<FakeScanner> d) : d_(std::move(d)) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    return d_->read(buf, timeout);
  }
  Status write(std::span<const std::uint8_t> bytes) override { return d_->write(bytes); }
  void close() override { d_->close(); }
  std::string describe() const override { return "fake-ssi"; }

 private:
  std::shared_ptr<FakeScanner> d_;
};

class FakeFactory {
 public:
  void add(std::shared_ptr<FakeScanner> d) {
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
      return std::unique_ptr<ByteStream>(std::make_unique<FakeStream>(std::get<std::shared_ptr<FakeScanner>>(o)));
    };
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::variant<std::shared_ptr<FakeScanner>, Error>> outcomes_;
  int opens_ = 0;
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
  std::vector<std::string> data() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> v;
    for (const auto& s : scans_) v.push_back(s.data);
    return v;
  }
  std::vector<RawScan> get() const {
    std::lock_guard lock(mu_);
    return scans_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RawScan> scans_;
};

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

Profile ssi_profile() {
  Profile p;
  p.name = "zebra-ds3608-ssi";
  p.driver = "ssi";
  p.aim_ids = false;
  p.ssi.params = {{0x9F, 1}, {0xEE, 0}};  // software handshaking on, packeted decode data
  return p;
}

class SsiDriverTest : public ::testing::Test {
 protected:
  DriverTuning tuning() {
    DriverTuning t;
    t.backoff_initial = 10ms;
    t.backoff_max = 40ms;
    t.read_slice = 10ms;
    t.command_timeout = 100ms;
    t.command_retries = 2;
    t.feedback_timeout = 100ms;
    return t;
  }
  std::shared_ptr<FakeScanner> scanner(FakeScanner::Responder r = polite()) {
    auto s = std::make_shared<FakeScanner>();
    s->set_responder(std::move(r));
    return s;
  }
  void start(std::shared_ptr<FakeScanner> s, bool wait_in_service = true) {
    factory_.add(std::move(s));
    driver_ = std::make_unique<SsiDriver>("/dev/ttyUSB0", profile_, clock_, factory_.factory(), tuning());
    auto st = driver_->start([this](RawScan r) { scans_.add(std::move(r)); });
    ASSERT_TRUE(st.ok()) << st.error().message;
    if (wait_in_service) {
      ASSERT_TRUE(wait_until([&] { return driver_->state() == DriverState::in_service; })) << to_string(driver_->state());
    }
  }
  void TearDown() override {
    if (driver_) driver_->stop();
  }

  Profile profile_ = ssi_profile();
  SystemClock clock_;
  FakeFactory factory_;
  Scans scans_;
  std::unique_ptr<SsiDriver> driver_;
};

const Bytes kParamSend = hex("09 C6 04 00 FF 9F 01 EE 00 FC A0");

TEST_F(SsiDriverTest, SessionSetUpSendsParamSendThenRevisionRequestAndGoesInService) {
  auto s = scanner();
  start(s);
  const auto w = s->writes();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(to_hex(w[0]), to_hex(kParamSend));
  EXPECT_EQ(to_hex(w[1]), to_hex(kRevisionRequest));
  const auto st = driver_->stats();
  EXPECT_EQ(st.param_send_ok, 1u);
  EXPECT_EQ(st.firmware_version, "PAAFLS00-002-R07");
  EXPECT_EQ(st.revision, "PAAFLS00-002-R07 0 DS3608");
  EXPECT_FALSE(st.firmware_too_old);
  EXPECT_EQ(driver_->id(), "serial:/dev/ttyUSB0");
}

TEST_F(SsiDriverTest, PermanentParamsAndInitCommandsAreSentInOrder) {
  profile_.ssi.permanent = true;
  profile_.init = {std::string("\xC4", 1), std::string("\xE9", 1)};  // AIM off, scan enable
  auto s = scanner();
  start(s);
  const auto w = s->writes();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(to_hex(w[0]), "09 C6 04 08 FF 9F 01 EE 00 FC 98");
  EXPECT_EQ(w[1], frame(0xC4, {}, 0, 0x04));
  EXPECT_EQ(w[2], frame(0xE9, {}, 0, 0x04));
  EXPECT_EQ(w[3], kRevisionRequest);
  EXPECT_EQ(driver_->stats().init_ok, 2u);
}

TEST_F(SsiDriverTest, AcksEveryDecodeDataAndDeliversTheScanWithTheAimIdOfItsType) {
  auto s = scanner();
  start(s);
  const auto before = clock_.monotonic();
  s->push(decode(0x0B, "4006381333931"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(s->wait_for_write(kAck));
  const auto got = scans_.get();
  EXPECT_EQ(got[0].data, "]E04006381333931");
  EXPECT_EQ(got[0].scanner, "serial:/dev/ttyUSB0");
  EXPECT_GE(got[0].mono, before);
  EXPECT_EQ(driver_->stats().acks_sent, 1u);
  EXPECT_EQ(driver_->stats().scans, 1u);
}

TEST_F(SsiDriverTest, BadChecksumIsNakedAndTheRetransmissionAcceptedOnce) {
  auto s = scanner();
  start(s);
  auto bad = decode(0x0F, "0109506000134352");
  bad.back() ^= 0x5A;
  s->push(bad);
  ASSERT_TRUE(s->wait_for_write(kHostNak));
  EXPECT_EQ(s->count_writes(kAck), 0u);
  EXPECT_TRUE(scans_.data().empty());
  s->push(decode(0x0F, "0109506000134352", kStatusRetransmit));
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(s->wait_for_write(kAck));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]C10109506000134352"});
  const auto w = s->writes();
  ASSERT_EQ(w.size(), 4u);  // PARAM_SEND, REQUEST_REVISION, NAK, ACK
  EXPECT_EQ(w[2], kHostNak);
  EXPECT_EQ(w[3], kAck);
  EXPECT_EQ(driver_->stats().naks_sent, 1u);
}

TEST_F(SsiDriverTest, DuplicateRetransmitAfterALostAckYieldsOneScanAndTwoAcks) {
  auto s = scanner();
  start(s);
  s->push(decode(0x1C, "https://id.gs1.org/01/09506000134352"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  s->push(decode(0x1C, "https://id.gs1.org/01/09506000134352", kStatusRetransmit));
  ASSERT_TRUE(s->wait_for_write(kAck, 2));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]Q1https://id.gs1.org/01/09506000134352"});
  EXPECT_EQ(driver_->stats().parser.duplicate_packets, 1u);
}

TEST_F(SsiDriverTest, ThreeContinuationPacketsMakeOneScanAndEachPacketIsAcked) {
  auto s = scanner();
  start(s);
  s->push(decode(0xC1, "0109506000134352", kStatusContinuation));
  s->push(decode(0xC1, "10ABC123\x1d", kStatusContinuation));
  s->push(decode(0xC1, "17270331"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(s->wait_for_write(kAck, 3));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]d2010950600013435210ABC123\x1d" "17270331"});
}

TEST_F(SsiDriverTest, OversizeScanIsAckedDroppedAndCounted) {
  profile_.max_scan_bytes = 16;
  auto s = scanner();
  start(s);
  s->push(decode(0x03, std::string(10, 'A'), kStatusContinuation));
  s->push(decode(0x03, std::string(10, 'B')));
  s->push(decode(0x03, "SMALL"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(s->wait_for_write(kAck, 3));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]C0SMALL"});
  EXPECT_EQ(driver_->stats().parser.oversize_messages, 1u);
}

TEST_F(SsiDriverTest, UnknownBarcodeTypeIsDeliveredWithoutAimIdAndCounted) {
  auto s = scanner();
  start(s);
  s->push(decode(0x7E, "MYSTERY"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"MYSTERY"});
  EXPECT_EQ(driver_->stats().unknown_barcode_types, 1u);
}

TEST_F(SsiDriverTest, ScannerSendingAimIdsItselfIsDeliveredUnchanged) {
  profile_.aim_ids = true;
  auto s = scanner();
  start(s);
  s->push(decode(0x0B, "]E04006381333931"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]E04006381333931"});
}

TEST_F(SsiDriverTest, ParamSendDeniedIsCountedAndTheDriverStaysInService) {
  auto s = scanner([](const Bytes& w, FakeScanner& self) {
    if (w[1] == 0xC6) self.push(scanner_nak(kNakDenied));
    else if (w[1] == 0xA3) self.push(revision_reply());
  });
  start(s);
  const auto st = driver_->stats();
  EXPECT_EQ(st.param_send_failed, 1u);
  EXPECT_EQ(st.param_send_ok, 0u);
  EXPECT_EQ(st.command_naks, 1u);
  EXPECT_EQ(s->count_writes(kParamSend), 1u);  // a denial is not retried
  EXPECT_NE(st.last_error.find("denied"), std::string::npos) << st.last_error;
  s->push(decode(0x0A, "96385074"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]E496385074"});
}

TEST_F(SsiDriverTest, NakResendMakesTheDriverSendTheCommandAgain) {
  auto naks = std::make_shared<int>(0);
  auto s = scanner([naks](const Bytes& w, FakeScanner& self) {
    if (w[1] == 0xC6 && (*naks)++ == 0) {
      self.push(scanner_nak(ssi::kNakResend));
    } else if (w[1] == 0xA3) {
      self.push(revision_reply());
    } else if (w[1] != 0xD0 && w[1] != 0xD1) {
      self.push(kScannerAck);
    }
  });
  start(s);
  EXPECT_EQ(s->count_writes(kParamSend), 2u);
  EXPECT_EQ(driver_->stats().param_send_ok, 1u);
  EXPECT_EQ(driver_->stats().command_resends, 1u);
}

TEST_F(SsiDriverTest, SilentScannerGetsBoundedRetriesThenTheDriverGoesInService) {
  auto s = scanner([](const Bytes&, FakeScanner&) {});
  start(s);
  EXPECT_EQ(s->count_writes(kParamSend), 3u);        // 1 + command_retries
  EXPECT_EQ(s->count_writes(kRevisionRequest), 3u);
  const auto st = driver_->stats();
  EXPECT_EQ(st.param_send_failed, 1u);
  EXPECT_EQ(st.command_timeouts, 6u);
  EXPECT_TRUE(st.firmware_version.empty());
}

TEST_F(SsiDriverTest, ScansArrivingDuringSetUpAreAckedAndDelivered) {
  auto s = scanner([](const Bytes& w, FakeScanner& self) {
    if (w[1] == 0xC6) {
      self.push(decode(0x0B, "4006381333931"));  // a scan queued in the scanner comes first
      self.push(kScannerAck);
    } else if (w[1] == 0xA3) {
      self.push(revision_reply());
    }
  });
  start(s);
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(driver_->stats().param_send_ok, 1u);
  EXPECT_EQ(s->count_writes(kAck), 1u);
}

TEST_F(SsiDriverTest, OlderFirmwareThanTheProfileMinimumIsFlagged) {
  profile_.min_firmware = "PAAFLS00-003-R01";
  auto s = scanner(polite("PAAFLS00-002-R07"));
  start(s);
  EXPECT_TRUE(driver_->stats().firmware_too_old);
  EXPECT_EQ(driver_->state(), DriverState::in_service);
}

TEST_F(SsiDriverTest, NewerFirmwareIsNotFlagged) {
  profile_.min_firmware = "PAAFLS00-002-R07";
  auto s = scanner(polite("PAAFLS00-002-R10"));
  start(s);
  EXPECT_FALSE(driver_->stats().firmware_too_old);
}

TEST_F(SsiDriverTest, FeedbackSendsTheProfileCommandAndSucceedsOnAck) {
  profile_.feedback.good = std::string("\xE6\x01", 2);
  profile_.feedback.bad = std::string("\xE7\x01", 2);
  auto s = scanner();
  start(s);
  auto st = driver_->feedback(Feedback::good);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(s->writes().back(), hex("05 E6 04 00 01 FF 10"));
  st = driver_->feedback(Feedback::bad);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(s->writes().back(), frame(0xE7, "\x01", 0, 0x04));
  EXPECT_EQ(driver_->stats().feedback_sent, 2u);
}

TEST_F(SsiDriverTest, FeedbackWithoutACommandIsUnsupportedButSucceedsAndSendsNothing) {
  auto s = scanner();
  start(s);
  const auto before = s->writes().size();
  EXPECT_TRUE(driver_->feedback(Feedback::storage_full).ok());
  EXPECT_EQ(s->writes().size(), before);
  EXPECT_EQ(driver_->stats().feedback_unsupported, 1u);
}

TEST_F(SsiDriverTest, FeedbackRefusedOrUnansweredIsAnError) {
  profile_.feedback.good = std::string("\xE6\x01", 2);
  profile_.feedback.warning = std::string("\xE6\x02", 2);
  auto s = scanner([](const Bytes& w, FakeScanner& self) {
    if (w[1] == 0xA3) self.push(revision_reply());
    else if (w[1] == 0xC6) self.push(kScannerAck);
    else if (w[1] == 0xE6 && w[4] == 0x01) self.push(scanner_nak(kNakDenied));
    // E6 02: no answer at all
  });
  start(s);
  auto refused = driver_->feedback(Feedback::good);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "feedback_refused");
  const auto t0 = std::chrono::steady_clock::now();
  auto silent = driver_->feedback(Feedback::warning);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, "feedback_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(s->count_writes(frame(0xE6, "\x02", 0, 0x04)), 1u);  // not resent on a timeout
  EXPECT_EQ(driver_->stats().feedback_failed, 2u);
}

TEST_F(SsiDriverTest, FeedbackWhileDisconnectedIsDeviceUnavailable) {
  profile_.feedback.good = std::string("\xE6\x01", 2);
  factory_.add_error("device_not_found");
  driver_ = std::make_unique<SsiDriver>("/dev/ttyUSB0", profile_, clock_, factory_.factory(), tuning());
  auto st = driver_->start([this](RawScan r) { scans_.add(std::move(r)); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "device_not_found");
  // The reader thread keeps retrying: it may be between attempts (disconnected) or inside
  // one (opening), never in service.
  const auto state = driver_->state();
  EXPECT_TRUE(state == DriverState::disconnected || state == DriverState::opening) << to_string(state);
  auto fb = driver_->feedback(Feedback::good);
  ASSERT_FALSE(fb.ok());
  EXPECT_EQ(fb.error().code, "device_unavailable");
}

TEST_F(SsiDriverTest, ReconnectRunsTheSessionSetUpAgain) {
  auto first = scanner();
  auto second = scanner();
  start(first);
  first->push(decode(0x0B, "4006381333931"));
  ASSERT_TRUE(scans_.wait_for_count(1));
  factory_.add_error("device_not_found");  // one failed reopen in between
  factory_.add(second);
  first->fail("device_disconnected");
  ASSERT_TRUE(second->wait_for_write(kRevisionRequest));
  ASSERT_TRUE(wait_until([&] { return driver_->state() == DriverState::in_service; }));
  const auto w = second->writes();
  ASSERT_GE(w.size(), 2u);
  EXPECT_EQ(w[0], kParamSend);
  EXPECT_EQ(w[1], kRevisionRequest);
  second->push(decode(0x0A, "96385074"));
  ASSERT_TRUE(scans_.wait_for_count(2));
  EXPECT_EQ(scans_.data(), (std::vector<std::string>{"]E04006381333931", "]E496385074"}));
  const auto st = driver_->stats();
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.reopen_failures, 1u);
  EXPECT_EQ(st.sessions, 2u);
  EXPECT_EQ(st.param_send_ok, 2u);
}

TEST_F(SsiDriverTest, FloodOfRandomBytesNeverCrashesAndTheNextScanStillArrives) {
  auto s = scanner();
  start(s);
  std::mt19937 rng(99);
  Bytes junk(200000);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng() & 0xFF);
  s->push(junk);
  ASSERT_TRUE(wait_until([&] { return driver_->stats().parser.bytes_in >= junk.size(); }));
  std::this_thread::sleep_for(400ms);  // let a partial candidate at the end go stale
  s->push(decode(0x0B, "4006381333931"));
  ASSERT_TRUE(wait_until([&] {
    const auto d = scans_.data();
    return !d.empty() && d.back() == "]E04006381333931";
  }));
  const auto st = driver_->stats();
  EXPECT_GT(st.parser.garbage_bytes, junk.size() / 2);
  EXPECT_EQ(driver_->state(), DriverState::in_service);
  // Every write is one whole frame: an ACK, a NAK resend, or set-up.
  for (const auto& w : s->writes()) EXPECT_TRUE(w == kAck || w == kHostNak || w == kParamSend || w == kRevisionRequest);
}

TEST_F(SsiDriverTest, FeedbackAndReaderAcksNeverWriteConcurrently) {
  profile_.feedback.good = std::string("\xE6\x01", 2);
  auto s = scanner();
  s->set_write_delay(300us);
  start(s);
  std::atomic<bool> done{false};
  std::thread fb([&] {
    while (!done) (void)driver_->feedback(Feedback::good);
  });
  for (int i = 0; i < 200; ++i) s->push(decode(0x03, "SCAN" + std::to_string(i)));
  const bool all = scans_.wait_for_count(200, 10s);
  done = true;
  fb.join();
  ASSERT_TRUE(all);
  EXPECT_EQ(s->max_concurrent_writers(), 1);
  for (const auto& w : s->writes()) {
    ASSERT_GE(w.size(), 6u);
    EXPECT_EQ(w[0], w.size() - 2) << to_hex(w);  // each write is exactly one frame
  }
  EXPECT_GT(driver_->stats().feedback_sent, 0u);
}

TEST_F(SsiDriverTest, StopIsPromptAndIdempotent) {
  auto s = scanner();
  start(s);
  const auto t0 = std::chrono::steady_clock::now();
  driver_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(driver_->state(), DriverState::stopped);
  driver_->stop();
  EXPECT_EQ(driver_->state(), DriverState::stopped);
}

TEST_F(SsiDriverTest, StartTwiceOrWithoutHandlerIsMisuse) {
  auto s = scanner();
  start(s);
  auto again = driver_->start([](RawScan) {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_started");
  SsiDriver other("/dev/ttyUSB1", profile_, clock_, factory_.factory(), tuning());
  auto none = other.start(nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "invalid_argument");
}

}  // namespace
}  // namespace scanedge::ssi
