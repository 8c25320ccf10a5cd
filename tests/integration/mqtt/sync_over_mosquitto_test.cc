// SyncEngine + PahoTransport through a real mosquitto, with a fake acking ledger on its own
// PahoTransport (shared subscription). Reports the drain rate.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "sync/device/status_payload.h"
#include "sync/device/sync_engine.h"
#include "sync/mqtt/paho_transport.h"
#include "tests/support/memory_outbox.h"
#include "tests/support/mosquitto.h"
#include "tests/unit/sync/device/fake_ledger.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

const DeviceAddress kAddr{"site-1", "dev-1"};

MqttOptions mqtt(const std::string& uri, const std::string& id) {
  MqttOptions o;
  o.uri = uri;
  o.client_id = id;
  o.reconnect_min = 50ms;
  o.reconnect_max = 500ms;
  o.connect_timeout = 2000ms;
  return o;
}

void expect_in_order(const testing::FakeLedger& ledger, Stream s, std::int64_t n) {
  const auto applied = ledger.applied(s);
  ASSERT_EQ(applied.size(), static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < applied.size(); ++i) ASSERT_EQ(applied[i].seq, static_cast<std::int64_t>(i) + 1);
}

TEST(SyncOverMosquitto, DrainsA100kBacklogWithAcksAndReportsTheRate) {
  testing::Mosquitto broker;
  broker.start();
  PahoTransport ledger_t(mqtt(broker.uri(), "ledger-1"));
  testing::FakeLedger ledger(ledger_t);
  ASSERT_TRUE(ledger_t.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger_t.connected(); }, 10s));

  testing::MemoryOutbox outbox;
  constexpr std::int64_t kN = 100000;
  outbox.append(Stream::exec, kN, "pick.confirmed", 1000);
  auto mo = mqtt(broker.uri(), "dev-1");
  mo.will = Message{status_topic(kAddr), status_payload(kAddr, false, std::chrono::system_clock::now())};
  PahoTransport device(mo);
  SystemClock clock;
  SyncOptions so;
  so.address = kAddr;
  SyncEngine engine(outbox, device, clock, so);
  ASSERT_TRUE(engine.start().ok());
  // Time the drain, not Paho's connect (its command thread may take ~1 s to pick it up).
  ASSERT_TRUE(eventually([&] { return engine.status().connected; }, 10s, 1ms));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return outbox.stats(Stream::exec)->depth == 0; }, 60s, 2ms))
      << outbox.stats(Stream::exec)->depth;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("drain rate (MemoryOutbox -> PahoTransport -> mosquitto -> fake ledger, acked): %.0f events/s "
              "(%lld in %.3f s, %llu batches)\n",
              static_cast<double>(kN) / secs, static_cast<long long>(kN), secs,
              static_cast<unsigned long long>(engine.status().stream(Stream::exec).batches_sent));
  RecordProperty("events_per_second", static_cast<int>(static_cast<double>(kN) / secs));
  const auto st = engine.status();
  std::printf("publish failures (busy/not connected, retried): %llu, resends: %llu, acks applied: %llu\n",
              static_cast<unsigned long long>(st.publish_failures),
              static_cast<unsigned long long>(st.stream(Stream::exec).resends),
              static_cast<unsigned long long>(st.acks_applied));
  expect_in_order(ledger, Stream::exec, kN);
  engine.stop();
}

TEST(SyncOverMosquitto, BrokerRestartMidDrainLosesNothing) {
  testing::Mosquitto broker;
  broker.start();
  PahoTransport ledger_t(mqtt(broker.uri(), "ledger-2"));
  testing::FakeLedger ledger(ledger_t);
  ASSERT_TRUE(ledger_t.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger_t.connected(); }, 10s));

  testing::MemoryOutbox outbox;
  outbox.append(Stream::exec, 30000, "pick.confirmed", 1000);
  outbox.append(Stream::telemetry, 3000, "scan.rejected", 1000);
  PahoTransport device(mqtt(broker.uri(), "dev-2"));
  SystemClock clock;
  SyncOptions so;
  so.address = kAddr;
  so.window_events = 5000;
  SyncEngine engine(outbox, device, clock, so);
  ledger.pause(true);  // in flight at the outage: a full window, never acked
  ASSERT_TRUE(engine.start().ok());
  ASSERT_TRUE(eventually([&] { return engine.status().stream(Stream::exec).sent_through == 5000; }, 10s));
  broker.stop();
  ASSERT_TRUE(eventually([&] { return !engine.status().connected; }, 10s));
  ledger.pause(false);
  outbox.append(Stream::exec, 500, "pick.confirmed");  // committed while offline
  engine.notify_committed();
  broker.start();
  ASSERT_TRUE(eventually(
      [&] { return outbox.stats(Stream::exec)->depth == 0 && outbox.stats(Stream::telemetry)->depth == 0; }, 60s))
      << outbox.stats(Stream::exec)->depth;
  expect_in_order(ledger, Stream::exec, 30500);
  expect_in_order(ledger, Stream::telemetry, 3000);
  EXPECT_GE(engine.status().stream(Stream::exec).resends, 1u);
}

}  // namespace
}  // namespace scanedge::sync
