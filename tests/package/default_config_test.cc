// The default configuration shipped as the conffile /etc/scanedge/scanedged.toml
// (edge/config/scanedged.toml): every key the agent declares is listed there, commented
// out, with its real default; uncommented it is a valid configuration; as shipped it names
// what provisioning must fill in (device.site, device.id).
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "edge/config/agent_config.h"

namespace scanedge::config {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f) << "cannot read " << path;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CommentedKey {
  std::string value;  // TOML text of the value
  int line = 0;
};

// The file's commented assignments "#key = value", by "section.key" ("scanner[].key" after
// "#[[scanner]]"). Prose comments start with "# " and are never taken for keys.
std::map<std::string, CommentedKey> commented_keys(const std::string& text, std::string* duplicates) {
  static const std::regex section_re(R"(^\[([a-z_]+)\]\s*$)");
  static const std::regex scanner_re(R"(^#\[\[scanner\]\]\s*$)");
  static const std::regex key_re(R"(^#([a-z_]+) = (.+)$)");
  std::map<std::string, CommentedKey> out;
  std::istringstream in(text);
  std::string line, section;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_match(line, m, section_re)) {
      section = m[1];
    } else if (std::regex_match(line, scanner_re)) {
      section = "scanner[]";
    } else if (std::regex_match(line, m, key_re)) {
      const std::string key = section + "." + std::string(m[1]);
      if (out.count(key) != 0) *duplicates += key + " (lines " + std::to_string(out[key].line) + ", " + std::to_string(n) + ") ";
      out[key] = CommentedKey{m[2], n};
    }
  }
  return out;
}

// The file with every commented assignment and the [[scanner]] example uncommented.
std::string uncommented(const std::string& text) {
  static const std::regex commented(R"(^#(\[\[scanner\]\]|[a-z_]+ = ))", std::regex::multiline);
  return std::regex_replace(text, commented, "$1");
}

// A TOML value as the key table documents defaults: strings bare, integers decimal.
std::string as_documented(const std::string& toml_value, const std::string& where) {
  try {
    auto t = toml::parse("v = " + toml_value);
    const toml::node& v = *t.get("v");
    if (auto s = v.value<std::string>(); s && v.is_string()) return *s;
    if (v.is_integer()) return std::to_string(*v.value<std::int64_t>());
    if (v.is_boolean()) return *v.value<bool>() ? "true" : "false";
    ADD_FAILURE() << where << ": value " << toml_value << " is not a string, integer or boolean";
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << where << ": value " << toml_value << " is not TOML: " << e.description();
  }
  return {};
}

const std::string kPath = SCANEDGE_DEFAULT_CONFIG;

TEST(DefaultConfig, AsShippedItNamesWhatProvisioningMustSet) {
  auto cfg = parse_config(read_file(kPath), kPath);
  ASSERT_FALSE(cfg) << "the shipped config must not run without a site and device id";
  EXPECT_EQ(cfg.error().code, "config");
  EXPECT_NE(cfg.error().message.find(kPath + ":1: device.site is required"), std::string::npos)
      << cfg.error().message;
  // With only the site filled in, the device id is named next.
  auto text = read_file(kPath);
  text = std::regex_replace(text, std::regex(R"(^#site = )", std::regex::multiline), "site = ");
  auto cfg2 = parse_config(text, kPath);
  ASSERT_FALSE(cfg2);
  EXPECT_NE(cfg2.error().message.find("device.id is required"), std::string::npos) << cfg2.error().message;
}

TEST(DefaultConfig, EveryDeclaredKeyIsListedOnceWithItsDefault) {
  std::string dups;
  const auto listed = commented_keys(read_file(kPath), &dups);
  EXPECT_TRUE(dups.empty()) << "listed twice: " << dups;
  for (const auto& k : documented_keys()) {
    auto it = listed.find(k.key);
    if (it == listed.end()) {
      ADD_FAILURE() << kPath << ": key " << k.key << " (default " << k.default_value
                    << ") is not listed: add \"#" << k.key.substr(k.key.find('.') + 1) << " = ...\" under its section";
      continue;
    }
    if (k.default_value == "(required)") continue;  // a placeholder, not a default
    const std::string where = kPath + ":" + std::to_string(it->second.line);
    std::string expected = k.default_value;
    if (k.key == "mqtt.client_id") expected = "";  // empty means the documented "scanedged-{site}-{device}"
    EXPECT_EQ(as_documented(it->second.value, where), expected) << where << ": " << k.key;
  }
  for (const auto& [key, entry] : listed) {
    bool declared = false;
    for (const auto& k : documented_keys()) declared = declared || k.key == key;
    EXPECT_TRUE(declared) << kPath << ":" << entry.line << ": " << key << " is not a key of the agent";
  }
}

TEST(DefaultConfig, UncommentedItIsValidAndMeansTheDefaults) {
  auto cfg = parse_config(uncommented(read_file(kPath)), kPath + " (uncommented)");
  ASSERT_TRUE(cfg) << cfg.error().message;
  auto defaults = parse_config("[device]\nsite = \"store-042\"\nid = \"hh-0007\"\n", "minimal");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(cfg->site, "store-042");
  EXPECT_EQ(cfg->device, "hh-0007");
  EXPECT_EQ(cfg->effective_client_id(), defaults->effective_client_id());
  EXPECT_EQ(cfg->storage_path, defaults->storage_path);
  EXPECT_EQ(cfg->synchronous, defaults->synchronous);
  EXPECT_EQ(cfg->mqtt_uri, defaults->mqtt_uri);
  EXPECT_EQ(cfg->bus_endpoint, defaults->bus_endpoint);
  EXPECT_EQ(cfg->bus_pub_endpoint, defaults->bus_pub_endpoint);
  EXPECT_EQ(cfg->profiles_dir, defaults->profiles_dir);
  EXPECT_EQ(cfg->autodetect, defaults->autodetect);
  // The [[scanner]] example names a shipped profile.
  ASSERT_EQ(cfg->scanners.size(), 1u);
  std::ifstream profile(std::string(SCANEDGE_PROFILES_SOURCE_DIR) + "/" + cfg->scanners[0].profile + ".toml");
  EXPECT_TRUE(profile) << "the [[scanner]] example names profile " << cfg->scanners[0].profile
                       << ", which is not in firmware-profiles/";
}

}  // namespace
}  // namespace scanedge::config
