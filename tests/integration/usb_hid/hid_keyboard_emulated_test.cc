// The REAL HidKeyboardDriver over the REAL UsbHidStream (libusb) against an emulated USB
// keyboard-wedge scanner (umockdev, tests/support/usb): typing a GS1-128 barcode with
// Ctrl+] as GS, unplug/replug mid-session, a garbage flood.
#include <gtest/gtest.h>

#include <random>

#include "drivers/hid_keyboard/hid_keyboard_driver.h"
#include "drivers/usb/usb_context.h"
#include "drivers/usb/usb_hid_stream.h"
#include "edge/core/clock.h"
#include "edge/profiles/profile.h"
#include "tests/integration/usb_hid/scan_collector.h"
#include "tests/support/usb/emulated_hid_device.h"

namespace scanedge::hid_keyboard {
namespace {

using namespace std::chrono_literals;
using usb::testing::EmulatedHidConfig;
using usb::testing::EmulatedHidDevice;
using usb::testing::eventually;
using usb::testing::ScanCollector;
using usb::testing::UsbTestbed;

using Report = std::vector<std::uint8_t>;

// US layout key usages for what a keyboard-wedge scanner types.
// Returns {modifiers, usage} for one character.
std::pair<std::uint8_t, std::uint8_t> us_key(char c) {
  if (c >= 'a' && c <= 'z') return {0, static_cast<std::uint8_t>(0x04 + (c - 'a'))};
  if (c >= 'A' && c <= 'Z') return {kLShift, static_cast<std::uint8_t>(0x04 + (c - 'A'))};
  if (c >= '1' && c <= '9') return {0, static_cast<std::uint8_t>(0x1e + (c - '1'))};
  if (c == '0') return {0, 0x27};
  if (c == ']') return {0, 0x30};
  if (c == '\x1d') return {kLCtrl, 0x30};  // GS typed as Ctrl+]
  if (c == '\r') return {0, 0x28};         // Enter
  if (c == '-') return {0, 0x2d};
  if (c == '.') return {0, 0x37};
  ADD_FAILURE() << "no US key for char " << static_cast<int>(c);
  return {0, 0};
}

// Key down + key up reports for each character, as a scanner types them.
std::vector<Report> type(const std::string& text) {
  std::vector<Report> out;
  for (char c : text) {
    auto [mod, usage] = us_key(c);
    out.push_back({mod, 0, usage, 0, 0, 0, 0, 0});
    out.push_back({0, 0, 0, 0, 0, 0, 0, 0});
  }
  return out;
}

Profile keyboard_profile() {
  Profile p;
  p.name = "test-hid-keyboard";
  p.driver = "hid-keyboard";
  p.keyboard_layout = "us";
  p.suffix = "\r";
  p.idle_timeout = 300ms;
  p.match.usb_vid = 0x05e0;
  p.match.usb_pids = {0x1200};
  p.match.usb_interface_class = 3;
  p.min_firmware = "1.10";
  return p;
}

const std::string kGs1 = "]C1010950600013435210ABC123\x1d" "17270331";
const std::string kEan = "]E04006381333931";

class HidKeyboardOverUsb : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = std::make_unique<UsbTestbed>();
    ASSERT_TRUE(testbed_->ok()) << testbed_->why();
    EmulatedHidConfig c;
    c.serial = "DS2208-0042";
    dev_ = std::make_unique<EmulatedHidDevice>(*testbed_, c);
    auto ctx = usb::UsbContext::create();
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    ctx_ = *ctx;
  }
  void TearDown() override {
    if (driver_) driver_->stop();
    driver_.reset();
    ctx_.reset();
    dev_.reset();
    testbed_.reset();
  }
  void start() {
    DriverTuning t;
    t.read_slice = 20ms;
    t.backoff_initial = 20ms;
    t.backoff_max = 100ms;
    driver_ = std::make_unique<HidKeyboardDriver>(dev_->identity(), keyboard_profile(), clock_,
                                                  usb::usb_hid_opener(ctx_), t);
    auto st = driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
    ASSERT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
    ASSERT_EQ(driver_->state(), DriverState::in_service);
  }
  void send(const std::vector<Report>& reports) {
    for (const auto& r : reports) dev_->push_report(r);
  }

  SystemClock clock_;
  std::unique_ptr<UsbTestbed> testbed_;
  std::unique_ptr<EmulatedHidDevice> dev_;
  std::shared_ptr<usb::UsbContext> ctx_;
  std::unique_ptr<HidKeyboardDriver> driver_;
  ScanCollector scans_;
};

TEST_F(HidKeyboardOverUsb, Gs1128WithCtrlBracketGsThenEnterIsOneScan) {
  start();
  EXPECT_EQ(driver_->id(), "usb:05e0:1200:DS2208-0042");
  EXPECT_EQ(dev_->claims_with_auto_detach(), 1) << "usbhid detached by libusb auto-detach";
  const auto before = clock_.monotonic();
  send(type(kGs1 + "\r"));
  ASSERT_TRUE(scans_.wait_for_count(1, 3s));
  std::this_thread::sleep_for(400ms);  // past the idle timeout: nothing else may arrive
  auto got = scans_.get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, kGs1);
  EXPECT_NE(got[0].data.find('\x1d'), std::string::npos);
  EXPECT_EQ(got[0].scanner, "usb:05e0:1200:DS2208-0042");
  EXPECT_GE(got[0].mono, before);
  auto st = driver_->stats();
  EXPECT_EQ(st.firmware_version, "1.12");
  EXPECT_FALSE(st.firmware_too_old);
}

TEST_F(HidKeyboardOverUsb, UnplugAndReplugMidSessionBackInServiceWithSameIdentity) {
  start();
  send(type(kEan + "\r"));
  ASSERT_TRUE(scans_.wait_for_count(1, 3s));
  // Unplug in the middle of a barcode: the partial scan must not be delivered.
  auto partial = type(kGs1 + "\r");
  partial.resize(10);
  send(partial);
  ASSERT_TRUE(dev_->wait_reports_taken(2s));
  const std::string old_node = dev_->devnode();
  dev_->unplug();
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::disconnected; }, 3s))
      << "state " << to_string(driver_->state());
  std::this_thread::sleep_for(150ms);  // a few failed reopens (device absent)
  dev_->replug();
  ASSERT_NE(dev_->devnode(), old_node);
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }, 5s))
      << "state " << to_string(driver_->state()) << ", last error " << driver_->stats().last_error;
  EXPECT_EQ(dev_->claims_with_auto_detach(), 2);
  send(type(kGs1 + "\r"));
  ASSERT_TRUE(scans_.wait_for_count(2, 3s));
  std::this_thread::sleep_for(400ms);
  auto got = scans_.get();
  ASSERT_EQ(got.size(), 2u) << "the half-typed barcode was delivered";
  EXPECT_EQ(got[0].data, kEan);
  EXPECT_EQ(got[1].data, kGs1);
  EXPECT_EQ(got[1].scanner, got[0].scanner);
  EXPECT_EQ(driver_->id(), "usb:05e0:1200:DS2208-0042");
  auto st = driver_->stats();
  EXPECT_GE(st.disconnects, 1u);
  EXPECT_GE(st.reconnects, 1u);
}

TEST_F(HidKeyboardOverUsb, GarbageFloodIsCountedAndLaterGoodScansStillArrive) {
  start();
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 8);
  std::uint64_t non_empty = 0;
  for (int i = 0; i < 3000; ++i) {
    Report r(static_cast<std::size_t>(len(rng)));
    if (!r.empty()) ++non_empty;  // a zero-length interrupt transfer carries no report
    for (auto& b : r) b = static_cast<std::uint8_t>(byte(rng));
    dev_->push_report(r);
  }
  // Whatever the garbage left pending ends at the next Enter or the idle timeout.
  dev_->push_report(Report(8, 0));
  ASSERT_TRUE(dev_->wait_reports_taken(10s));
  std::this_thread::sleep_for(400ms);
  const std::size_t after_flood = scans_.get().size();
  send(type(kGs1 + "\r"));
  ASSERT_TRUE(scans_.wait_for_count(after_flood + 1, 3s));
  std::this_thread::sleep_for(400ms);
  auto got = scans_.get();
  ASSERT_EQ(got.size(), after_flood + 1);
  EXPECT_EQ(got.back().data, kGs1);
  EXPECT_EQ(driver_->state(), DriverState::in_service);
  auto st = driver_->stats();
  // Every non-empty report reached the decoder (the stream's 256-report queue may shed some
  // only if the reader falls behind, which it must not by much).
  EXPECT_GE(st.decoder.reports, non_empty * 9 / 10);
  EXPECT_GT(st.decoder.bad_reports + st.decoder.rollover_reports + st.decoder.ignored_keys +
                st.decoder.unmapped_keys + st.decoder.overlong_dropped,
            0u)
      << "garbage must be counted";
  EXPECT_EQ(st.disconnects, 0u);
}

}  // namespace
}  // namespace scanedge::hid_keyboard
