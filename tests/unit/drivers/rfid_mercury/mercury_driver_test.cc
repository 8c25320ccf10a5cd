#include "drivers/rfid_mercury/mercury_driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "tests/unit/drivers/rfid_mercury/fake_mercury_reader.h"

namespace scanedge::mercury {
namespace {

using namespace std::chrono_literals;
using testing::FakeFactory;
using testing::FakeReader;
using testing::tag_frame;
using Bytes = std::vector<std::uint8_t>;

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

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RawScan> scans_;
};

std::string epc_n(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "3074257BF7194E40000%05X", i);
  return buf;
}

// Waits until `pred` holds (polling), at most `timeout`.
template <class P>
bool eventually(P pred, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

class MercuryDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_.name = "test-mercury";
    profile_.driver = "rfid-mercury";
    tuning_.read_slice = 10ms;
    tuning_.backoff_initial = 5ms;
    tuning_.backoff_max = 20ms;
    tuning_.command_timeout = 300ms;
  }
  void TearDown() override {
    if (driver_) driver_->stop();
  }
  Status start() {
    driver_ = std::make_unique<MercuryDriver>("/dev/ttyUSB0", profile_, clock_, factory_.factory(), tuning_);
    return driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
  }
  std::shared_ptr<FakeReader> add_reader() {
    auto d = std::make_shared<FakeReader>();
    factory_.add_device(d);
    return d;
  }
  void wait_in_service() {
    ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }))
        << "state " << to_string(driver_->state()) << ", last error: " << driver_->stats().last_error;
  }
  static std::vector<std::uint8_t> start_sequence_ops() {
    return {0x2F, 0x03, 0x93, 0x91, 0x92, 0x9A, 0x2F};
  }

  Profile profile_;
  DriverTuning tuning_;
  FakeClock clock_;
  FakeFactory factory_;
  Scans scans_;
  std::unique_ptr<MercuryDriver> driver_;
};

TEST_F(MercuryDriverTest, SendsTheStartSequenceAndComesIntoService) {
  profile_.min_firmware = "01.0B.00.00";
  profile_.init = {std::string("\x97\x08", 2)};
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  EXPECT_EQ(reader->opcodes(), (Bytes{0x2F, 0x03, 0x93, 0x91, 0x92, 0x9A, 0x97, 0x2F}));
  const auto reqs = reader->requests();
  EXPECT_EQ(reqs.front().data, (Bytes{0x00, 0x00, 0x02}));  // a previous stream is stopped first
  EXPECT_EQ(reqs[3].data, (Bytes{0x02, 0x01, 0x01}));       // antenna 1
  EXPECT_EQ(reqs[4].data, (Bytes{0x07, 0xD0}));             // 2000 cdBm
  EXPECT_EQ(reqs[6].data, (Bytes{0x08}));                   // init: region EU
  EXPECT_EQ(reqs.back().data, start_reading_data());
  // The very first bytes on the wire are a complete, correctly framed stop-reading request.
  const auto wire = reader->written();
  ASSERT_GE(wire.size(), 8u);
  EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 6), (Bytes{0xFF, 0x03, 0x2F, 0x00, 0x00, 0x02}));
  EXPECT_TRUE(reader->streaming());
  const auto st = driver_->stats();
  EXPECT_EQ(st.firmware_version, "01.0B.02.03");
  EXPECT_FALSE(st.firmware_too_old);
  EXPECT_EQ(st.handshakes, 1u);
  EXPECT_EQ(driver_->id(), "serial:/dev/ttyUSB0");
}

TEST_F(MercuryDriverTest, ThousandReadsOfThirtyEpcsAreExactlyThirtyScans) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  std::map<std::string, int> want;
  Bytes burst;
  for (int i = 0; i < 1000; ++i) {
    const int tag = i % 30;
    want[epc_n(tag)] = 0;
    const auto f = tag_frame(epc_n(tag), -45 - (i % 7), 1 + (i % 2));
    burst.insert(burst.end(), f.begin(), f.end());
    if (burst.size() > 700) {  // the reader's bytes arrive in arbitrary chunks
      reader->push(burst);
      burst.clear();
    }
  }
  reader->push(burst);
  ASSERT_TRUE(eventually([&] { return driver_->stats().records.records == 1000; }))
      << driver_->stats().records.records;
  ASSERT_TRUE(scans_.wait_for_count(30));
  std::this_thread::sleep_for(50ms);
  const auto got = scans_.get();
  ASSERT_EQ(got.size(), 30u);
  for (const auto& s : got) {
    ASSERT_TRUE(want.count(s.data) == 1) << s.data;
    ++want[s.data];
    EXPECT_EQ(s.scanner, "serial:/dev/ttyUSB0");
    EXPECT_EQ(s.mono, clock_.monotonic());
    EXPECT_TRUE(s.rfid_epc) << "the confirmer must decode it as an EPC, not as barcode text";
  }
  for (const auto& [epc, n] : want) EXPECT_EQ(n, 1) << epc;
  const auto st = driver_->stats();
  EXPECT_EQ(st.scans, 30u);
  EXPECT_EQ(st.filter.reads_in, 1000u);
  EXPECT_EQ(st.filter.appears, 30u);
  EXPECT_EQ(st.frames.bad_crc, 0u);
  EXPECT_EQ(st.records.malformed, 0u);
}

TEST_F(MercuryDriverTest, WeakReadsAreIgnored) {
  profile_.rfid.rssi_min_dbm = -70.0;
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  Bytes b;
  for (int i = 0; i < 50; ++i) {
    auto weak = tag_frame(epc_n(1), -80, 1);
    b.insert(b.end(), weak.begin(), weak.end());
  }
  for (int i = 0; i < 2; ++i) {
    auto strong = tag_frame(epc_n(2), -60, 1);
    b.insert(b.end(), strong.begin(), strong.end());
  }
  reader->push(b);
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(eventually([&] { return driver_->stats().filter.reads_in == 52; }));
  std::this_thread::sleep_for(30ms);
  const auto got = scans_.get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, epc_n(2));
  EXPECT_EQ(driver_->stats().filter.below_threshold, 50u);
}

TEST_F(MercuryDriverTest, ReconnectResendsTheStartSequenceAndDoesNotRescanPresentTags) {
  auto first = add_reader();
  auto second = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  Bytes b;
  for (int i = 0; i < 4; ++i) {
    auto f = tag_frame(epc_n(i % 2), -50, 1);
    b.insert(b.end(), f.begin(), f.end());
  }
  first->push(b);
  ASSERT_TRUE(scans_.wait_for_count(2));
  first->fail("device_disconnected");  // USB adapter pulled
  ASSERT_TRUE(second->wait_streaming(3000ms));
  wait_in_service();
  EXPECT_EQ(second->opcodes(), start_sequence_ops());
  b.clear();
  for (int i = 0; i < 6; ++i) {  // tags 0 and 1 still in the field, tag 2 new
    auto f = tag_frame(epc_n(i % 3), -50, 1);
    b.insert(b.end(), f.begin(), f.end());
  }
  second->push(b);
  ASSERT_TRUE(scans_.wait_for_count(3));
  std::this_thread::sleep_for(30ms);
  const auto got = scans_.get();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].data, epc_n(2));
  const auto st = driver_->stats();
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.handshakes, 2u);
  EXPECT_TRUE(first->closed());
}

TEST_F(MercuryDriverTest, GarbageBadCrcAndTruncatedRecordsAreDroppedAndCounted) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  auto good = tag_frame(epc_n(7), -50, 1);
  auto corrupt = good;
  ASSERT_GT(corrupt.size(), 20u);
  corrupt.at(20) = static_cast<std::uint8_t>(corrupt.at(20) ^ 0x40);
  // A frame whose CRC is right but whose record is cut short (LEN shortened, CRC redone).
  auto short_data = Bytes(good.begin() + 5, good.end() - 6);
  auto truncated = *encode_response(opcode::kReadTagIdMultiple, kStatusOk, short_data);
  Bytes b{0x00, 0x42, 0x13};
  b.insert(b.end(), corrupt.begin(), corrupt.end());
  b.insert(b.end(), truncated.begin(), truncated.end());
  b.insert(b.end(), good.begin(), good.end());
  b.push_back(0x99);
  b.insert(b.end(), good.begin(), good.end());
  reader->push(b);
  ASSERT_TRUE(scans_.wait_for_count(1));
  ASSERT_TRUE(eventually([&] { return driver_->stats().records.records == 2; }));
  const auto st = driver_->stats();
  EXPECT_EQ(st.frames.bad_crc, 1u);
  EXPECT_GE(st.frames.garbage_bytes, 4u);
  EXPECT_EQ(st.records.truncated, 1u);
  EXPECT_NE(st.last_error.find("truncated"), std::string::npos) << st.last_error;
  EXPECT_EQ(scans_.get().size(), 1u);
}

TEST_F(MercuryDriverTest, RandomFloodDoesNotCrashAndReadingGoesOn) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  std::mt19937 rng(7);
  Bytes noise(256 * 1024);
  for (auto& x : noise) x = static_cast<std::uint8_t>(rng());
  reader->push(noise);
  // Give a stray header in the noise time to be given up, then read two real tags.
  ASSERT_TRUE(eventually([&] { return driver_->stats().frames.bytes_in >= noise.size(); }, 5000ms));
  clock_.advance(1s);
  std::this_thread::sleep_for(30ms);
  Bytes b;
  for (int i = 0; i < 4; ++i) {
    auto f = tag_frame(epc_n(100 + (i % 2)), -50, 1);
    b.insert(b.end(), f.begin(), f.end());
  }
  reader->push(b);
  clock_.advance(1s);  // a header left pending by the noise times out; what follows is decoded
  ASSERT_TRUE(eventually([&] {
    const auto s = scans_.get();
    return std::count_if(s.begin(), s.end(), [](const RawScan& r) {
             return r.data == epc_n(100) || r.data == epc_n(101);
           }) == 2;
  }, 5000ms));
  EXPECT_EQ(driver_->state(), DriverState::in_service);
  EXPECT_GT(driver_->stats().frames.garbage_bytes, 100000u);
}

TEST_F(MercuryDriverTest, TagThatLeftAndCameBackIsScannedAgain) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  auto two = [&] {
    Bytes b = tag_frame(epc_n(5), -50, 1);
    auto f = tag_frame(epc_n(5), -50, 1);
    b.insert(b.end(), f.begin(), f.end());
    return b;
  };
  reader->push(two());
  ASSERT_TRUE(scans_.wait_for_count(1));
  clock_.advance(4s);  // longer than absence_timeout (3 s): only polling can notice
  ASSERT_TRUE(eventually([&] { return driver_->stats().filter.disappears == 1; }));
  reader->push(two());
  ASSERT_TRUE(scans_.wait_for_count(2));
  EXPECT_EQ(scans_.get()[1].data, epc_n(5));
}

TEST_F(MercuryDriverTest, OldFirmwareIsFlagged) {
  profile_.min_firmware = "01.0C.00.00";
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  const auto st = driver_->stats();
  EXPECT_EQ(st.firmware_version, "01.0B.02.03");
  EXPECT_TRUE(st.firmware_too_old);
}

TEST_F(MercuryDriverTest, SilentReaderFailsTheHandshakeAndIsRetried) {
  auto mute = std::make_shared<FakeReader>();
  mute->silent = {0x2F, 0x03};
  factory_.add_device(mute);
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  const auto st = driver_->stats();
  EXPECT_EQ(st.handshake_failures, 1u);
  EXPECT_EQ(st.handshakes, 1u);
  EXPECT_TRUE(mute->closed());
  EXPECT_EQ(reader->opcodes(), start_sequence_ops());
}

TEST_F(MercuryDriverTest, RejectedOptionalSettingIsCountedRejectedStartIsFatal) {
  auto picky = std::make_shared<FakeReader>();
  picky->status[0x92] = 0x0105;  // read power refused: reading still starts
  factory_.add_device(picky);
  ASSERT_TRUE(start().ok());
  wait_in_service();
  EXPECT_EQ(driver_->stats().command_errors, 1u);
  driver_->stop();
  driver_.reset();

  auto refusing = std::make_shared<FakeReader>();
  refusing->status[0x2F] = 0x0101;
  factory_.add_device(refusing);
  ASSERT_TRUE(start().ok());
  ASSERT_TRUE(eventually([&] { return driver_->stats().handshake_failures >= 1; }));
  EXPECT_NE(driver_->state(), DriverState::in_service);
  EXPECT_NE(driver_->stats().last_error.find("status 0x0101"), std::string::npos) << driver_->stats().last_error;
}

TEST_F(MercuryDriverTest, MissingReaderIsReportedAndComesIntoServiceWhenPluggedIn) {
  factory_.add_error("device_not_found");
  auto reader = add_reader();
  auto st = start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "device_not_found");
  wait_in_service();
  EXPECT_EQ(reader->opcodes(), start_sequence_ops());
}

TEST_F(MercuryDriverTest, StopSendsStopReadingAndClosesPromptly) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  const auto t0 = std::chrono::steady_clock::now();
  driver_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(driver_->state(), DriverState::stopped);
  const auto reqs = reader->requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs.back().opcode, 0x2F);
  EXPECT_EQ(reqs.back().data, stop_reading_data());
  EXPECT_FALSE(reader->streaming());
  EXPECT_TRUE(reader->closed());
  driver_->stop();  // idempotent
}

TEST_F(MercuryDriverTest, FeedbackIsUnsupportedCountedAndSucceeds) {
  auto reader = add_reader();
  ASSERT_TRUE(start().ok());
  wait_in_service();
  const auto before = reader->written().size();
  EXPECT_TRUE(driver_->feedback(Feedback::good).ok());
  EXPECT_TRUE(driver_->feedback(Feedback::bad).ok());
  EXPECT_EQ(driver_->stats().feedback_unsupported, 2u);
  EXPECT_EQ(reader->written().size(), before);
}

TEST_F(MercuryDriverTest, InvalidProfileIsRefusedWithoutRunning) {
  profile_.rfid.antennas = {20};
  auto st = start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "mercury_config_invalid");
  EXPECT_EQ(factory_.opens(), 0);
  EXPECT_EQ(driver_->state(), DriverState::stopped);

  profile_.rfid.antennas = {1};
  profile_.rfid.min_reads = 0;
  st = start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "rfid_settings_invalid");
}

TEST_F(MercuryDriverTest, TagRecordsArrivingWithTheStartAnswerAreNotLost) {
  // A reader starts streaming at once: its first tag frames arrive in the same read as the
  // answer to the start command, while the driver is still waiting for that answer.
  auto reader = std::make_shared<FakeReader>();
  reader->after_start = tag_frame(epc_n(9), -50, 1);
  const auto again = tag_frame(epc_n(9), -50, 1);
  reader->after_start.insert(reader->after_start.end(), again.begin(), again.end());
  factory_.add_device(reader);
  ASSERT_TRUE(start().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.get()[0].data, epc_n(9));
  EXPECT_EQ(driver_->stats().frames_ignored, 0u);
}

}  // namespace
}  // namespace scanedge::mercury
