#include "drivers/hid_pos/hid_pos_driver.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/hid_keyboard/fake_hid_device.h"

namespace scanedge::hid_pos {
namespace {

using namespace std::chrono_literals;
using test::Bytes;
using test::FakeHidDevice;
using test::FakeHidOpener;
using test::Scans;
using test::eventually;

const std::string kId = "usb:0c2e:0b81:18011B0074";

Bytes honeywell(const std::string& aim, const std::string& data, bool more) {
  Bytes r(64, 0);
  r[0] = 0x02;
  r[1] = static_cast<std::uint8_t>(data.size());
  for (std::size_t i = 0; i < 3; ++i) r[2 + i] = static_cast<std::uint8_t>(aim[i]);
  for (std::size_t i = 0; i < data.size(); ++i) r[5 + i] = static_cast<std::uint8_t>(data[i]);
  r[63] = more ? 1 : 0;
  return r;
}

Bytes bytes(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

Bytes cmd_report(const std::string& cmd) {
  Bytes b(cmd.size() + 2);
  b[0] = 0xFD;
  b[1] = static_cast<std::uint8_t>(cmd.size());
  for (std::size_t i = 0; i < cmd.size(); ++i) b[2 + i] = static_cast<std::uint8_t>(cmd[i]);
  return b;
}

Profile pos_profile() {
  Profile p;
  p.name = "test-pos";
  p.driver = "hid-pos";
  p.suffix = "\r\n";
  p.idle_timeout = 60ms;
  p.init = {std::string("\x16M\rAIMENA1."), "BEPLVL3!"};
  p.feedback.good = std::string("\x16M\rBEPEXE1.");
  p.feedback.warning = std::string("\x16\x07\r");
  return p;
}

DriverTuning fast_tuning() {
  DriverTuning t;
  t.read_slice = 20ms;
  t.backoff_initial = 10ms;
  t.backoff_max = 40ms;
  return t;
}

std::vector<std::pair<char, Bytes>> expected_configuration() {
  return {{'F', bytes({0xFE, 0x01})},
          {'O', cmd_report(std::string("\x16M\rAIMENA1."))},
          {'O', cmd_report(std::string("\x16M\rBEPLVL3!"))}};
}

TEST(HidPosDriver, ConfiguresOnOpenAndAssemblesThreeReportBarcode) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  const auto before = clock.monotonic();
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  EXPECT_EQ(drv.id(), kId);
  EXPECT_EQ(fo.identities(), std::vector<std::string>{kId});
  EXPECT_EQ(fo.last_class(), 3);
  EXPECT_EQ(dev->sent(), expected_configuration());
  std::string data = std::string("0109506000134352") + '\x1d' + "10ABC123" + '\x1d';
  while (data.size() < 150) data += "21SERIAL" + std::to_string(data.size());
  dev->push(honeywell("]d2", data.substr(0, 56), true));
  dev->push(honeywell("]d2", data.substr(56, 56), true));
  dev->push(honeywell("]d2", data.substr(112), false));
  ASSERT_TRUE(scans.wait_for_count(1));
  auto got = scans.get();
  EXPECT_EQ(got[0].data, "]d2" + data);
  EXPECT_EQ(got[0].scanner, kId);
  EXPECT_GE(got[0].mono, before);
  EXPECT_EQ(drv.stats().init_sent, 3u);
  EXPECT_EQ(drv.stats().assembler.multi_report_scans, 1u);
}

TEST(HidPosDriver, InitSequenceIsResentOnEveryReopen) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev1 = std::make_shared<FakeHidDevice>();
  auto dev2 = std::make_shared<FakeHidDevice>();
  fo.add_device(dev1);
  fo.add_error("device_not_found");
  fo.add_device(dev2);
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev1->push(honeywell("]E0", "4006381333931", false));
  dev1->push(honeywell("]C1", "0109", true));  // unplugged mid-barcode
  dev1->fail("device_disconnected");
  ASSERT_TRUE(eventually([&] { return fo.opens() >= 3 && drv.state() == DriverState::in_service; }));
  dev2->push(honeywell("]E0", "5901234123457", false));
  ASSERT_TRUE(scans.wait_for_count(2));
  EXPECT_EQ(scans.data(), (std::vector<std::string>{"]E04006381333931", "]E05901234123457"}));
  for (const auto& s : scans.get()) EXPECT_EQ(s.scanner, kId);
  for (const auto& id : fo.identities()) EXPECT_EQ(id, kId);
  EXPECT_EQ(dev1->sent(), expected_configuration());
  EXPECT_EQ(dev2->sent(), expected_configuration());
  const auto st = drv.stats();
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.reopen_failures, 1u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.init_sent, 6u);
  EXPECT_EQ(st.assembler.partial_discarded, 1u);
  const auto t = fo.open_times();
  ASSERT_GE(t.size(), 3u);
  EXPECT_GE(t[2] - t[1], 18ms);  // backoff doubled after the failed reopen
}

TEST(HidPosDriver, FeedbackWritesTheExactOutputReport) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  auto p = pos_profile();
  p.init.clear();
  p.hid_pos.route_feature = false;
  HidPosDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  EXPECT_TRUE(dev->sent().empty());
  ASSERT_TRUE(drv.feedback(Feedback::good).ok());
  ASSERT_TRUE(drv.feedback(Feedback::warning).ok());
  EXPECT_EQ(dev->outputs(),
            (std::vector<Bytes>{bytes({0xFD, 0x0B, 0x16, 'M', 0x0D, 'B', 'E', 'P', 'E', 'X', 'E', '1', '.'}),
                                bytes({0xFD, 0x03, 0x16, 0x07, 0x0D})}));
  // No command for "bad" in this profile: success, nothing sent, counted.
  EXPECT_TRUE(drv.feedback(Feedback::bad).ok());
  EXPECT_EQ(dev->outputs().size(), 2u);
  const auto st = drv.stats();
  EXPECT_EQ(st.feedback_sent, 2u);
  EXPECT_EQ(st.feedback_unsupported, 1u);
  // A write the device refuses is reported.
  dev->fail_writes(true);
  auto f = drv.feedback(Feedback::good);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "device_io");
}

TEST(HidPosDriver, FeedbackWhileUnpluggedIsDeviceUnavailable) {
  SystemClock clock;
  FakeHidOpener fo;  // never there
  DriverTuning t = fast_tuning();
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), t);
  EXPECT_FALSE(drv.start([](RawScan) {}).ok());
  auto f = drv.feedback(Feedback::good);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "device_unavailable");
}

TEST(HidPosDriver, MenuRepliesAreCountedNotScanned) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  auto p = pos_profile();
  p.init.clear();
  HidPosDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  ASSERT_TRUE(drv.feedback(Feedback::good).ok());
  dev->push(honeywell("]Z6", std::string("BEPEXE1\x06."), false));
  dev->push(honeywell("]X0", "some reply text", false));  // reply text while a reply is due
  dev->push(honeywell("]Z6", std::string("BEPEXE9\x15."), false));
  dev->push(honeywell("]E0", "4006381333931", false));
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"]E04006381333931"});
  const auto st = drv.stats();
  EXPECT_EQ(st.replies_ack, 1u);
  EXPECT_EQ(st.replies_nak, 1u);
  EXPECT_EQ(st.last_reply, "BEPEXE9.");
}

TEST(HidPosDriver, MissingContinuationIsDroppedAndNextBarcodeIsClean) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  dev->push(honeywell("]C1", "0109506000134352", true));
  ASSERT_TRUE(eventually([&] { return drv.stats().assembler.continuation_timeouts == 1; }));
  dev->push(honeywell("]C1", "10ABC", false));
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{"]C110ABC"});
}

TEST(HidPosDriver, RefusedInitIsCountedAndScannerStillServes) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  dev->fail_writes(true);
  fo.add_device(dev);
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  EXPECT_EQ(drv.stats().init_failures, 3u);
  EXPECT_EQ(drv.state(), DriverState::in_service);
  dev->push(honeywell("]E0", "123", false));
  ASSERT_TRUE(scans.wait_for_count(1));
}

TEST(HidPosDriver, NewlandLayoutFromProfile) {
  SystemClock clock;
  FakeHidOpener fo;
  auto dev = std::make_shared<FakeHidDevice>();
  fo.add_device(dev);
  auto p = pos_profile();
  p.init.clear();
  p.hid_pos.aim_offset = -1;
  p.hid_pos.data_offset = 2;
  p.hid_pos.data_max = 56;
  p.hid_pos.more_offset = -1;
  p.hid_pos.route_feature = false;
  HidPosDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  Scans scans;
  ASSERT_TRUE(drv.start([&](RawScan s) { scans.add(std::move(s)); }).ok());
  Bytes r(64, 0);
  r[0] = 0x02;
  const std::string d = "6901234567892";
  r[1] = static_cast<std::uint8_t>(d.size());
  std::copy(d.begin(), d.end(), r.begin() + 2);
  dev->push(r);
  ASSERT_TRUE(scans.wait_for_count(1));
  EXPECT_EQ(scans.data(), std::vector<std::string>{d});
  EXPECT_TRUE(dev->sent().empty());
}

TEST(HidPosDriver, InvalidLayoutIsRefusedWithoutRunning) {
  SystemClock clock;
  FakeHidOpener fo;
  auto p = pos_profile();
  p.hid_pos.data_max = 100;
  HidPosDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  auto st = drv.start([](RawScan) {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "invalid_hid_pos_layout");
  EXPECT_EQ(drv.state(), DriverState::stopped);
  EXPECT_EQ(fo.opens(), 0);
}

TEST(HidPosDriver, StopIsPrompt) {
  SystemClock clock;
  FakeHidOpener fo;
  fo.add_device(std::make_shared<FakeHidDevice>());
  DriverTuning t;
  t.read_slice = 2000ms;
  HidPosDriver drv(kId, pos_profile(), clock, fo.opener(), t);
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  std::this_thread::sleep_for(20ms);
  const auto t0 = std::chrono::steady_clock::now();
  drv.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(drv.state(), DriverState::stopped);
}

TEST(HidPosDriver, FirmwareOlderThanProfileMinimumIsFlagged) {
  SystemClock clock;
  FakeHidOpener fo;
  fo.add_device(std::make_shared<FakeHidDevice>("1.02"));
  auto p = pos_profile();
  p.min_firmware = "1.10";
  HidPosDriver drv(kId, p, clock, fo.opener(), fast_tuning());
  ASSERT_TRUE(drv.start([](RawScan) {}).ok());
  EXPECT_TRUE(drv.stats().firmware_too_old);
  EXPECT_EQ(drv.stats().firmware_version, "1.02");
}

}  // namespace
}  // namespace scanedge::hid_pos
