// The REAL HidPosDriver over the REAL UsbHidStream (libusb) against an emulated Honeywell
// HID POS scanner (umockdev, tests/support/usb): 64-byte input reports with id 0x02, a
// barcode spanning three reports, init commands re-applied on replug, a garbage flood.
#include <gtest/gtest.h>

#include <random>

#include "drivers/hid_pos/hid_pos_driver.h"
#include "drivers/hid_pos/honeywell_commands.h"
#include "drivers/usb/usb_context.h"
#include "drivers/usb/usb_hid_stream.h"
#include "edge/core/clock.h"
#include "edge/profiles/profile.h"
#include "tests/integration/usb_hid/scan_collector.h"
#include "tests/support/usb/emulated_hid_device.h"

namespace scanedge::hid_pos {
namespace {

using namespace std::chrono_literals;
using usb::testing::EmulatedHidConfig;
using usb::testing::EmulatedHidDevice;
using usb::testing::eventually;
using usb::testing::ScanCollector;
using usb::testing::UsbTestbed;
using usb::testing::WrittenReport;

using Report = std::vector<std::uint8_t>;

// Honeywell HID POS input reports for one message: [0] 0x02, [1] length, [2..4] AIM id,
// [5..60] data (56 bytes), [63] bit 0 = more reports follow.
std::vector<Report> honeywell_reports(const std::string& aim, const std::string& data) {
  std::vector<Report> out;
  std::size_t pos = 0;
  do {
    std::size_t n = std::min<std::size_t>(56, data.size() - pos);
    Report r(64, 0);
    r[0] = 0x02;
    r[1] = static_cast<std::uint8_t>(n);
    for (std::size_t i = 0; i < 3 && i < aim.size(); ++i) r[2 + i] = static_cast<std::uint8_t>(aim[i]);
    for (std::size_t i = 0; i < n; ++i) r[5 + i] = static_cast<std::uint8_t>(data[pos + i]);
    pos += n;
    r[63] = pos < data.size() ? 0x01 : 0x00;
    out.push_back(r);
  } while (pos < data.size());
  return out;
}

Profile honeywell_profile() {
  Profile p;
  p.name = "test-honeywell-hid-pos";
  p.driver = "hid-pos";
  p.match.usb_vid = 0x0c2e;
  p.match.usb_pids = {0x0b81};
  p.match.usb_interface_class = 3;
  p.hid_pos = HidPosLayout{};  // Honeywell defaults: id 0x02, 64 bytes
  p.init = {"BEPLVL2!"};
  p.feedback.good = std::string("\x16\x07\x0d");  // SYN BEL CR: beep
  p.idle_timeout = 500ms;
  return p;
}

// 140 data characters: three reports (56 + 56 + 28).
const std::string kLong =
    "010950600013435210ABC123\x1d" "17270331" "21SERIAL0000000001\x1d" "240PART-NUMBER-0001\x1d"
    "91ACME-INTERNAL-DATA-FIELD-0001\x1d" "92ANOTHER-FIELD-TO-MAKE-IT-LONG-XYZW";
const std::string kEanData = "4006381333931";

class HidPosOverUsb : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = std::make_unique<UsbTestbed>();
    ASSERT_TRUE(testbed_->ok()) << testbed_->why();
    EmulatedHidConfig c;
    c.vid = 0x0c2e;
    c.pid = 0x0b81;
    c.serial = "18011B0074";
    c.manufacturer = "Honeywell";
    c.product = "Voyager 1450g (emulated)";
    c.interface_subclass = 0;
    c.interface_protocol = 0;
    c.report_size = 64;
    c.out_endpoint = true;
    c.numbered_reports = true;
    c.ports = {3};
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
    driver_ = std::make_unique<HidPosDriver>(dev_->identity(), honeywell_profile(), clock_, usb::usb_hid_opener(ctx_), t);
    auto st = driver_->start([this](RawScan s) { scans_.add(std::move(s)); });
    ASSERT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
  }
  void send(const std::vector<Report>& reports) {
    for (const auto& r : reports) dev_->push_report(r);
  }
  std::size_t count(WrittenReport::Kind kind, std::uint8_t id) const {
    std::size_t n = 0;
    for (const auto& w : dev_->written_reports()) {
      if (w.kind == kind && !w.report.empty() && w.report[0] == id) ++n;
    }
    return n;
  }

  SystemClock clock_;
  std::unique_ptr<UsbTestbed> testbed_;
  std::unique_ptr<EmulatedHidDevice> dev_;
  std::shared_ptr<usb::UsbContext> ctx_;
  std::unique_ptr<HidPosDriver> driver_;
  ScanCollector scans_;
};

TEST_F(HidPosOverUsb, BarcodeSpanningThreeReportsIsOneScan) {
  start();
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }, 3s));
  EXPECT_EQ(driver_->id(), "usb:0c2e:0b81:18011B0074");
  auto reports = honeywell_reports("]C1", kLong);
  ASSERT_EQ(reports.size(), 3u);
  send(reports);
  ASSERT_TRUE(scans_.wait_for_count(1, 3s));
  std::this_thread::sleep_for(300ms);
  auto got = scans_.get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "]C1" + kLong);
  EXPECT_EQ(got[0].scanner, "usb:0c2e:0b81:18011B0074");
  EXPECT_EQ(driver_->stats().assembler.multi_report_scans, 1u);
  // On open: routing feature 0xFE=0x01 (SET_REPORT Feature) and the init command as output
  // report 0xFD (interrupt OUT endpoint).
  ASSERT_TRUE(dev_->wait_written(2, 2s));
  EXPECT_EQ(count(WrittenReport::Kind::feature, 0xFE), 1u);
  bool init_seen = false;
  for (const auto& w : dev_->written_reports()) {
    if (w.kind != WrittenReport::Kind::interrupt_out || w.report.size() < 2 || w.report[0] != 0xFD) continue;
    std::string body(w.report.begin() + 2, w.report.end());
    if (body.find("BEPLVL2!") != std::string::npos) init_seen = true;
  }
  EXPECT_TRUE(init_seen);
  // Feedback "good" goes out as an output report too.
  const std::size_t outs = count(WrittenReport::Kind::interrupt_out, 0xFD);
  ASSERT_TRUE(driver_->feedback(Feedback::good).ok());
  ASSERT_TRUE(eventually([&] { return count(WrittenReport::Kind::interrupt_out, 0xFD) == outs + 1; }, 2s));
}

TEST_F(HidPosOverUsb, UnplugAndReplugMidSessionBackInServiceInitReapplied) {
  start();
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }, 3s));
  send(honeywell_reports("]E0", kEanData));
  ASSERT_TRUE(scans_.wait_for_count(1, 3s));
  ASSERT_TRUE(eventually([&] { return count(WrittenReport::Kind::feature, 0xFE) == 1; }, 2s));
  // Two of three reports of a long barcode, then the cable is pulled.
  auto partial = honeywell_reports("]C1", kLong);
  partial.pop_back();
  send(partial);
  ASSERT_TRUE(dev_->wait_reports_taken(2s));
  const std::string old_node = dev_->devnode();
  dev_->unplug();
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::disconnected; }, 3s));
  std::this_thread::sleep_for(150ms);
  dev_->replug();
  ASSERT_NE(dev_->devnode(), old_node);
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }, 5s))
      << to_string(driver_->state()) << ": " << driver_->stats().last_error;
  ASSERT_TRUE(eventually([&] { return count(WrittenReport::Kind::feature, 0xFE) == 2; }, 2s))
      << "routing feature re-sent after the replug";
  send(honeywell_reports("]C1", kLong));
  ASSERT_TRUE(scans_.wait_for_count(2, 3s));
  std::this_thread::sleep_for(300ms);
  auto got = scans_.get();
  ASSERT_EQ(got.size(), 2u) << "the cut-off message must not be delivered";
  EXPECT_EQ(got[0].data, "]E0" + kEanData);
  EXPECT_EQ(got[1].data, "]C1" + kLong);
  EXPECT_EQ(got[1].scanner, "usb:0c2e:0b81:18011B0074");
  auto st = driver_->stats();
  EXPECT_GE(st.disconnects, 1u);
  EXPECT_GE(st.reconnects, 1u);
}

TEST_F(HidPosOverUsb, GarbageFloodIsCountedAndLaterGoodScansStillArrive) {
  start();
  ASSERT_TRUE(eventually([&] { return driver_->state() == DriverState::in_service; }, 3s));
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(1, 64);
  for (int i = 0; i < 3000; ++i) {
    Report r(static_cast<std::size_t>(len(rng)));
    for (auto& b : r) b = static_cast<std::uint8_t>(byte(rng));
    if (i % 3 == 0) r[0] = 0x02;  // many look like scan reports, with nonsense inside
    dev_->push_report(r);
  }
  ASSERT_TRUE(dev_->wait_reports_taken(10s));
  std::this_thread::sleep_for(700ms);  // any message the garbage left open times out
  const std::size_t after_flood = scans_.get().size();
  send(honeywell_reports("]C1", kLong));
  ASSERT_TRUE(scans_.wait_for_count(after_flood + 1, 3s));
  std::this_thread::sleep_for(300ms);
  auto got = scans_.get();
  ASSERT_EQ(got.size(), after_flood + 1);
  EXPECT_EQ(got.back().data, "]C1" + kLong);
  EXPECT_EQ(driver_->state(), DriverState::in_service);
  auto st = driver_->stats();
  EXPECT_GE(st.assembler.reports, 2700u);
  EXPECT_GT(st.assembler.other_reports, 0u);
  EXPECT_GT(st.assembler.bad_length + st.assembler.short_reports + st.assembler.aim_invalid, 0u);
  EXPECT_EQ(st.disconnects, 0u);
}

}  // namespace
}  // namespace scanedge::hid_pos
