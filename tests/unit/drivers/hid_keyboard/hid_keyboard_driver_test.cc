#include "drivers/hid_keyboard/hid_keyboard_driver.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/hid_keyboard/fake_hid_device.h"

namespace scanedge::hid_keyboard {
namespace {

using namespace std::chrono_literals;
using test::Bytes;
using test::FakeHidDevice;
using test::FakeHidOpener;
using test::Scans;
using test::eventually;

const std::string kId = "usb:05e0:1200:S19045A1";

// Press + release reports typing `text` on a US layout (Enter for '\r').
std::vector<Bytes> type_us(const std::string& text) {
  std::vector<Bytes> r;
  for (char c : text) {
    auto k = keystroke_for(Layout::us, c);
    if (!k) ADD_FAILURE() << "cannot type " << static_cast<int>(c);
    r.push_back(Bytes{k->modifiers, 0, k->usage, 0, 0, 0, 0, 0});
    r.push_back(Bytes(8, 0));
  }
  return r;
}

Profile kb_profile() {
  Profile p;
  p.name = "test-kb";
  p.driver = "hid-keyboard";
  p.keyboard_layout = "us";
  p.suffix = "\r";
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

TEST(HidKeyboardDriver, DeliversScansWithIdentityAndMonotonicTime) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  EXPECT_EQ(drv.id(), kId);
  Scans scans;
  const auto before = clock.monotonic();
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  EXPECT_EQ(drv.state(), DriverState::in_service);
  EXPECT_EQ(fo.identities(), std::vector<std::string>{kId});
  EXPECT_EQ(fo.last_class(), 3);
  dev->push_all(type_us(std::string("]C1010950600013435210AB") + '\x1d' + "17270331\r"));
  dev->push_all(type_us("]E04006381333931\r"));
  ASSERT_TRUE(scans.wait_for_count(2));
  auto got = scans.get();
  EXPECT_EQ(got[0].data, std::string("]C1010950600013435210AB") + '\x1d' + "17270331");
  EXPECT_EQ(got[1].data, "]E04006381333931");
  for (const auto& s : got) {
    EXPECT_EQ(s.scanner, kId);
    EXPECT_GE(s.mono, before);
    EXPECT_LE(s.mono, clock.monotonic());
  }
  drv.stop();
  EXPECT_EQ(drv.state(), DriverState::stopped);
  EXPECT_TRUE(dev->closed());
  EXPECT_EQ(drv.stats().decoder.scans, 2u);
}

TEST(HidKeyboardDriver, ReconnectsAfterUnplugWithBackoffAndSameIdentity) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev1 = std::make_shared<FakeHidDevice>();
  auto dev2 = std::make_shared<FakeHidDevice>();
  fo.add_device(dev1);
  fo.add_error("device_not_found");
  fo.add_error("device_not_found");
  fo.add_device(dev2);
  HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev1->push_all(type_us("111\r"));
  dev1->push_all(type_us("99"));  // unplugged mid-scan: this partial scan is lost
  dev1->fail("device_disconnected");
  ASSERT_TRUE(eventually([&] { return fo.opens() >= 4; }));
  dev2->push_all(type_us("222\r"));
  ASSERT_TRUE(scans.wait_for_count(2));
  EXPECT_EQ(scans.data(), (std::vector<std::string>{"111", "222"}));
  for (const auto& s : scans.get()) EXPECT_EQ(s.scanner, kId);
  for (const auto& id : fo.identities()) EXPECT_EQ(id, kId);
  EXPECT_TRUE(eventually([&] { return drv.state() == DriverState::in_service; }));
  const auto st = drv.stats();
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.reopen_failures, 2u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.decoder.partial_discarded, 1u);
  EXPECT_TRUE(dev1->closed());
  // Backoff: 10 ms after the unplug, then 20 ms, then 40 ms between attempts.
  const auto t = fo.open_times();
  ASSERT_GE(t.size(), 4u);
  EXPECT_GE(t[2] - t[1], 18ms);
  EXPECT_GE(t[3] - t[2], 36ms);
  drv.stop();
}

TEST(HidKeyboardDriver, AbsentAtStartReturnsErrorButComesIntoServiceLater) {
  SystemClock clock;
  FakeHidOpener fo;
  fo.add_error("permission_denied");
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  auto st = drv.start([&](RawScan s) { scans.add(std::move(s)); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "permission_denied");
  EXPECT_TRUE(eventually([&] { return drv.state() == DriverState::in_service; }));
  dev->push_all(type_us("42\r"));
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"42"});
}

TEST(HidKeyboardDriver, IdleTimeoutFlushesWithoutSuffix) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  auto p = kb_profile();
  p.suffix = "";
  p.idle_timeout = 30ms;
  HidKeyboardDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev->push_all(type_us("12345"));
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"12345"});
  EXPECT_EQ(drv.stats().decoder.idle_flushes, 1u);
}

TEST(HidKeyboardDriver, LayoutFromProfile) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  auto p = kb_profile();
  p.keyboard_layout = "de";
  HidKeyboardDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  // Usage 0x1C is 'z' on German, 0x38 is '-'.
  dev->push_all({Bytes{0, 0, 0x1C, 0, 0, 0, 0, 0}, Bytes(8, 0), Bytes{0, 0, 0x38, 0, 0, 0, 0, 0}, Bytes(8, 0),
                 Bytes{0, 0, 0x28, 0, 0, 0, 0, 0}, Bytes(8, 0)});
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"z-"});
}

TEST(HidKeyboardDriver, FeedbackIsUnsupportedCountedAndSendsNothing) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  EXPECT_TRUE(drv.feedback(Feedback::good).ok());
  EXPECT_TRUE(drv.feedback(Feedback::bad).ok());
  EXPECT_EQ(drv.stats().feedback_unsupported, 2u);
  EXPECT_TRUE(dev->outputs().empty());
  EXPECT_TRUE(dev->features().empty());
}

TEST(HidKeyboardDriver, StopIsPromptWhileReadingAndWhileBackingOff) {
  SystemClock clock;
  {
    FakeHidOpener fo;
    fo.add_device(std::make_shared<FakeHidDevice>());
    DriverTuning t;
    t.read_slice = 2000ms;
    HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), t);
    ASSERT_TRUE(drv.start([](RawScan) {}).ok());
    std::this_thread::sleep_for(20ms);
    const auto t0 = std::chrono::steady_clock::now();
    drv.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  }
  {
    FakeHidOpener fo;  // never there
    DriverTuning t;
    t.backoff_initial = 5000ms;
    t.backoff_max = 5000ms;
    HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), t);
    EXPECT_FALSE(drv.start([](RawScan) {}).ok());
    EXPECT_EQ(drv.state(), DriverState::disconnected);
    std::this_thread::sleep_for(20ms);
    const auto t0 = std::chrono::steady_clock::now();
    drv.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_EQ(drv.state(), DriverState::stopped);
  }
}

TEST(HidKeyboardDriver, FirmwareOlderThanProfileMinimumIsFlagged) {
  SystemClock clock;
  FakeHidOpener fo;
  fo.add_device(std::make_shared<FakeHidDevice>("1.2.9"));
  fo.add_device(std::make_shared<FakeHidDevice>("1.2.10"));
  auto p = kb_profile();
  p.min_firmware = "1.2.10";
  {
    HidKeyboardDriver drv(kId, p, clock, fo.opener(), fast_tuning());
    ASSERT_TRUE(drv.start([](RawScan) {}).ok());
    EXPECT_TRUE(drv.stats().firmware_too_old);
    EXPECT_EQ(drv.stats().firmware_version, "1.2.9");
    EXPECT_EQ(drv.state(), DriverState::in_service);  // still used
  }
  {
    HidKeyboardDriver drv(kId, p, clock, fo.opener(), fast_tuning());
    ASSERT_TRUE(drv.start([](RawScan) {}).ok());
    EXPECT_FALSE(drv.stats().firmware_too_old);
    EXPECT_EQ(drv.stats().firmware_version, "1.2.10");
  }
}

TEST(HidKeyboardDriver, MisuseIsRefusedWithoutRunning) {
  SystemClock clock;
  FakeHidOpener fo;
  auto p = kb_profile();
  p.keyboard_layout = "dvorak";
  HidKeyboardDriver bad_layout(kId, p, clock, fo.opener(), fast_tuning());
  auto st = bad_layout.start([](RawScan) {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "unknown_keyboard_layout");
  EXPECT_EQ(bad_layout.state(), DriverState::stopped);
  EXPECT_EQ(fo.opens(), 0);

  HidKeyboardDriver no_handler(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  EXPECT_EQ(no_handler.start(nullptr).error().code, "invalid_argument");

  fo.add_device(std::make_shared<FakeHidDevice>());
  HidKeyboardDriver twice(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  ASSERT_TRUE(twice.start([](RawScan) {}).ok());
  EXPECT_EQ(twice.start([](RawScan) {}).error().code, "already_started");
}

TEST(HidKeyboardDriver, InterfaceClassFromProfile) {
  SystemClock clock;
  FakeHidOpener fo;
  fo.add_device(std::make_shared<FakeHidDevice>());
  auto p = kb_profile();
  p.match.usb_interface_class = 0xFF;
  HidKeyboardDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  EXPECT_EQ(fo.last_class(), 0xFF);
}

TEST(HidKeyboardDriver, GarbageFloodDoesNotBlockOrCrash) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidKeyboardDriver drv(kId, kb_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  std::uint32_t x = 7;
  for (int i = 0; i < 5000; ++i) {
    Bytes r((x >> 3) % 12);
    for (auto& b : r) {
      x = x * 1103515245u + 12345u;
      b = static_cast<std::uint8_t>(x >> 16);
    }
    x = x * 1103515245u + 12345u;
    dev->push(r);
  }
  dev->push(Bytes(8, 0));
  dev->push_all(type_us("\r777\r"));
  ASSERT_TRUE(eventually([&] {
    auto d = scans.data();
    return !d.empty() && d.back() == "777";
  }));
  EXPECT_GT(drv.stats().decoder.bad_reports, 0u);
}

}  // namespace
}  // namespace scanedge::hid_keyboard
