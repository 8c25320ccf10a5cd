// provision's configuration editing: keys land where the agent reads them, everything else
// in the file is kept, and the result passes the agent's config loader.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "edge/config/agent_config.h"
#include "edge/ctl/provision_cmd.h"

namespace scanedge::ctl {
namespace {

std::string shipped_default() {
  std::ifstream f(SCANEDGE_SHIPPED_CONFIG);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ProvisionKeys tls_keys() {
  ProvisionKeys k;
  k.site = "store-042";
  k.device = "hh-0007";
  k.uri = "ssl://broker.example:8883";
  k.ca_file = "/etc/scanedge/ca.pem";
  k.cert_file = "/etc/scanedge/device.pem";
  k.key_file = "/etc/scanedge/device.key";
  return k;
}

TEST(ProvisionConfig, EditsTheShippedFileKeepingItsCommentsAndDefaults) {
  const std::string base = shipped_default();
  if (base.empty()) GTEST_SKIP() << "no shipped configuration at " << SCANEDGE_SHIPPED_CONFIG;
  const std::string text = edit_config_text(base, tls_keys());
  auto cfg = config::parse_config(text, "edited");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->site, "store-042");
  EXPECT_EQ(cfg->device, "hh-0007");
  EXPECT_EQ(cfg->mqtt_uri, "ssl://broker.example:8883");
  EXPECT_EQ(cfg->mqtt_ca_file, "/etc/scanedge/ca.pem");
  EXPECT_EQ(cfg->mqtt_cert_file, "/etc/scanedge/device.pem");
  EXPECT_EQ(cfg->mqtt_key_file, "/etc/scanedge/device.key");
  // The commented key became the active one in place; the documentation stays.
  EXPECT_NE(text.find("# Site id: 1-64 of A-Z a-z 0-9 . _ -  (required, no default)\nsite = \"store-042\""),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("#site ="), std::string::npos);
  EXPECT_NE(text.find("#keepalive_s = 30"), std::string::npos) << "other commented keys are untouched";
  EXPECT_NE(text.find("#[[scanner]]"), std::string::npos);
}

TEST(ProvisionConfig, ReprovisioningReplacesActiveKeysAndKeepsOtherSettingsAndScanners) {
  const std::string existing =
      "[device]\nsite = \"old-site\"\nid = \"old-id\"\n\n[storage]\npath = \"/data/outbox.db\"\n\n[mqtt]\n"
      "uri = \"ssl://old:8883\"\nca_file = \"/old/ca.pem\"\ncert_file = \"/old/d.pem\"\nkey_file = \"/old/d.key\"\n"
      "keepalive_s = 60\n\n[[scanner]]\nprofile = \"generic-serial-ascii\"\nport = \"/dev/ttyUSB0\"\n";
  ProvisionKeys k;
  k.site = "s2";
  k.device = "d2";
  k.uri = "tcp://10.0.0.5:1883";  // plain: the TLS keys are cleared
  const std::string text = edit_config_text(existing, k);
  auto cfg = config::parse_config(text, "edited");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  EXPECT_EQ(cfg->site, "s2");
  EXPECT_EQ(cfg->device, "d2");
  EXPECT_EQ(cfg->mqtt_uri, "tcp://10.0.0.5:1883");
  EXPECT_EQ(cfg->mqtt_ca_file, "");
  EXPECT_EQ(cfg->mqtt_cert_file, "");
  EXPECT_EQ(cfg->mqtt_key_file, "");
  EXPECT_EQ(cfg->keepalive_s, 60);
  EXPECT_EQ(cfg->storage_path, "/data/outbox.db");
  ASSERT_EQ(cfg->scanners.size(), 1u);
  EXPECT_EQ(cfg->scanners[0].port, "/dev/ttyUSB0");
}

TEST(ProvisionConfig, MissingSectionsAreAddedBeforeScannerTables) {
  const std::string existing = "[log]\nlevel = \"debug\"\n\n[[scanner]]\nprofile = \"p\"\nport = \"/dev/ttyS0\"\n";
  const std::string text = edit_config_text(existing, tls_keys());
  auto cfg = config::parse_config(text, "edited");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  EXPECT_EQ(cfg->site, "store-042");
  EXPECT_EQ(cfg->mqtt_key_file, "/etc/scanedge/device.key");
  EXPECT_EQ(cfg->log_level, "debug");
  ASSERT_EQ(cfg->scanners.size(), 1u);
  EXPECT_LT(text.find("[mqtt]"), text.find("[[scanner]]"));
}

TEST(ProvisionConfig, NoFileGivesAMinimalValidFileAndValuesAreTomlEscaped) {
  ProvisionKeys k = tls_keys();
  k.ca_file = "/etc/scan\"edge/c\\a.pem";
  k.username = "dev\"7";
  const std::string text = edit_config_text("", k);
  auto cfg = config::parse_config(text, "new");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  EXPECT_EQ(cfg->mqtt_ca_file, "/etc/scan\"edge/c\\a.pem");
  EXPECT_EQ(cfg->mqtt_username, "dev\"7");
}

TEST(ProvisionConfig, ScannerBindingsAreAppendedAfterTheShippedCommentsAndParse) {
  const std::string base = shipped_default();
  if (base.empty()) GTEST_SKIP() << "no shipped configuration at " << SCANEDGE_SHIPPED_CONFIG;
  ProvisionKeys k = tls_keys();
  k.scanners = {{"zebra-ds2208", "usb:05e0:1200:DS2208-7"}, {"generic-serial-ascii", "/dev/ttyUSB0"}};
  const std::string text = edit_config_text(base, k);
  auto cfg = config::parse_config(text, "edited");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  ASSERT_EQ(cfg->scanners.size(), 2u);
  EXPECT_EQ(cfg->scanners[0].profile, "zebra-ds2208");
  EXPECT_EQ(cfg->scanners[0].port, "usb:05e0:1200:DS2208-7");
  EXPECT_EQ(cfg->scanners[1].profile, "generic-serial-ascii");
  EXPECT_EQ(cfg->scanners[1].port, "/dev/ttyUSB0");
  // The commented example is still there, and the tables come after it (end of the file).
  EXPECT_LT(text.find("#[[scanner]]"), text.find("\n[[scanner]]\nprofile = \"zebra-ds2208\""));
  EXPECT_EQ(cfg->site, "store-042");
}

TEST(ProvisionConfig, RebindingAPortChangesItsProfileInPlaceAndKeepsOtherScanners) {
  const std::string existing =
      "[device]\nsite = \"s\"\nid = \"d\"\n\n[[scanner]]\nprofile = \"old-profile\"  # chosen in 2025\n"
      "port = \"usb:05e0:1200:A1\"  # front counter\n\n[[scanner]]\nport = '/dev/ttyS0'\nprofile = \"keep-me\"\n";
  ProvisionKeys k;
  k.site = "s";
  k.device = "d";
  k.uri = "tcp://127.0.0.1:1883";
  k.scanners = {{"zebra-ds2208", "usb:05e0:1200:A1"}, {"new-serial", "/dev/ttyS0"}, {"third", "/dev/ttyUSB3"}};
  const std::string text = edit_config_text(existing, k);
  auto cfg = config::parse_config(text, "edited");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  ASSERT_EQ(cfg->scanners.size(), 3u) << text;
  EXPECT_EQ(cfg->scanners[0].profile, "zebra-ds2208");
  EXPECT_EQ(cfg->scanners[0].port, "usb:05e0:1200:A1");
  EXPECT_EQ(cfg->scanners[1].profile, "new-serial") << "a literal-string port is recognised too";
  EXPECT_EQ(cfg->scanners[1].port, "/dev/ttyS0");
  EXPECT_EQ(cfg->scanners[2].port, "/dev/ttyUSB3");
  EXPECT_NE(text.find("# front counter"), std::string::npos) << "the port line and its comment stay";
  EXPECT_EQ(text.find("old-profile"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::ctl
