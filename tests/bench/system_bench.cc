// Whole-system benchmarks (`make bench`), each beside its baseline measured in the same run:
//  1. Drain: a 100,000-event backlog in the device outbox -> mosquitto -> scanedge-ledger
//     (applied, acked, pruned), events/s; beside it one Paho QoS 1 publish per event (the
//     naive design), events/s, against the same broker.
//     Beside it, the ledger's apply alone with and without the inventory projection.
//  2. Offline backlog: 1,000,000 events held while the broker is down (agent RSS beside a
//     10,000-event backlog: memory must not grow with the backlog), then the time from the
//     broker's return until the ledger applied all of them.
//  3. Confirm latency: scan.inject -> reply (committed) at 10 scans/s, p50/p99; beside it the
//     fdatasync time of the same disk.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <deque>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <thread>

#include <mqtt/async_client.h>

#include "edge/bus/bus_client.h"
#include "edge/outbox/sqlite_outbox.h"
#include "sync/ledger/ledger_store.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/scan_injector.h"

namespace {

using namespace std::chrono_literals;
using namespace scanedge;
using namespace scanedge::testing;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A realistic work-model event stream (about 500 bytes per event once stored): event 0
// receives a pallet holding every unit the picks will take (so the ledger's stock never goes
// negative and no oversell is recorded), event 1 is the pick task as the device received it
// (the ledger reserves its line), the rest are pick.confirmed events on that line.
nlohmann::json sample_event(int i, int n = 1000000) {
  nlohmann::json e{{"id", "0192f3a0-0000-7000-8000-" + std::to_string(100000000000 + i)},
                   {"time", "2026-11-26T17:00:00.123Z"},
                   {"clock", "synced"},
                   {"mono_ms", 123456 + i},
                   {"site", "site-1"},
                   {"device", "dev-1"},
                   {"operator", "op-17"},
                   {"channel", "web"}};
  if (i == 0) {
    e.update({{"type", "receive.pallet"}, {"task", "RCV-1"}, {"task_type", "receive"}, {"task_state", "received"},
              {"sscc", "106141411234567897"},
              {"contents", {{{"line", 1}, {"gtin", "09506000134352"}, {"lot", "ABC123"}, {"qty", n}}}}});
    return e;
  }
  if (i == 1) {
    e.update({{"type", "task.received"}, {"task", "PICK-1001"}, {"task_type", "pick"}, {"task_state", "released"},
              {"version", 1}, {"window_end", nullptr}, {"pallets", nullptr},
              {"lines", {{{"line", 3}, {"gtin", "09506000134352"}, {"qty", n}, {"lot", nullptr}, {"location", "A-01-03"}}}}});
    return e;
  }
  e.update({{"type", "pick.confirmed"},
            {"task", "PICK-1001"},
            {"task_type", "pick"},
            {"task_state", "in_progress"},
            {"line", 3},
            {"location", "A-01-03"},
            {"item",
             {{"gtin", "09506000134352"}, {"lot", "ABC123"}, {"serial", serial_of(i)}, {"expiry", "2027-03-31"},
              {"sscc", nullptr}, {"epc", nullptr}}},
            {"qty", 1},
            {"scan", {{"raw", serial_scan(serial_of(i))}, {"symbology", "gs1-128"}, {"scanner", "serial:/dev/ttyUSB0"}}}});
  return e;
}

// The ledger's apply alone, in process, batches of 1000 in one transaction each
// (synchronous=off, so the disk does not hide the CPU cost): the work-model stream with the
// inventory projection, and the same events with a type the projection ignores (the
// exactly-once bookkeeping alone), side by side. Events/s.
std::pair<double, double> ledger_apply_rates(int n) {
  auto run = [n](bool projected) {
    TempDir dir;
    ledger::LedgerOptions o;
    o.path = dir.file("ledger.db");
    o.synchronous = "off";
    auto store = ledger::LedgerStore::open(o);
    if (!store) throw std::runtime_error(store.error().message);
    const sync::DeviceAddress a{"site-1", "dev-1"};
    std::vector<sync::Batch> batches;
    for (int first = 0; first < n; first += 1000) {
      std::vector<StoredEvent> evs;
      for (int i = first; i < std::min(n, first + 1000); ++i) {
        nlohmann::json e = sample_event(i, n);
        if (!projected) e["type"] = "bench.not_projected";
        e["seq"] = i + 1;
        e["stream"] = "exec";
        evs.push_back({i + 1, e.dump()});
      }
      auto b = sync::decode_batch(sync::encode_batch(a, Stream::exec, evs), 1 << 30);
      if (!b) throw std::runtime_error(b.error().message);
      batches.push_back(std::move(*b));
    }
    const auto t0 = Clock::now();
    for (const auto& b : batches) {
      auto r = (*store)->apply(b);
      if (!r || r->applied != static_cast<std::int64_t>(b.events.size())) throw std::runtime_error("apply failed");
      if (projected && r->unprojected != 0) throw std::runtime_error("the projection skipped bench events");
    }
    return n / seconds_since(t0);
  };
  const double bare = run(false);
  const double projected = run(true);
  return {projected, bare};
}

// CPU seconds (user + system) a live process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(f, stat);
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct DrainFigures {
  double rate = 0;
  double agent_cpu = 0, ledger_cpu = 0, broker_cpu = 0;
  double agent_hwm_mb = 0;
  double startup = 0;
  std::int64_t resends = 0;
};

// Peak resident memory of a live process, MiB.
double peak_rss_mb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// A device outbox holding `n` confirmed exec events (sample_event), committed 1000 a time.
void prefill_outbox(const std::string& path, int n, const std::string& synchronous) {
  auto ob = outbox::SqliteOutbox::open(outbox::OutboxOptions{path, synchronous});
  if (!ob) throw std::runtime_error(ob.error().message);
  std::vector<EventDraft> drafts;
  for (int i = 0; i < n; ++i) {
    drafts.push_back(EventDraft{Stream::exec, sample_event(i, n)});
    if (drafts.size() == 1000 || i == n - 1) {
      if (auto r = (*ob)->commit(drafts, {}); !r) throw std::runtime_error(r.error().message);
      drafts.clear();
    }
  }
}

DrainFigures drain_rate(int n) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri(), StackOptions{.batch_max_events = 1000});
  prefill_outbox(dir.file("outbox.db"), n, "normal");
  stack.start_ledger();
  // Otherwise the first batches may reach the broker before the ledger subscribed (a resend).
  if (!stack.wait_ledger_connected(30s)) throw std::runtime_error("the ledger did not connect");
  // Poll the ledger's database in-process (spawning a query process every few ms would
  // steal CPU from the processes being measured on a 2-core machine).
  auto applied = [&]() -> std::int64_t {
    auto store = ledger::LedgerStore::open_read_only(stack.ledger_db());
    if (!store) return 0;
    auto st = (*store)->state(sync::DeviceAddress{"site-1", "dev-1"}, Stream::exec);
    return st ? st->last_seq : 0;
  };
  const auto t_start = Clock::now();
  stack.start_agent();
  // The drain is timed from the moment the agent is connected (process start-up and the
  // MQTT handshake are reported separately).
  bus::BusClient probe(stack.bus_endpoint());
  eventually(
      [&] {
        auto st = probe.request({{"v", 1}, {"op", "status"}}, 2s);
        return st && (*st)["broker"].value("connected", false);
      },
      30s, 1ms);
  const auto t0 = Clock::now();
  const double startup = seconds_since(t_start);
  while (applied() < n) {
    if (seconds_since(t0) > 300) throw std::runtime_error("drain did not finish in 300 s");
    std::this_thread::sleep_for(10ms);
  }
  const double s = seconds_since(t0);
  DrainFigures fig;
  fig.rate = n / s;
  fig.startup = startup;
  fig.agent_cpu = cpu_seconds(stack.agent_pid());
  fig.ledger_cpu = cpu_seconds(stack.ledger_pid());
  fig.broker_cpu = cpu_seconds(broker.pid());
  fig.agent_hwm_mb = peak_rss_mb(stack.agent_pid());
  // The backlog leaves the device only after the ledger's ack: wait for the outbox to empty.
  bus::BusClient c(stack.bus_endpoint());
  if (auto st = c.request({{"v", 1}, {"op", "status"}}, 2s)) fig.resends = (*st)["sync"]["exec"].value("resends", 0);
  if (fig.resends > 0) {  // say why (the agent logs each rewind with its reason)
    std::ifstream log(stack.agent_log());
    for (std::string line; std::getline(log, line);) {
      if (line.find("resending") != std::string::npos || line.find("mqtt:") != std::string::npos) {
        std::fprintf(stderr, "drain %d: agent: %s\n", n, line.c_str());
      }
    }
  }
  eventually(
      [&] {
        auto st = c.request({{"v", 1}, {"op", "status"}}, 2s);
        return st && (*st)["outbox"]["exec"].value("depth", -1) == 0;
      },
      60s);
  return fig;
}

// Current resident memory of a live process, MiB.
double rss_mb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

struct BacklogFigures {
  double hold_rss_mb = 0;   // agent RSS while holding the backlog, broker down
  double drain_s = 0;       // broker back -> every event applied by the ledger
  double drain_hwm_mb = 0;  // agent peak RSS over its whole life (hold + drain)
  double db_mb = 0;         // outbox file size holding the backlog
};

// A device that was offline with `n` confirmed events: the agent holds them while the broker
// is down (its RSS is sampled), then the broker comes back and the time until the ledger has
// applied every event is measured.
BacklogFigures backlog_recovery(int n) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  broker.stop();  // the port stays reserved for this broker; it is down for now
  EdgeStack stack(dir, broker.uri(), StackOptions{.batch_max_events = 1000, .max_mb = 4096});
  prefill_outbox(dir.file("outbox.db"), n, "off");  // filling is not what is measured
  BacklogFigures fig;
  fig.db_mb = static_cast<double>(std::filesystem::file_size(dir.file("outbox.db"))) / (1024.0 * 1024.0);
  stack.start_agent();
  std::this_thread::sleep_for(5s);  // offline for a while: reconnect attempts, status calls
  bus::BusClient c(stack.bus_endpoint());
  for (int i = 0; i < 20; ++i) (void)c.request({{"v", 1}, {"op", "status"}}, 2s);
  fig.hold_rss_mb = rss_mb(stack.agent_pid());

  auto applied = [&]() -> std::int64_t {
    auto store = ledger::LedgerStore::open_read_only(stack.ledger_db());
    if (!store) return 0;
    auto st = (*store)->state(sync::DeviceAddress{"site-1", "dev-1"}, Stream::exec);
    return st ? st->last_seq : 0;
  };
  const auto t0 = Clock::now();
  broker.start();
  stack.start_ledger();
  while (applied() < n) {
    if (seconds_since(t0) > 3600) throw std::runtime_error("backlog drain did not finish in an hour");
    std::this_thread::sleep_for(200ms);
  }
  fig.drain_s = seconds_since(t0);
  fig.drain_hwm_mb = peak_rss_mb(stack.agent_pid());
  return fig;
}

double naive_publish_rate(int n) {
  Mosquitto broker;
  broker.start();
  mqtt::async_client client(broker.uri(), "naive-bench", mqtt::create_options(MQTTVERSION_3_1_1));
  auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
  client.connect(opts)->wait();
  const std::string payload = sample_event(0).dump();
  const auto t0 = Clock::now();
  // A sliding window of 10 messages in flight: Paho's default.
  std::deque<mqtt::delivery_token_ptr> window;
  for (int i = 0; i < n; ++i) {
    if (window.size() >= 10) {
      window.front()->wait();
      window.pop_front();
    }
    window.push_back(client.publish("scanedge/v1/site-1/dev-1/events/exec", payload.data(), payload.size(), 1, false));
  }
  for (auto& t : window) t->wait();
  const double s = seconds_since(t0);
  client.disconnect()->wait();
  return n / s;
}

double fdatasync_ms(const std::string& dir, int n) {
  const std::string path = dir + "/fsync.probe";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  char block[4096] = {1};
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    (void)!::pwrite(fd, block, sizeof block, static_cast<off_t>(i % 16) * 4096);
    ::fdatasync(fd);
    t.push_back(seconds_since(t0) * 1000);
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void confirm_latency(int n, double& p50, double& p99, double& sync_ms) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri());
  stack.start_ledger();
  stack.start_agent();
  bus::BusClient c(stack.bus_endpoint());
  auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", big_pick_task("PICK-LAT", 1000000)}}, 5s);
  if (!r || !r->value("ok", false)) throw std::runtime_error("task.put failed");
  std::vector<double> lat;
  auto next = Clock::now();
  for (int i = 0; i < n; ++i) {
    next += 100ms;  // 10 scans/s
    std::this_thread::sleep_until(next);
    const auto t0 = Clock::now();
    auto rep = c.request({{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan(serial_of(i))}}, 5s);
    if (!rep || rep->value("decision", "") != "confirmed") throw std::runtime_error("scan not confirmed");
    lat.push_back(seconds_since(t0) * 1000);
  }
  std::sort(lat.begin(), lat.end());
  p50 = lat[lat.size() / 2];
  p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  sync_ms = fdatasync_ms(dir.path(), 200);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // `bench_system backlog [N]`: only the offline-backlog figures (N events, default 1,000,000).
    if (argc > 1 && std::string(argv[1]) == "backlog") {
      const int n = argc > 2 ? std::stoi(argv[2]) : 1000000;
      const BacklogFigures small = backlog_recovery(10000);
      const BacklogFigures big = backlog_recovery(n);
      std::printf("backlog %d: hold RSS %.1f MiB (10k: %.1f MiB), drain %.1f s (%.0f events/s), peak RSS %.1f MiB (10k: %.1f MiB), outbox %.0f MiB\n",
                  n, big.hold_rss_mb, small.hold_rss_mb, big.drain_s, n / big.drain_s, big.drain_hwm_mb,
                  small.drain_hwm_mb, big.db_mb);
      return 0;
    }
    // `bench_system drain [N]`: only the end-to-end drain (N events, default 100,000).
    if (argc > 1 && std::string(argv[1]) == "drain") {
      const int n = argc > 2 ? std::stoi(argv[2]) : 100000;
      const DrainFigures d = drain_rate(n);
      std::printf("drain %d events: %.0f events/s, %lld resends, CPU agent %.2f s ledger %.2f s\n", n, d.rate,
                  static_cast<long long>(d.resends), d.agent_cpu, d.ledger_cpu);
      return 0;
    }
    // `bench_system apply [N]`: only the ledger-apply figures (N events, default 100,000).
    if (argc > 1 && std::string(argv[1]) == "apply") {
      const int n = argc > 2 ? std::stoi(argv[2]) : 100000;
      const auto [projected, bare] = ledger_apply_rates(n);
      std::printf("ledger apply %d events: with the inventory projection %.0f events/s, not projected %.0f events/s (%.2fx)\n",
                  n, projected, bare, projected / bare);
      return 0;
    }
    constexpr int kBacklog = 100000;
    constexpr int kNaive = 20000;
    std::printf("drain: backlog of %d events, outbox -> mosquitto -> ledger (applied, acked, pruned)...\n", kBacklog);
    std::fflush(stdout);
    const DrainFigures small = drain_rate(kBacklog / 2);
    const DrainFigures df = drain_rate(kBacklog);
    const double drain = df.rate;
    std::printf("naive: %d events, one Paho QoS 1 publish each (PUBACK only, nothing applied)...\n", kNaive);
    std::fflush(stdout);
    const double naive = naive_publish_rate(kNaive);
    std::printf("ledger apply: %d events in batches of 1000, with and without the inventory projection...\n", kBacklog);
    std::fflush(stdout);
    const auto [apply_projected, apply_bare] = ledger_apply_rates(kBacklog);
    constexpr int kHuge = 1000000, kSmallBacklog = 10000;
    std::printf("offline backlog: %d and %d events held while the broker is down, then drained...\n", kSmallBacklog,
                kHuge);
    std::fflush(stdout);
    const BacklogFigures held_small = backlog_recovery(kSmallBacklog);
    const BacklogFigures held = backlog_recovery(kHuge);
    std::printf("confirm latency: 300 scans at 10 scans/s...\n");
    std::fflush(stdout);
    double p50 = 0, p99 = 0, sync_ms = 0;
    confirm_latency(300, p50, p99, sync_ms);

    std::printf("\n| figure | value | baseline (same run) | ratio |\n|---|---|---|---|\n");
    std::printf("| backlog drain, 100k events, end-to-end acked | %.0f events/s | naive QoS 1 publish per event: %.0f events/s | %.1fx |\n",
                drain, naive, drain / naive);
    std::printf("| ledger apply with the inventory projection (in process, synchronous=off) | %.0f events/s | the same events, not projected: %.0f events/s | %.2fx |\n",
                apply_projected, apply_bare, apply_projected / apply_bare);
    std::printf("| resends during the 100k drain (cursor rewinds) | %lld | | |\n", static_cast<long long>(df.resends));
    std::printf("| agent start to broker connected | %.0f ms | | |\n", df.startup * 1000);
    std::printf("| CPU for that drain | agent %.2f s, ledger %.2f s, mosquitto %.2f s | | |\n", df.agent_cpu,
                df.ledger_cpu, df.broker_cpu);
    std::printf("| agent peak RSS while draining 100k | %.1f MiB | while draining 50k: %.1f MiB | %.2fx |\n",
                df.agent_hwm_mb, small.agent_hwm_mb, df.agent_hwm_mb / small.agent_hwm_mb);
    std::printf("| broker back -> 1,000,000-event backlog applied by the ledger | %.0f s (%.0f events/s) | 10,000 events: %.1f s | |\n",
                held.drain_s, kHuge / held.drain_s, held_small.drain_s);
    std::printf("| agent RSS holding a 1,000,000-event backlog (%.0f MiB outbox), broker down | %.1f MiB | holding 10,000: %.1f MiB | %.2fx |\n",
                held.db_mb, held.hold_rss_mb, held_small.hold_rss_mb, held.hold_rss_mb / held_small.hold_rss_mb);
    std::printf("| agent peak RSS, holding then draining 1,000,000 | %.1f MiB | the same for 10,000: %.1f MiB | %.2fx |\n",
                held.drain_hwm_mb, held_small.drain_hwm_mb, held.drain_hwm_mb / held_small.drain_hwm_mb);
    std::printf("| scan.inject -> confirmed, p50 | %.2f ms | fdatasync p50: %.2f ms | %.1f fdatasyncs |\n", p50,
                sync_ms, p50 / sync_ms);
    std::printf("| scan.inject -> confirmed, p99 | %.2f ms | fdatasync p50: %.2f ms | %.1f fdatasyncs |\n", p99,
                sync_ms, p99 / sync_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_system failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
