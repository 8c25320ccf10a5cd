#include "drivers/serial_ascii/serial_ascii_driver.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

namespace scanedge::serial_ascii {
namespace {

using namespace std::chrono_literals;

// One plugged-in session of a fake device: the test pushes bytes or a failure; the driver's
// stream reads them. Thread-safe.
class FakeDevice {
 public:
  void push(const std::string& bytes) {
    std::lock_guard lock(mu_);
    for (char c : bytes) rx_.push_back(static_cast<std::uint8_t>(c));
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
  std::vector<std::uint8_t> written() const {
    std::lock_guard lock(mu_);
    return tx_;
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
  std::vector<std::uint8_t> tx_;
  std::string failure_;
  bool closed_ = false;
};

class FakeStream final : public ByteStream {
 public:
  explicit FakeStream(std::shared_ptr<FakeDevice> d) : d_(std::move(d)) {}
  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    return d_->read(buf, timeout);
  }
  Status write(std::span<const std::uint8_t> bytes) override { return d_->write(bytes); }
  void close() override { d_->close(); }
  std::string describe() const override { return "fake"; }

 private:
  std::shared_ptr<FakeDevice> d_;
};

// Hands out scripted open outcomes in order; once exhausted, every open fails.
class FakeFactory {
 public:
  void add_device(std::shared_ptr<FakeDevice> d) {
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
  std::string last_port() const {
    std::lock_guard lock(mu_);
    return last_port_;
  }
  // Open attempt number n (1-based) and later ones wait until release(): a test can look at
  // the driver between attempts however slowly it runs (qemu, a loaded CI machine).
  void hold_from(int n) {
    std::lock_guard lock(mu_);
    hold_from_ = n;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      hold_from_ = 0;
    }
    cv_.notify_all();
  }
  StreamFactory factory() {
    return [this](const std::string& port, const SerialSettings&) -> Result<std::unique_ptr<ByteStream>> {
      std::unique_lock lock(mu_);
      ++opens_;
      cv_.wait(lock, [&] { return hold_from_ == 0 || opens_ < hold_from_; });
      last_port_ = port;
      if (outcomes_.empty()) return make_error("device_not_found", "no fake device left");
      auto o = std::move(outcomes_.front());
      outcomes_.pop_front();
      if (auto* e = std::get_if<Error>(&o)) return *e;
      return std::unique_ptr<ByteStream>(std::make_unique<FakeStream>(std::get<std::shared_ptr<FakeDevice>>(o)));
    };
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::variant<std::shared_ptr<FakeDevice>, Error>> outcomes_;
  int opens_ = 0;
  int hold_from_ = 0;
  std::string last_port_;
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

Profile test_profile() {
  Profile p;
  p.name = "test";
  p.driver = "serial-ascii";
  p.suffix = "\r\n";
  p.idle_timeout = 50ms;
  return p;
}

DriverTuning fast_tuning() {
  DriverTuning t;
  t.read_slice = 20ms;
  t.backoff_initial = 10ms;
  t.backoff_max = 40ms;
  return t;
}

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return p();
}

TEST(SerialAsciiDriver, DeliversScanWithPortIdentityAndMonotonicTime) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  SerialAsciiDriver drv("/dev/ttyUSB3", test_profile(), clock, ff.factory(), fast_tuning());
  Scans scans;
  const auto before = clock.monotonic();
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  EXPECT_EQ(drv.state(), DriverState::in_service);
  EXPECT_EQ(ff.last_port(), "/dev/ttyUSB3");
  dev->push("]E04006381333931\r");
  dev->push("\n]C1010950600013435210AB\x1d" "17270331\r\n");
  ASSERT_TRUE(scans.wait_for_count(2));
  auto got = scans.get();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, "]E04006381333931");
  EXPECT_EQ(got[1].data, "]C1010950600013435210AB\x1d" "17270331");
  EXPECT_EQ(got[0].scanner, "serial:/dev/ttyUSB3");
  EXPECT_EQ(drv.id(), "serial:/dev/ttyUSB3");
  EXPECT_GE(got[0].mono, before);
  EXPECT_LE(got[0].mono, got[1].mono);
  drv.stop();
  EXPECT_EQ(scans.get().size(), 2u);  // CRLF gave no empty extra scan
  EXPECT_EQ(drv.stats().framer.scans, 2u);
}

TEST(SerialAsciiDriver, SuffixlessScanIsDeliveredAfterIdleTimeout) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  SerialAsciiDriver drv("/dev/ttyS0", test_profile(), clock, ff.factory(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  const auto t0 = std::chrono::steady_clock::now();
  dev->push("4006381333931");
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 45ms);
  EXPECT_EQ(scans.data(), std::vector<std::string>{"4006381333931"});
  EXPECT_EQ(drv.stats().framer.idle_flushes, 1u);
}

TEST(SerialAsciiDriver, StartReportsTheOpenErrorAndKeepsRetryingUntilThePortAppears) {
  SystemClock clock;
  FakeFactory ff;
  ff.add_error("permission_denied");
  ff.add_error("device_not_found");
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  ff.hold_from(3);  // the attempt that would find the device waits until we have looked
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), fast_tuning());
  Scans scans;
  auto st = drv.start([&](RawScan s) { scans.add(std::move(s)); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "permission_denied");
  // Not in service: waiting out the backoff (disconnected) or inside the held open (opening).
  const auto before_plug = drv.state();
  EXPECT_TRUE(before_plug == DriverState::disconnected || before_plug == DriverState::opening)
      << to_string(before_plug);
  EXPECT_TRUE(eventually([&] { return ff.opens() >= 3; }));  // it keeps retrying
  EXPECT_EQ(drv.state(), DriverState::opening);
  // Plugged in (or permission fixed) later: in service without a restart.
  ff.release();
  ASSERT_TRUE(eventually([&] { return drv.state() == DriverState::in_service; }));
  EXPECT_EQ(ff.opens(), 3);
  dev->push("LATE\r\n");
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"LATE"});
  drv.stop();
  EXPECT_EQ(drv.state(), DriverState::stopped);
}

TEST(SerialAsciiDriver, DeviceErrorDisconnectsThenReopensWithBackoff) {
  SystemClock clock;
  FakeFactory ff;
  auto dev1 = std::make_shared<FakeDevice>();
  auto dev2 = std::make_shared<FakeDevice>();
  ff.add_device(dev1);
  ff.add_error("device_not_found");  // still unplugged at the first retry
  ff.add_device(dev2);
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev1->push("BEFORE\r\n");
  ASSERT_TRUE(scans.wait_for_count(1));
  dev1->push("HALF-A-SC");  // unplugged mid-scan: this partial scan must not be delivered
  std::this_thread::sleep_for(10ms);
  dev1->fail("device_disconnected");
  ASSERT_TRUE(eventually([&] { return ff.opens() >= 3 && drv.state() == DriverState::in_service; }));
  EXPECT_TRUE(dev1->closed());
  dev2->push("AFTER\r\n");
  ASSERT_TRUE(scans.wait_for_count(2));
  EXPECT_EQ(scans.data(), (std::vector<std::string>{"BEFORE", "AFTER"}));
  auto st = drv.stats();
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.reopen_failures, 1u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.framer.partial_discarded, 1u);
  EXPECT_NE(st.last_error.find("device_not_found"), std::string::npos);
  drv.stop();
  EXPECT_TRUE(dev2->closed());
}

TEST(SerialAsciiDriver, StateIsDisconnectedWhileDeviceIsAway) {
  SystemClock clock;
  FakeFactory ff;
  auto dev1 = std::make_shared<FakeDevice>();
  ff.add_device(dev1);  // then every reopen fails
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  dev1->fail("device_disconnected");
  ASSERT_TRUE(eventually([&] { return ff.opens() >= 4; }));
  EXPECT_NE(drv.state(), DriverState::in_service);
  // Backoff is capped: in 300 ms with 10..40 ms delays there are several attempts, not hundreds.
  const int before = ff.opens();
  std::this_thread::sleep_for(300ms);
  const int tries = ff.opens() - before;
  EXPECT_GE(tries, 3);
  EXPECT_LE(tries, 15);
}

TEST(SerialAsciiDriver, StopJoinsPromptlyWhileReading) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  DriverTuning t = fast_tuning();
  t.read_slice = 10'000ms;  // even with a long read wait, stop() closes the stream
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), t);
  std::atomic<int> calls{0};
  ASSERT_TRUE(drv.start([&](RawScan) { ++calls; }).ok());
  std::this_thread::sleep_for(30ms);
  const auto t0 = std::chrono::steady_clock::now();
  drv.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(drv.state(), DriverState::stopped);
  EXPECT_TRUE(dev->closed());
  dev->push("LATE\r\n");
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(calls.load(), 0);
  drv.stop();  // idempotent
}

TEST(SerialAsciiDriver, StopIsPromptDuringReconnectBackoff) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  DriverTuning t = fast_tuning();
  t.backoff_initial = 10'000ms;
  t.backoff_max = 10'000ms;
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), t);
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  dev->fail("device_disconnected");
  ASSERT_TRUE(eventually([&] { return drv.state() == DriverState::disconnected; }));
  const auto t0 = std::chrono::steady_clock::now();
  drv.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

TEST(SerialAsciiDriver, HostAckProfileWritesAckForGoodAndNakForBad) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  Profile p = test_profile();
  p.host_ack = true;
  SerialAsciiDriver drv("/dev/ttyUSB0", p, clock, ff.factory(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  ASSERT_TRUE(drv.feedback(Feedback::good).ok());
  ASSERT_TRUE(drv.feedback(Feedback::bad).ok());
  ASSERT_TRUE(drv.feedback(Feedback::storage_full).ok());
  EXPECT_EQ(dev->written(), (std::vector<std::uint8_t>{0x06, 0x15, 0x15}));
  EXPECT_EQ(drv.stats().feedback_sent, 3u);
  drv.stop();
  auto st = drv.feedback(Feedback::good);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "device_unavailable");
}

TEST(SerialAsciiDriver, WithoutHostAckFeedbackSendsNothingAndIsCounted) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  SerialAsciiDriver drv("/dev/ttyUSB0", test_profile(), clock, ff.factory(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  EXPECT_TRUE(drv.feedback(Feedback::good).ok());
  EXPECT_TRUE(drv.feedback(Feedback::bad).ok());
  EXPECT_TRUE(dev->written().empty());
  EXPECT_EQ(drv.stats().feedback_unsupported, 2u);
}

TEST(SerialAsciiDriver, ProfileFeedbackCommandsAndInitAreWrittenOnEveryOpen) {
  SystemClock clock;
  FakeFactory ff;
  auto first = std::make_shared<FakeDevice>();
  auto second = std::make_shared<FakeDevice>();
  ff.add_device(first);
  ff.add_device(second);
  Profile p = test_profile();
  p.init = {"\x16M\rAIMENA1.", "\x16M\rSUFBK2990D."};
  p.feedback.bad = "\x16M\rBEPERR3.";
  SerialAsciiDriver drv("/dev/ttyUSB0", p, clock, ff.factory(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  auto as_string = [](const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); };
  EXPECT_EQ(as_string(first->written()), "\x16M\rAIMENA1.\x16M\rSUFBK2990D.");
  ASSERT_TRUE(drv.feedback(Feedback::bad).ok());
  ASSERT_TRUE(drv.feedback(Feedback::good).ok());  // no good command: nothing written
  EXPECT_EQ(as_string(first->written()), "\x16M\rAIMENA1.\x16M\rSUFBK2990D.\x16M\rBEPERR3.");
  EXPECT_EQ(drv.stats().feedback_sent, 1u);
  EXPECT_EQ(drv.stats().feedback_unsupported, 1u);
  first->fail("device_disconnected");  // replugged: the init sequence goes to the new port
  ASSERT_TRUE(eventually([&] { return as_string(second->written()) == "\x16M\rAIMENA1.\x16M\rSUFBK2990D."; }));
  EXPECT_TRUE(eventually([&] { return drv.stats().init_sent == 4u; }));
  drv.stop();
}

TEST(SerialAsciiDriver, GarbageFloodDoesNotStopLaterScans) {
  SystemClock clock;
  FakeFactory ff;
  auto dev = std::make_shared<FakeDevice>();
  ff.add_device(dev);
  Profile p = test_profile();
  p.max_scan_bytes = 64;
  SerialAsciiDriver drv("/dev/ttyUSB0", p, clock, ff.factory(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev->push(std::string(100'000, '\xff') + std::string(50, '\0'));
  dev->push("\r\n]E04006381333931\r\n");
  ASSERT_TRUE(scans.wait_for_count(1));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(scans.data(), std::vector<std::string>{"]E04006381333931"});
  auto st = drv.stats();
  EXPECT_EQ(st.framer.overlong_dropped, 1u);
  EXPECT_EQ(st.framer.garbage_bytes, 50u);
}

}  // namespace
}  // namespace scanedge::serial_ascii
