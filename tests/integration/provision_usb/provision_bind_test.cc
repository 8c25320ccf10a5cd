// provision --bind-attached with real enumeration (libusb over an emulated sysfs): the
// recognised scanner is bound to its profile, the unknown device is not, an explicit
// --scanner wins, and the agent started on the written file (profiles.autodetect = false)
// serves the bound scanner as a configured one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "edge/agent/agent.h"
#include "edge/config/agent_config.h"
#include "edge/ctl/provision_cmd.h"
#include "tests/support/process.h"
#include "tests/support/text_file.h"
#include "tests/support/usb/emulated_hid_device.h"

namespace scanedge::ctl {
namespace {

using namespace std::chrono_literals;
using usb::testing::EmulatedHidConfig;
using usb::testing::EmulatedHidDevice;
using usb::testing::UsbTestbed;

class ProvisionWithUsb : public ::testing::Test {
 protected:
  void SetUp() override {
    testbed_ = std::make_unique<UsbTestbed>();
    ASSERT_TRUE(testbed_->ok()) << testbed_->why();
    EmulatedHidConfig ds;  // 05e0:1200: the shipped zebra-ds2208 profile recognises it
    ds.serial = "DS2208-9";
    ds.ports = {1, 4};
    scanner_ = std::make_unique<EmulatedHidDevice>(*testbed_, ds);
    EmulatedHidConfig other;  // no profile matches this one
    other.vid = 0x1234;
    other.pid = 0x5678;
    other.serial = "KB1";
    other.ports = {1, 5};
    other_ = std::make_unique<EmulatedHidDevice>(*testbed_, other);
    // The file provision edits: the paths of this test, autodetect off.
    std::filesystem::create_directories(dir_.file("root/etc/scanedge"));
    std::ofstream(cfg_file()) << "[storage]\npath = \"" << dir_.file("outbox.db") << "\"\n"
                              << "[bus]\nendpoint = \"ipc://" << dir_.file("bus.sock") << "\"\n"
                              << "pub_endpoint = \"ipc://" << dir_.file("pub.sock") << "\"\n"
                              << "[profiles]\ndir = \"" SCANEDGE_PROFILES_DIR "\"\nautodetect = false\n";
  }
  void TearDown() override {
    scanner_.reset();
    other_.reset();
    testbed_.reset();
  }
  std::string cfg_file() const { return dir_.file("root/etc/scanedge/scanedged.toml"); }
  int provision(ProvisionCommand cmd, std::string& out, std::string& err) {
    cmd.site = "store-1";
    cmd.device = "hh-1";
    cmd.broker = "tcp://127.0.0.1:" + std::to_string(testing::free_tcp_port());
    cmd.no_check = true;
    cmd.root = dir_.file("root");
    std::ostringstream o, e;
    const int rc = run_provision_command(cmd, "/etc/scanedge/scanedged.toml", SCANEDGE_PROFILES_DIR,
                                         "ipc://" + dir_.file("none.sock"), o, e);
    out = o.str();
    err = e.str();
    return rc;
  }

  testing::TempDir dir_;
  std::unique_ptr<UsbTestbed> testbed_;
  std::unique_ptr<EmulatedHidDevice> scanner_, other_;
};

TEST_F(ProvisionWithUsb, BindAttachedBindsTheRecognisedScannerAndTheAgentServesIt) {
  ProvisionCommand cmd;
  cmd.bind_attached = true;
  std::string out, err;
  ASSERT_EQ(provision(cmd, out, err), 0) << out << err;
  EXPECT_NE(out.find("scanner        = usb:05e0:1200:DS2208-9 -> profile zebra-ds2208"), std::string::npos) << out;
  EXPECT_NE(out.find("usb:1234:5678:KB1"), std::string::npos) << "the unknown device is listed\n" << out;
  EXPECT_NE(out.find("--scanner PROFILE=PORT"), std::string::npos) << "and the way to bind it is shown\n" << out;

  auto cfg = config::load_config(cfg_file());
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_EQ(cfg->scanners.size(), 1u) << testing::read_text_file(cfg_file());
  EXPECT_EQ(cfg->scanners[0].profile, "zebra-ds2208");
  EXPECT_EQ(cfg->scanners[0].port, "usb:05e0:1200:DS2208-9");
  EXPECT_FALSE(cfg->autodetect);
  EXPECT_EQ(cfg->site, "store-1");

  // Provisioning again binds nothing twice.
  ASSERT_EQ(provision(cmd, out, err), 0) << out << err;
  cfg = config::load_config(cfg_file());
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_EQ(cfg->scanners.size(), 1u) << testing::read_text_file(cfg_file());

  // The agent on that file serves the scanner although autodetect is off.
  auto agent = agent::Agent::create(*cfg);
  ASSERT_TRUE(agent.ok()) << agent.error().message;
  ASSERT_TRUE((*agent)->start().ok());
  nlohmann::json served;
  const bool in_service = testing::eventually(
      [&] {
        const nlohmann::json st = (*agent)->status();
        for (const auto& s : st["scanners"]) {
          if (s["id"] == "usb:05e0:1200:DS2208-9") served = s;
        }
        return served.is_object() && served["state"] == "in_service";
      },
      10s);
  (*agent)->stop();
  ASSERT_TRUE(in_service) << served.dump();
  EXPECT_EQ(served["origin"], "config");
  EXPECT_EQ(served["profile"], "zebra-ds2208");
}

TEST_F(ProvisionWithUsb, AnExplicitScannerWinsAndABadBindingWritesNothing) {
  const std::string before = testing::read_text_file(cfg_file());
  ProvisionCommand bad;
  bad.scanners = {"zebra-ds2208=/dev/ttyUSB0"};  // a HID family needs a USB identity
  std::string out, err;
  EXPECT_EQ(provision(bad, out, err), 1);
  EXPECT_NE(err.find("--scanner zebra-ds2208=/dev/ttyUSB0: profile zebra-ds2208 (driver hid-keyboard) needs a USB "
                     "identity"),
            std::string::npos)
      << err;
  bad.scanners = {"no-such-profile=/dev/ttyUSB0"};
  EXPECT_EQ(provision(bad, out, err), 1);
  EXPECT_NE(err.find("--scanner no-such-profile=/dev/ttyUSB0: profile \"no-such-profile\""), std::string::npos) << err;
  EXPECT_EQ(testing::read_text_file(cfg_file()), before) << "nothing written";

  // The unknown device gets the profile the tech chose; the DS2208 is bound by --bind-attached.
  ProvisionCommand cmd;
  cmd.bind_attached = true;
  cmd.scanners = {"datalogic-gryphon-hid=usb:1234:5678:KB1"};
  ASSERT_EQ(provision(cmd, out, err), 0) << out << err;
  auto cfg = config::load_config(cfg_file());
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_EQ(cfg->scanners.size(), 2u) << testing::read_text_file(cfg_file());
  EXPECT_EQ(cfg->scanners[0].profile, "datalogic-gryphon-hid");
  EXPECT_EQ(cfg->scanners[0].port, "usb:1234:5678:KB1");
  EXPECT_EQ(cfg->scanners[1].profile, "zebra-ds2208");
  EXPECT_EQ(cfg->scanners[1].port, "usb:05e0:1200:DS2208-9");
}

}  // namespace
}  // namespace scanedge::ctl
