// systemd/60-scanedge.rules against the firmware profiles:
//   the committed file is exactly what `scanedgectl profiles udev-rules` prints for
//   firmware-profiles/ (a profile added or changed without regenerating the file fails here);
//   every [match] of a shipped profile is granted to group scanedge, mode 0660, on the node
//   its driver opens (usbfs for USB HID families, the tty for serial ones);
//   the description match behaves like the agent's (case-insensitive substring), checked
//   with fnmatch(3), which is what udev uses for its glob patterns;
//   a description udev cannot express is refused with a clear error.
#include <fnmatch.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "edge/ctl/udev_rules_cmd.h"
#include "edge/profiles/profile.h"
#include "tests/support/edge_stack.h"
#include "tests/support/process.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

const std::string kRulesFile = std::string(SCANEDGE_SOURCE_DIR) + "/systemd/60-scanedge.rules";

std::vector<std::string> rule_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

bool has_line(const std::vector<std::string>& lines, const std::string& want) {
  for (const auto& l : lines) {
    if (l == want) return true;
  }
  return false;
}

TEST(UdevRules, CommittedFileIsTheGeneratedOutputForTheShippedProfiles) {
  const RunResult r =
      run_capture({EdgeStack::ctl_bin(), "--profiles", SCANEDGE_PROFILES_DIR, "profiles", "udev-rules"}, 30s);
  ASSERT_EQ(r.status, 0);
  const std::string committed = read_text_file(kRulesFile);
  ASSERT_FALSE(committed.empty()) << kRulesFile;
  EXPECT_EQ(committed, r.out) << "systemd/60-scanedge.rules is out of date; regenerate it:\n"
                              << "  scanedgectl --profiles firmware-profiles profiles udev-rules > systemd/60-scanedge.rules";
}

TEST(UdevRules, EveryShippedMatchIsGrantedOnTheNodeItsDriverOpens) {
  const auto lines = rule_lines(read_text_file(kRulesFile));
  auto names = list_profiles(SCANEDGE_PROFILES_DIR);
  ASSERT_TRUE(names);
  int matched = 0;
  for (const auto& name : *names) {
    auto p = find_profile(SCANEDGE_PROFILES_DIR, name);
    ASSERT_TRUE(p) << p.error().message;
    const MatchRules& m = p->match;
    char vid[8];
    std::snprintf(vid, sizeof vid, "%04x", static_cast<unsigned>(m.usb_vid));
    const std::string grant = ", GROUP=\"scanedge\", MODE=\"0660\"";
    const bool usb = p->driver == "hid-keyboard" || p->driver == "hid-pos";
    if (m.usb_vid >= 0) {
      ++matched;
      std::vector<std::string> pids;
      for (int pid : m.usb_pids) {
        char b[8];
        std::snprintf(b, sizeof b, "%04x", static_cast<unsigned>(pid));
        pids.emplace_back(b);
      }
      if (pids.empty()) pids.emplace_back();
      for (const auto& pid : pids) {
        std::string want = usb ? "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"" + std::string(vid) + "\""
                               : "SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"" + std::string(vid) + "\"";
        if (!pid.empty()) want += usb ? ", ATTR{idProduct}==\"" + pid + "\"" : ", ATTRS{idProduct}==\"" + pid + "\"";
        EXPECT_TRUE(has_line(lines, want + grant)) << name << ": missing rule\n  " << want + grant;
      }
    }
    if (!m.serial_description.empty()) {
      ++matched;
      bool found = false;
      for (const auto& l : lines) {
        if (l.rfind("SUBSYSTEM==\"tty\", ATTRS{product}==", 0) == 0 && l.find(grant) != std::string::npos) found = true;
      }
      EXPECT_TRUE(found) << name << ": no product rule";
    }
  }
  EXPECT_GE(matched, 6) << "the shipped profiles have at least six [match] sections";
  EXPECT_EQ(lines.front(), "ACTION==\"remove\", GOTO=\"scanedge_end\"");
  EXPECT_EQ(lines.back(), "LABEL=\"scanedge_end\"");
}

// The glob of a description rule, from a generated text.
std::string description_glob(const std::string& rules, const std::string& attr) {
  const std::string key = "ATTRS{" + attr + "}==\"";
  const auto at = rules.find(key);
  if (at == std::string::npos) return {};
  const auto start = at + key.size();
  return rules.substr(start, rules.find('"', start) - start);
}

TEST(UdevRules, DescriptionMatchIsACaseInsensitiveSubstringAsInTheAgent) {
  Profile p;
  p.name = "reader";
  p.driver = "rfid-mercury";
  p.match.serial_description = "ThingMagic M6e*";  // '*' must match itself only
  auto rules = ctl::udev_rules({p});
  ASSERT_TRUE(rules) << rules.error().message;
  for (const char* attr : {"product", "manufacturer"}) {
    const std::string glob = description_glob(*rules, attr);
    ASSERT_FALSE(glob.empty()) << *rules;
    EXPECT_EQ(fnmatch(glob.c_str(), "JADAK thingmagic m6e* USB Reader", 0), 0) << glob;
    EXPECT_EQ(fnmatch(glob.c_str(), "THINGMAGIC M6E*", 0), 0) << glob;
    EXPECT_NE(fnmatch(glob.c_str(), "ThingMagic M6e Nano", 0), 0) << glob;  // no literal '*'
    EXPECT_NE(fnmatch(glob.c_str(), "FT232R USB UART", 0), 0) << glob;
  }
}

TEST(UdevRules, UsbAndSerialFamiliesGetTheirOwnNodes) {
  Profile hid;
  hid.name = "a-hid";
  hid.driver = "hid-pos";
  hid.match.usb_vid = 0x0C2E;
  hid.match.usb_pids = {0x0B81, 0x0B01};
  Profile ser;
  ser.name = "b-serial";
  ser.driver = "serial-ascii";
  ser.match.usb_vid = 0x0C2E;
  Profile none;
  none.name = "c-none";
  none.driver = "serial-ascii";
  auto rules = ctl::udev_rules({hid, ser, none});
  ASSERT_TRUE(rules) << rules.error().message;
  const auto lines = rule_lines(*rules);
  const std::vector<std::string> want = {
      "ACTION==\"remove\", GOTO=\"scanedge_end\"",
      "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"0c2e\", ATTR{idProduct}==\"0b81\", "
      "GROUP=\"scanedge\", MODE=\"0660\"",
      "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"0c2e\", ATTR{idProduct}==\"0b01\", "
      "GROUP=\"scanedge\", MODE=\"0660\"",
      "SUBSYSTEM==\"tty\", ATTRS{idVendor}==\"0c2e\", GROUP=\"scanedge\", MODE=\"0660\"",
      "LABEL=\"scanedge_end\""};
  EXPECT_EQ(lines, want) << *rules;
  EXPECT_NE(rules->find("# c-none (serial-ascii)\n# no [match]"), std::string::npos) << *rules;
}

TEST(UdevRules, ADescriptionUdevCannotCarryIsRefusedByName) {
  Profile p;
  p.name = "quoted";
  p.driver = "serial-ascii";
  p.match.serial_description = "say \"hi\"";
  auto rules = ctl::udev_rules({p});
  ASSERT_FALSE(rules);
  EXPECT_EQ(rules.error().code, "udev_rules_unexpressible");
  EXPECT_NE(rules.error().message.find("profile quoted: [match] serial_description"), std::string::npos)
      << rules.error().message;
}

TEST(UdevRules, ABrokenProfileFailsTheCommandWithItsProblem) {
  TempDir dir;
  std::ofstream(dir.file("broken.toml")) << "schema = 1\ndriver = \"nope\"\n";
  const RunResult r = run_capture({"/bin/sh", "-c",
                                   "exec '" + EdgeStack::ctl_bin() + "' --profiles '" + dir.path() +
                                       "' profiles udev-rules 2>&1"},
                                  30s);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("broken.toml:2"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("GROUP="), std::string::npos) << "no rules printed when a profile is broken:\n" << r.out;
}

}  // namespace
}  // namespace scanedge::testing
