#include "edge/config/agent_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

TEST(AgentConfig, TlsNeedsACaAndCertWithKey) {
  const std::string base = "[device]\nsite = \"s\"\nid = \"d\"\n";
  auto ok = parse_config(base + "[mqtt]\nuri = \"ssl://broker:8883\"\nca_file = \"/etc/scanedge/ca.pem\"\n"
                                "cert_file = \"/etc/scanedge/d.pem\"\nkey_file = \"/etc/scanedge/d.key\"\n",
                         "a.toml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->mqtt_ca_file, "/etc/scanedge/ca.pem");
  EXPECT_EQ(ok->mqtt_version, 5);
  auto no_ca = parse_config(base + "[mqtt]\nuri = \"ssl://broker:8883\"\n", "a.toml");
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error().message.find("a.toml:5: mqtt.uri is ssl://broker:8883 (TLS) but mqtt.ca_file is not set"),
            std::string::npos)
      << no_ca.error().message;
  auto half = parse_config(base + "[mqtt]\nuri = \"ssl://b:8883\"\nca_file = \"c\"\ncert_file = \"x\"\n", "a.toml");
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("a.toml:7: mqtt.cert_file and mqtt.key_file must be set together"),
            std::string::npos)
      << half.error().message;
  auto plain = parse_config(base + "[mqtt]\nuri = \"tcp://b:1883\"\nca_file = \"c\"\n", "a.toml");
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("is not TLS"), std::string::npos) << plain.error().message;
  auto v4 = parse_config(base + "[mqtt]\nversion = 4\n", "a.toml");
  ASSERT_FALSE(v4);
  EXPECT_NE(v4.error().message.find("mqtt.version: 4 must be 3 or 5"), std::string::npos) << v4.error().message;
}

TEST(AgentConfig, RemoteOverlayAppliesOnlyRemoteKeysWithTheFileChecks) {
  auto base = parse_config(kGood, "a.toml");
  ASSERT_TRUE(base) << base.error().message;
  using nlohmann::json;
  auto ok = apply_remote_overlay(*base, json{{"work.operator_required", true},
                                             {"mqtt.batch_max_events", 200},
                                             {"log.level", "debug"},
                                             {"storage.max_mb", 128}});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->operator_required);
  EXPECT_EQ(ok->batch_max_events, 200);
  EXPECT_EQ(ok->log_level, "debug");
  EXPECT_EQ(ok->max_mb, 128);
  EXPECT_EQ(ok->site, "store-042");  // everything else as in the file
  EXPECT_EQ(ok->keepalive_s, 20);

  auto same = apply_remote_overlay(*base, json::object());
  ASSERT_TRUE(same);
  EXPECT_EQ(same->batch_max_events, 100);

  struct Bad {
    json set;
    std::string message;
  };
  const Bad bad[] = {
      {json{{"mqtt.uri", "tcp://evil:1883"}}, "mqtt.uri cannot be changed remotely"},
      {json{{"device.id", "other"}}, "device.id cannot be changed remotely"},
      {json{{"nope.key", 1}}, "unknown key \"nope.key\""},
      {json{{"mqtt.window_events", 0}}, "mqtt.window_events: 0 is out of range 1..1000000"},
      {json{{"work.operator_required", "yes"}}, "work.operator_required: expected true or false, got the string \"yes\""},
      {json{{"log.level", "loud"}}, "log.level: \"loud\" is not one of"},
      {json{{"mqtt.batch_max_events", 1.5}}, "mqtt.batch_max_events: expected an integer, got a float"},
      {json{{"mqtt.batch_max_events", nullptr}}, "mqtt.batch_max_events: expected an integer, got null"},
      {json{{"log.level", json::array()}}, "log.level: expected a string, got array"},
  };
  for (const auto& b : bad) {
    auto r = apply_remote_overlay(*base, b.set);
    ASSERT_FALSE(r) << b.set.dump();
    EXPECT_EQ(r.error().code, "config");
    EXPECT_NE(r.error().message.find(b.message), std::string::npos) << b.set.dump() << " -> " << r.error().message;
  }
  // One bad key rejects the whole overlay: the good key next to it is not applied either.
  auto mixed = apply_remote_overlay(*base, json{{"mqtt.batch_max_events", 300}, {"mqtt.uri", "tcp://x:1"}});
  EXPECT_FALSE(mixed);
  EXPECT_FALSE(apply_remote_overlay(*base, json::array()));
}

TEST(AgentConfig, MetricsTextfileIsOffByDefaultAndTakesAPathAndAnInterval) {
  auto def = parse_config("[device]\nsite = \"s\"\nid = \"d\"\n", "t.toml");
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_EQ(def->metrics_textfile, "");
  EXPECT_EQ(def->metrics_interval_s, 15);
  auto on = parse_config(
      "[device]\nsite = \"s\"\nid = \"d\"\n[metrics]\ntextfile = \"/var/lib/prometheus/node-exporter/scanedge.prom\"\n"
      "interval_s = 5\n",
      "t.toml");
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(on->metrics_textfile, "/var/lib/prometheus/node-exporter/scanedge.prom");
  EXPECT_EQ(on->metrics_interval_s, 5);
  auto bad = parse_config("[device]\nsite = \"s\"\nid = \"d\"\n[metrics]\ninterval_s = 0\n", "t.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("t.toml:5: metrics.interval_s: 0 is out of range 1..3600"), std::string::npos)
      << bad.error().message;
  auto unknown = parse_config("[device]\nsite = \"s\"\nid = \"d\"\n[metrics]\npath = \"x\"\n", "t.toml");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("metrics: unknown key \"path\" (known: textfile, interval_s)"),
            std::string::npos)
      << unknown.error().message;
}

TEST(AgentConfig, EveryDeclaredKeyIsDocumented) {
  for (const auto& k : documented_keys()) {
    EXPECT_FALSE(k.description.empty()) << k.key;
    EXPECT_FALSE(k.default_value.empty() && k.type == "integer") << k.key;
  }
  // Every remote key is a declared key and is flagged so in the documentation.
  for (const auto& r : remote_keys()) {
    bool found = false;
    for (const auto& k : documented_keys()) found = found || (k.key == r && k.remote);
    EXPECT_TRUE(found) << r;
  }
}

}  // namespace
}  // namespace scanedge::config
