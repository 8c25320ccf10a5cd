// The SSI driver over the REAL libserialport code path against a umockdev-emulated USB serial
// adapter (/dev/ttyUSB0) whose pty plays a Zebra SSI scanner from a script: 'r' lines are
// bytes the scanner sends, 'w' lines are bytes the driver MUST write before the script goes
// on. So a scripted answer only arrives if the driver really wrote the expected frame.
//
// Binary bytes in umockdev scripts: bytes < 32 are escaped as '^' + (b + 64) and '^' itself
// as "^`"; every other byte, including 0x7F..0xFF (SSI opcodes, checksums), is written
// verbatim into the script file, which umockdev reads and compares byte for byte (it is not
// treated as text). The frames below have opcodes and checksums >= 0x80, so these tests
// prove that path; see encode().
//
// See CMakeLists.txt for how the process gets the umockdev preload and the pty shim.
#include <unistd.h>

#include <umockdev.h>

#include <libserialport.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "drivers/ssi/ssi_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::ssi {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

struct Op {
  char op;
  int delay_ms;
  Bytes bytes;
};

// umockdev script data: bytes < 32 as '^' + (b + 64), '^' as "^`", all others verbatim.
std::string encode(const Bytes& bytes) {
  std::string out;
  for (std::uint8_t c : bytes) {
    if (c == '^') {
      out += "^`";
    } else if (c < 32) {
      out += '^';
      out += static_cast<char>(c + 64);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// An SSI frame built here, independently of the driver's encoder.
Bytes frame(std::uint8_t op, const std::string& data = {}, std::uint8_t status = 0, std::uint8_t source = 0x00) {
  Bytes b{static_cast<std::uint8_t>(4 + data.size()), op, source, status};
  for (char c : data) b.push_back(static_cast<std::uint8_t>(c));
  unsigned sum = 0;
  for (auto x : b) sum += x;
  const unsigned ck = (0x10000u - (sum & 0xFFFFu)) & 0xFFFFu;
  b.push_back(static_cast<std::uint8_t>(ck >> 8));
  b.push_back(static_cast<std::uint8_t>(ck & 0xFF));
  return b;
}

const Bytes kHostAck{0x04, 0xD0, 0x04, 0x00, 0xFF, 0x28};
const Bytes kHostNakResend{0x05, 0xD1, 0x04, 0x00, 0x01, 0xFF, 0x25};
const Bytes kRevisionRequest{0x04, 0xA3, 0x04, 0x00, 0xFF, 0x55};
// PARAM_SEND, no beep: 0x9F (software handshaking) = 1, 0xEE (packeted decode data) = 1,
// 0x1F5 (extended number) = 0x80.
const Bytes kParamSend{0x0D, 0xC6, 0x04, 0x00, 0xFF, 0x9F, 0x01, 0xEE, 0x01, 0xF8, 0x01, 0xF5, 0x80, 0xFA, 0x2D};

class Collector {
 public:
  void add(RawScan s) {
    std::lock_guard lock(mu_);
    scans_.push_back(std::move(s));
    cv_.notify_all();
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return scans_.size() >= n; });
  }
  std::vector<std::string> data() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> v;
    for (const auto& s : scans_) v.push_back(s.data);
    return v;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RawScan> scans_;
};

class EmulatedSsiScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = umockdev_testbed_new();
    ASSERT_NE(testbed_, nullptr);
    GError* err = nullptr;
    ASSERT_TRUE(umockdev_testbed_add_from_file(testbed_, SCANEDGE_SERIAL_DEVICE_FILE, &err))
        << (err != nullptr ? err->message : "add_from_file failed");
    sp_port* p = nullptr;
    ASSERT_EQ(sp_get_port_by_name("/dev/ttyUSB0", &p), SP_OK) << "emulated /dev/ttyUSB0 not visible";
    const char* serial = sp_get_port_usb_serial(p);
    const std::string sn = serial != nullptr ? serial : "";
    sp_free_port(p);
    ASSERT_EQ(sn, "SCANEDGE-EMU-0001") << "not the umockdev testbed: is libumockdev-preload active?";

    profile_.name = "zebra-ssi-test";
    profile_.driver = "ssi";
    profile_.aim_ids = false;
    profile_.serial.baud = 9600;
    profile_.ssi.params = {{0x9F, 1}, {0xEE, 1}, {0x1F5, 0x80}};
    script_path_ = (std::filesystem::temp_directory_path() /
                    ("scanedge_ssi_" + std::to_string(::getpid()) + "_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".script"))
                       .string();
  }
  void TearDown() override {
    if (driver_) driver_->stop();
    driver_.reset();
    if (testbed_ != nullptr) g_object_unref(testbed_);
    std::error_code ec;
    std::filesystem::remove(script_path_, ec);
  }

  void load_script(const std::vector<Op>& ops) {
    std::ofstream out(script_path_, std::ios::binary);
    for (const auto& o : ops) out << o.op << ' ' << o.delay_ms << ' ' << encode(o.bytes) << '\n';
    out.close();
    GError* err = nullptr;
    ASSERT_TRUE(umockdev_testbed_load_script(testbed_, "/dev/ttyUSB0", script_path_.c_str(), &err))
        << (err != nullptr ? err->message : "load_script failed");
  }

  Status start_driver() {
    DriverTuning t;
    t.backoff_initial = 20ms;
    t.backoff_max = 200ms;
    t.command_timeout = 1000ms;
    t.command_retries = 0;  // a script cannot answer a repeated command: fail loudly instead
    driver_ = std::make_unique<SsiDriver>("/dev/ttyUSB0", profile_, clock_, serial_port_factory(), t);
    return driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
  }

  bool wait_in_service(std::chrono::milliseconds timeout = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (driver_->state() == DriverState::in_service) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  UMockdevTestbed* testbed_ = nullptr;
  Profile profile_;
  std::string script_path_;
  SystemClock clock_;
  Collector scans_;
  std::unique_ptr<SsiDriver> driver_;
};

// GS1-128 with a GS separator; its type byte 0x0F makes the driver add ]C1.
const std::string kGs1Data = "010950600013435210ABC123\x1d" "17270331";

TEST_F(EmulatedSsiScanner, RetransmitAfterOurNakYieldsExactlyOneScan) {
  Bytes bad = frame(0xF3, std::string(1, '\x0F') + kGs1Data);
  bad[bad.size() - 1] = static_cast<std::uint8_t>(bad[bad.size() - 1] ^ 0x81);  // corrupt the checksum
  const Bytes resent = frame(0xF3, std::string(1, '\x0F') + kGs1Data, 0x01);  // retransmit bit
  const Bytes ean13 = frame(0xF3, std::string(1, '\x0B') + "4006381333931");
  load_script({
      {'w', 0, kParamSend},                          // the driver must configure the scanner first
      {'r', 10, frame(0xD0)},                        // scanner ACKs the PARAM_SEND
      {'w', 0, kRevisionRequest},
      {'r', 10, frame(0xA4, "PAAFLS00-002-R07 0 DS3608")},
      {'r', 100, bad},                               // corrupted on the wire
      {'w', 0, kHostNakResend},                      // the scanner waits for our NAK ...
      {'r', 20, resent},                             // ... and resends with the retransmit bit
      {'w', 0, kHostAck},
      {'r', 20, ean13},                              // only sent once the ACK came
      {'w', 0, kHostAck},
  });
  auto st = start_driver();
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(wait_in_service()) << to_string(driver_->state());
  ASSERT_TRUE(scans_.wait_for_count(2)) << "scans so far: " << scans_.data().size();
  std::this_thread::sleep_for(300ms);  // nothing else may arrive
  EXPECT_EQ(scans_.data(), (std::vector<std::string>{"]C1" + kGs1Data, "]E04006381333931"}));
  const auto stats = driver_->stats();
  EXPECT_EQ(stats.param_send_ok, 1u);
  EXPECT_EQ(stats.firmware_version, "PAAFLS00-002-R07");
  EXPECT_EQ(stats.naks_sent, 1u);
  EXPECT_EQ(stats.acks_sent, 2u);
  EXPECT_EQ(stats.parser.bad_checksum_reported, 1u);
  EXPECT_EQ(stats.scans, 2u);
  EXPECT_EQ(stats.disconnects, 0u);
}

TEST_F(EmulatedSsiScanner, LostAckRetransmitIsAckedAgainButNotDeliveredTwice) {
  const Bytes scan = frame(0xF3, std::string(1, '\x1C') + "https://id.gs1.org/01/09506000134352");
  // The same packet with the retransmit bit.
  const Bytes again = frame(0xF3, std::string(1, '\x1C') + "https://id.gs1.org/01/09506000134352", 0x01);
  load_script({
      {'w', 0, kParamSend},
      {'r', 10, frame(0xD0)},
      {'w', 0, kRevisionRequest},
      {'r', 10, frame(0xA4, "PAAFLS00-002-R07 0 DS3608")},
      {'r', 100, scan},
      {'w', 0, kHostAck},
      {'r', 20, again},  // as if our ACK had been lost on the line
      {'w', 0, kHostAck},
  });
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]Q1https://id.gs1.org/01/09506000134352"});
  const auto stats = driver_->stats();
  EXPECT_EQ(stats.acks_sent, 2u);
  EXPECT_EQ(stats.parser.duplicate_packets, 1u);
}

TEST_F(EmulatedSsiScanner, ParamSendDeniedLeavesTheScannerInService) {
  const Bytes scan = frame(0xF3, std::string(1, '\x0A') + "96385074");
  load_script({
      {'w', 0, kParamSend},
      {'r', 10, frame(0xD1, "\x06")},  // NAK denied
      {'w', 0, kRevisionRequest},
      {'r', 10, frame(0xA4, "PAAFLS00-002-R07 0 DS3608")},
      {'r', 50, scan},
      {'w', 0, kHostAck},
  });
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{"]E496385074"});
  const auto stats = driver_->stats();
  EXPECT_EQ(stats.param_send_failed, 1u);
  EXPECT_EQ(stats.command_naks, 1u);
  EXPECT_EQ(driver_->state(), DriverState::in_service);
}

TEST_F(EmulatedSsiScanner, CounterCheckAWrongParamSendIsCaughtByTheScript) {
  // Proves the 'w' lines above really compare what the driver wrote, byte for byte: here the
  // script expects 0xEE = 2 while the driver sends 1, and umockdev aborts on the mismatch.
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  load_script({
      {'w', 0, frame(0xC6, std::string("\xFF\x9F\x01\xEE\x02\xF8\x01\xF5\x80", 9), 0, 0x04)},
      {'r', 10, frame(0xD0)},
  });
  EXPECT_DEATH(
      {
        (void)start_driver();
        std::this_thread::sleep_for(3s);
      },
      "data mismatch");
}

}  // namespace
}  // namespace scanedge::ssi

// Re-executes the test binary once with the pty shim and the umockdev preload library in
// LD_PRELOAD (shim first). The marker variable prevents a loop.
int main(int argc, char** argv) {
  constexpr const char* kMarker = "SCANEDGE_SERIAL_TESTBED_CHILD";
  if (std::getenv(kMarker) == nullptr) {
    std::string preload = std::string(SCANEDGE_PTY_SHIM_PATH) + ":libumockdev-preload.so.0";
    if (const char* old = std::getenv("LD_PRELOAD"); old != nullptr && *old != '\0') preload += std::string(":") + old;
    std::string asan = "verify_asan_link_order=0";
    if (const char* old = std::getenv("ASAN_OPTIONS"); old != nullptr && *old != '\0') asan = std::string(old) + ":" + asan;
    ::setenv("LD_PRELOAD", preload.c_str(), 1);
    ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
    ::setenv(kMarker, "1", 1);
    ::execv("/proc/self/exe", argv);
    std::fprintf(stderr, "integration_ssi: cannot re-execute with umockdev preload: %s\n", std::strerror(errno));
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
