#include "sync/protocol/topics.h"

#include <gtest/gtest.h>

#include <string>

namespace scanedge::sync {
namespace {

const DeviceAddress kAddr{"site-1", "dev_A.2"};

TEST(Topics, BuildersFollowTheV1Scheme) {
  EXPECT_EQ(topic_root(kAddr), "scanedge/v1/site-1/dev_A.2/");
  EXPECT_EQ(events_topic(kAddr, Stream::exec), "scanedge/v1/site-1/dev_A.2/events/exec");
  EXPECT_EQ(events_topic(kAddr, Stream::telemetry), "scanedge/v1/site-1/dev_A.2/events/telemetry");
  EXPECT_EQ(ack_topic(kAddr, Stream::exec), "scanedge/v1/site-1/dev_A.2/ack/exec");
  EXPECT_EQ(tasks_topic(kAddr), "scanedge/v1/site-1/dev_A.2/tasks");
  EXPECT_EQ(config_topic(kAddr), "scanedge/v1/site-1/dev_A.2/config");
  EXPECT_EQ(status_topic(kAddr), "scanedge/v1/site-1/dev_A.2/status");
}

TEST(Topics, ParseRoundTripsEveryKind) {
  for (Stream s : kAllStreams) {
    auto e = parse_topic(events_topic(kAddr, s));
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->address, kAddr);
    EXPECT_EQ(e->kind, TopicKind::events);
    EXPECT_EQ(e->stream, s);
    auto a = parse_topic(ack_topic(kAddr, s));
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->address, kAddr);
    EXPECT_EQ(a->kind, TopicKind::ack);
    EXPECT_EQ(a->stream, s);
  }
  auto t = parse_topic(tasks_topic(kAddr));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, TopicKind::tasks);
  EXPECT_FALSE(t->stream.has_value());
  EXPECT_EQ(t->address, kAddr);
  auto c = parse_topic(config_topic(kAddr));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, TopicKind::config);
  auto st = parse_topic(status_topic(kAddr));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->kind, TopicKind::status);
}

TEST(Topics, ValidId) {
  EXPECT_TRUE(valid_id("a"));
  EXPECT_TRUE(valid_id("Store-12_b.x"));
  EXPECT_TRUE(valid_id(std::string(64, 'x')));
  EXPECT_FALSE(valid_id(""));
  EXPECT_FALSE(valid_id(std::string(65, 'x')));
  EXPECT_FALSE(valid_id("a+b"));
  EXPECT_FALSE(valid_id("#"));
  EXPECT_FALSE(valid_id("a/b"));
  EXPECT_FALSE(valid_id("a b"));
  EXPECT_FALSE(valid_id("caf\xc3\xa9"));
  EXPECT_FALSE(valid_id(std::string("a\0b", 3)));
}

void expect_bad(const std::string& topic, const std::string& mentions) {
  auto r = parse_topic(topic);
  ASSERT_FALSE(r) << "accepted: " << topic;
  EXPECT_EQ(r.error().code, "bad_topic");
  EXPECT_NE(r.error().message.find(mentions), std::string::npos)
      << "message \"" << r.error().message << "\" does not mention \"" << mentions << "\"";
}

TEST(Topics, ParseRejectsWrongPrefixAndVersion) {
  expect_bad("", "scanedge/");
  expect_bad("foo/v1/s/d/events/exec", "scanedge/");
  expect_bad("Scanedge/v1/s/d/events/exec", "scanedge/");
  expect_bad("/scanedge/v1/s/d/events/exec", "scanedge/");
  expect_bad("scanedge/v2/s/d/events/exec", "\"v2\"");
  expect_bad("scanedge//s/d/events/exec", "version");
  expect_bad("scanedge/v1/s/d", "too few");
}

TEST(Topics, ParseRejectsBadIds) {
  expect_bad("scanedge/v1/+/d/events/exec", "site id \"+\"");
  expect_bad("scanedge/v1/s/+/events/exec", "device id \"+\"");
  expect_bad("scanedge/v1/#", "too few");
  expect_bad("scanedge/v1/s/#/events/exec", "device id");
  expect_bad("scanedge/v1//d/events/exec", "site id");
  expect_bad("scanedge/v1/s//events/exec", "device id");
  expect_bad("scanedge/v1/" + std::string(65, 's') + "/d/events/exec", "site id");
  expect_bad("scanedge/v1/s/" + std::string(65, 'd') + "/events/exec", "device id");
  expect_bad("scanedge/v1/s/d\n/events/exec", "device id");
}

TEST(Topics, ParseRejectsUnknownSuffixAndStream) {
  expect_bad("scanedge/v1/s/d/evnts/exec", "unknown topic suffix \"evnts\"");
  expect_bad("scanedge/v1/s/d/", "unknown topic suffix");
  expect_bad("scanedge/v1/s/d/events", "stream segment");
  expect_bad("scanedge/v1/s/d/events/", "unknown stream");
  expect_bad("scanedge/v1/s/d/events/audit", "unknown stream \"audit\"");
  expect_bad("scanedge/v1/s/d/ack/+", "unknown stream");
  expect_bad("scanedge/v1/s/d/events/exec/more", "stream segment");
  expect_bad("scanedge/v1/s/d/tasks/x", "after \"tasks\"");
  expect_bad("scanedge/v1/s/d/status/", "after \"status\"");
}

TEST(Topics, OverLongGarbageIsQuotedTruncated) {
  const std::string topic = "scanedge/v1/s/d/" + std::string(10000, 'z');
  auto r = parse_topic(topic);
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 400u);
}

}  // namespace
}  // namespace scanedge::sync
