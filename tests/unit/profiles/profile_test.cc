#include "edge/profiles/profile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace scanedge {
namespace {

namespace fs = std::filesystem;

class ProfileFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("scanedge_profiles_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // Loads `text` as <dir>/<name>.toml and expects failure; returns the message.
  Error load_bad(const std::string& text, const std::string& name = "bad.toml") {
    auto r = load_profile_file(write(name, text));
    EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
    return r.ok() ? Error{} : r.error();
  }

  fs::path dir_;
};

const char* kMinimal = "driver = \"serial-ascii\"\n";

TEST(ShippedProfiles, GenericSerialAsciiLoadsWithItsDocumentedSettings) {
  auto r = find_profile(SCANEDGE_PROFILES_DIR, "generic-serial-ascii");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Profile& p = *r;
  EXPECT_EQ(p.name, "generic-serial-ascii");
  EXPECT_EQ(p.driver, "serial-ascii");
  EXPECT_EQ(p.serial.baud, 9600);
  EXPECT_EQ(p.serial.data_bits, 8);
  EXPECT_EQ(p.serial.parity, "none");
  EXPECT_EQ(p.serial.stop_bits, 1);
  EXPECT_EQ(p.serial.flow, "none");
  EXPECT_EQ(p.suffix, "\r\n");
  EXPECT_EQ(p.prefix, "");
  EXPECT_TRUE(p.aim_ids);
  EXPECT_EQ(p.idle_timeout, std::chrono::milliseconds(200));
  EXPECT_FALSE(p.host_ack);
  EXPECT_FALSE(p.description.empty());
}

TEST(ShippedProfiles, EveryShippedProfileValidates) {
  auto names = list_profiles(SCANEDGE_PROFILES_DIR);
  ASSERT_TRUE(names.ok()) << names.error().message;
  ASSERT_FALSE(names->empty());
  for (const auto& n : *names) {
    auto r = find_profile(SCANEDGE_PROFILES_DIR, n);
    EXPECT_TRUE(r.ok()) << n << ": " << (r.ok() ? "" : r.error().message);
  }
}

TEST_F(ProfileFiles, MinimalProfileGetsDefaults) {
  auto r = load_profile_file(write("mini.toml", kMinimal));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "mini");
  EXPECT_EQ(r->serial.baud, 9600);
  EXPECT_EQ(r->suffix, "\r\n");
  EXPECT_EQ(r->max_scan_bytes, 4096u);
}

TEST_F(ProfileFiles, UnknownKeyNamesFileLineColumnAndKey) {
  auto e = load_bad("driver = \"serial-ascii\"\n[serial]\nbaud = 9600\n  bauds = 19200\n");
  EXPECT_EQ(e.code, "profile_invalid");
  EXPECT_NE(e.message.find((dir_ / "bad.toml").string() + ":4:3: unknown key 'serial.bauds'"), std::string::npos)
      << e.message;
}

TEST_F(ProfileFiles, UnknownTopLevelTableIsAnError) {
  auto e = load_bad("driver = \"serial-ascii\"\n\n[usb_matc]\nvid = 1\n");
  EXPECT_NE(e.message.find("bad.toml:3:"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("unknown key 'usb_matc'"), std::string::npos) << e.message;
}

TEST_F(ProfileFiles, WrongTypeNamesExpectedAndActualType) {
  auto e = load_bad("driver = \"serial-ascii\"\n[serial]\nbaud = \"9600\"\n");
  EXPECT_EQ(e.code, "profile_invalid");
  EXPECT_NE(e.message.find("bad.toml:3:8: 'serial.baud' must be an integer, not a string"), std::string::npos)
      << e.message;
}

TEST_F(ProfileFiles, SectionThatIsNotATableIsAnError) {
  auto e = load_bad("driver = \"serial-ascii\"\nserial = 9600\n");
  EXPECT_NE(e.message.find("bad.toml:2:"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'serial' must be a table"), std::string::npos) << e.message;
}

TEST_F(ProfileFiles, OutOfRangeAndBadChoicesAreReportedTogether) {
  auto e = load_bad(
      "driver = \"serial-ascii\"\n"
      "[serial]\n"
      "data_bits = 9\n"
      "parity = \"evn\"\n"
      "[framing]\n"
      "idle_timeout_ms = -5\n");
  EXPECT_NE(e.message.find("bad.toml:3:13: 'serial.data_bits' = 9 is out of range (5..8)"), std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("bad.toml:4:10: 'serial.parity' = \"evn\" is not one of: none, odd, even, mark, space"),
            std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("bad.toml:6:"), std::string::npos) << e.message;
}

TEST_F(ProfileFiles, MissingOrUnknownDriverIsAnError) {
  auto e1 = load_bad("description = \"x\"\n");
  EXPECT_NE(e1.message.find("bad.toml:1:1: missing required key 'driver'"), std::string::npos) << e1.message;
  auto e2 = load_bad("driver = \"hid-posix\"\n", "bad2.toml");
  EXPECT_NE(e2.message.find("bad2.toml:1:10: 'driver' = \"hid-posix\" is not one of: serial-ascii, hid-keyboard, hid-pos, ssi, rfid-mercury"), std::string::npos)
      << e2.message;
}

TEST_F(ProfileFiles, TomlSyntaxErrorHasFileLineColumn) {
  auto e = load_bad("driver = \"serial-ascii\"\n[serial\nbaud = 1\n");
  EXPECT_EQ(e.code, "profile_syntax");
  EXPECT_NE(e.message.find("bad.toml:2:"), std::string::npos) << e.message;
}

TEST_F(ProfileFiles, DuplicateKeyIsASyntaxError) {
  auto e = load_bad("driver = \"serial-ascii\"\ndriver = \"serial-ascii\"\n");
  EXPECT_EQ(e.code, "profile_syntax");
  EXPECT_NE(e.message.find("bad.toml:2:"), std::string::npos) << e.message;
}

TEST_F(ProfileFiles, SuffixNamedFormsAndEscapesAreDecoded) {
  const std::pair<const char*, const char*> cases[] = {
      {"\"CR\"", "\r"}, {"\"LF\"", "\n"}, {"\"crlf\"", "\r\n"}, {"\"\\r\\n\"", "\r\n"},
      {"\"\\u0003\"", "\x03"}, {"\"TAB\"", "\t"},
  };
  int i = 0;
  for (const auto& [written, bytes] : cases) {
    auto r = load_profile_file(write("s" + std::to_string(i++) + ".toml",
                                     std::string(kMinimal) + "[framing]\nsuffix = " + written + "\n"));
    ASSERT_TRUE(r.ok()) << written << ": " << r.error().message;
    EXPECT_EQ(r->suffix, bytes) << written;
  }
  auto p = load_profile_file(write("p.toml", std::string(kMinimal) + "[framing]\nprefix = \"\\u0002\"\n"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->prefix, "\x02");
}

TEST_F(ProfileFiles, EmptySuffixNeedsAnIdleTimeout) {
  auto e = load_bad(std::string(kMinimal) + "[framing]\nsuffix = \"none\"\nidle_timeout_ms = 0\n");
  EXPECT_NE(e.message.find("scans would never end"), std::string::npos) << e.message;
  auto ok = load_profile_file(write("ok.toml", std::string(kMinimal) + "[framing]\nsuffix = \"none\"\n"));
  EXPECT_TRUE(ok.ok());
}

TEST_F(ProfileFiles, FindProfileRejectsPathsAndListsAvailableNames) {
  write("alpha.toml", kMinimal);
  write("beta.toml", kMinimal);
  auto bad = find_profile(dir_.string(), "../etc/passwd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "profile_name_invalid");
  auto missing = find_profile(dir_.string(), "gamma");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "profile_not_found");
  EXPECT_NE(missing.error().message.find("alpha, beta"), std::string::npos) << missing.error().message;
  auto found = find_profile(dir_.string(), "beta");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "beta");
}

TEST_F(ProfileFiles, UnreadableAndBinaryFilesGiveErrorsNotCrashes) {
  auto r = load_profile_file((dir_ / "nope.toml").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "profile_unreadable");
  EXPECT_NE(r.error().message.find("nope.toml"), std::string::npos);
  auto b = load_profile_file(write("bin.toml", std::string("\x00\xff\xfe garbage \x01", 13)));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "profile_syntax");
}

}  // namespace
}  // namespace scanedge
