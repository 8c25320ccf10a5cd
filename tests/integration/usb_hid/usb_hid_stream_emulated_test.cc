// UsbContext (enumerate, hotplug) and UsbHidStream over the REAL libusb code path, against
// USB HID devices emulated with umockdev (tests/support/usb/emulated_hid_device.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
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

}  // namespace
}  // namespace scanedge::usb
