// RemoteConfig: the `config` downlink's schema, validation, ordering, atomic commit and
// report, with the commit and live-apply hooks faked.
#include "edge/agent/remote_config.h"

#include <gtest/gtest.h>

namespace scanedge::agent {
namespace {

using nlohmann::json;

config::AgentConfig file_config() {
  auto c = config::parse_config("[device]\nsite = \"s1\"\nid = \"d1\"\n[mqtt]\nbatch_max_events = 100\n", "a.toml");
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

std::string doc(const std::string& id, std::int64_t version, const json& set) {
  return json{{"v", 1}, {"config_id", id}, {"version", version}, {"set", set}}.dump();
}

class RemoteConfigTest : public ::testing::Test {
 protected:
  RemoteConfigTest() : rc_(file_config(), clock_, ids_) {
    RemoteConfig::Hooks h;
    h.commit = [this](pipeline::ConfirmPipeline::ConfigChange change, std::function<void(Status)> done) {
      commits_.push_back(change);
      if (fail_commit_) {
        done(make_error("storage_full", "disk full"));
      } else {
        stored_ = change.write.value;
        done({});
      }
    };
    h.apply_live = [this](const config::AgentConfig& c) { live_.push_back(c); };
    h.report = [this](const json& r) { reports_.push_back(r); };
    rc_.set_hooks(h);
  }
  const json& last() const { return reports_.back()["last"]; }

  FakeClock clock_;
  EventIdGenerator ids_;
  RemoteConfig rc_;
  std::vector<pipeline::ConfirmPipeline::ConfigChange> commits_;
  std::vector<config::AgentConfig> live_;
  std::vector<json> reports_;
  std::optional<std::string> stored_;
  bool fail_commit_ = false;
};

TEST_F(RemoteConfigTest, ValidChangeIsCommittedAppliedAndReported) {
  rc_.restore(std::nullopt);
  rc_.handle(doc("cfg-1", 1, {{"work.operator_required", true}, {"mqtt.batch_max_events", 250}}));
  ASSERT_EQ(commits_.size(), 1u);
  const auto& ch = commits_[0];
  EXPECT_TRUE(ch.options.operator_required);
  EXPECT_EQ(ch.write.key, kRemoteConfigStateKey);
  EXPECT_EQ(ch.event.stream, Stream::telemetry);
  EXPECT_EQ(ch.event.body["type"], "config.applied");
  EXPECT_EQ(ch.event.body["config_id"], "cfg-1");
  EXPECT_EQ(ch.event.body["version"], 1);
  EXPECT_TRUE(ch.event.body.contains("id"));
  ASSERT_EQ(live_.size(), 1u);
  EXPECT_EQ(live_[0].batch_max_events, 250);
  EXPECT_EQ(rc_.effective().batch_max_events, 250);
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(last()["outcome"], "applied");
  EXPECT_EQ(reports_.back()["in_force"]["config_id"], "cfg-1");
  EXPECT_EQ(reports_.back()["in_force"]["keys"], json::array({"mqtt.batch_max_events", "work.operator_required"}));

  // Redelivery (QoS 1) changes nothing and says so.
  rc_.handle(doc("cfg-1", 1, {{"work.operator_required", true}, {"mqtt.batch_max_events", 250}}));
  EXPECT_EQ(commits_.size(), 1u);
  EXPECT_EQ(last()["outcome"], "unchanged");
}

TEST_F(RemoteConfigTest, RejectedChangesLeaveThePreviousConfigInForceAndSayWhy) {
  rc_.restore(std::nullopt);
  rc_.handle(doc("cfg-1", 3, {{"mqtt.batch_max_events", 250}}));
  ASSERT_EQ(last()["outcome"], "applied");
  struct Case {
    std::string payload;
    std::string reason;
  };
  const Case cases[] = {
      {doc("cfg-2", 4, {{"mqtt.uri", "tcp://elsewhere:1883"}}), "mqtt.uri cannot be changed remotely"},
      {doc("cfg-2", 4, {{"mqtt.window_events", -1}}), "mqtt.window_events: -1 is out of range"},
      {doc("cfg-2", 2, {{"mqtt.batch_max_events", 10}}), "stale: version 2 is not newer than version 3"},
      {"{not json", "not JSON"},
      {R"({"v":2,"config_id":"c","version":5,"set":{}})", "\"v\" must be 1"},
      {R"({"v":1,"config_id":"bad id!","version":5,"set":{}})", "\"config_id\" must be"},
      {R"({"v":1,"config_id":"c","version":0,"set":{}})", "\"version\" must be an integer >= 1"},
      {R"({"v":1,"config_id":"c","version":5,"set":[]})", "\"set\" must be an object"},
      {R"({"v":1,"config_id":"c","version":5,"set":{},"extra":1})", "unknown member \"extra\""},
  };
  for (const auto& c : cases) {
    rc_.handle(c.payload);
    EXPECT_EQ(last()["outcome"], "rejected") << c.payload;
    EXPECT_NE(last()["reason"].get<std::string>().find(c.reason), std::string::npos)
        << c.payload << " -> " << last()["reason"];
    EXPECT_EQ(reports_.back()["in_force"]["config_id"], "cfg-1") << c.payload;
  }
  EXPECT_EQ(commits_.size(), 1u);
  EXPECT_EQ(live_.size(), 1u);
  EXPECT_EQ(rc_.effective().batch_max_events, 250);
}

TEST_F(RemoteConfigTest, AFailedCommitKeepsThePreviousConfigAndAResendMayRetry) {
  rc_.restore(std::nullopt);
  fail_commit_ = true;
  rc_.handle(doc("cfg-1", 1, {{"mqtt.batch_max_events", 250}}));
  EXPECT_EQ(last()["outcome"], "rejected");
  EXPECT_NE(last()["reason"].get<std::string>().find("not stored: disk full"), std::string::npos) << last();
  EXPECT_TRUE(live_.empty());
  EXPECT_EQ(rc_.effective().batch_max_events, 100);
  EXPECT_TRUE(reports_.back()["in_force"].is_null());
  fail_commit_ = false;
  rc_.handle(doc("cfg-1", 1, {{"mqtt.batch_max_events", 250}}));
  EXPECT_EQ(last()["outcome"], "applied");
  EXPECT_EQ(rc_.effective().batch_max_events, 250);
}

TEST_F(RemoteConfigTest, TheStoredOverlayIsRestoredAtStartAndAnInvalidOneIsReported) {
  rc_.restore(std::nullopt);
  rc_.handle(doc("cfg-9", 9, {{"log.level", "debug"}, {"work.keep_finished_hours", 48}}));
  ASSERT_TRUE(stored_);

  FakeClock clock;
  EventIdGenerator ids;
  RemoteConfig again(file_config(), clock, ids);
  const auto eff = again.restore(stored_);
  EXPECT_EQ(eff.log_level, "debug");
  EXPECT_EQ(eff.keep_finished_hours, 48);
  EXPECT_EQ(again.report()["in_force"]["version"], 9);

  RemoteConfig broken(file_config(), clock, ids);
  const auto plain = broken.restore(doc("cfg-10", 10, {{"mqtt.uri", "tcp://x:1"}}));
  EXPECT_EQ(plain.batch_max_events, 100);
  EXPECT_TRUE(broken.report()["in_force"].is_null());
  EXPECT_EQ(broken.report()["last"]["outcome"], "rejected");
  EXPECT_NE(broken.report()["last"]["reason"].get<std::string>().find("running on the config file alone"),
            std::string::npos);
}

}  // namespace
}  // namespace scanedge::agent
