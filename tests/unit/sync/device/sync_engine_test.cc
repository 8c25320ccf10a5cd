// SyncEngine (device side of protocol v1) over FakeBroker/FakeTransport, a MemoryOutbox or
// the real SqliteOutbox, and a fake ledger that acks cumulatively.
#include "sync/device/sync_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "edge/outbox/sqlite_outbox.h"
#include "sync/device/status_payload.h"
#include "sync/protocol/envelope.h"
#include "tests/support/fake_transport.h"
#include "tests/support/memory_outbox.h"
#include "tests/support/process.h"
#include "tests/unit/sync/device/fake_ledger.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeBroker;
using testing::FakeLedger;
using testing::FakeTransport;
using testing::MemoryOutbox;

const DeviceAddress kAddr{"s1", "d1"};

// Wraps a FakeTransport: lets a test inject arbitrary inbound messages (even ones a broker
// would not route) and watches every events batch the engine publishes.
class TapTransport final : public Transport {
 public:
  TapTransport(FakeTransport& inner, Outbox& outbox, std::int64_t window) : inner_(inner), outbox_(outbox), window_(window) {}
  void on_message(MessageHandler h) override {
    {
      std::lock_guard lock(mu_);
      handler_ = h;
    }
    inner_.on_message(std::move(h));
  }
  void on_connection(ConnectionHandler h) override { inner_.on_connection(std::move(h)); }
  Status subscribe(const std::string& f, int q) override { return inner_.subscribe(f, q); }
  Status start() override { return inner_.start(); }
  void stop() override { inner_.stop(); }
  bool connected() const override { return inner_.connected(); }
  Status publish(const std::string& topic, const std::string& payload, int qos, bool retained) override {
    auto parsed = parse_topic(topic);
    if (parsed && parsed->kind == TopicKind::events) {
      auto b = decode_batch(payload, 64u << 20);
      if (!b) {
        ++malformed;
      } else if (!b->events.empty()) {
        auto st = outbox_.stats(b->stream);
        const auto in_flight = b->events.back().seq - st->acked_through;
        std::int64_t cur = max_in_flight.load();
        while (in_flight > cur && !max_in_flight.compare_exchange_weak(cur, in_flight)) {
        }
        if (in_flight > window_) ++window_violations;
        if (b->events.size() > max_batch) max_batch = b->events.size();
      }
    }
    return inner_.publish(topic, payload, qos, retained);
  }
  void inject(const Message& m) {
    MessageHandler h;
    {
      std::lock_guard lock(mu_);
      h = handler_;
    }
    if (h) h(m);
  }

  std::atomic<std::int64_t> max_in_flight{0};
  std::atomic<int> window_violations{0};
  std::atomic<int> malformed{0};
  std::atomic<std::size_t> max_batch{0};

 private:
  FakeTransport& inner_;
  Outbox& outbox_;
  std::int64_t window_;
  std::mutex mu_;
  MessageHandler handler_;
};

SyncOptions opts(std::size_t batch = 500, std::int64_t window = 20000, std::chrono::milliseconds ack_timeout = 60s) {
  SyncOptions o;
  o.address = kAddr;
  o.batch_max_events = batch;
  o.window_events = window;
  o.ack_timeout = ack_timeout;
  return o;
}

// Every applied event of a stream is seq 1..n in order, exactly once, with its stream field.
void expect_exactly_once_in_order(const FakeLedger& ledger, Stream s, std::int64_t n) {
  const auto applied = ledger.applied(s);
  ASSERT_EQ(applied.size(), static_cast<std::size_t>(n));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < applied.size(); ++i) {
    ASSERT_EQ(applied[i].seq, static_cast<std::int64_t>(i) + 1);
    ASSERT_EQ(applied[i].stream_field, to_string(s));
    ASSERT_TRUE(ids.insert(applied[i].id).second) << "id applied twice: " << applied[i].id;
  }
}

std::int64_t depth(Outbox& o, Stream s) { return o.stats(s)->depth; }

struct Rig {
  FakeBroker broker;
  FakeTransport device{broker};
  FakeTransport ledger_transport{broker};
  FakeLedger ledger{ledger_transport};
  MemoryOutbox outbox;
  SystemClock clock;
  Rig() { EXPECT_TRUE(ledger_transport.start().ok()); }
};

TEST(StatusPayload, BirthAndWillShape) {
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 17h + 123ms;
  auto j = nlohmann::json::parse(status_payload(kAddr, true, t));
  EXPECT_EQ(j["v"], 1);
  EXPECT_EQ(j["site"], "s1");
  EXPECT_EQ(j["device"], "d1");
  EXPECT_EQ(j["online"], true);
  EXPECT_EQ(j["time"], "2026-11-26T17:00:00.123Z");
  EXPECT_EQ(nlohmann::json::parse(status_payload(kAddr, false, t))["online"], false);
}

TEST(SyncEngine, RejectsBadOptions) {
  Rig r;
  auto o = opts();
  o.address.device = "bad/device";
  SyncEngine e(r.outbox, r.device, r.clock, o);
  auto s = e.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "bad_option");
  SyncEngine e2(r.outbox, r.device, r.clock, opts(0));
  EXPECT_EQ(e2.start().error().code, "bad_option");
}

TEST(SyncEngine, DrainsBacklogOf10000CompletelyAndInOrder) {
  Rig r;
  r.outbox.append(Stream::exec, 10000);
  SyncEngine e(r.outbox, r.device, r.clock, opts());
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return depth(r.outbox, Stream::exec) == 0; }, 20s)) << depth(r.outbox, Stream::exec);
  expect_exactly_once_in_order(r.ledger, Stream::exec, 10000);
  const auto st = e.status();
  EXPECT_TRUE(st.connected);
  EXPECT_EQ(st.stream(Stream::exec).acked_through, 10000);
  EXPECT_EQ(st.stream(Stream::exec).sent_through, 10000);
  EXPECT_EQ(st.stream(Stream::exec).last_seq, 10000);
  EXPECT_EQ(st.stream(Stream::exec).depth, 0);
  EXPECT_EQ(st.stream(Stream::exec).batches_sent, 20u);  // 500 per batch
  EXPECT_EQ(st.stream(Stream::exec).resends, 0u);
  EXPECT_TRUE(st.stream(Stream::exec).last_ack_age.has_value());
  EXPECT_EQ(r.ledger.duplicates(), 0);
  // New commits after the drain are picked up on notify.
  r.outbox.append(Stream::exec, 10);
  e.notify_committed();
  ASSERT_TRUE(eventually([&] { return r.ledger.applied_count(Stream::exec) == 10010; }, 5s));
}

TEST(SyncEngine, PublishesBirthRetainedOnEveryConnectAndOfflineOnStop) {
  Rig r;
  SyncEngine e(r.outbox, r.device, r.clock, opts());
  ASSERT_TRUE(e.start().ok());
  auto births = [&] {
    std::vector<nlohmann::json> out;
    for (const auto& m : r.broker.published()) {
      if (m.topic == status_topic(kAddr)) out.push_back(nlohmann::json::parse(m.payload));
    }
    return out;
  };
  ASSERT_TRUE(eventually([&] { return births().size() == 1; }, 5s));
  EXPECT_EQ(births()[0]["online"], true);
  EXPECT_EQ(births()[0]["device"], "d1");
  r.device.set_link(false);
  ASSERT_TRUE(eventually([&] { return !e.status().connected; }, 5s));
  r.device.set_link(true);
  ASSERT_TRUE(eventually([&] { return births().size() == 2; }, 5s));
  EXPECT_EQ(births()[1]["online"], true);
  e.stop();
  ASSERT_EQ(births().size(), 3u);
  EXPECT_EQ(births()[2]["online"], false);
}

TEST(SyncEngine, ExecIsSentBeforeTelemetry) {
  Rig r;
  r.outbox.append(Stream::telemetry, 3000);  // committed first, still sent last
  r.outbox.append(Stream::exec, 3000);
  SyncEngine e(r.outbox, r.device, r.clock, opts(250));
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually(
      [&] { return depth(r.outbox, Stream::exec) == 0 && depth(r.outbox, Stream::telemetry) == 0; }, 20s));
  const auto order = r.ledger.batch_streams();
  ASSERT_EQ(order.size(), 24u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(order[i], Stream::exec) << i;
  for (std::size_t i = 12; i < 24; ++i) EXPECT_EQ(order[i], Stream::telemetry) << i;
  expect_exactly_once_in_order(r.ledger, Stream::exec, 3000);
  expect_exactly_once_in_order(r.ledger, Stream::telemetry, 3000);
}

TEST(SyncEngine, BrokerOutageMidDrainLosesNothing) {
  Rig r;
  r.outbox.append(Stream::exec, 20000);
  r.outbox.append(Stream::telemetry, 2000);
  SyncEngine e(r.outbox, r.device, r.clock, opts(200, 5000));
  // The ledger stalls (receives, never applies or acks) so that the outage surely hits
  // mid-drain with a full window in flight and lost.
  r.ledger.pause(true);
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return e.status().stream(Stream::exec).sent_through == 5000; }, 10s));
  r.broker.set_up(false);
  ASSERT_TRUE(eventually([&] { return !e.status().connected; }, 5s));
  r.ledger.pause(false);
  EXPECT_EQ(r.ledger.applied_count(Stream::exec), 0u);
  r.outbox.append(Stream::exec, 1000);  // committed while offline
  e.notify_committed();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(depth(r.outbox, Stream::exec), 21000);
  r.broker.set_up(true);
  ASSERT_TRUE(eventually(
      [&] { return depth(r.outbox, Stream::exec) == 0 && depth(r.outbox, Stream::telemetry) == 0; }, 30s))
      << depth(r.outbox, Stream::exec);
  expect_exactly_once_in_order(r.ledger, Stream::exec, 21000);
  expect_exactly_once_in_order(r.ledger, Stream::telemetry, 2000);
  EXPECT_EQ(r.outbox.stats(Stream::exec)->acked_through, 21000);
}

TEST(SyncEngine, DroppedBatchIsResentFromExpectOnceNotOncePerGapReport) {
  Rig r;
  SyncEngine e(r.outbox, r.device, r.clock, opts(100, 20000, 60s));  // no timeout can help
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return r.broker.published().size() == 1; }, 5s));  // the birth
  r.broker.drop_next(1);                                                          // batch 1..100
  r.outbox.append(Stream::exec, 1000, "test.event", 1000);
  e.notify_committed();
  ASSERT_TRUE(eventually([&] { return depth(r.outbox, Stream::exec) == 0; }, 10s));
  expect_exactly_once_in_order(r.ledger, Stream::exec, 1000);
  EXPECT_GE(r.ledger.gaps(), 1);
  // Every batch behind the gap produced the same expect; the engine rewound only once.
  EXPECT_EQ(e.status().stream(Stream::exec).resends, 1u);
}

TEST(SyncEngine, LostAckIsRecoveredByAckTimeout) {
  FakeBroker broker;
  FakeTransport device(broker), lt(broker);
  FakeLedger ledger(lt);
  ASSERT_TRUE(lt.start().ok());
  MemoryOutbox outbox;
  FakeClock clock;
  SyncEngine e(outbox, device, clock, opts(100, 20000, 5s));
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return e.status().connected; }, 5s));
  ledger.drop_all_acks(true);
  outbox.append(Stream::exec, 300);
  e.notify_committed();
  ASSERT_TRUE(eventually([&] { return ledger.applied_count(Stream::exec) == 300; }, 5s));
  std::this_thread::sleep_for(300ms);  // the engine keeps waiting: no timeout yet
  auto st = e.status();
  EXPECT_EQ(st.stream(Stream::exec).sent_through, 300);
  EXPECT_EQ(st.stream(Stream::exec).acked_through, 0);
  EXPECT_EQ(st.stream(Stream::exec).resends, 0u);
  EXPECT_EQ(depth(outbox, Stream::exec), 300);  // nothing deleted without a ledger ack

  ledger.drop_all_acks(false);
  clock.advance(4s);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(e.status().stream(Stream::exec).resends, 0u);
  clock.advance(2s);  // now past ack_timeout
  ASSERT_TRUE(eventually([&] { return depth(outbox, Stream::exec) == 0; }, 5s));
  EXPECT_GE(e.status().stream(Stream::exec).resends, 1u);
  EXPECT_GE(ledger.duplicates(), 100);  // resent, deduplicated by the ledger ...
  expect_exactly_once_in_order(ledger, Stream::exec, 300);  // ... and applied once
}

TEST(SyncEngine, BadStaleDuplicateAndForeignAcksChangeNothing) {
  FakeBroker broker;
  FakeTransport inner(broker);
  MemoryOutbox outbox;
  SystemClock clock;
  TapTransport device(inner, outbox, 20000);
  auto o = opts(50);
  o.max_downlink_bytes = 4096;
  SyncEngine e(outbox, device, clock, o);
  ASSERT_TRUE(e.start().ok());
  outbox.append(Stream::exec, 100);
  outbox.append(Stream::telemetry, 10);
  e.notify_committed();
  ASSERT_TRUE(eventually([&] { return e.status().stream(Stream::exec).sent_through == 100; }, 5s));
  const auto ack = [&](Stream s) { return ack_topic(kAddr, s); };
  const std::vector<Message> garbage{
      {ack(Stream::exec), "{not json"},
      {ack(Stream::exec), ""},
      {ack(Stream::exec), std::string(10000, '{')},                                   // oversized
      {ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":1000})"},         // beyond last seq
      {ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":-5})"},
      {ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":"50"})"},
      {ack(Stream::exec), R"({"v":2,"stream":"exec","acked_through":50})"},
      {ack(Stream::exec), R"({"v":1,"stream":"telemetry","acked_through":5})"},       // stream mismatch
      {ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":50,"expect":7})"},  // nonsense expect
      {ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":1e300})"},
      {ack(Stream::exec), R"([1,2,3])"},
      {"scanedge/v1/s1/other/ack/exec", R"({"v":1,"stream":"exec","acked_through":50})"},  // other device
      {"scanedge/v1/s1/d1/ack/bogus", R"({"v":1,"stream":"exec","acked_through":50})"},
      {"elsewhere/topic", R"({"v":1,"stream":"exec","acked_through":50})"},
      {"scanedge/v1/s1/d1/events/exec", R"({"v":1})"},
      {"scanedge/v1/s1/d1/status", R"({"online":true})"},
  };
  for (const auto& m : garbage) device.inject(m);
  std::this_thread::sleep_for(300ms);
  auto st = e.status();
  EXPECT_EQ(outbox.stats(Stream::exec)->acked_through, 0);
  EXPECT_EQ(outbox.stats(Stream::exec)->depth, 100);
  EXPECT_EQ(outbox.stats(Stream::telemetry)->depth, 10);
  EXPECT_EQ(st.stream(Stream::exec).sent_through, 100);
  EXPECT_EQ(st.stream(Stream::exec).resends, 0u);
  EXPECT_EQ(st.acks_applied, 0u);
  EXPECT_GE(st.bad_acks, 10u);
  EXPECT_EQ(st.oversized_messages, 1u);
  EXPECT_GE(st.ignored_messages, 4u);

  // A valid ack prunes; a stale one and a duplicate change nothing.
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":60})"});
  ASSERT_TRUE(eventually([&] { return outbox.stats(Stream::exec)->depth == 40; }, 5s));
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":30})"});
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":60})"});
  ASSERT_TRUE(eventually([&] { return e.status().duplicate_acks == 1 && e.status().stale_acks == 1; }, 5s));
  EXPECT_EQ(outbox.stats(Stream::exec)->acked_through, 60);
  EXPECT_EQ(e.status().stream(Stream::exec).resends, 0u);
  // A telemetry ack on the exec topic is refused even though telemetry has 10 events.
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"telemetry","acked_through":10})"});
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(outbox.stats(Stream::telemetry)->depth, 10);
  // expect rewinds once; the same expect again (another batch behind the gap) does not.
  const auto sends_before = e.status().stream(Stream::exec).batches_sent;
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":60,"expect":61})"});
  device.inject({ack(Stream::exec), R"({"v":1,"stream":"exec","acked_through":60,"expect":61})"});
  ASSERT_TRUE(eventually([&] { return e.status().stream(Stream::exec).batches_sent > sends_before; }, 5s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(e.status().stream(Stream::exec).resends, 1u);
  EXPECT_EQ(e.status().stream(Stream::exec).sent_through, 100);
  EXPECT_EQ(device.malformed.load(), 0);
}

TEST(SyncEngine, NeverMoreThanWindowInFlight) {
  FakeBroker broker;
  FakeTransport inner(broker), lt(broker);
  FakeLedger ledger(lt);
  ASSERT_TRUE(lt.start().ok());
  MemoryOutbox outbox;
  SystemClock clock;
  TapTransport device(inner, outbox, 1000);
  outbox.append(Stream::exec, 10000);
  ledger.pause(true);  // receives, never acks
  SyncEngine e(outbox, device, clock, opts(300, 1000));
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return e.status().stream(Stream::exec).sent_through == 1000; }, 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(e.status().stream(Stream::exec).sent_through, 1000);  // stopped at the window
  EXPECT_EQ(device.max_in_flight.load(), 1000);
  const auto reads = outbox.page_reads();
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(outbox.page_reads() - reads, 20);  // idle waiting, not spinning on the outbox
  ledger.pause(false);
  // The ledger never saw 1..1000 applied; the ack timeout is long, so unpausing alone
  // doesn't move anything — a reconnect rewinds and resends.
  inner.set_link(false);
  ASSERT_TRUE(eventually([&] { return !e.status().connected; }, 5s));
  inner.set_link(true);
  ASSERT_TRUE(eventually([&] { return depth(outbox, Stream::exec) == 0; }, 20s));
  expect_exactly_once_in_order(ledger, Stream::exec, 10000);
  EXPECT_EQ(device.window_violations.load(), 0);
  EXPECT_LE(device.max_in_flight.load(), 1000);
  EXPECT_LE(device.max_batch.load(), 300u);
}

TEST(SyncEngine, ForwardsDownlinkForThisDeviceOnly) {
  FakeBroker broker;
  FakeTransport inner(broker), central(broker);
  ASSERT_TRUE(central.start().ok());
  MemoryOutbox outbox;
  SystemClock clock;
  TapTransport device(inner, outbox, 20000);
  auto o = opts();
  o.max_downlink_bytes = 1000;
  SyncEngine e(outbox, device, clock, o);
  std::mutex mu;
  std::vector<std::pair<TopicKind, Message>> got;
  e.on_downlink([&](TopicKind k, const Message& m) {
    std::lock_guard lock(mu);
    got.emplace_back(k, m);
  });
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return e.status().connected; }, 5s));
  ASSERT_TRUE(central.publish(tasks_topic(kAddr), R"({"task_id":"T1","version":1})", 1, false).ok());
  ASSERT_TRUE(central.publish(config_topic(kAddr), R"({"x":1})", 1, false).ok());
  ASSERT_TRUE(central.publish(tasks_topic(kAddr), std::string(2000, 'x'), 1, false).ok());  // oversized
  device.inject({tasks_topic(DeviceAddress{"s1", "d2"}), R"({"task_id":"T9"})"});           // another device
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        return got.size() >= 2;
      },
      5s));
  std::this_thread::sleep_for(100ms);
  std::lock_guard lock(mu);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, TopicKind::tasks);
  EXPECT_EQ(got[0].second.payload, R"({"task_id":"T1","version":1})");
  EXPECT_EQ(got[1].first, TopicKind::config);
  EXPECT_EQ(e.status().oversized_messages, 1u);
  EXPECT_EQ(e.status().ignored_messages, 1u);
  EXPECT_EQ(e.status().downlinks, 2u);
}

TEST(SyncEngine, DrainsTheRealSqliteOutbox) {
  testing::TempDir dir;
  outbox::OutboxOptions oo;
  oo.path = dir.file("outbox.db");
  oo.synchronous = "normal";
  auto ob = outbox::SqliteOutbox::open(oo);
  ASSERT_TRUE(ob.ok()) << ob.error().message;
  auto& outbox = **ob;
  constexpr int kN = 5000;
  std::vector<EventDraft> drafts;
  for (int i = 1; i <= kN; ++i) {
    drafts.push_back(EventDraft{i % 5 == 0 ? Stream::telemetry : Stream::exec,
                                nlohmann::json{{"id", "id-" + std::to_string(i)}, {"type", "pick.confirmed"}, {"qty", 1}}});
    if (drafts.size() == 250) {
      ASSERT_TRUE(outbox.commit(drafts, {}).ok());
      drafts.clear();
    }
  }
  FakeBroker broker;
  FakeTransport device(broker), lt(broker);
  FakeLedger ledger(lt);
  ASSERT_TRUE(lt.start().ok());
  SystemClock clock;
  SyncEngine e(outbox, device, clock, opts(300, 2000));
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return outbox.stats(Stream::exec)->depth == 0 && outbox.stats(Stream::telemetry)->depth == 0; },
                         20s));
  expect_exactly_once_in_order(ledger, Stream::exec, kN * 4 / 5);
  expect_exactly_once_in_order(ledger, Stream::telemetry, kN / 5);
  EXPECT_EQ(outbox.stats(Stream::exec)->acked_through, kN * 4 / 5);
  EXPECT_EQ(ledger.applied(Stream::exec).front().id, "id-1");
}

// Telemetry shed at the outbox cap while offline: the ledger is told (shed_through), so it
// does not wait for those seqs forever; every exec event still arrives exactly once.
TEST(SyncEngine, TelemetryShedAtTheCapIsDeclaredAndTheRestDrains) {
  testing::TempDir dir;
  outbox::OutboxOptions oo;
  oo.path = dir.file("outbox.db");
  oo.synchronous = "normal";
  oo.max_page_count = 64;  // 256 KiB
  auto ob = outbox::SqliteOutbox::open(oo);
  ASSERT_TRUE(ob.ok()) << ob.error().message;
  auto& outbox = **ob;
  FakeBroker broker;
  FakeTransport device(broker), lt(broker);
  FakeLedger ledger(lt);
  ASSERT_TRUE(lt.start().ok());
  SystemClock clock;
  SyncEngine e(outbox, device, clock, opts(50, 200));
  // Online first: a few telemetry events reach the ledger normally.
  auto tele = [&](int i) {
    return EventDraft{Stream::telemetry, nlohmann::json{{"id", "t" + std::to_string(i)}, {"type", "rfid.read"},
                                                        {"pad", std::string(900, 'r')}}};
  };
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(outbox.commit(std::vector{tele(i)}, {}).ok());
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger.through(Stream::telemetry) == 20; }, 10s));
  // Offline: far more telemetry than fits, plus exec confirmations.
  broker.set_up(false);
  int execs = 0;
  for (int i = 21; i <= 1500; ++i) {
    std::vector<EventDraft> group{tele(i)};
    if (i % 10 == 0) {
      group.push_back(EventDraft{Stream::exec, nlohmann::json{{"id", "x" + std::to_string(i)}, {"type", "pick.confirmed"}}});
      ++execs;
    }
    ASSERT_TRUE(outbox.commit(group, {}).ok()) << i;
  }
  const auto before = *outbox.stats(Stream::telemetry);
  ASSERT_GT(before.shed, 0);
  ASSERT_GT(before.shed_through, 20);
  broker.set_up(true);
  ASSERT_TRUE(eventually([&] { return outbox.stats(Stream::exec)->depth == 0 && outbox.stats(Stream::telemetry)->depth == 0; },
                         20s));
  expect_exactly_once_in_order(ledger, Stream::exec, execs);
  // The ledger skipped exactly the shed seqs and holds everything else once.
  EXPECT_EQ(ledger.through(Stream::telemetry), 1500);
  EXPECT_EQ(ledger.shed(), before.shed_through - 20);
  const auto applied = ledger.applied(Stream::telemetry);
  EXPECT_EQ(static_cast<std::int64_t>(applied.size()), 1500 - (before.shed_through - 20));
  EXPECT_EQ(ledger.gaps(), 0);
  EXPECT_EQ(e.status().stream(Stream::telemetry).shed, before.shed);
}

TEST(SyncEngine, DrainRateThroughFakeTransport) {
  Rig r;
  constexpr std::int64_t kN = 100000;
  r.outbox.append(Stream::exec, kN, "pick.confirmed", 1000);
  SyncEngine e(r.outbox, r.device, r.clock, opts());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(e.start().ok());
  ASSERT_TRUE(eventually([&] { return depth(r.outbox, Stream::exec) == 0; }, 60s, 1ms));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("drain rate (MemoryOutbox -> FakeTransport -> fake ledger, acked): %.0f events/s (%lld in %.3f s)\n",
              static_cast<double>(kN) / secs, static_cast<long long>(kN), secs);
  RecordProperty("events_per_second", static_cast<int>(static_cast<double>(kN) / secs));
  expect_exactly_once_in_order(r.ledger, Stream::exec, kN);
}

}  // namespace
}  // namespace scanedge::sync
