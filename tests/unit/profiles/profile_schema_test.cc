// The issue-4 profile tables: match, init, feedback commands, keyboard, hid_pos, ssi, rfid,
// symbology.enabled, min_firmware; byte strings, firmware comparison, symbology filter.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "edge/profiles/profile.h"

namespace scanedge {
namespace {

namespace fs = std::filesystem;

class ProfileSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("scanedge_schema_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<Profile> load(const std::string& text) {
    const auto p = dir_ / "p.toml";
    std::ofstream(p, std::ios::binary) << text;
    return load_profile_file(p.string());
  }
  std::string bad(const std::string& text) {
    auto r = load(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.error().message;
  }
  fs::path dir_;
};

TEST_F(ProfileSchema, FullHidPosProfileLoadsEveryTable) {
  auto r = load(R"(driver = "hid-pos"
min_firmware = "1.2.10"
[match]
usb_vid = 0x0c2e
usb_pids = [0x0b81, 0x0b87]
usb_interface_class = 3
[init]
commands = ["hex:16 4D 0D 42 45 50 45 4E 41 31 2E", "\u0016M\rAIMENA1."]
[feedback]
good = "hex:16 4D 0D 42 45 50 45 58 45 31 2E"
bad = "\u0016M\rBEPEXE0."
[hid_pos]
report_id = 2
report_size = 64
data_offset = 5
data_max = 56
[symbology]
aim_ids = true
enabled = ["gs1-128", "datamatrix", "ean-upc"]
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->match.usb_vid, 0x0c2e);
  EXPECT_EQ(r->match.usb_pids, (std::vector<int>{0x0b81, 0x0b87}));
  EXPECT_EQ(r->match.usb_interface_class, 3);
  ASSERT_EQ(r->init.size(), 2u);
  EXPECT_EQ(r->init[0], std::string("\x16M\rBEPENA1."));
  EXPECT_EQ(r->init[1], std::string("\x16M\rAIMENA1."));
  EXPECT_EQ(r->feedback.good, std::string("\x16M\rBEPEXE1."));
  EXPECT_EQ(r->feedback.bad, std::string("\x16M\rBEPEXE0."));
  EXPECT_TRUE(r->feedback.warning.empty());
  EXPECT_EQ(r->min_firmware, "1.2.10");
  EXPECT_EQ(r->symbologies.size(), 3u);
}

TEST_F(ProfileSchema, SsiRfidAndKeyboardTablesLoad) {
  auto ssi = load("driver = \"ssi\"\n[ssi]\npermanent = false\nparams = [[0x8B, 1], [0xEE, 0]]\n[init]\ncommands = [\"hex:C4\"]\n[feedback]\ngood = \"hex:E6 01\"\n");
  ASSERT_TRUE(ssi.ok()) << ssi.error().message;
  ASSERT_EQ(ssi->ssi.params.size(), 2u);
  EXPECT_EQ(ssi->ssi.params[0], (std::pair<int, int>{0x8B, 1}));
  EXPECT_EQ(ssi->feedback.good, std::string("\xE6\x01"));

  auto rfid = load("driver = \"rfid-mercury\"\n[rfid]\nwindow_ms = 500\nmin_reads = 3\nrssi_min_dbm = -65\nabsence_timeout_ms = 2000\nmax_tags = 100\nantennas = [1, 2]\nread_power_cdbm = 2500\n");
  ASSERT_TRUE(rfid.ok()) << rfid.error().message;
  EXPECT_EQ(rfid->rfid.window, std::chrono::milliseconds(500));
  EXPECT_EQ(rfid->rfid.min_reads, 3);
  EXPECT_DOUBLE_EQ(rfid->rfid.rssi_min_dbm, -65.0);
  EXPECT_EQ(rfid->rfid.antennas, (std::vector<int>{1, 2}));

  auto kb = load("driver = \"hid-keyboard\"\n[keyboard]\nlayout = \"de\"\n[framing]\nsuffix = \"CR\"\n");
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  EXPECT_EQ(kb->keyboard_layout, "de");
}

TEST_F(ProfileSchema, BadValuesNameFileLineAndKey) {
  std::string m = bad("driver = \"hid-pos\"\n[match]\nusb_vid = 0x1FFFF\n");
  EXPECT_NE(m.find("p.toml:3:"), std::string::npos) << m;
  EXPECT_NE(m.find("match.usb_vid"), std::string::npos) << m;

  m = bad("driver = \"hid-keyboard\"\n[keyboard]\nlayout = \"dvorak\"\n");
  EXPECT_NE(m.find("keyboard.layout"), std::string::npos) << m;
  EXPECT_NE(m.find("us, de, fr, uk, it"), std::string::npos) << m;

  m = bad("driver = \"ssi\"\n[feedback]\ngood = \"hex:E6 0\"\n");
  EXPECT_NE(m.find("p.toml:3:"), std::string::npos) << m;
  EXPECT_NE(m.find("odd number of hex digits"), std::string::npos) << m;

  m = bad("driver = \"ssi\"\n[feedback]\ngood = \"hex:ZZ\"\n");
  EXPECT_NE(m.find("not a hex digit"), std::string::npos) << m;

  m = bad("driver = \"ssi\"\n[ssi]\nparams = [[1, 2, 3]]\n");
  EXPECT_NE(m.find("ssi.params[0]"), std::string::npos) << m;

  m = bad("driver = \"serial-ascii\"\n[symbology]\nenabled = [\"code-one-million\"]\n");
  EXPECT_NE(m.find("symbology.enabled[0]"), std::string::npos) << m;
  EXPECT_NE(m.find("gs1-128"), std::string::npos) << m;
}

TEST_F(ProfileSchema, CrossRulesRefuseCommandsADriverCannotSend) {
  EXPECT_NE(bad("driver = \"hid-keyboard\"\n[feedback]\ngood = \"hex:07\"\n").find("no command channel"), std::string::npos);
  EXPECT_NE(bad("driver = \"hid-keyboard\"\n[init]\ncommands = [\"x\"]\n").find("no command channel"), std::string::npos);
  EXPECT_NE(bad("driver = \"ssi\"\n[feedback]\nhost_ack = true\n").find("only to driver 'serial-ascii'"), std::string::npos);
  EXPECT_NE(bad("driver = \"hid-pos\"\n[match]\nusb_pids = [1]\n").find("needs 'match.usb_vid'"), std::string::npos);
  EXPECT_NE(bad("driver = \"hid-pos\"\n[hid_pos]\nreport_size = 32\n").find("does not fit in a 32-byte report"),
            std::string::npos);
  // Overlaps the driver would refuse at start are profile errors (found by fuzz_profile).
  EXPECT_NE(bad("driver = \"hid-pos\"\n[hid_pos]\nlength_offset = 10\n").find("p.toml:2:1: [hid_pos] length_offset 10 lies in the data window"),
            std::string::npos);
  EXPECT_NE(bad("driver = \"hid-pos\"\n[hid_pos]\nmore_offset = 1\n").find("same byte"), std::string::npos);
  EXPECT_NE(bad("driver = \"rfid-mercury\"\n[rfid]\nwindow_ms = 5000\nabsence_timeout_ms = 1000\n").find("at least"),
            std::string::npos);
  EXPECT_NE(bad("driver = \"serial-ascii\"\n[symbology]\naim_ids = false\nenabled = [\"qr\"]\n").find("aim_ids"),
            std::string::npos);
}

TEST_F(ProfileSchema, ControlCharactersInQuotedKeysAreEscapedSoEachProblemIsOneLine) {
  const std::string m = bad("\"\\n\"=0\n");
  std::istringstream lines(m);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(line.rfind((dir_ / "p.toml").string() + ":", 0), 0u) << "a line that is not a problem: " << line;
  }
  EXPECT_EQ(n, 2);  // the unknown key, and the missing driver
  EXPECT_NE(m.find("unknown key '\\x0a'"), std::string::npos) << m;
}

TEST(ProfileBytes, HexAndTextForms) {
  EXPECT_EQ(*decode_bytes("hex:16 4d 0D"), std::string("\x16M\r"));
  EXPECT_EQ(*decode_bytes("HEX:164D0D"), std::string("\x16M\r"));
  EXPECT_EQ(*decode_bytes("plain"), "plain");
  EXPECT_EQ(*decode_bytes("CR"), "\r");
  EXPECT_FALSE(decode_bytes("hex:").ok());
  EXPECT_EQ(decode_bytes("hex:1").error().code, "bad_byte_string");
}

TEST(ProfileFirmware, ComparesPiecewiseAndNumerically) {
  EXPECT_GT(compare_firmware("1.2.10", "1.2.9"), 0);
  EXPECT_LT(compare_firmware("1.2.9", "1.2.10"), 0);
  EXPECT_EQ(compare_firmware("1.02", "1.2"), 0);
  EXPECT_GT(compare_firmware("1.2.1", "1.2"), 0);
  EXPECT_GT(compare_firmware("PAAFLS00-002-R07", "PAAFLS00-002-R06"), 0);
  EXPECT_LT(compare_firmware("CAAGAS00-001-R00", "CAAGAS00-002-R00"), 0);
  EXPECT_EQ(compare_firmware("", ""), 0);
}

TEST(ProfileSymbology, EnabledListFiltersByAimLetter) {
  Profile p;
  EXPECT_TRUE(symbology_enabled(p, "]Q1anything"));  // empty list: everything
  p.symbologies = {"gs1-128", "datamatrix"};
  EXPECT_TRUE(symbology_enabled(p, "]C1010950600013435"));
  EXPECT_TRUE(symbology_enabled(p, "]d2010950600013435"));
  EXPECT_FALSE(symbology_enabled(p, "]Q3010950600013435"));
  EXPECT_FALSE(symbology_enabled(p, "]E04006381333931"));
  EXPECT_TRUE(symbology_enabled(p, "4006381333931"));  // no AIM id: nothing to judge by
  p.aim_ids = false;
  EXPECT_TRUE(symbology_enabled(p, "]Q3x"));
  p.driver = "ssi";  // the ssi driver adds AIM ids itself: the list still applies
  EXPECT_FALSE(symbology_enabled(p, "]Q3x"));
}

}  // namespace
}  // namespace scanedge

namespace scanedge {
namespace {

TEST(ShippedProfiles, EveryModelTheProductSupportsHasItsProfileAndDriver) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"generic-hid-keyboard", "hid-keyboard"},   {"generic-serial-ascii", "serial-ascii"},
      {"zebra-ds2208", "hid-keyboard"},           {"zebra-ds3608-ssi", "ssi"},
      {"honeywell-voyager-hidpos", "hid-pos"},    {"honeywell-xenon-serial", "serial-ascii"},
      {"datalogic-gryphon-hid", "hid-keyboard"},  {"thingmagic-m6e", "rfid-mercury"},
  };
  for (const auto& [name, driver] : want) {
    auto p = find_profile(SCANEDGE_PROFILES_DIR, name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().message;
    EXPECT_EQ(p->driver, driver) << name;
    EXPECT_FALSE(p->description.empty()) << name;
  }
  auto ds2208 = find_profile(SCANEDGE_PROFILES_DIR, "zebra-ds2208");
  EXPECT_EQ(ds2208->match.usb_vid, 0x05e0);
  EXPECT_EQ(ds2208->match.usb_pids, std::vector<int>{0x1200});
  auto ds3608 = find_profile(SCANEDGE_PROFILES_DIR, "zebra-ds3608-ssi");
  EXPECT_EQ(ds3608->feedback.good, std::string("\xE6\x00", 2));
  EXPECT_FALSE(ds3608->ssi.params.empty());
  auto m6e = find_profile(SCANEDGE_PROFILES_DIR, "thingmagic-m6e");
  EXPECT_EQ(m6e->rfid.min_reads, 2);
}

}  // namespace
}  // namespace scanedge
