#include "sync/ledger/ledger_service.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"
#include "tests/support/fake_transport.h"
#include "tests/support/process.h"
#include "tests/unit/sync/ledger/batch_builder.h"

namespace scanedge::ledger {
namespace {

using namespace std::chrono_literals;
using scanedge::testing::eventually;
using scanedge::testing::FakeBroker;
using scanedge::testing::FakeTransport;
using scanedge::testing::TempDir;
using testing::payload;

const sync::DeviceAddress kD1{"s1", "d1"};

// A device-side endpoint on the fake broker that records the acks it receives.
class DeviceEnd {
 public:
  explicit DeviceEnd(FakeBroker& broker, const sync::DeviceAddress& a) : t_(broker) {
    t_.on_message([this](const Message& m) {
      std::lock_guard lock(mu_);
      got_.push_back(m);
    });
    EXPECT_TRUE(t_.subscribe(sync::topic_root(a) + "ack/+", 1));
    EXPECT_TRUE(t_.start());
  }
  void send(const std::string& topic, const std::string& body) { ASSERT_TRUE(t_.publish(topic, body, 1, false)); }
  std::vector<Message> acks() {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::size_t count() { return acks().size(); }

 private:
  FakeTransport t_;
  std::mutex mu_;
  std::vector<Message> got_;
};

struct Fixture {
  TempDir dir;
  FakeBroker broker;
  FakeTransport ledger_transport{broker};
  std::unique_ptr<LedgerStore> store;
  std::unique_ptr<LedgerService> service;

  explicit Fixture(ServiceOptions o = {}) {
    auto s = LedgerStore::open(LedgerOptions{dir.file("ledger.db"), "full", nullptr});
    EXPECT_TRUE(s) << s.error().message;
    store = std::move(s).value();
    service = std::make_unique<LedgerService>(ledger_transport, *store, o);
    auto st = service->start();
    EXPECT_TRUE(st) << st.error().message;
  }
};

sync::Ack decoded(const Message& m) {
  auto a = sync::decode_ack(m.payload);
  EXPECT_TRUE(a) << m.payload;
  return a.ok() ? *a : sync::Ack{};
}

TEST(LedgerService, BatchIsAppliedAndAckedOnTheDevicesAckTopic) {
  Fixture f;
  DeviceEnd dev(f.broker, kD1);
  dev.send(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, 1, 3));
  ASSERT_TRUE(eventually([&] { return dev.count() == 1; }, 5s));
  const Message ack = dev.acks()[0];
  EXPECT_EQ(ack.topic, "scanedge/v1/s1/d1/ack/exec");
  EXPECT_EQ(ack.payload, R"({"v":1,"stream":"exec","acked_through":3})");
  f.service->stop();
  EXPECT_EQ(f.store->state(kD1, Stream::exec)->last_seq, 3);
  const auto st = f.service->stats();
  EXPECT_EQ(st.events_applied, 3u);
  EXPECT_EQ(st.acks_published, 1u);
  EXPECT_EQ(st.rejected, 0u);
}

TEST(LedgerService, DuplicatesAreAckedAgainNotAppliedAgain) {
  Fixture f;
  DeviceEnd dev(f.broker, kD1);
  dev.send(sync::events_topic(kD1, Stream::telemetry), payload(kD1, Stream::telemetry, 1, 4));
  ASSERT_TRUE(eventually([&] { return dev.count() == 1; }, 5s));
  dev.send(sync::events_topic(kD1, Stream::telemetry), payload(kD1, Stream::telemetry, 1, 4));
  ASSERT_TRUE(eventually([&] { return dev.count() == 2; }, 5s));
  const auto again = decoded(dev.acks()[1]);
  EXPECT_EQ(dev.acks()[1].topic, "scanedge/v1/s1/d1/ack/telemetry");
  EXPECT_EQ(again.stream, Stream::telemetry);
  EXPECT_EQ(again.acked_through, 4);
  EXPECT_FALSE(again.expect.has_value());
  f.service->stop();
  EXPECT_EQ(f.store->state(kD1, Stream::telemetry)->applied, 4);
  EXPECT_EQ(f.service->stats().duplicates, 4u);
}

TEST(LedgerService, ShedTelemetryIsSkippedAndAckedAndShedOnExecIsRejected) {
  Fixture f;
  DeviceEnd dev(f.broker, kD1);
  dev.send(sync::events_topic(kD1, Stream::telemetry), payload(kD1, Stream::telemetry, 1, 2));
  ASSERT_TRUE(eventually([&] { return dev.count() == 1; }, 5s));
  // The device shed 3..6 at its outbox cap; its next batch starts at 7.
  dev.send(sync::events_topic(kD1, Stream::telemetry),
           sync::encode_batch(kD1, Stream::telemetry, testing::stored_events(Stream::telemetry, 7, 8), 6));
  ASSERT_TRUE(eventually([&] { return dev.count() == 2; }, 5s));
  const auto ack = decoded(dev.acks()[1]);
  EXPECT_EQ(ack.acked_through, 8);
  EXPECT_FALSE(ack.expect.has_value());
  // shed_through on exec: refused by the decoder, nothing stored, no ack.
  std::string exec = sync::encode_batch(kD1, Stream::exec, testing::stored_events(Stream::exec, 5, 5));
  exec.insert(exec.size() - 1, ",\"shed_through\":4");
  dev.send(sync::events_topic(kD1, Stream::exec), exec);
  ASSERT_TRUE(eventually([&] { return f.service->stats().rejected == 1; }, 5s));
  f.service->stop();
  EXPECT_EQ(dev.count(), 2u);
  const auto st = f.service->stats();
  EXPECT_EQ(st.shed, 4u);
  EXPECT_EQ(st.events_applied, 4u);
  EXPECT_EQ(f.store->state(kD1, Stream::telemetry)->shed, 4);
  EXPECT_EQ(f.store->state(kD1, Stream::exec)->last_seq, 0);
}

TEST(LedgerService, GapIsAnsweredWithExpect) {
  Fixture f;
  DeviceEnd dev(f.broker, kD1);
  dev.send(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, 1, 2));
  ASSERT_TRUE(eventually([&] { return dev.count() == 1; }, 5s));
  dev.send(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, 5, 6));
  ASSERT_TRUE(eventually([&] { return dev.count() == 2; }, 5s));
  EXPECT_EQ(dev.acks()[1].payload, R"({"v":1,"stream":"exec","acked_through":2,"expect":3})");
  dev.send(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, 3, 6));
  ASSERT_TRUE(eventually([&] { return dev.count() == 3; }, 5s));
  EXPECT_EQ(dev.acks()[2].payload, R"({"v":1,"stream":"exec","acked_through":6})");
  f.service->stop();
  EXPECT_EQ(f.store->state(kD1, Stream::exec)->applied, 6);
  EXPECT_EQ(f.service->stats().gaps, 1u);
}

TEST(LedgerService, ManyBatchesInFlightAreAllAppliedInOrder) {
  Fixture f;
  DeviceEnd dev(f.broker, kD1);
  for (int b = 0; b < 50; ++b) {
    dev.send(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, b * 20 + 1, b * 20 + 20));
  }
  ASSERT_TRUE(eventually(
      [&] {
        auto acks = dev.acks();
        return !acks.empty() && decoded(acks.back()).acked_through == 1000;
      },
      10s));
  // Acks are cumulative and never go backwards.
  std::int64_t prev = 0;
  for (const Message& m : dev.acks()) {
    const auto a = decoded(m);
    EXPECT_GE(a.acked_through, prev);
    EXPECT_FALSE(a.expect.has_value());
    prev = a.acked_through;
  }
  f.service->stop();
  auto ev = f.store->events(kD1, Stream::exec, 0, 2000);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1000u);
  for (std::size_t i = 0; i < ev->size(); ++i) EXPECT_EQ((*ev)[i].seq, static_cast<std::int64_t>(i + 1));
}

// A transport double that hands the test the message handler, to deliver topics no broker
// subscription would route (foreign topics), and records what the service publishes.
class ScriptedTransport final : public Transport {
 public:
  void on_message(MessageHandler h) override { handler_ = std::move(h); }
  void on_connection(ConnectionHandler) override {}
  Status subscribe(const std::string& filter, int qos) override {
    filters.emplace_back(filter, qos);
    return {};
  }
  Status start() override { return {}; }
  void stop() override {}
  Status publish(const std::string& topic, const std::string& body, int, bool) override {
    std::lock_guard lock(mu_);
    published.push_back({topic, body});
    return {};
  }
  bool connected() const override { return true; }

  void deliver(const std::string& topic, const std::string& body) { handler_(Message{topic, body}); }
  std::size_t published_count() {
    std::lock_guard lock(mu_);
    return published.size();
  }

  std::vector<std::pair<std::string, int>> filters;
  std::vector<Message> published;

 private:
  MessageHandler handler_;
  std::mutex mu_;
};

TEST(LedgerService, SubscribesTheSharedEventsFilterWithQos1) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store);
  ScriptedTransport t;
  LedgerService service(t, **store);
  ASSERT_TRUE(service.start());
  ASSERT_EQ(t.filters.size(), 1u);
  EXPECT_EQ(t.filters[0].first, "$share/ledger/scanedge/v1/+/+/events/+");
  EXPECT_EQ(t.filters[0].second, 1);
  EXPECT_FALSE(service.start());  // already started
}

TEST(LedgerService, BadInputChangesNothingAndIsNotFatal) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store);
  ScriptedTransport t;
  ServiceOptions o;
  o.max_payload_bytes = 4096;
  LedgerService service(t, **store, o);
  ASSERT_TRUE(service.start());

  const sync::DeviceAddress d2{"s1", "d2"};
  const std::string good = payload(kD1, Stream::exec, 1, 2);
  std::string huge = payload(kD1, Stream::exec, 1, 200);  // a valid batch, over the size limit
  ASSERT_GT(huge.size(), o.max_payload_bytes);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"some/foreign/topic", good},
      {"", good},
      {"scanedge/v1/s1/d1/ack/exec", R"({"v":1,"stream":"exec","acked_through":2})"},
      {"scanedge/v1/s1/d1/tasks", good},
      {"scanedge/v1/s1/d1/events/audit", good},
      {"scanedge/v1/s+1/d1/events/exec", good},
      {"scanedge/v2/s1/d1/events/exec", good},
      {"scanedge/v1/s1/d1/events/exec", ""},
      {"scanedge/v1/s1/d1/events/exec", "not json"},
      {"scanedge/v1/s1/d1/events/exec", std::string("\x00\xff\xfe garbage", 12)},
      {"scanedge/v1/s1/d1/events/exec", R"({"v":1,"device":"d1","site":"s1","stream":"exec","events":[]})"},
      {"scanedge/v1/s1/d1/events/exec", R"({"v":2,"device":"d1","site":"s1","stream":"exec","events":[{}]})"},
      {"scanedge/v1/s1/d1/events/exec", payload(d2, Stream::exec, 1, 2)},                // device mismatch
      {"scanedge/v1/s9/d1/events/exec", good},                                           // site mismatch
      {"scanedge/v1/s1/d1/events/telemetry", good},                                      // stream mismatch
      {"scanedge/v1/s1/d1/events/exec", huge},                                           // too large
      {"scanedge/v1/s1/d1/events/exec", std::string(100000, '[')},                       // too large garbage
      {"scanedge/v1/s1/d1/events/exec", std::string(4000, '[') + std::string(4000, ']')},  // deep nesting
  };
  for (const auto& [topic, body] : bad) t.deliver(topic, body);
  ASSERT_TRUE(eventually([&] { return service.stats().rejected == bad.size(); }, 5s))
      << "rejected " << service.stats().rejected << " of " << bad.size();
  EXPECT_EQ(t.published_count(), 0u);  // no ack for anything bad
  auto states = (*store)->states();
  ASSERT_TRUE(states);
  EXPECT_TRUE(states->empty());

  // Still alive and serving.
  t.deliver("scanedge/v1/s1/d1/events/exec", good);
  ASSERT_TRUE(eventually([&] { return t.published_count() == 1; }, 5s));
  service.stop();
  EXPECT_EQ(t.published[0].topic, "scanedge/v1/s1/d1/ack/exec");
  EXPECT_EQ(t.published[0].payload, R"({"v":1,"stream":"exec","acked_through":2})");
  EXPECT_EQ(service.stats().events_applied, 2u);
  EXPECT_EQ(service.stats().received, bad.size() + 1);
}

// Like Paho: the client lock is held while the message handler runs, and publish() needs
// it. (publish gives up after 3 s instead of hanging, so a regression fails, not hangs.)
class LockingTransport final : public Transport {
 public:
  void on_message(MessageHandler h) override { handler_ = std::move(h); }
  void on_connection(ConnectionHandler) override {}
  Status subscribe(const std::string&, int) override { return {}; }
  Status start() override { return {}; }
  void stop() override {}
  Status publish(const std::string& topic, const std::string& body, int, bool) override {
    std::unique_lock client(client_lock_, std::defer_lock);
    if (!client.try_lock_for(3s)) return make_error("timeout", "client lock held for 3 s");
    std::lock_guard lock(mu_);
    published.push_back({topic, body});
    return {};
  }
  bool connected() const override { return true; }
  void deliver(const std::string& topic, const std::string& body) {
    std::lock_guard client(client_lock_);
    handler_(Message{topic, body});
  }
  std::vector<Message> snapshot() {
    std::lock_guard lock(mu_);
    return published;
  }

 private:
  MessageHandler handler_;
  std::timed_mutex client_lock_;
  std::mutex mu_;
  std::vector<Message> published;
};

// A ledger reconnecting to a large queued backlog: the transport delivers faster than the
// worker applies, the handler waits for room while holding the client lock; acks must still
// go out (the worker never waits for that lock) and nothing may stall.
TEST(LedgerService, ABacklogDeliveredUnderTheClientLockIsAppliedAndAckedWithoutDeadlock) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store);
  LockingTransport t;
  ServiceOptions o;
  o.max_queued = 2;
  LedgerService service(t, **store, o);
  ASSERT_TRUE(service.start());
  std::thread receiver([&] {
    for (int b = 0; b < 60; ++b) t.deliver(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, b * 5 + 1, b * 5 + 5));
  });
  const bool acked = eventually(
      [&] {
        const auto p = t.snapshot();
        return !p.empty() && p.back().payload == R"({"v":1,"stream":"exec","acked_through":300})";
      },
      20s);
  receiver.join();
  service.stop();
  EXPECT_TRUE(acked) << "the last ack was not published";
  EXPECT_EQ((*store)->state(kD1, Stream::exec)->last_seq, 300);
  EXPECT_EQ(service.stats().ack_failures, 0u) << "an ack waited for the client lock the handler held";
  EXPECT_EQ(service.stats().events_applied, 300u);
}

TEST(LedgerService, StopAppliesWhatWasQueued) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store);
  ScriptedTransport t;
  LedgerService service(t, **store);
  ASSERT_TRUE(service.start());
  for (int b = 0; b < 20; ++b) t.deliver(sync::events_topic(kD1, Stream::exec), payload(kD1, Stream::exec, b * 5 + 1, b * 5 + 5));
  service.stop();
  EXPECT_EQ((*store)->state(kD1, Stream::exec)->last_seq, 100);
}

}  // namespace
}  // namespace scanedge::ledger
