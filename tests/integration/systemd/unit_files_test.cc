// The shipped systemd files, checked with systemd's own tools (offline: no running
// systemd, nothing installed):
//   systemd-analyze security --offline=true: each unit's exposure score <= 2.0, and no
//     setting that systemd does not know (a typo silently drops a hardening line);
//   systemd-analyze verify: the units parse cleanly (run under --root with the built
//     binaries at their install paths, since verify checks that ExecStart= exists);
//   systemd-sysusers and systemd-tmpfiles --root: the user, group and directories come out
//     with the owners and modes the units rely on.
// Each test skips (GTEST_SKIP, saying which tool) only when that tool is not installed.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/edge_stack.h"
#include "tests/support/process.h"

namespace scanedge::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kSystemdDir = std::string(SCANEDGE_SOURCE_DIR) + "/systemd";

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
    const std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

// Runs argv with stderr merged into the captured output.
RunResult run_merged(const std::vector<std::string>& argv) {
  std::string cmd = "exec";
  for (const auto& a : argv) cmd += " '" + a + "'";
  return run_capture({"/bin/sh", "-c", cmd + " 2>&1"}, 60s);
}

struct Security {
  double exposure = -1;
  std::string output;
};

Security analyze_security(const std::string& tool, const std::string& unit) {
  Security s;
  const RunResult r = run_merged({tool, "security", "--offline=true", "--no-pager", kSystemdDir + "/" + unit});
  s.output = r.out;
  std::smatch m;
  const std::regex overall("Overall exposure level for " + std::regex_replace(unit, std::regex("\\."), "\\.") +
                           ": ([0-9]+\\.[0-9]+)");
  if (std::regex_search(s.output, m, overall)) s.exposure = std::stod(m[1]);
  return s;
}

TEST(SystemdUnits, ExposureScoresAtMostTwoAndNoUnknownSettings) {
  const std::string tool = find_tool("systemd-analyze");
  if (tool.empty()) GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  for (const std::string unit : {"scanedged.service", "scanedge-ledger.service"}) {
    const Security s = analyze_security(tool, unit);
    ASSERT_GE(s.exposure, 0.0) << unit << ": no overall exposure in:\n" << s.output;
    std::cout << "[ exposure ] " << unit << ": " << s.exposure << "\n";
    EXPECT_LE(s.exposure, 2.0) << unit << ":\n" << s.output;
    // "Unknown key", "Unknown section", "Failed to parse": a setting systemd would ignore.
    for (const char* bad : {"Unknown", "ignoring", "Failed to parse", "Invalid"}) {
      EXPECT_EQ(s.output.find(bad), std::string::npos) << unit << ": systemd ignores a line:\n" << s.output;
    }
  }
}

TEST(SystemdUnits, AgentKeepsScannerAccessUnderTheSandbox) {
  // What the agent needs to work, as systemd reads the file: device nodes through the
  // device ACL (no PrivateDevices, which would hide /dev/bus/usb), netlink for USB hotplug,
  // /proc/sys and adjtimex for the boot id and clock state of its events.
  const std::string tool = find_tool("systemd-analyze");
  if (tool.empty()) GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  const Security s = analyze_security(tool, "scanedged.service");
  EXPECT_NE(s.output.find("char-usb_device:rw"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("char-ttyUSB:rw"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("char-ttyACM:rw"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("Service may allocate netlink sockets"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("Service potentially has access to hardware devices"), std::string::npos)
      << "PrivateDevices=yes hides /dev/bus/usb and the serial ports from the agent:\n"
      << s.output;
  // Every event carries "boot" (/proc/sys/kernel/random/boot_id: ProcSubset=pid hides it)
  // and "clock" synced/unsynced (a read-only adjtimex: ProtectClock= and ~@clock block it).
  EXPECT_NE(s.output.find("Service has full access to non-process /proc files"), std::string::npos)
      << "ProcSubset=pid hides /proc/sys/kernel/random/boot_id:\n"
      << s.output;
  EXPECT_NE(s.output.find("@clock is included (e.g. adjtimex is allowed)"), std::string::npos)
      << "adjtimex(2) must stay allowed (the agent reads the NTP sync state):\n"
      << s.output;
  const Security l = analyze_security(tool, "scanedge-ledger.service");
  EXPECT_EQ(l.output.find("Service potentially has access to hardware devices"), std::string::npos) << l.output;
}

// A scratch root holding the built binaries where the package installs them, and the
// units where systemd looks for them.
struct ScratchRoot {
  TempDir dir;
  std::string root = dir.path();
  ScratchRoot() {
    for (const char* d : {"usr/sbin", "usr/bin", "usr/lib/systemd/system", "etc"}) fs::create_directories(root + "/" + d);
    fs::copy_file(EdgeStack::agent_bin(), root + "/usr/sbin/scanedged");
    fs::copy_file(EdgeStack::ledger_bin(), root + "/usr/bin/scanedge-ledger");
    for (const char* u : {"scanedged.service", "scanedge-ledger.service"}) {
      fs::copy_file(kSystemdDir + "/" + u, root + "/usr/lib/systemd/system/" + u);
    }
    std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
    std::ofstream(root + "/etc/group") << "root:x:0:\ndialout:x:20:\n";
  }
};

TEST(SystemdUnits, VerifyParsesBothUnitsCleanly) {
  const std::string tool = find_tool("systemd-analyze");
  if (tool.empty()) GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  ScratchRoot sr;
  for (const std::string unit : {"scanedged.service", "scanedge-ledger.service"}) {
    const RunResult r = run_merged({tool, "verify", "--root=" + sr.root, "--man=no", "--recursive-errors=no",
                                    sr.root + "/usr/lib/systemd/system/" + unit});
    // Silent on success; any line is a problem (unknown key, bad value, missing binary).
    EXPECT_EQ(r.status, 0) << unit << ":\n" << r.out;
    EXPECT_EQ(r.out, "") << unit << ": systemd-analyze verify:\n" << r.out;
  }
}

TEST(SystemdUnits, SysusersAndTmpfilesGiveTheOwnersAndModesTheUnitsNeed) {
  const std::string sysusers = find_tool("systemd-sysusers");
  const std::string tmpfiles = find_tool("systemd-tmpfiles");
  if (sysusers.empty() || tmpfiles.empty()) GTEST_SKIP() << "systemd-sysusers/systemd-tmpfiles are not installed";
  if (geteuid() != 0) GTEST_SKIP() << "systemd-tmpfiles --root needs root to set owners";
  ScratchRoot sr;
  RunResult r = run_merged({sysusers, "--root=" + sr.root, kSystemdDir + "/scanedge.sysusers"});
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream pw(sr.root + "/etc/passwd");
  std::stringstream passwd;
  passwd << pw.rdbuf();
  std::smatch m;
  const std::string pws = passwd.str();
  ASSERT_TRUE(std::regex_search(pws, m, std::regex("\nscanedge:x:([0-9]+):([0-9]+):[^:]*:/var/lib/scanedge:([^\n]*)")))
      << pws;
  const unsigned uid = static_cast<unsigned>(std::stoul(m[1]));
  const unsigned gid = static_cast<unsigned>(std::stoul(m[2]));
  EXPECT_LT(uid, 1000u) << "a system user";
  EXPECT_EQ(std::string(m[3]), "/usr/sbin/nologin");

  // A key file with loose permissions, as an admin may leave it: tmpfiles tightens it.
  fs::create_directories(sr.root + "/etc/scanedge");
  std::ofstream(sr.root + "/etc/scanedge/device.key") << "key";
  chmod((sr.root + "/etc/scanedge/device.key").c_str(), 0644);
  r = run_merged({tmpfiles, "--root=" + sr.root, "--create", kSystemdDir + "/scanedge.tmpfiles"});
  ASSERT_EQ(r.status, 0) << r.out;
  struct Want {
    const char* path;
    unsigned mode, uid, gid;
    bool dir;
  };
  for (const Want& w : {Want{"/etc/scanedge", 0750, 0, gid, true}, Want{"/var/lib/scanedge", 0750, uid, gid, true},
                        Want{"/etc/scanedge/device.key", 0600, uid, gid, false}}) {
    struct stat st {};
    ASSERT_EQ(stat((sr.root + w.path).c_str(), &st), 0) << w.path;
    EXPECT_EQ(S_ISDIR(st.st_mode), w.dir) << w.path;
    EXPECT_EQ(st.st_mode & 07777, w.mode) << w.path;
    EXPECT_EQ(st.st_uid, w.uid) << w.path;
    EXPECT_EQ(st.st_gid, w.gid) << w.path;
  }
}

}  // namespace
}  // namespace scanedge::testing
