// The real agent (edge/agent wiring, DeviceManager, libusb device source, HidKeyboardDriver,
// pipeline, SQLite outbox) with an emulated Zebra DS2208 (USB HID keyboard, 05e0:1200)
// plugged in after start, used, unplugged mid-barcode and replugged on another bus
// address. The shipped zebra-ds2208 profile must recognise it by itself (autodetect), the
// scanner must keep its identity, and every confirmed scan must be in the outbox once.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "edge/agent/agent.h"
#include "edge/bus/bus_client.h"
#include "edge/config/agent_config.h"
#include "tests/support/process.h"
#include "tests/support/usb/emulated_hid_device.h"

namespace scanedge::agent {
namespace {

using namespace std::chrono_literals;
using Report = std::vector<std::uint8_t>;
using usb::testing::EmulatedHidConfig;
using usb::testing::EmulatedHidDevice;
using usb::testing::UsbTestbed;

constexpr std::uint8_t kLCtrl = 0x01, kLShift = 0x02;

std::pair<std::uint8_t, std::uint8_t> us_key(char c) {
  if (c >= 'a' && c <= 'z') return {0, static_cast<std::uint8_t>(0x04 + (c - 'a'))};
  if (c >= 'A' && c <= 'Z') return {kLShift, static_cast<std::uint8_t>(0x04 + (c - 'A'))};
  if (c >= '1' && c <= '9') return {0, static_cast<std::uint8_t>(0x1e + (c - '1'))};
  if (c == '0') return {0, 0x27};
  if (c == ']') return {0, 0x30};
  if (c == '\x1d') return {kLCtrl, 0x30};
  if (c == '\r') return {0, 0x28};
  ADD_FAILURE() << "no US key for " << static_cast<int>(c);
  return {0, 0};
}

std::vector<Report> type(const std::string& text) {
  std::vector<Report> out;
  for (char c : text) {
    auto [mod, usage] = us_key(c);
    out.push_back({mod, 0, usage, 0, 0, 0, 0, 0});
    out.push_back({0, 0, 0, 0, 0, 0, 0, 0});
  }
  return out;
}

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

const std::string kGtin = "09506000134352";
std::string gs1(const std::string& serial) { return "]C101" + kGtin + "21" + serial + "\x1d" "10LOT7"; }

class AgentWithUsbScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = std::make_unique<UsbTestbed>();
    ASSERT_TRUE(testbed_->ok()) << testbed_->why();
    const int closed_port = testing::free_tcp_port();  // no broker: events stay in the outbox
    const std::string text = "[device]\nsite = \"store-1\"\nid = \"hh-1\"\n"
                             "[storage]\npath = \"" + dir_.file("outbox.db") + "\"\n"
                             "[mqtt]\nuri = \"tcp://127.0.0.1:" + std::to_string(closed_port) + "\"\n"
                             "[bus]\nendpoint = \"ipc://" + dir_.file("bus.sock") + "\"\n"
                             "pub_endpoint = \"ipc://" + dir_.file("pub.sock") + "\"\n"
                             "[profiles]\ndir = \"" SCANEDGE_PROFILES_DIR "\"\nautodetect = true\nrescan_ms = 200\n";
    auto cfg = config::parse_config(text, "test.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    bus_ = cfg->bus_endpoint;
    auto a = Agent::create(*cfg);
    ASSERT_TRUE(a.ok()) << a.error().message;
    agent_ = std::move(*a);
    ASSERT_TRUE(agent_->start().ok());
    bus::BusClient client(bus_);
    nlohmann::json task{{"task_id", "PICK-USB"},
                        {"version", 1},
                        {"type", "pick"},
                        {"lines", {{{"line", 1}, {"gtin", kGtin}, {"qty", 5}, {"location", "A-01"}}}}};
    auto r = client.request({{"v", 1}, {"op", "task.put"}, {"task", task}}, 5s);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->value("ok", false)) << r->dump();
  }
  void TearDown() override {
    if (agent_) agent_->stop();
    agent_.reset();
    dev_.reset();
    testbed_.reset();
  }
  nlohmann::json scanner(const std::string& id) const {
    const nlohmann::json st = agent_->status();  // (a temporary's member would dangle in the loop)
    for (const auto& s : st["scanners"]) {
      if (s["id"] == id) return s;
    }
    return nullptr;
  }
  std::int64_t counter(const char* name) const { return agent_->status()["counters"][name].get<std::int64_t>(); }
  void send(const std::vector<Report>& reports) {
    for (const auto& r : reports) dev_->push_report(r);
  }

  testing::TempDir dir_;
  std::string bus_;
  std::unique_ptr<UsbTestbed> testbed_;
  std::unique_ptr<EmulatedHidDevice> dev_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentWithUsbScanner, HotpluggedDs2208IsRecognisedUsedAndSurvivesReplugWithoutLoss) {
  EXPECT_TRUE(agent_->status()["scanners"].empty());
  EmulatedHidConfig c;  // 05e0:1200, HID keyboard: the DS2208's USB HID keyboard mode
  c.serial = "DS2208-7";
  dev_ = std::make_unique<EmulatedHidDevice>(*testbed_, c);
  const std::string id = "usb:05e0:1200:DS2208-7";
  ASSERT_TRUE(eventually([&] { return scanner(id).is_object() && scanner(id)["state"] == "in_service"; }, 10s))
      << agent_->status()["scanners"].dump();
  auto s = scanner(id);
  EXPECT_EQ(s["profile"], "zebra-ds2208");
  EXPECT_EQ(s["driver"], "hid-keyboard");
  EXPECT_EQ(s["origin"], "autodetect");

  send(type(gs1("S1") + "\r"));
  ASSERT_TRUE(eventually([&] { return counter("confirmed") == 1; }, 5s)) << agent_->status().dump();

  // A symbology the profile does not enable (Aztec, ]z0) is refused with that reason.
  send(type("]z0" + kGtin + "\r"));
  ASSERT_TRUE(eventually([&] { return counter("rejected") == 1; }, 5s));

  // Unplug in the middle of a barcode, then replug (new bus address, same scanner).
  auto partial = type(gs1("S2") + "\r");
  partial.resize(12);
  send(partial);
  ASSERT_TRUE(dev_->wait_reports_taken(3s));
  dev_->unplug();
  ASSERT_TRUE(eventually([&] { return scanner(id)["state"] == "disconnected"; }, 5s)) << scanner(id).dump();
  dev_->replug();
  ASSERT_TRUE(eventually([&] { return scanner(id)["state"] == "in_service"; }, 10s)) << scanner(id).dump();
  send(type(gs1("S3") + "\r"));
  ASSERT_TRUE(eventually([&] { return counter("confirmed") == 2; }, 5s)) << agent_->status().dump();
  std::this_thread::sleep_for(300ms);  // the half barcode must never turn up

  const auto st = agent_->status();
  EXPECT_EQ(st["counters"]["confirmed"], 2);
  EXPECT_EQ(st["counters"]["rejected"], 1);
  EXPECT_EQ(st["outbox"]["exec"]["last_seq"], 3) << "the task (task.received) and both confirmed picks, once each";
  EXPECT_EQ(st["scanners"].size(), 1u) << "the replugged scanner kept its driver: " << st["scanners"].dump();
  EXPECT_EQ(st["tasks"][0]["picked"], 2);
}

}  // namespace
}  // namespace scanedge::agent
