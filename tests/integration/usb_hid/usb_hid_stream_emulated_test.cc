// UsbContext (enumerate, hotplug) and UsbHidStream over the REAL libusb code path, against
// USB HID devices emulated with umockdev (tests/support/usb/emulated_hid_device.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "drivers/usb/usb_context.h"
#include "drivers/usb/usb_hid_stream.h"
#include "tests/support/usb/emulated_hid_device.h"

namespace scanedge::usb {
namespace {

using namespace std::chrono_literals;
using testing::EmulatedHidConfig;
using testing::EmulatedHidDevice;
using testing::UsbTestbed;
using testing::WrittenReport;

class UsbHidEmulated : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = std::make_unique<UsbTestbed>();
    ASSERT_TRUE(testbed_->ok()) << testbed_->why();
  }
  void TearDown() override {
    devices_.clear();
    ctx_.reset();
    testbed_.reset();
  }
  EmulatedHidDevice& add(EmulatedHidConfig c = {}) {
    devices_.push_back(std::make_unique<EmulatedHidDevice>(*testbed_, std::move(c)));
    return *devices_.back();
  }
  std::shared_ptr<UsbContext> ctx() {
    if (!ctx_) {
      auto c = UsbContext::create();
      EXPECT_TRUE(c.ok()) << c.error().message;
      if (c.ok()) ctx_ = *c;
    }
    return ctx_;
  }
  std::unique_ptr<UsbHidStream> open(const std::string& identity) {
    auto s = UsbHidStream::open(ctx(), identity);
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::unique_ptr<UsbTestbed> testbed_;
  std::vector<std::unique_ptr<EmulatedHidDevice>> devices_;
  std::shared_ptr<UsbContext> ctx_;
};

const UsbDeviceInfo* find(const std::vector<UsbDeviceInfo>& v, const std::string& identity) {
  auto it = std::find_if(v.begin(), v.end(), [&](const UsbDeviceInfo& i) { return i.identity == identity; });
  return it == v.end() ? nullptr : &*it;
}

std::vector<std::uint8_t> key(std::uint8_t mod, std::uint8_t code) { return {mod, 0, code, 0, 0, 0, 0, 0}; }

TEST_F(UsbHidEmulated, EnumerateSeesTheDeviceWithItsIdentityAndDescriptors) {
  auto& dev = add();
  auto list = ctx()->enumerate();
  ASSERT_TRUE(list.ok()) << list.error().message;
  const UsbDeviceInfo* info = find(*list, "usb:05e0:1200:EMU0001");
  ASSERT_NE(info, nullptr) << "enumerated " << list->size() << " devices";
  EXPECT_EQ(info->vid, 0x05e0);
  EXPECT_EQ(info->pid, 0x1200);
  EXPECT_EQ(info->serial, "EMU0001");
  EXPECT_EQ(info->manufacturer, "ScanEdge Emulation");
  EXPECT_EQ(info->product, "Emulated HID Scanner");
  EXPECT_EQ(info->bcd_device, "1.12");
  EXPECT_EQ(info->bus, 1);
  EXPECT_EQ(info->port_path, "1-1.4");
  EXPECT_EQ(info->ports, (std::vector<std::uint8_t>{1, 4}));
  EXPECT_EQ(info->interface_classes, std::vector<int>{3});
  EXPECT_EQ(info->devnode, dev.devnode());
  EXPECT_EQ(info->access, UsbAccess::ok) << info->access_message;
}

TEST_F(UsbHidEmulated, ReadsPushedKeyboardReportsInOrder) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->firmware_version(), "1.12");
  EXPECT_EQ(s->describe(), "usb:05e0:1200:EMU0001 (bus 1 port 1.4)");
  EXPECT_EQ(dev.claims_with_auto_detach(), 1) << "auto-detach must be set before claiming";
  EXPECT_FALSE(dev.kernel_driver_attached());
  std::vector<std::vector<std::uint8_t>> sent;
  for (std::uint8_t i = 0; i < 20; ++i) {
    sent.push_back(key(i % 2 ? 0x02 : 0, static_cast<std::uint8_t>(0x04 + i)));
    dev.push_report(sent.back());
  }
  std::vector<std::vector<std::uint8_t>> got;
  std::uint8_t buf[64];
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
    auto r = s->read_report(buf, 200ms);
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (*r > 0) got.emplace_back(buf, buf + *r);
  }
  EXPECT_EQ(got, sent);
  s->close();
  EXPECT_FALSE(dev.interface_claimed());
  EXPECT_TRUE(dev.kernel_driver_attached()) << "closing re-attaches usbhid";
}

TEST_F(UsbHidEmulated, OutputAndFeatureReportsReachTheDeviceBySetReport) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->out_endpoint(), 0);
  const std::vector<std::uint8_t> led = {0x00, 0x02};             // unnumbered output: Caps Lock LED
  const std::vector<std::uint8_t> feature = {0x05, 0x01, 0x7f};   // feature report id 5
  ASSERT_TRUE(s->write_output_report(led).ok());
  ASSERT_TRUE(s->set_feature_report(feature).ok());
  ASSERT_TRUE(dev.wait_written(2, 2s));
  auto w = dev.written_reports();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kind, WrittenReport::Kind::output);
  EXPECT_EQ(w[0].report, led);
  EXPECT_EQ(w[1].kind, WrittenReport::Kind::feature);
  EXPECT_EQ(w[1].report, feature);
  auto empty = s->write_output_report({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "invalid_argument");
}

TEST_F(UsbHidEmulated, OutputReportsUseTheInterruptOutEndpointWhenThereIsOne) {
  EmulatedHidConfig c;
  c.out_endpoint = true;
  c.report_size = 64;
  c.numbered_reports = true;
  auto& dev = add(c);
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->out_endpoint(), 0x02);
  std::vector<std::uint8_t> cmd = {0x04, 0x01, 0x02, 0x03};  // numbered report id 4
  ASSERT_TRUE(s->write_output_report(cmd).ok());
  ASSERT_TRUE(dev.wait_written(1, 2s));
  auto w = dev.written_reports();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].kind, WrittenReport::Kind::interrupt_out);
  EXPECT_EQ(w[0].report, cmd);
}

TEST_F(UsbHidEmulated, ReadTimesOutWithZeroWhenTheDeviceIsSilent) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  std::uint8_t buf[8];
  auto t0 = std::chrono::steady_clock::now();
  auto r = s->read_report(buf, 150ms);
  auto dt = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 0u);
  EXPECT_GE(dt, 140ms);
  EXPECT_LT(dt, 1s);
}

TEST_F(UsbHidEmulated, APushedReportArrivesPromptlyWhileTheHostWaits) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(dev.wait_in_urb_pending(2s));
  std::uint8_t buf[8];
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(30ms);
    auto t0 = std::chrono::steady_clock::now();
    dev.push_report(key(0, 0x04));
    auto r = s->read_report(buf, 2s);
    auto dt = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(*r, 8u);
    EXPECT_LT(dt, 100ms) << "report latency " << std::chrono::duration_cast<std::chrono::milliseconds>(dt).count() << " ms";
  }
}

TEST_F(UsbHidEmulated, CloseFromAnotherThreadEndsABlockedReadPromptly) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(dev.wait_in_urb_pending(2s));
  std::atomic<bool> returned{false};
  Error err;
  std::thread reader([&] {
    std::uint8_t buf[8];
    auto r = s->read_report(buf, 10s);
    if (!r.ok()) err = r.error();
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  s->close();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(returned);
  EXPECT_EQ(err.code, "device_closed");
  EXPECT_FALSE(dev.interface_claimed()) << "close releases the interface";
  s->close();  // idempotent
  auto w = s->write_output_report(std::vector<std::uint8_t>{0, 1});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, "device_closed");
}

TEST_F(UsbHidEmulated, UnplugMidReadGivesDeviceDisconnectedAfterTheReportsAlreadySent) {
  auto& dev = add();
  auto s = open(dev.identity());
  ASSERT_NE(s, nullptr);
  dev.push_report(key(0, 0x1e));
  ASSERT_TRUE(dev.wait_reports_taken(2s));
  ASSERT_TRUE(dev.wait_in_urb_pending(2s));
  Result<std::size_t> second = std::size_t{0};
  std::uint8_t buf[8];
  auto first = s->read_report(buf, 2s);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 8u);
  EXPECT_EQ(buf[2], 0x1e);
  std::thread reader([&] {
    std::uint8_t b[8];
    second = s->read_report(b, 10s);
  });
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  dev.unplug();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "device_disconnected");
  auto w = s->write_output_report(std::vector<std::uint8_t>{0, 1});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, "device_disconnected");
  s->close();
  auto again = UsbHidStream::open(ctx(), dev.identity());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "device_not_found");
}

TEST_F(UsbHidEmulated, ReplugAtANewBusAddressReopensBySameIdentity) {
  auto& dev = add();
  const std::string id = dev.identity();
  auto s = open(id);
  ASSERT_NE(s, nullptr);
  const std::string node_before = s->info().devnode;
  dev.unplug();
  std::uint8_t buf[8];
  auto r = s->read_report(buf, 2s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "device_disconnected");
  s.reset();
  dev.replug();
  // libusb learns about the new device from the "add" uevent (its udev monitor thread).
  std::unique_ptr<UsbHidStream> s2;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!s2 && std::chrono::steady_clock::now() < deadline) {
    auto o = UsbHidStream::open(ctx(), id);
    if (o.ok()) s2 = std::move(*o);
    else std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(s2, nullptr);
  EXPECT_NE(s2->info().devnode, node_before) << "the bus address changed";
  EXPECT_EQ(s2->info().devnode, dev.devnode());
  EXPECT_EQ(s2->info().identity, id);
  dev.push_report(key(0, 0x27));
  auto r2 = s2->read_report(buf, 2s);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  ASSERT_EQ(*r2, 8u);
  EXPECT_EQ(buf[2], 0x27);
}

TEST_F(UsbHidEmulated, DeviceWithoutSerialIsFoundByItsPortPath) {
  EmulatedHidConfig c;
  c.serial = "";
  c.vid = 0x0c2e;
  c.pid = 0x0b81;
  c.ports = {2, 3, 1};
  auto& dev = add(c);
  EXPECT_EQ(dev.identity(), "usb:0c2e:0b81@1-2.3.1");
  auto list = ctx()->enumerate();
  ASSERT_TRUE(list.ok());
  const UsbDeviceInfo* info = find(*list, "usb:0c2e:0b81@1-2.3.1");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->serial, "");
  auto s = open("usb:0c2e:0b81@1-2.3.1");
  ASSERT_NE(s, nullptr);
  auto wrong_port = UsbHidStream::open(ctx(), "usb:0c2e:0b81@1-2.3.2");
  ASSERT_FALSE(wrong_port.ok());
  EXPECT_EQ(wrong_port.error().code, "device_not_found");
}

TEST_F(UsbHidEmulated, SerialWithReservedCharactersRoundTripsThroughTheRealPath) {
  EmulatedHidConfig c;
  c.serial = "AB:12 x@7";
  auto& dev = add(c);
  EXPECT_EQ(dev.identity(), "usb:05e0:1200:AB%3A12%20x%407");
  auto list = ctx()->enumerate();
  ASSERT_TRUE(list.ok());
  ASSERT_NE(find(*list, "usb:05e0:1200:AB%3A12%20x%407"), nullptr);
  // Escapes are case-insensitive ("%3a" == "%3A"); the serial itself is case-sensitive.
  auto s = open("usb:05e0:1200:AB%3a12%20x%407");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->info().identity, "usb:05e0:1200:AB%3A12%20x%407");
  EXPECT_EQ(s->info().serial, "AB:12 x@7");
  s.reset();
  auto other = UsbHidStream::open(ctx(), "usb:05e0:1200:ab%3A12%20x%407");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "device_not_found");
}

TEST_F(UsbHidEmulated, OpenErrorsAreValues) {
  add();
  auto bad = UsbHidStream::open(ctx(), "usb:05e0:1200");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_usb_identity");
  auto other = UsbHidStream::open(ctx(), "usb:05e0:1200:OTHER");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "device_not_found");
  auto not_hid = UsbHidStream::open(ctx(), "usb:05e0:1200:EMU0001", 7);
  ASSERT_FALSE(not_hid.ok());
  EXPECT_EQ(not_hid.error().code, "device_not_found");
  EXPECT_NE(not_hid.error().message.find("class 7"), std::string::npos) << not_hid.error().message;
  auto first = open("usb:05e0:1200:EMU0001");
  ASSERT_NE(first, nullptr);
  auto second = UsbHidStream::open(ctx(), "usb:05e0:1200:EMU0001");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "device_busy");
}

TEST_F(UsbHidEmulated, OpenerFromUsbHidOpenerWorksForDrivers) {
  auto& dev = add();
  HidStreamOpener opener = usb_hid_opener(ctx());
  auto s = opener(dev.identity(), 3);
  ASSERT_TRUE(s.ok()) << s.error().message;
  dev.push_report(key(0x02, 0x04));
  std::uint8_t buf[8];
  auto r = (*s)->read_report(buf, 2s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8u);
  EXPECT_EQ(buf[0], 0x02);
}

// Collects hotplug events.
class Events {
 public:
  void add(HotplugEvent e, const UsbDeviceInfo& i) {
    std::lock_guard lock(mu_);
    ev_.emplace_back(e, i);
    cv_.notify_all();
  }
  // Waits for an event of kind `e` for `identity`, and returns its info.
  std::optional<UsbDeviceInfo> wait(HotplugEvent e, const std::string& identity, std::size_t skip = 0,
                                    std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mu_);
    std::optional<UsbDeviceInfo> out;
    cv_.wait_for(lock, timeout, [&] {
      std::size_t seen = 0;
      for (auto& [k, i] : ev_) {
        if (k == e && i.identity == identity && seen++ == skip) {
          out = i;
          return true;
        }
      }
      return false;
    });
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<HotplugEvent, UsbDeviceInfo>> ev_;
};

void hotplug_scenario(UsbHidEmulated& t, EmulatedHidDevice& dev, UsbContext& ctx, bool force_polling) {
  Events events;
  WatchOptions o;
  o.force_polling = force_polling;
  o.poll_interval = 100ms;
  auto w = ctx.watch([&](HotplugEvent e, const UsbDeviceInfo& i) { events.add(e, i); }, o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ((*w)->uses_libusb_hotplug(), !force_polling);
  auto present = events.wait(HotplugEvent::arrived, dev.identity());
  ASSERT_TRUE(present) << "devices present at watch() are reported as arrived";
  EXPECT_EQ(present->devnode, dev.devnode());
  const std::string old_node = dev.devnode();
  dev.unplug();
  auto left = events.wait(HotplugEvent::left, dev.identity());
  ASSERT_TRUE(left);
  EXPECT_EQ(left->devnode, old_node);
  EXPECT_EQ(left->product, "Emulated HID Scanner") << "left carries the info from arrival";
  dev.replug();
  auto back = events.wait(HotplugEvent::arrived, dev.identity(), 1);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->devnode, dev.devnode());
  EXPECT_NE(back->devnode, old_node);
  EXPECT_EQ(back->access, UsbAccess::ok);
  (void)t;
}

TEST_F(UsbHidEmulated, HotplugWatchReportsArrivedLeftArrivedThroughLibusbHotplug) {
  auto& dev = add();
  ASSERT_TRUE(ctx()->has_hotplug());
  hotplug_scenario(*this, dev, *ctx(), false);
}

TEST_F(UsbHidEmulated, HotplugWatchPollingFallbackReportsTheSameEvents) {
  auto& dev = add();
  hotplug_scenario(*this, dev, *ctx(), true);
}

TEST_F(UsbHidEmulated, HotplugSeesADevicePluggedAfterTheWatchStarted) {
  Events events;
  auto w = ctx()->watch([&](HotplugEvent e, const UsbDeviceInfo& i) { events.add(e, i); });
  ASSERT_TRUE(w.ok());
  EmulatedHidConfig c;
  c.serial = "LATE42";
  auto& dev = add(c);
  auto arrived = events.wait(HotplugEvent::arrived, "usb:05e0:1200:LATE42");
  ASSERT_TRUE(arrived);
  EXPECT_EQ(arrived->serial, "LATE42");
  EXPECT_EQ(arrived->port_path, "1-1.4");
  (void)dev;
}

}  // namespace
}  // namespace scanedge::usb
