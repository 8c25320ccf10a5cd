// Scale-out of the central side, end to end: two `scanedge-ledger run` processes share the
// subscription $share/ledger/... on one mosquitto and apply into ONE PostgreSQL database,
// while five devices stream exec and telemetry events. Each ledger is SIGKILLed once mid-run
// and restarted (same client id: its persistent session comes back). At the end every event
// 1..N of every device and stream is in the ledger exactly once, applied in seq order
// (apply_order increases with seq), both ledgers did part of the work, and the inventory
// projection counted every receipt once.
//
// The devices are in-process: the device-side SyncEngine + SqliteOutbox + PahoTransport, the
// very code scanedged runs, one instance per device. Five real agents (plus two ledgers,
// mosquitto and PostgreSQL) would add nothing on the ledger side, which is what is under
// test here, but would cost far more CPU on a small CI box; in-process devices also let the
// test produce both streams (agents emit telemetry only for rejected scans) at a steady rate
// and compare the ledger against each device's own outbox seq. The agent path is covered by
// crash_restart_test.cc and work_model_test.cc.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/outbox/sqlite_outbox.h"
#include "sync/device/sync_engine.h"
#include "sync/ledger/ledger_store.h"
#include "sync/mqtt/paho_transport.h"
#include "tests/support/mosquitto.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kLedgerBin = SCANEDGE_LEDGER_BIN;
const std::string kGtin = "09506000134352";
constexpr int kDevices = 5;
constexpr int kExecPerDevice = 240;
constexpr int kTelemetryPerDevice = 120;

// One device: its outbox, MQTT transport and sync engine.
struct Device {
  Device(const TempDir& dir, const std::string& broker, const sync::DeviceAddress& a) : address(a) {
    outbox::OutboxOptions oo;
    oo.path = dir.file(a.device + ".db");
    oo.synchronous = "normal";
    auto ob = outbox::SqliteOutbox::open(oo);
    if (!ob) throw std::runtime_error(ob.error().message);
    box = std::move(*ob);
    sync::MqttOptions mo;
    mo.uri = broker;
    mo.client_id = "scanedged-" + a.site + "-" + a.device;
    mo.reconnect_min = 50ms;
    mo.reconnect_max = 500ms;
    transport = std::make_unique<sync::PahoTransport>(mo);
    sync::SyncOptions so;
    so.address = a;
    so.batch_max_events = 25;  // many batches: more interleaving between the two ledgers
    so.window_events = 200;
    so.ack_timeout = 1500ms;
    engine = std::make_unique<sync::SyncEngine>(*box, *transport, clock, so);
  }

  // Stores one event (as the pipeline would) and wakes the engine.
  void commit(Stream s, int n) {
    json body;
    if (s == Stream::exec) {
      body = {{"id", address.device + "-exec-" + std::to_string(n)},
              {"type", "receive.confirmed"},
              {"time", format_time_utc(clock.wall())},
              {"clock", "synced"},
              {"task", "RCV-" + address.device},
              {"task_type", "receive"},
              {"task_state", "in_progress"},
              {"channel", "default"},
              {"line", 1},
              {"item", {{"gtin", kGtin}, {"lot", nullptr}}},
              {"qty", 1}};
    } else {
      body = {{"id", address.device + "-telemetry-" + std::to_string(n)},
              {"type", "scan.rejected"},
              {"time", format_time_utc(clock.wall())},
              {"reason", {{"code", "no_task"}, {"message", "no task takes it"}}}};
    }
    const EventDraft drafts[] = {EventDraft{s, body}};
    auto r = box->commit(drafts, {});
    if (!r) throw std::runtime_error(r.error().message);
    engine->notify_committed();
  }

  sync::DeviceAddress address;
  SystemClock clock;
  std::unique_ptr<outbox::SqliteOutbox> box;
  std::unique_ptr<sync::PahoTransport> transport;
  std::unique_ptr<sync::SyncEngine> engine;
};

class Ledgers {
 public:
  Ledgers(const TempDir& dir, std::string broker, std::string db) : dir_(dir), broker_(std::move(broker)), db_(std::move(db)) {}
  void start(int i) {
    procs_[i] = Process::spawn({kLedgerBin, "run", "--broker", broker_, "--db", db_, "--client-id", name(i)},
                               dir_.file(name(i) + ".log"));
  }
  void kill(int i) { procs_[i].kill_now(); }
  int stop(int i) { return procs_[i].stop(10s); }
  bool running(int i) { return procs_[i].running(); }
  static std::string name(int i) { return i == 0 ? "ledger-a" : "ledger-b"; }
  std::string log(int i) const { return dir_.file(name(i) + ".log"); }

 private:
  const TempDir& dir_;
  std::string broker_, db_;
  Process procs_[2];
};

TEST(LedgerScaleOut, TwoLedgersOnOnePostgresFiveDevicesEachLedgerKilledOnceEveryEventOnceInOrder) {
  if (!Postgres::available()) GTEST_SKIP() << Postgres::skip_reason();
  const auto t0 = std::chrono::steady_clock::now();
  TempDir dir;
  Postgres pg;
  pg.start();
  const std::string db = pg.create_database("ledger");
  Mosquitto broker;
  broker.start();
  Ledgers ledgers(dir, broker.uri(), db);
  ledgers.start(0);
  ledgers.start(1);

  std::vector<std::unique_ptr<Device>> devices;
  for (int d = 0; d < kDevices; ++d) {
    devices.push_back(std::make_unique<Device>(dir, broker.uri(),
                                               sync::DeviceAddress{d < 3 ? "store-1" : "store-2", "hh-" + std::to_string(d)}));
    ASSERT_TRUE(devices.back()->engine->start());
  }

  // Producers: every device commits its events at a steady pace (about 12 s in all).
  std::atomic<int> produced{0};
  std::vector<std::thread> producers;
  for (auto& dev : devices) {
    producers.emplace_back([&, d = dev.get()] {
      int exec = 0, tel = 0;
      while (exec < kExecPerDevice || tel < kTelemetryPerDevice) {
        if (exec < kExecPerDevice) d->commit(Stream::exec, ++exec);
        if (tel < kTelemetryPerDevice && exec % 2 == 0) d->commit(Stream::telemetry, ++tel);
        produced += 1;
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  // Faults: SIGKILL ledger A at a third of the run, B at two thirds; each restarts 2 s later.
  const int total_steps = kDevices * kExecPerDevice;
  int kills = 0;
  for (int who = 0; who < 2; ++who) {
    const int at = total_steps * (who + 1) / 3;
    while (produced < at) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(ledgers.running(who)) << "ledger " << who << " died by itself; see " << ledgers.log(who);
    ledgers.kill(who);
    ++kills;
    std::this_thread::sleep_for(2s);
    ledgers.start(who);
  }
  for (auto& t : producers) t.join();

  // Drain: every device's outbox empty (the ledger acked everything it holds).
  const bool drained = eventually(
      [&] {
        for (auto& dev : devices) {
          for (Stream s : {Stream::exec, Stream::telemetry}) {
            auto st = dev->box->stats(s);
            if (!st || st->depth != 0) return false;
          }
        }
        return true;
      },
      120s, 250ms);
  for (auto& dev : devices) dev->engine->stop();
  ASSERT_TRUE(drained) << "outboxes did not drain; see " << ledgers.log(0) << " and " << ledgers.log(1);
  EXPECT_EQ(ledgers.stop(0), 0);
  EXPECT_EQ(ledgers.stop(1), 0);
  for (int i = 0; i < 2; ++i) {  // what the restarted instances saw (duplicates, gaps)
    std::ifstream in(ledgers.log(i));
    std::string line, last;
    while (std::getline(in, line)) {
      if (line.find("ledger: stopped:") != std::string::npos) last = line;
    }
    std::cout << Ledgers::name(i) << " after its restart: " << last.substr(last.find("stopped:")) << "\n";
  }

  auto store = ledger::open_ledger_read_only(db);
  ASSERT_TRUE(store) << store.error().message;
  std::map<std::string, std::int64_t> by_ledger;
  for (auto& dev : devices) {
    for (Stream s : {Stream::exec, Stream::telemetry}) {
      const std::int64_t n = s == Stream::exec ? kExecPerDevice : kTelemetryPerDevice;
      auto st = dev->box->stats(s);
      ASSERT_TRUE(st);
      ASSERT_EQ(st->last_seq, n);
      auto events = (*store)->events(dev->address, s, 0, 100000);
      ASSERT_TRUE(events) << events.error().message;
      ASSERT_EQ(static_cast<std::int64_t>(events->size()), n) << dev->address.device << " " << to_string(s);
      for (std::int64_t k = 0; k < n; ++k) {
        const ledger::AppliedEvent& e = (*events)[static_cast<std::size_t>(k)];
        ASSERT_EQ(e.seq, k + 1) << "gap or reorder: " << dev->address.device << " " << to_string(s);
        ASSERT_EQ(e.id, dev->address.device + "-" + std::string(to_string(s)) + "-" + std::to_string(k + 1));
        if (k > 0) {
          ASSERT_LT((*events)[static_cast<std::size_t>(k - 1)].apply_order, e.apply_order)
              << "applied out of order: " << dev->address.device << " " << to_string(s) << " seq " << k + 1;
        }
        ++by_ledger[e.applied_by];
      }
      auto state = (*store)->state(dev->address, s);
      ASSERT_TRUE(state);
      EXPECT_EQ(state->applied, n) << "applied counter: each event applied exactly once";
      EXPECT_EQ(state->last_seq, n);
    }
  }
  const std::int64_t total = kDevices * (kExecPerDevice + kTelemetryPerDevice);
  EXPECT_EQ(by_ledger["ledger-a"] + by_ledger["ledger-b"], total);
  EXPECT_GT(by_ledger["ledger-a"], 0) << "the shared subscription gave ledger A nothing";
  EXPECT_GT(by_ledger["ledger-b"], 0) << "the shared subscription gave ledger B nothing";
  // The projection, written in the same transactions, counted every receipt once.
  auto inv = (*store)->inventory({});
  ASSERT_TRUE(inv) << inv.error().message;
  std::map<std::string, std::int64_t> on_hand;
  for (const auto& i : inv->items) on_hand[i.site] = i.total[0];
  EXPECT_EQ(on_hand["store-1"], 3 * kExecPerDevice);
  EXPECT_EQ(on_hand["store-2"], 2 * kExecPerDevice);
  std::cout << "devices " << kDevices << ", events " << total << " (exec " << kDevices * kExecPerDevice << ", telemetry "
            << kDevices * kTelemetryPerDevice << "); ledger kills " << kills << "; applied by ledger-a "
            << by_ledger["ledger-a"] << ", ledger-b " << by_ledger["ledger-b"] << "; "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count() << " s\n";
}

}  // namespace
}  // namespace scanedge::testing
