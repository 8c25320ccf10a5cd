// The serial-ascii driver over the REAL libserialport code path against a umockdev-emulated
// USB serial adapter (/dev/ttyUSB0) whose pty replays a script of scanner bytes.
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
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drivers/serial_ascii/serial_ascii_driver.h"
#include "drivers/serial/serial_port_source.h"
#include "drivers/serial/serial_port_stream.h"
#include "edge/profiles/profile.h"

namespace scanedge::serial_ascii {
namespace {

using namespace std::chrono_literals;

// One line of a umockdev script: 'r' = the device sends, 'w' = the program must write.
struct Op {
  char op;
  int delay_ms;
  std::string bytes;
};

// umockdev script encoding: bytes < 32 as '^' + (b + 64), '^' as "^`".
std::string encode(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
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

class EmulatedSerialScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = umockdev_testbed_new();
    ASSERT_NE(testbed_, nullptr);
    GError* err = nullptr;
    ASSERT_TRUE(umockdev_testbed_add_from_file(testbed_, SCANEDGE_SERIAL_DEVICE_FILE, &err))
        << (err != nullptr ? err->message : "add_from_file failed");
    // Make sure libserialport sees the emulated adapter, never a real port of this machine.
    sp_port* p = nullptr;
    ASSERT_EQ(sp_get_port_by_name("/dev/ttyUSB0", &p), SP_OK) << "emulated /dev/ttyUSB0 not visible";
    const char* serial = sp_get_port_usb_serial(p);
    const std::string sn = serial != nullptr ? serial : "";
    sp_free_port(p);
    ASSERT_EQ(sn, "SCANEDGE-EMU-0001") << "not the umockdev testbed: is libumockdev-preload active?";

    auto prof = find_profile(SCANEDGE_PROFILES_DIR, "generic-serial-ascii");
    ASSERT_TRUE(prof.ok()) << prof.error().message;
    profile_ = *prof;
    script_path_ = (std::filesystem::temp_directory_path() /
                    ("scanedge_serial_" + std::to_string(::getpid()) + "_" +
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
    driver_ = std::make_unique<SerialAsciiDriver>("/dev/ttyUSB0", profile_, clock_, serial_port_factory(), t);
    return driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
  }

  UMockdevTestbed* testbed_ = nullptr;
  Profile profile_;
  std::string script_path_;
  SystemClock clock_;
  Collector scans_;
  std::unique_ptr<SerialAsciiDriver> driver_;
};

const std::string kGs1 = "]C1010950600013435210ABC123\x1d" "17270331";
const std::string kEan13 = "]E04006381333931";

TEST_F(EmulatedSerialScanner, DeliversExactlyTheScriptedGs1AndEan13Scans) {
  load_script({{'r', 150, kGs1 + "\r\n"}, {'r', 100, kEan13 + "\r\n"}});
  const auto before = clock_.monotonic();
  auto st = start_driver();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(driver_->state(), DriverState::in_service);
  ASSERT_TRUE(scans_.wait_for_count(2));
  std::this_thread::sleep_for(400ms);  // nothing else may arrive (no empty scan from CRLF)
  auto got = scans_.get();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, kGs1);
  EXPECT_EQ(got[1].data, kEan13);
  EXPECT_EQ(got[0].scanner, "serial:/dev/ttyUSB0");
  EXPECT_GT(got[0].mono, before);
  EXPECT_GE(got[1].mono - got[0].mono, 50ms);  // the scripted 100 ms gap is visible in mono
  const auto stats = driver_->stats();
  EXPECT_EQ(stats.framer.scans, 2u);
  EXPECT_EQ(stats.framer.empty_lines, 0u);
  EXPECT_EQ(stats.disconnects, 0u);
}

TEST_F(EmulatedSerialScanner, ScansSplitAcrossDeviceWritesAndMixedLineEndings) {
  load_script({{'r', 100, "]E04006"},
               {'r', 30, "381333931\r"},
               {'r', 30, "\n]C1010950600013435210ABC"},
               {'r', 30, "123\x1d" "17270331\n"},
               {'r', 30, "]E09780201379629\r"}});
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(3));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(scans_.data(), (std::vector<std::string>{kEan13, kGs1, "]E09780201379629"}));
}

TEST_F(EmulatedSerialScanner, SuffixlessScanIsDeliveredAfterTheIdleTimeout) {
  load_script({{'r', 100, kEan13}});
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_EQ(scans_.data(), std::vector<std::string>{kEan13});
  EXPECT_EQ(driver_->stats().framer.idle_flushes, 1u);
}

TEST_F(EmulatedSerialScanner, BurstOfScansArrivesCompleteAndInOrder) {
  std::vector<Op> ops;
  std::vector<std::string> want;
  std::string burst;
  for (int i = 0; i < 200; ++i) {
    std::string s = "]C100" + std::to_string(100000000000000000LL + i);
    want.push_back(s);
    burst += s + "\r\n";
    if (burst.size() > 900) {
      ops.push_back({'r', 0, burst});
      burst.clear();
    }
  }
  if (!burst.empty()) ops.push_back({'r', 0, burst});
  ops.front().delay_ms = 100;
  load_script(ops);
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(want.size()));
  EXPECT_EQ(scans_.data(), want);
}

TEST_F(EmulatedSerialScanner, HostAckIsWrittenToThePortAndTheScannerGoesOn) {
  // The scanner (script) waits for ACK 0x06 after the first scan before it sends the second:
  // the second scan only arrives if the driver really wrote the ACK through libserialport.
  profile_.host_ack = true;
  load_script({{'r', 100, kEan13 + "\r\n"}, {'w', 0, "\x06"}, {'r', 0, kGs1 + "\r\n"}});
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  auto st = driver_->feedback(Feedback::good);
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(scans_.wait_for_count(2)) << "second scan never came: ACK not received by the device";
  EXPECT_EQ(scans_.data(), (std::vector<std::string>{kEan13, kGs1}));
  EXPECT_EQ(driver_->stats().feedback_sent, 1u);
}

TEST_F(EmulatedSerialScanner, WithoutAckTheAckWaitingScannerSendsNothingMore) {
  // Counter-check of the test above: no feedback -> no second scan.
  profile_.host_ack = true;
  load_script({{'r', 100, kEan13 + "\r\n"}, {'w', 0, "\x06"}, {'r', 0, kGs1 + "\r\n"}});
  ASSERT_TRUE(start_driver().ok());
  ASSERT_TRUE(scans_.wait_for_count(1));
  EXPECT_FALSE(scans_.wait_for_count(2, 500ms));
}

TEST_F(EmulatedSerialScanner, EnumerationNamesTheAdapterByItsStableUsbIdentity) {
  serial::SerialPortSource src;
  auto ports = src.list();
  ASSERT_TRUE(ports.ok()) << ports.error().message;
  const AttachedDevice* found = nullptr;
  for (const auto& d : *ports) {
    if (d.node == "/dev/ttyUSB0") found = &d;
  }
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->identity, "usb:0403:6001:SCANEDGE-EMU-0001");
  EXPECT_EQ(found->kind, AttachedDevice::Kind::serial);
  EXPECT_EQ(found->vid, 0x0403);
  EXPECT_EQ(found->pid, 0x6001);
  EXPECT_EQ(found->product, "Emulated serial barcode scanner");
  auto node = serial::find_port_for_identity("usb:0403:6001:SCANEDGE-EMU-0001");
  ASSERT_TRUE(node.ok()) << node.error().message;
  EXPECT_EQ(*node, "/dev/ttyUSB0");
  auto missing = serial::find_port_for_identity("usb:0403:6001:NOT-HERE");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "device_not_found");
  EXPECT_NE(missing.error().message.find("usb:0403:6001:SCANEDGE-EMU-0001 (/dev/ttyUSB0)"), std::string::npos)
      << missing.error().message;
}

TEST_F(EmulatedSerialScanner, DriverOpenedByIdentityReadsAndReportsThatIdentity) {
  load_script({{'r', 100, kEan13 + "\r\n"}});
  DriverTuning t;
  t.backoff_initial = 20ms;
  driver_ = std::make_unique<SerialAsciiDriver>("usb:0403:6001:SCANEDGE-EMU-0001", profile_, clock_,
                                                serial_port_factory(), t);
  auto st = driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(scans_.wait_for_count(1));
  auto got = scans_.get();
  EXPECT_EQ(got[0].data, kEan13);
  EXPECT_EQ(got[0].scanner, "usb:0403:6001:SCANEDGE-EMU-0001");
}

TEST_F(EmulatedSerialScanner, ReplugAsAnotherTtyKeepsTheIdentityAndTheDriverFindsItAgain) {
  load_script({{'r', 100, kEan13 + "\r\n"}});
  DriverTuning t;
  t.backoff_initial = 20ms;
  t.backoff_max = 100ms;
  const std::string id = "usb:0403:6001:SCANEDGE-EMU-0001";
  driver_ = std::make_unique<SerialAsciiDriver>(id, profile_, clock_, serial_port_factory(), t);
  ASSERT_TRUE(driver_->start([this](RawScan s) { scans_.add(std::move(s)); }).ok());
  ASSERT_TRUE(scans_.wait_for_count(1));

  // Unplug: the adapter disappears; it is plugged into another USB socket (1-3) and comes
  // back as /dev/ttyUSB1. A real unplug hangs up the tty; here the emulation's side of the
  // pty is closed, which the driver sees the same way (POLLHUP / read error).
  const int master = umockdev_testbed_get_dev_fd(testbed_, "/dev/ttyUSB0");
  ASSERT_GE(master, 0);
  ::close(master);
  umockdev_testbed_remove_device(testbed_, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0");
  umockdev_testbed_remove_device(testbed_, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0");
  umockdev_testbed_remove_device(testbed_, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0");
  umockdev_testbed_remove_device(testbed_, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2");
  std::ifstream in(SCANEDGE_SERIAL_DEVICE_FILE);
  std::stringstream desc;
  desc << in.rdbuf();
  std::string text = desc.str();
  for (std::size_t pos; (pos = text.find("ttyUSB0")) != std::string::npos;) text.replace(pos, 7, "ttyUSB1");
  for (std::size_t pos; (pos = text.find("MINOR=0")) != std::string::npos;) text.replace(pos, 7, "MINOR=1");
  for (std::size_t pos; (pos = text.find("devnum=2")) != std::string::npos;) text.replace(pos, 8, "devnum=5");
  for (std::size_t pos; (pos = text.find("/1-2")) != std::string::npos;) text.replace(pos, 4, "/1-3");
  GError* err = nullptr;
  ASSERT_TRUE(umockdev_testbed_add_from_string(testbed_, text.c_str(), &err)) << (err ? err->message : "");
  {
    std::ofstream out(script_path_, std::ios::binary);
    out << "r 300 " << encode(kGs1 + "\r\n") << "\n";
  }
  ASSERT_TRUE(umockdev_testbed_load_script(testbed_, "/dev/ttyUSB1", script_path_.c_str(), &err))
      << (err ? err->message : "");
  auto node = serial::find_port_for_identity(id);
  ASSERT_TRUE(node.ok()) << node.error().message;
  EXPECT_EQ(*node, "/dev/ttyUSB1");
  ASSERT_TRUE(scans_.wait_for_count(2, 8000ms)) << "state " << to_string(driver_->state()) << ", last error "
                                                 << driver_->stats().last_error;
  auto got = scans_.get();
  EXPECT_EQ(got[1].data, kGs1);
  EXPECT_EQ(got[1].scanner, id);
  EXPECT_GE(driver_->stats().reconnects, 1u);
}

TEST_F(EmulatedSerialScanner, MissingPortIsReportedByNameAndKeptBeingRetried) {
  SerialAsciiDriver drv("/dev/ttyUSB5", profile_, clock_);
  auto st = drv.start([](RawScan) {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "device_not_found");
  EXPECT_NE(st.error().message.find("/dev/ttyUSB5"), std::string::npos) << st.error().message;
  EXPECT_EQ(drv.state(), DriverState::disconnected);
  drv.stop();
  EXPECT_EQ(drv.state(), DriverState::stopped);
}

TEST_F(EmulatedSerialScanner, StreamAppliesProfileSettingsThroughLibserialport) {
  load_script({{'r', 50, "X\r"}});
  SerialSettings s;
  s.baud = 19200;
  // A Linux pty forces CS8 and clears PARENB in its termios, so data bits and parity cannot be
  // read back here; baud and stop bits are kept and prove the profile reached the port.
  s.stop_bits = 2;
  auto stream = serial::SerialPortStream::open("/dev/ttyUSB0", s);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  // Read the configuration back from the open port through libserialport.
  sp_port* p = nullptr;
  ASSERT_EQ(sp_get_port_by_name("/dev/ttyUSB0", &p), SP_OK);
  ASSERT_EQ(sp_open(p, SP_MODE_READ), SP_OK);
  sp_port_config* cfg = nullptr;
  ASSERT_EQ(sp_new_config(&cfg), SP_OK);
  ASSERT_EQ(sp_get_config(p, cfg), SP_OK);
  int baud = 0, bits = 0, stop = 0;
  sp_parity parity = SP_PARITY_INVALID;
  sp_get_config_baudrate(cfg, &baud);
  sp_get_config_bits(cfg, &bits);
  sp_get_config_stopbits(cfg, &stop);
  sp_get_config_parity(cfg, &parity);
  sp_free_config(cfg);
  sp_close(p);
  sp_free_port(p);
  EXPECT_EQ(baud, 19200);
  EXPECT_EQ(bits, 8);
  EXPECT_EQ(stop, 2);
  EXPECT_EQ(parity, SP_PARITY_NONE);
  std::uint8_t buf[16];
  auto n = (*stream)->read(buf, 2000ms);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), "X\r");
  (*stream)->close();
  auto after = (*stream)->read(buf, 10ms);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, "device_closed");
}

}  // namespace
}  // namespace scanedge::serial_ascii

// Re-executes the test binary once with the umockdev preload library and the pty shim in
// LD_PRELOAD (shim first: umockdev answers ioctls on emulated nodes without passing unknown
// ones on). The marker variable prevents a loop.
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
    std::fprintf(stderr, "integration_serial_ascii: cannot re-execute with umockdev preload: %s\n",
                 std::strerror(errno));
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
