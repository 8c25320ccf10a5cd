// The fake transport is the ground truth of many sync tests: prove it behaves like MQTT
// where the product relies on it.
#include "tests/support/fake_transport.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/process.h"

namespace scanedge::testing {
namespace {

TEST(TopicMatches, WildcardsLikeMqtt) {
  EXPECT_TRUE(topic_matches("a/+/c", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/+/c", "a/b/d"));
  EXPECT_TRUE(topic_matches("a/#", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/+", "a/b/c"));
  EXPECT_TRUE(topic_matches("scanedge/v1/+/+/events/+", "scanedge/v1/s1/d1/events/exec"));
}

TEST(FakeTransport, DeliversInOrderAndSharesGroupSubscriptions) {
  FakeBroker broker;
  FakeTransport dev(broker), l1(broker), l2(broker);
  std::vector<std::string> got1, got2;
  std::mutex mu;
  l1.on_message([&](const Message& m) { std::lock_guard g(mu); got1.push_back(m.payload); });
  l2.on_message([&](const Message& m) { std::lock_guard g(mu); got2.push_back(m.payload); });
  ASSERT_TRUE(l1.subscribe("$share/ledger/x/+", 1));
  ASSERT_TRUE(l2.subscribe("$share/ledger/x/+", 1));
  ASSERT_TRUE(l1.start());
  ASSERT_TRUE(l2.start());
  ASSERT_TRUE(dev.start());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(dev.publish("x/y", std::to_string(i), 1, false));
  ASSERT_TRUE(broker.drain());
  EXPECT_EQ(got1.size() + got2.size(), 10u);  // each message to exactly one group member
}

TEST(FakeTransport, OutageRefusesPublishAndReportsConnection) {
  FakeBroker broker;
  FakeTransport dev(broker);
  std::atomic<int> ups{0}, downs{0};
  dev.on_connection([&](bool c) { (c ? ups : downs)++; });
  ASSERT_TRUE(dev.start());
  ASSERT_TRUE(eventually([&] { return ups == 1; }, std::chrono::seconds(2)));
  broker.set_up(false);
  ASSERT_TRUE(eventually([&] { return downs == 1; }, std::chrono::seconds(2)));
  EXPECT_FALSE(dev.connected());
  EXPECT_FALSE(dev.publish("a", "b", 1, false));
  broker.set_up(true);
  ASSERT_TRUE(eventually([&] { return ups == 2; }, std::chrono::seconds(2)));
  EXPECT_TRUE(dev.publish("a", "b", 1, false));
}

TEST(FakeTransport, DropNextLosesMessagesSilently) {
  FakeBroker broker;
  FakeTransport a(broker), b(broker);
  std::atomic<int> n{0};
  b.on_message([&](const Message&) { ++n; });
  ASSERT_TRUE(b.subscribe("t", 1));
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(a.start());
  broker.drop_next(2);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.publish("t", "p", 1, false));
  ASSERT_TRUE(broker.drain());
  EXPECT_EQ(n.load(), 3);
}

}  // namespace
}  // namespace scanedge::testing
