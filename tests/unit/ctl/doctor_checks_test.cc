// doctor's checks: each one passes on good facts and fails, with a fix, on bad ones.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "edge/ctl/cert_inspect.h"
#include "edge/ctl/doctor_cmd.h"
#include "tests/support/mosquitto.h"

namespace scanedge::ctl {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

TEST(DoctorChecks, ClockPassesWhenSyncedAndFailsWithTheFixWhenNot) {
  EXPECT_TRUE(check_clock(true).ok);
  const auto bad = check_clock(false);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.name, "clock");
  EXPECT_NE(bad.fix.find("timedatectl set-ntp true"), std::string::npos);
}

TEST(DoctorChecks, DiskNeedsTheDirectoryAndEnoughFreeSpace) {
  const auto good = check_disk("/var/lib/scanedge", 500LL * 1024 * 1024, "", 100);
  EXPECT_TRUE(good.ok) << good.detail;
  EXPECT_NE(good.detail.find("500 MiB free"), std::string::npos);
  const auto low = check_disk("/var/lib/scanedge", 20LL * 1024 * 1024, "", 100);
  EXPECT_FALSE(low.ok);
  EXPECT_NE(low.detail.find("less than 100 MiB"), std::string::npos);
  EXPECT_FALSE(low.fix.empty());
  const auto missing = check_disk("/nope", std::nullopt, "No such file or directory", 100);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.fix.find("install -d -o scanedge -g scanedge -m 0750 /nope"), std::string::npos);
}

devices::DeviceRow scanner_row(std::string identity, std::string state, std::string fix = "") {
  devices::DeviceRow r;
  r.identity = std::move(identity);
  r.state = std::move(state);
  r.fix = std::move(fix);
  return r;
}

TEST(DoctorChecks, ScannersPassWhenServedAndFailWithTheFixOtherwise) {
  DeviceListing listing;
  listing.usable_sources = 2;
  listing.rows = {scanner_row("usb:05e0:1200:S1", "in_service"), scanner_row("usb:046d:c31c:KB", "no_profile")};
  const auto good = check_scanner_listing(listing, "");
  EXPECT_TRUE(good.ok) << good.detail;
  EXPECT_EQ(good.detail, "usb:05e0:1200:S1 in_service") << "devices no profile recognises are not scanners";

  listing.rows.push_back(scanner_row("usb:0c2e:0b81:H7", "permission_denied",
                                     "add a udev rule giving group scanedge rw on 0c2e:0b81"));
  listing.rows.push_back(scanner_row("serial:/dev/ttyUSB3", "not_attached"));
  const auto bad = check_scanner_listing(listing, "");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.name, "scanners");
  EXPECT_NE(bad.detail.find("usb:0c2e:0b81:H7 permission_denied"), std::string::npos) << bad.detail;
  EXPECT_NE(bad.fix.find("usb:0c2e:0b81:H7: add a udev rule"), std::string::npos) << bad.fix;
  EXPECT_NE(bad.fix.find("serial:/dev/ttyUSB3: plug serial:/dev/ttyUSB3 in"), std::string::npos) << bad.fix;

  DeviceListing none;
  none.usable_sources = 1;
  EXPECT_TRUE(check_scanner_listing(none, "").ok) << "nothing attached and nothing configured is not a failure";

  DeviceListing blind;  // no USB and no serial enumeration (a container)
  const auto cannot = check_scanner_listing(blind, "libusb: no /dev/bus/usb");
  EXPECT_FALSE(cannot.ok);
  EXPECT_NE(cannot.detail.find("libusb: no /dev/bus/usb"), std::string::npos);
  EXPECT_NE(cannot.fix.find("run doctor on the device itself"), std::string::npos);
}

TEST(DoctorChecks, CertificateDatesFromRealCertificates) {
  testing::TestPki pki;
  auto id = pki.issue_client("store-1/dev-1");
  auto cert = inspect_certificate(id.cert_file);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_NE(cert->subject.find("CN=store-1"), std::string::npos) << cert->subject;
  const auto now = system_clock::now();
  EXPECT_LT(cert->not_before, now + 1min);
  EXPECT_GT(cert->not_after, now + 24h);  // TestPki: valid for 2 days
  auto ca = inspect_certificate(pki.ca_file());
  ASSERT_TRUE(ca);

  // Valid, and the 2-day certificate is not within a 1-day warning.
  auto ok = check_certificates(id.cert_file, cert, pki.ca_file(), ca, now, 1);
  EXPECT_TRUE(ok.ok) << ok.detail;
  // Within the 14-day warning: fails, says when, and how to renew.
  auto soon = check_certificates(id.cert_file, cert, pki.ca_file(), ca, now, 14);
  EXPECT_FALSE(soon.ok);
  EXPECT_NE(soon.detail.find("expires in 1 day(s)"), std::string::npos) << soon.detail;
  EXPECT_NE(soon.fix.find("scanedgectl provision"), std::string::npos);
  // Seen from three days later: expired (the CA, checked first, too).
  auto later = check_certificates(id.cert_file, cert, "", Result<CertificateInfo>(make_error("none", "")),
                                  now + 72h, 1);
  EXPECT_FALSE(later.ok);
  EXPECT_NE(later.detail.find("expired on"), std::string::npos) << later.detail;
  // Seen from before it was issued: the clock is suspect.
  auto before = check_certificates(id.cert_file, cert, "", Result<CertificateInfo>(make_error("none", "")),
                                   now - 72h, 1);
  EXPECT_FALSE(before.ok);
  EXPECT_NE(before.fix.find("clock"), std::string::npos);
  // Not a certificate at all.
  const std::string junk = pki.dir() + "/junk.pem";
  std::ofstream(junk) << "hello\n";
  auto bad = inspect_certificate(junk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_certificate");
  EXPECT_FALSE(check_certificates(junk, bad, "", Result<CertificateInfo>(make_error("none", "")), now, 1).ok);
}

TEST(DoctorChecks, KeyMatchesOnlyItsOwnCertificate) {
  testing::TestPki pki;
  auto a = pki.issue_client("a");
  auto b = pki.issue_client("b");
  auto same = key_matches_certificate(a.cert_file, a.key_file);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_TRUE(*same);
  auto other = key_matches_certificate(a.cert_file, b.key_file);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  auto not_key = key_matches_certificate(a.cert_file, a.cert_file);
  ASSERT_FALSE(not_key);
  EXPECT_EQ(not_key.error().code, "bad_key");
}

TEST(DoctorChecks, ReportTextAndJsonAndExitStatus) {
  std::vector<DoctorCheck> checks{{"config", true, "fine", ""}, {"clock", false, "unsynced", "enable ntp"}};
  std::ostringstream text;
  EXPECT_EQ(print_doctor_report(checks, false, text), 1);
  EXPECT_NE(text.str().find("[ ok ] config      fine\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("[FAIL] clock       unsynced\n       fix: enable ntp\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("2 checks, 1 failed"), std::string::npos);
  std::ostringstream json;
  EXPECT_EQ(print_doctor_report(checks, true, json), 1);
  auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["checks"].size(), 2u);
  EXPECT_EQ(j["checks"][1], (nlohmann::json{{"name", "clock"}, {"ok", false}, {"detail", "unsynced"}, {"fix", "enable ntp"}}));
  std::ostringstream all_ok;
  EXPECT_EQ(print_doctor_report({checks[0]}, true, all_ok), 0);
}

}  // namespace
}  // namespace scanedge::ctl
