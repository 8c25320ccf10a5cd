// Drain rate with TLS off and on, side by side in one run (`make bench`; also runnable alone:
//   bench_tls_drain [EVENTS [ROUNDS]]   defaults 100000 and 3).
//
// Each run: a backlog of EVENTS exec events (about 450 bytes of JSON each, like a real
// pick.confirmed) in a MemoryOutbox -> SyncEngine -> PahoTransport (MQTT 5, QoS 1, batches)
// -> a fresh mosquitto on loopback -> a fake acking ledger on its own PahoTransport (shared
// subscription) -> acks back -> outbox pruned. Timed from "connected" to "outbox empty".
//   plain      tcp://
//   TLS        ssl:// with client certificates (require_certificate), no ACL
//   TLS + ACL  the same with use_identity_as_username and the scanedge ACL (as deployed)
// The modes run interleaved, ROUNDS times each, and the median of each is reported. Besides
// the wall-clock rate (noisy on a shared machine), the CPU time spent per event is reported:
// this process (device sync engine + ledger, both Paho clients) and the broker process, which
// is what TLS really costs and what a loaded machine disturbs least. Certificates come from TestPki (openssl, EC P-256)
// made at start. Loopback only: the figures show TLS's CPU cost (device, broker and ledger on
// this one machine), not network cost.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "sync/device/sync_engine.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/topics.h"
#include "tests/support/memory_outbox.h"
#include "tests/support/mosquitto.h"
#include "tests/unit/sync/device/fake_ledger.h"

namespace {

using namespace std::chrono_literals;
using namespace scanedge;
using namespace scanedge::testing;

const sync::DeviceAddress kAddr{"site-1", "dev-1"};

struct Mode {
  const char* name;
  bool tls;
  bool acl;
};

void fill(MemoryOutbox& outbox, std::int64_t n) {
  std::vector<EventDraft> drafts;
  for (std::int64_t i = 0; i < n;) {
    drafts.clear();
    for (int g = 0; g < 500 && i < n; ++g, ++i) {
      drafts.push_back(EventDraft{
          Stream::exec,
          nlohmann::json{{"id", "0192f3a0-0000-7000-8000-" + std::to_string(100000000000 + i)},
                         {"type", "pick.confirmed"},
                         {"time", "2026-11-26T17:00:00.123Z"},
                         {"clock", "synced"},
                         {"mono_ms", 123456 + i},
                         {"operator", "op-17"},
                         {"task", "PICK-1001"},
                         {"line", 3},
                         {"location", "A-01-03"},
                         {"item", {{"gtin", "09506000134352"}, {"lot", "ABC123"}, {"serial", nullptr}}},
                         {"qty", 1},
                         {"scan",
                          {{"raw", "]C1010950600013435210ABC123"},
                           {"symbology", "gs1-128"},
                           {"scanner", "usb:05e0:1200:SN123"}}}}});
    }
    if (!outbox.commit(drafts, {})) {
      std::fprintf(stderr, "outbox commit failed\n");
      std::exit(1);
    }
  }
}

bool wait_for(const std::function<bool()>& pred, std::chrono::seconds timeout) {
  return eventually(pred, timeout, 1ms);
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a live process, from /proc/PID/stat.
double process_cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct DrainFigures {
  double rate = -1;          // events/s, wall clock
  double client_us = 0;      // CPU microseconds per event in this process (device + ledger)
  double broker_us = 0;      // CPU microseconds per event in mosquitto
};

// Returns the figures of one drain; rate < 0 on failure.
DrainFigures drain(const Mode& mode, std::int64_t n, TestPki& pki) {
  MosquittoOptions bo;
  TestPki::Identity device_id, ledger_id;
  if (mode.tls) {
    const auto server = pki.issue_server("broker");
    bo.tls = MosquittoTls{pki.ca_file(), server.cert_file, server.key_file, true, mode.acl};
    device_id = pki.issue_client("site-1/dev-1");
    ledger_id = pki.issue_client("scanedge-ledger");
    if (mode.acl) {
      bo.acl_file = SCANEDGE_ACL_FILE;
      bo.allow_anonymous = false;
    }
  }
  Mosquitto broker(bo);
  broker.start();
  const auto mqtt = [&](const std::string& id, const TestPki::Identity& who) {
    sync::MqttOptions o;
    o.uri = broker.uri();
    o.client_id = id;
    o.reconnect_min = 50ms;
    o.reconnect_max = 500ms;
    o.connect_timeout = 3000ms;
    if (mode.tls) {
      o.ca_file = pki.ca_file();
      o.cert_file = who.cert_file;
      o.key_file = who.key_file;
    }
    return o;
  };
  auto lo = mqtt("ledger-1", ledger_id);
  lo.clean_session = true;
  sync::PahoTransport ledger_t(lo);
  FakeLedger ledger(ledger_t);
  if (!ledger_t.start() || !wait_for([&] { return ledger_t.connected(); }, 20s)) return {};

  MemoryOutbox outbox;
  fill(outbox, n);
  sync::PahoTransport device(mqtt("scanedged-site-1-dev-1", device_id));
  SystemClock clock;
  sync::SyncOptions so;
  so.address = kAddr;
  sync::SyncEngine engine(outbox, device, clock, so);
  if (!engine.start()) return {};
  if (!wait_for([&] { return engine.status().connected; }, 20s)) return {};
  const double cpu0 = self_cpu_seconds();
  const double broker0 = process_cpu_seconds(broker.pid());
  const auto t0 = std::chrono::steady_clock::now();
  if (!wait_for([&] { return outbox.stats(Stream::exec)->depth == 0; }, 300s)) return {};
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  DrainFigures r;
  r.client_us = (self_cpu_seconds() - cpu0) * 1e6 / static_cast<double>(n);
  r.broker_us = (process_cpu_seconds(broker.pid()) - broker0) * 1e6 / static_cast<double>(n);
  r.rate = static_cast<double>(n) / secs;
  const auto st = engine.status();
  engine.stop();
  if (ledger.applied_count(Stream::exec) != static_cast<std::size_t>(n)) return {};
  std::printf("    %-10s %9.0f events/s  CPU/event: device+ledger %5.1f us, broker %5.1f us  (%.3f s, %llu "
              "batches, %llu publish retries)\n",
              mode.name, r.rate, r.client_us, r.broker_us, secs,
              static_cast<unsigned long long>(st.stream(Stream::exec).batches_sent),
              static_cast<unsigned long long>(st.publish_failures));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;  // Google Benchmark flags (run_bench.sh passes some) are ignored
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--benchmark", 0) != 0) args.emplace_back(argv[i]);
  }
  const std::int64_t n = !args.empty() ? std::atoll(args[0].c_str()) : 100000;
  const int rounds = args.size() > 1 ? std::atoi(args[1].c_str()) : 3;
  if (n < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: %s [EVENTS [ROUNDS]]\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  TestPki pki;
  std::printf("drain of %lld exec events (MemoryOutbox -> SyncEngine -> PahoTransport MQTT 5 -> mosquitto -> "
              "acking ledger), loopback, %d rounds:\n",
              static_cast<long long>(n), rounds);
  const Mode modes[] = {{"plain", false, false}, {"TLS", true, false}, {"TLS + ACL", true, true}};
  std::vector<DrainFigures> results[3];
  for (int r = 0; r < rounds; ++r) {
    std::printf("  round %d\n", r + 1);
    for (int i = 0; i < 3; ++i) {
      const auto res = drain(modes[i], n, pki);
      if (res.rate <= 0) {
        std::fprintf(stderr, "%s: drain failed\n", modes[i].name);
        return 1;
      }
      results[i].push_back(res);
    }
  }
  const auto median = [&](int i, double DrainFigures::*field) {
    std::vector<double> v;
    for (const auto& r : results[i]) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("median of %d:\n", rounds);
  for (int i = 0; i < 3; ++i) {
    std::printf("  %-10s %9.0f events/s, CPU/event device+ledger %5.1f us, broker %5.1f us\n", modes[i].name,
                median(i, &DrainFigures::rate), median(i, &DrainFigures::client_us), median(i, &DrainFigures::broker_us));
  }
  const auto ratio = [&](int i, double DrainFigures::*field) {
    const double base = median(0, field);
    return base > 0 ? median(i, field) / base : 0.0;  // 0: too few events to measure
  };
  for (int i = 1; i < 3; ++i) {
    std::printf("%s vs plain: rate x%.2f, CPU/event device+ledger x%.2f, broker x%.2f\n", modes[i].name,
                ratio(i, &DrainFigures::rate), ratio(i, &DrainFigures::client_us), ratio(i, &DrainFigures::broker_us));
  }
  return 0;
}
