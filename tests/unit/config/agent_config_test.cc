#include "edge/config/agent_config.h"

#include <gtest/gtest.h>

namespace scanedge::config {
namespace {

constexpr const char* kGood = R"(# a store handheld
[device]
site = "store-042"
id = "hh-0007"

[storage]
path = "/tmp/x.db"
synchronous = "normal"
max_mb = 64

[mqtt]
uri = "tcp://127.0.0.1:1883"
keepalive_s = 20
batch_max_events = 100

[bus]
endpoint = "ipc:///tmp/bus.sock"
pub_endpoint = "ipc:///tmp/pub.sock"

[[scanner]]
profile = "generic-serial-ascii"
port = "/dev/ttyUSB0"
)";

TEST(AgentConfig, ParsesAllSectionsAndDefaults) {
  auto c = parse_config(kGood, "a.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->site, "store-042");
  EXPECT_EQ(c->device, "hh-0007");
  EXPECT_EQ(c->synchronous, "normal");
  EXPECT_EQ(c->max_mb, 64);
  EXPECT_EQ(c->keepalive_s, 20);
  EXPECT_EQ(c->batch_max_events, 100);
  EXPECT_EQ(c->batch_max_bytes, 256 * 1024);  // default
  ASSERT_EQ(c->scanners.size(), 1u);
  EXPECT_EQ(c->scanners[0].port, "/dev/ttyUSB0");
  EXPECT_EQ(c->effective_client_id(), "scanedged-store-042-hh-0007");
}

// Each bad config names the file, the line and what is wrong.
struct BadCase {
  const char* name;
  const char* text;
  const char* expect_prefix;  // "file:line:"
  const char* expect_words;
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, ReportsFileLineAndReason) {
  const auto& p = GetParam();
  auto c = parse_config(p.text, "/etc/scanedge/scanedged.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config");
  EXPECT_EQ(c.error().message.rfind(p.expect_prefix, 0), 0u) << c.error().message;
  EXPECT_NE(c.error().message.find(p.expect_words), std::string::npos) << c.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfig,
    ::testing::Values(
        BadCase{"syntax", "[device]\nsite = \"a\"\nid = \n", "/etc/scanedge/scanedged.toml:3:", "TOML syntax error"},
        BadCase{"missing_site", "[device]\nid = \"d\"\n", "/etc/scanedge/scanedged.toml:1:", "device.site is required"},
        BadCase{"bad_id", "[device]\nsite = \"s\"\nid = \"a/b\"\n", "/etc/scanedge/scanedged.toml:3:", "device.id"},
        BadCase{"unknown_key", "[device]\nsite = \"s\"\nid = \"d\"\n[mqtt]\nkeepalive = 3\n",
                "/etc/scanedge/scanedged.toml:5:", "unknown key \"keepalive\""},
        BadCase{"unknown_section", "[device]\nsite = \"s\"\nid = \"d\"\n[mqtt2]\n", "/etc/scanedge/scanedged.toml:4:",
                "unknown section [mqtt2]"},
        BadCase{"wrong_type", "[device]\nsite = \"s\"\nid = \"d\"\n[mqtt]\nkeepalive_s = \"abc\"\n",
                "/etc/scanedge/scanedged.toml:5:", "expected an integer"},
        BadCase{"range", "[device]\nsite = \"s\"\nid = \"d\"\n[mqtt]\nkeepalive_s = 1\n",
                "/etc/scanedge/scanedged.toml:5:", "out of range"},
        BadCase{"choice", "[device]\nsite = \"s\"\nid = \"d\"\n[storage]\nsynchronous = \"fast\"\n",
                "/etc/scanedge/scanedged.toml:5:", "not one of"},
        BadCase{"uri", "[device]\nsite = \"s\"\nid = \"d\"\n[mqtt]\nuri = \"http://x\"\n",
                "/etc/scanedge/scanedged.toml:5:", "tcp://"},
        BadCase{"bus_exposed", "[device]\nsite = \"s\"\nid = \"d\"\n[bus]\nendpoint = \"tcp://0.0.0.0:5555\"\n",
                "/etc/scanedge/scanedged.toml:5:", "never exposed"},
        BadCase{"scanner_missing_port", "[device]\nsite = \"s\"\nid = \"d\"\n[[scanner]]\nprofile = \"p\"\n",
                "/etc/scanedge/scanedged.toml:4:", "missing key \"port\""},
        BadCase{"scanner_unknown", "[device]\nsite = \"s\"\nid = \"d\"\n[[scanner]]\nprofile = \"p\"\nbaud = 9600\n",
                "/etc/scanedge/scanedged.toml:6:", "unknown key \"baud\""}),
    [](const auto& tp) { return std::string(tp.param.name); });

TEST(AgentConfig, MissingFileIsAnErrorNamingThePath) {
  auto c = load_config("/nonexistent/scanedged.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.rfind("/nonexistent/scanedged.toml:1:", 0), 0u);
}

TEST(AgentConfig, AutodetectIsOnByDefaultAndTakesABoolean) {
  const std::string base = "[device]\nsite = \"s\"\nid = \"d\"\n";
  auto def = parse_config(base, "a.toml");
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_TRUE(def->autodetect);
  EXPECT_EQ(def->rescan_ms, 1000);
  auto off = parse_config(base + "[profiles]\nautodetect = false\nrescan_ms = 250\n", "a.toml");
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_FALSE(off->autodetect);
  EXPECT_EQ(off->rescan_ms, 250);
  auto bad = parse_config(base + "[profiles]\nautodetect = \"yes\"\n", "a.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "a.toml:5: profiles.autodetect: expected true or false, got the string \"yes\"");
}

TEST(AgentConfig, EveryDeclaredKeyIsDocumented) {
  for (const auto& k : documented_keys()) {
    EXPECT_FALSE(k.description.empty()) << k.key;
    EXPECT_FALSE(k.default_value.empty() && k.type == "integer") << k.key;
  }
}

}  // namespace
}  // namespace scanedge::config
