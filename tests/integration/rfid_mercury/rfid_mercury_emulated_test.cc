// The rfid-mercury driver over the REAL libserialport code path against a umockdev-emulated
// USB serial adapter (/dev/ttyUSB0) whose pty plays a Mercury reader from a script the test
// generates: every command of the start sequence is a `w` line (umockdev checks the driver
// wrote exactly those bytes, and aborts the test on a mismatch), every answer and every
// stream of tag records an `r` line.
//
// Binary bytes in umockdev scripts (checked in umockdev's ScriptRunner, src/umockdev.vala,
// 0.17): a line is `<op> <delay ms> <data>` read with read_line(); in the data only '^' is
// special: "^`" is '^' and '^' + c is the byte c - 64. Every other byte is taken verbatim,
// including 0x7F and 0x80..0xFF. So bytes below 0x20 (which include the line end 0x0A and
// the NUL that would end the C string) are written '^' + (b + 64), '^' is written "^`", and
// all other bytes, 0xFF headers and negative RSSI bytes included, are written raw. One more
// rule: the time field is read with scanf("%u "), which swallows whitespace, so data must
// not start with a raw space; Mercury frames start with 0xFF, and encode() checks it.
// The EPCs used below contain 0x00, 0x0A, 0x0D, 0x1B, 0x5E, 0x7F, 0x80 and 0xFF so the
// escaping is exercised, and the RSSI bytes (0xC4..0xD3) are all >= 0x80.
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
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "drivers/rfid_mercury/mercury_commands.h"
#include "drivers/rfid_mercury/mercury_driver.h"
#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"
#include "drivers/serial/serial_port_stream.h"
#include "edge/profiles/profile.h"

namespace scanedge::mercury {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

struct Op {
  char op;
  int delay_ms;
  Bytes bytes;
};

std::string encode(const Bytes& bytes) {
  std::string out;
  for (std::uint8_t c : bytes) {
    if (c == '^') {
      out += "^`";
    } else if (c < 0x20) {
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
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) {
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

Bytes version_reply() {
  return {0x12, 0x03, 0x08, 0x00, 0x18, 0x00, 0x00, 0x01, 0x20, 0x21, 0x03, 0x04,
          0x01, 0x0B, 0x02, 0x03, 0x00, 0x00, 0x00, 0x10};
}

std::string epc_hex(int i) {
  // 12 bytes with awkward values for the script format; the last byte tells tags apart.
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02X", 0x40 + i);
  return std::string("30000A0D1B5E7F80FF1000") + buf;
}

Bytes tag_frame(int tag, int i) {
  TagRecord r;
  r.read_count = 1;
  r.rssi_dbm = static_cast<std::int8_t>(-45 - (i % 16));
  const int ant = 1 + (i % 2);
  r.antenna_ports = static_cast<std::uint8_t>((ant << 4) | ant);
  r.frequency_khz = 902750 + static_cast<std::uint32_t>(i % 50) * 500;
  r.timestamp_ms = static_cast<std::uint32_t>(i);
  r.protocol = kProtocolGen2;
  r.pc = 0x3000;
  r.epc = *rfid::EpcBytes::from_hex(epc_hex(tag));
  r.tag_crc = 0x0A5E;
  auto data = encode_stream_data(std::span<const TagRecord>(&r, 1), kStreamMetadata, kStreamSearchFlags);
  return *encode_response(opcode::kReadTagIdMultiple, kStatusOk, *data);
}

class EmulatedMercuryReader : public ::testing::Test {
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

    profile_.name = "emulated-mercury";
    profile_.driver = "rfid-mercury";
    profile_.serial.baud = 115200;
    profile_.rfid.antennas = {1, 2};
    profile_.rfid.read_power_cdbm = 2500;
    profile_.init = {std::string("\x97\x08", 2)};  // region EU
    script_path_ = (std::filesystem::temp_directory_path() /
                    ("scanedge_mercury_" + std::to_string(::getpid()) + "_" +
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

  // The conversation of one open: each command the driver must write, then the reader's
  // answer; `after_start` goes out in the same write as the answer to the start command.
  std::vector<Op> start_conversation(const Bytes& after_start) {
    auto seq = start_sequence(profile_);
    EXPECT_TRUE(seq.ok());
    std::vector<Op> ops;
    for (const auto& c : *seq) {
      ops.push_back({'w', 0, *encode_request(c.opcode, c.data)});
      const Bytes data = c.opcode == opcode::kVersion ? version_reply() : c.data;
      Bytes answer = *encode_response(c.opcode, kStatusOk, data);
      if (&c == &seq->back()) answer.insert(answer.end(), after_start.begin(), after_start.end());
      ops.push_back({'r', 0, answer});
    }
    return ops;
  }

  void load_script(const std::vector<Op>& ops) {
    std::ofstream out(script_path_, std::ios::binary);
    for (const auto& o : ops) {
      ASSERT_FALSE(o.bytes.empty());
      ASSERT_NE(o.bytes.front(), ' ') << "umockdev would swallow a leading space";
      out << o.op << ' ' << o.delay_ms << ' ' << encode(o.bytes) << '\n';
    }
    out.close();
    GError* err = nullptr;
    ASSERT_TRUE(umockdev_testbed_load_script(testbed_, "/dev/ttyUSB0", script_path_.c_str(), &err))
        << (err != nullptr ? err->message : "load_script failed");
  }

  Status start_driver() {
    DriverTuning t;
    t.backoff_initial = 20ms;
    t.backoff_max = 200ms;
    t.command_timeout = 2000ms;
    driver_ = std::make_unique<MercuryDriver>("/dev/ttyUSB0", profile_, clock_, serial_port_factory(), t);
    return driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
  }

  UMockdevTestbed* testbed_ = nullptr;
  Profile profile_;
  std::string script_path_;
  SystemClock clock_;
  Collector scans_;
  std::unique_ptr<MercuryDriver> driver_;
};

TEST_F(EmulatedMercuryReader, StartSequenceThenThousandReadsOfThirtyEpcsAreThirtyScans) {
  // 1000 reads of 30 tags, round robin, in writes of ~20 frames every 5 ms (the reader's
  // UART output arrives in arbitrary pieces); the first frames share a write with the answer
  // to the start command.
  std::vector<Bytes> chunks(1);
  for (int i = 0; i < 1000; ++i) {
    const auto f = tag_frame(i % 30, i);
    chunks.back().insert(chunks.back().end(), f.begin(), f.end());
    if ((i + 1) % 20 == 0) chunks.emplace_back();
  }
  if (chunks.back().empty()) chunks.pop_back();
  auto ops = start_conversation(chunks.front());
  for (std::size_t k = 1; k < chunks.size(); ++k) ops.push_back({'r', 5, chunks[k]});
  load_script(ops);

  auto st = start_driver();
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(scans_.wait_for_count(30, 10s)) << "scans: " << scans_.get().size()
                                              << ", last error: " << driver_->stats().last_error;
  // Every read must have arrived and been decoded; nothing beyond the 30 scans may come.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (driver_->stats().records.records < 1000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(100ms);
  const auto stats = driver_->stats();
  EXPECT_EQ(stats.records.records, 1000u);
  EXPECT_EQ(stats.frames.bad_crc, 0u);
  EXPECT_EQ(stats.frames.garbage_bytes, 0u);
  EXPECT_EQ(stats.records.malformed, 0u);
  EXPECT_EQ(stats.firmware_version, "01.0B.02.03");
  EXPECT_EQ(stats.handshakes, 1u);
  EXPECT_EQ(driver_->state(), DriverState::in_service);

  const auto got = scans_.get();
  ASSERT_EQ(got.size(), 30u);
  std::map<std::string, int> seen;
  for (const auto& s : got) {
    ++seen[s.data];
    EXPECT_EQ(s.scanner, "serial:/dev/ttyUSB0");
  }
  ASSERT_EQ(seen.size(), 30u);
  for (int t = 0; t < 30; ++t) EXPECT_EQ(seen[epc_hex(t)], 1) << epc_hex(t);
  // Scans come in qualification order: with min_reads 2 that is the second round of tags.
  EXPECT_EQ(got.front().data, epc_hex(0));
  EXPECT_EQ(got.back().data, epc_hex(29));
}

TEST_F(EmulatedMercuryReader, EscapingRoundTripsEveryByteValueThroughThePty) {
  // The script format itself, through the real libserialport read path: all 256 byte values.
  Bytes all;
  all.push_back(0xFF);
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<std::uint8_t>(b));
  load_script({{'r', 50, all}});
  auto stream = serial::SerialPortStream::open("/dev/ttyUSB0", profile_.serial);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  Bytes got;
  std::uint8_t buf[512];
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (got.size() < all.size() && std::chrono::steady_clock::now() < deadline) {
    auto n = (*stream)->read(buf, 100ms);
    ASSERT_TRUE(n.ok()) << n.error().message;
    got.insert(got.end(), buf, buf + *n);
  }
  (*stream)->close();
  EXPECT_EQ(got, all);
}

}  // namespace
}  // namespace scanedge::mercury

// Re-executes the test binary once with the pty modem-ioctl shim and the umockdev preload
// library in LD_PRELOAD (shim first). The marker variable prevents a loop.
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
    std::fprintf(stderr, "integration_rfid_mercury: cannot re-execute with umockdev preload: %s\n",
                 std::strerror(errno));
    return 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
