#include "edge/devices/device_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace scanedge::devices {
namespace {

using namespace std::chrono_literals;

class FakeSource final : public DeviceSource {
 public:
  Result<std::vector<AttachedDevice>> list() override {
    std::lock_guard lock(mu_);
    ++lists_;
    return devices_;
  }
  void set_change_callback(std::function<void()> cb) override {
    std::lock_guard lock(mu_);
    cb_ = std::move(cb);
  }
  std::string name() const override { return "fake"; }

  void set(std::vector<AttachedDevice> d, bool notify = true) {
    std::function<void()> cb;
    {
      std::lock_guard lock(mu_);
      devices_ = std::move(d);
      cb = cb_;
    }
    if (notify && cb) cb();
  }
  int lists() const {
    std::lock_guard lock(mu_);
    return lists_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AttachedDevice> devices_;
  std::function<void()> cb_;
  int lists_ = 0;
};

// A driver that only records what happens to it.
class FakeDriver final : public ScannerDriver {
 public:
  explicit FakeDriver(std::string id) : id_(std::move(id)) {}
  Status start(ScanHandler h) override {
    handler_ = std::move(h);
    state_ = DriverState::in_service;
    return {};
  }
  void stop() override { state_ = DriverState::stopped; }
  Status feedback(Feedback) override { return {}; }
  std::string id() const override { return id_; }
  DriverState state() const override { return state_; }
  void emit(std::string data) { handler_(RawScan{std::move(data), id_, 1ns}); }

 private:
  std::string id_;
  ScanHandler handler_;
  std::atomic<DriverState> state_{DriverState::stopped};
};

Profile zebra() {
  Profile p;
  p.name = "zebra-ds2208";
  p.driver = "hid-keyboard";
  p.match.usb_vid = 0x05e0;
  p.match.usb_pids = {0x1200};
  p.symbologies = {"gs1-128", "ean-upc"};
  return p;
}

AttachedDevice zebra_dev(std::string serial, AttachedDevice::Access access = AttachedDevice::Access::ok) {
  AttachedDevice d;
  d.kind = AttachedDevice::Kind::usb;
  d.vid = 0x05e0;
  d.pid = 0x1200;
  d.interface_classes = {3};
  d.identity = "usb:05e0:1200:" + serial;
  d.node = "/dev/bus/usb/001/004";
  d.access = access;
  d.access_fix = "install the scanedge udev rule";
  return d;
}

struct Harness {
  FakeSource src;
  std::mutex mu;
  std::map<std::string, FakeDriver*> drivers;
  std::vector<std::pair<std::string, std::string>> created;  // port, profile
  std::vector<RawScan> scans;

  DriverFactory factory() {
    return [this](const std::string& port, const Profile& p) -> Result<std::unique_ptr<ScannerDriver>> {
      if (p.driver == "nope") return make_error("config", "no such driver family");
      auto d = std::make_unique<FakeDriver>(port.rfind("/dev/", 0) == 0 ? "serial:" + port : port);
      std::lock_guard lock(mu);
      drivers[d->id()] = d.get();
      created.emplace_back(port, p.name);
      return std::unique_ptr<ScannerDriver>(std::move(d));
    };
  }
  DeviceManager::ScanHandler handler() {
    return [this](RawScan s, ScannerDriver&) {
      std::lock_guard lock(mu);
      scans.push_back(std::move(s));
    };
  }
  std::size_t created_count() {
    std::lock_guard lock(mu);
    return created.size();
  }
};

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds limit = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(DeviceManager, HotpluggedDeviceGetsItsProfileDriverOnceAndKeepsItAcrossReplug) {
  Harness h;
  DeviceManager m({zebra()}, {}, {&h.src}, h.factory(), ManagerOptions{true, 10s});
  ASSERT_TRUE(m.start(h.handler()).ok());
  EXPECT_EQ(h.created_count(), 0u);
  h.src.set({zebra_dev("SN1")});  // plugged in: the hotplug callback rescans at once
  ASSERT_TRUE(eventually([&] { return h.created_count() == 1; }));
  EXPECT_EQ(h.created[0], (std::pair<std::string, std::string>{"usb:05e0:1200:SN1", "zebra-ds2208"}));
  // The driver is created, then started, then listed: wait for the listing.
  ASSERT_TRUE(eventually([&] { return m.snapshot().size() == 1 && m.snapshot()[0].state == DriverState::in_service; }));
  auto snap = m.snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].id, "usb:05e0:1200:SN1");
  EXPECT_EQ(snap[0].origin, "autodetect");
  EXPECT_EQ(snap[0].state, DriverState::in_service);

  h.src.set({});                        // unplugged
  auto d2 = zebra_dev("SN1");
  d2.node = "/dev/bus/usb/001/009";     // back on another address
  const int before = h.src.lists();
  h.src.set({d2});
  ASSERT_TRUE(eventually([&] { return h.src.lists() > before; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.created_count(), 1u) << "a replugged scanner must keep its driver, not get a second one";
  ASSERT_TRUE(eventually([&] { return m.snapshot()[0].node == "/dev/bus/usb/001/009"; }));
  m.stop();
}

TEST(DeviceManager, PermissionDeniedAndUnknownDevicesAreListedWithTheReason) {
  Harness h;
  AttachedDevice unknown;
  unknown.kind = AttachedDevice::Kind::usb;
  unknown.vid = 0x1234;
  unknown.pid = 0x5678;
  unknown.identity = "usb:1234:5678:X";
  h.src.set({zebra_dev("SN1", AttachedDevice::Access::permission_denied), unknown}, false);
  DeviceManager m({zebra()}, {}, {&h.src}, h.factory(), ManagerOptions{true, 20ms});
  ASSERT_TRUE(m.start(h.handler()).ok());
  auto un = m.unserved();
  ASSERT_EQ(un.size(), 2u);
  EXPECT_EQ(un[0].reason, "permission_denied");
  EXPECT_EQ(un[0].profile, "zebra-ds2208");
  EXPECT_EQ(un[0].detail, "install the scanedge udev rule");
  EXPECT_EQ(un[1].reason, "no_profile");
  EXPECT_EQ(h.created_count(), 0u);
  // The field tech fixes the udev rule: the next poll serves the scanner, no restart.
  h.src.set({zebra_dev("SN1"), unknown}, false);
  ASSERT_TRUE(eventually([&] { return h.created_count() == 1; }));
  m.stop();
}

TEST(DeviceManager, ConfiguredScannersStartEvenWhenAbsentAndAreNotServedTwice) {
  Harness h;
  Profile generic;
  generic.name = "generic-serial-ascii";
  generic.driver = "serial-ascii";
  generic.match.usb_vid = 0x0403;  // pretend it also matches, to prove no double service
  AttachedDevice port;
  port.kind = AttachedDevice::Kind::serial;
  port.vid = 0x0403;
  port.pid = 0x6001;
  port.node = "/dev/ttyUSB0";
  port.identity = "usb:0403:6001:A1";
  h.src.set({port}, false);
  DeviceManager m({generic}, {ConfiguredScanner{"/dev/ttyUSB0", generic}}, {&h.src}, h.factory(),
                  ManagerOptions{true, 20ms});
  ASSERT_TRUE(m.start(h.handler()).ok());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(h.created_count(), 1u);
  auto snap = m.snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].origin, "config");
  EXPECT_EQ(snap[0].node, "/dev/ttyUSB0");
  m.stop();
}

TEST(DeviceManager, AutodetectOffServesOnlyConfiguredScanners) {
  Harness h;
  h.src.set({zebra_dev("SN1")}, false);
  DeviceManager m({zebra()}, {}, {&h.src}, h.factory(), ManagerOptions{false, 20ms});
  ASSERT_TRUE(m.start(h.handler()).ok());
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(h.created_count(), 0u);
  auto un = m.unserved();
  ASSERT_EQ(un.size(), 1u);
  EXPECT_EQ(un[0].reason, "autodetect_off");
  EXPECT_NE(un[0].detail.find("usb:05e0:1200:SN1"), std::string::npos);
  m.stop();
}

TEST(DeviceManager, ScansOfDisabledSymbologiesCarryTheRefusal) {
  Harness h;
  h.src.set({zebra_dev("SN1")}, false);
  DeviceManager m({zebra()}, {}, {&h.src}, h.factory(), ManagerOptions{true, 10s});
  ASSERT_TRUE(m.start(h.handler()).ok());
  ASSERT_EQ(h.created_count(), 1u);
  FakeDriver* d = h.drivers["usb:05e0:1200:SN1"];
  d->emit("]E04006381333931");
  d->emit("]Q3hello");
  std::lock_guard lock(h.mu);
  ASSERT_EQ(h.scans.size(), 2u);
  EXPECT_TRUE(h.scans[0].refusal_code.empty());
  EXPECT_EQ(h.scans[1].refusal_code, "symbology_disabled");
  EXPECT_NE(h.scans[1].refusal_message.find("zebra-ds2208"), std::string::npos);
}

TEST(DeviceManager, ConfiguredScannerWithUnknownFamilyFailsStart) {
  Harness h;
  Profile bad;
  bad.name = "x";
  bad.driver = "nope";
  DeviceManager m({}, {ConfiguredScanner{"/dev/ttyUSB0", bad}}, {&h.src}, h.factory(), ManagerOptions{});
  auto s = m.start(h.handler());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "config");
}

}  // namespace
}  // namespace scanedge::devices
