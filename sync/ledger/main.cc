// scanedge-ledger: the reference central ledger of protocol v1.
//
// Command-line contract (exit status 0 = success, 1 = runtime failure with a message on
// stderr, 2 = bad usage; all logs go to stderr, machine output to stdout):
//
// DB, everywhere below: a SQLite file PATH, or a PostgreSQL connection URI
// "postgresql://[user[:password]@][host][:port]/dbname[?param=value&...]" (also
// "postgres://"; libpq's URI syntax, e.g. postgresql:///ledger?host=/run/postgresql for a
// unix socket, sslmode=verify-full for TLS). PostgreSQL lets several `run` processes share
// one database (sync/ledger/SCALE_OUT.md); passwords are never logged. The PGPASSWORD /
// ~/.pgpass mechanisms of libpq work too.
//
//   scanedge-ledger run --broker URI --db DB [--client-id ID] [--max-payload BYTES]
//                       [--ca-file PEM --cert-file PEM --key-file PEM] [--session-expiry SECONDS]
//       Subscribes to $share/ledger/scanedge/v1/+/+/events/+ (QoS 1, persistent session:
//       clean_session=false, client id default "scanedge-ledger"), applies every batch
//       exactly once and in seq order into DB (SQLite: created when missing; WAL,
//       synchronous=FULL. PostgreSQL: schema created when missing; COMMIT. Durable before
//       the ack either way), and publishes cumulative acks (QoS 1) on
//       scanedge/v1/{site}/{device}/ack/{stream}, with "expect" after a gap.
//       Bad messages are logged and ignored. Runs until SIGTERM or SIGINT, then exits 0.
//       --client-id: must differ between ledger processes sharing the subscription; it is
//       also recorded as "applied_by" on every event this process applies.
//       --max-payload: largest batch payload accepted, bytes (default 4194304).
//       --ca-file, --cert-file, --key-file: TLS to the broker (ssl:// or mqtts:// URI): the
//       CA bundle the broker's certificate must chain to, and the client certificate and
//       key (both or neither; the key must not be readable by group or others).
//       Under systemd (Type=notify) it sends READY=1 once the database is open and the
//       subscription is started, STATUS= lines ("online, 12 batches, 340 events applied, 0
//       rejected"), and, with WatchdogSec=, WATCHDOG=1 pings while the apply worker is not
//       stuck (nothing received waits for more than half the watchdog period with no
//       progress). Logs go to stderr with sd-daemon priority prefixes ("<4>...") when stderr
//       is the journal, with timestamps otherwise.
//       --session-expiry: how long the broker keeps this ledger's session (and queues its
//       share of the subscription) after a disconnect (MQTT 5; default 604800). With
//       several ledgers, a short expiry (e.g. 30) lets the broker drop a dead member's share
//       sooner (sync/ledger/SCALE_OUT.md); the devices resend what was not acked either way.
//
//   scanedge-ledger query --db DB
//       Prints exactly one JSON object, sorted by site then device, streams present only
//       when seen; "shed" only when the device shed telemetry (shed_through):
//       {"devices":[{"site":"s1","device":"d1","streams":{"exec":{"applied":N,"last_seq":N},
//                                                         "telemetry":{"applied":N,"last_seq":N,"shed":N}}}]}
//       A missing, unreadable or non-ledger database: exit 1.
//
//   scanedge-ledger events --db DB --site S --device D --stream exec|telemetry
//                          [--after SEQ] [--limit N]
//       Prints the applied events with seq > SEQ (default 0), at most N (default: all), in
//       seq order, one JSON object per line:
//       {"seq":N,"id":"...","type":"...","applied_at":"...","apply_order":N,"applied_by":"...",
//        "placed_time":"..."|null,"placement":"synced"|"placed"|"unplaced",
//        "event":{...the event as received...}}
//       apply_order increases with every event applied to the database (across devices);
//       applied_by is the --client-id of the ledger process that applied it. placed_time:
//       the event's time, or, for an event stamped with an unsynced clock, the time a synced
//       event of the same device and boot gives it through the monotonic clock ("placed");
//       "unplaced" when nothing places it (its own time is shown; sync/ledger/clock_placement.h).
//
//   scanedge-ledger export --epcis --db DB [--site S] [--out FILE]
//       Writes one EPCIS 2.0 JSON-LD document (EPCISDocument) of the applied physical
//       observations (picks, packs, closed cartons, receipts, returns and inspections,
//       pickups, shipments, put-backs, damage) as ObjectEvents and AggregationEvents
//       (mapping: sync/ledger/epcis_export.h), ordered by site, device, stream, seq, to
//       stdout or FILE (written to FILE.tmp, then renamed). Events that are not physical
//       observations (scan.rejected, task.*, *.short, pickup.partial/missed, operator.*) are
//       not exported; unknown types and unusable events are skipped; all are counted on
//       stderr, e.g. "export: 12 EPCIS events (1 AggregationEvent, 11 ObjectEvent), 1
//       scan.rejected not exported, 0 unusable skipped". Missing database: exit 1.
//
//   scanedge-ledger publish-task --broker URI --site S --device D [--retain] FILE
//       Validates the JSON task document in FILE (an object with a non-empty string
//       "task_id" and an integer "version"), publishes it QoS 1 on
//       scanedge/v1/{S}/{D}/tasks and exits 0 once the broker confirmed it (PUBACK).
//       Invalid document, unreachable broker or no confirmation within 15 s: exit 1.
//
//   scanedge-ledger publish-config --broker URI --site S --device D [--wait SECONDS] FILE
//       Checks the remote-config overlay in FILE ({"v":1,"config_id","version","set"}) with
//       the agent's own rules (sync/ledger/config_publisher.h: remote keys only, types,
//       ranges, choices) and publishes it QoS 1, retained, on scanedge/v1/{S}/{D}/config.
//       Without --wait (0): exit 0 once the broker confirmed it. With --wait N: then waits up
//       to N seconds for the device's status to report this config_id and version and
//       prints one line "config CONFIG_ID version V: OUTCOME[: reason]"; exit 0 when applied
//       or unchanged, 1 when the device rejected it (e.g. a stale version) or did not report
//       (offline: the retained overlay applies when it connects). An overlay the agent would
//       reject for its content: exit 1 before anything is published, with the reason.
//
//   scanedge-ledger availability --db DB [--policy FILE] [--site S] [--gtin G]
//       Prints exactly one JSON object: the inventory projected from the applied events
//       (stock buckets per site and GTIN and per lot, open task reservations, availability
//       per channel) and the oversells, sorted by site then GTIN (contract:
//       sync/ledger/availability_report.h):
//       {"items":[{"site":"s1","gtin":"09506000134352","on_hand":5,"staged":1,
//                  "returned_uninspected":1,"damaged":0,"disposed":0,"refurbish":0,"shipped":0,
//                  "handed_over":0,"written_off":0,"reserved":2,"available":3,
//                  "lots":[{"lot":"ABC","on_hand":3,...},{"lot":null,...}],
//                  "channels":{"web":{"priority":1,"safety_stock":2,"reserved":1,"available":1}}}],
//        "oversells":[{"site":"s1","gtin":"...","lot":null,"short":1,
//                      "event":{"device":"d2","seq":7,"id":"...","task":"T2","channel":"store","time":"..."},
//                      "previous":{"device":"d1","task":"T1","channel":"web","id":"..."}}]}
//       available = on_hand - reserved (negative: over-committed); a channel's available =
//       max(0, available - its safety_stock). --policy: TOML channel policy read now
//       ([channels.NAME] priority = N (>= 1), safety_stock = N (>= 0); see
//       sync/ledger/channel_policy.h); channels listed: the policy's plus any with
//       reservations. --gtin: 8, 12, 13 or 14 digits (compared as GTIN-14). Returned units
//       count only after a return.inspected restock. A bad policy (problems on stderr as
//       file:line:column: what) or bad option: exit 2; a missing or non-ledger database, or
//       one never opened read-write since the projection was added: exit 1.
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "edge/core/journal_log.h"
#include "sync/ledger/availability_report.h"
#include "sync/ledger/channel_policy.h"
#include "sync/ledger/clock_placement.h"
#include "sync/ledger/config_publisher.h"
#include "sync/ledger/epcis_export.h"
#include "sync/ledger/ledger_service.h"
#include "sync/ledger/ledger_store.h"
#include "sync/ledger/task_publisher.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/topics.h"

namespace {

using namespace scanedge;
using nlohmann::json;

int fail(const std::string& message) {
  std::cerr << logging::stderr_prefix(spdlog::level::err) << "scanedge-ledger: " << message << "\n";
  return 1;
}

int fail(const Error& e) { return fail(e.code + ": " + e.message); }

// The watchdog's view of the apply worker, from its counters alone: it is stuck when a
// message was received and the worker has made no progress (batch applied, message
// rejected, storage failure) for `limit` since.
class WorkerProgress {
 public:
  explicit WorkerProgress(std::chrono::milliseconds limit) : limit_(limit) {}
  bool healthy(const ledger::ServiceStats& st, std::chrono::steady_clock::time_point now) {
    const std::uint64_t progress = st.batches + st.rejected + st.storage_failures + st.transactions;
    if (progress != progress_) {
      progress_ = progress;
      received_at_progress_ = st.received;
      waiting_ = false;
    } else if (st.received > received_at_progress_ && !waiting_) {
      waiting_ = true;  // something arrived since the worker last moved
      waiting_since_ = now;
    }
    return !waiting_ || now - waiting_since_ < limit_;
  }

 private:
  std::chrono::milliseconds limit_;
  std::uint64_t progress_ = 0;
  std::uint64_t received_at_progress_ = 0;
  bool waiting_ = false;
  std::chrono::steady_clock::time_point waiting_since_{};
};

std::string status_line(bool online, const ledger::ServiceStats& st) {
  return std::string(online ? "online" : "offline") + ", " + std::to_string(st.batches) + " batches, " +
         std::to_string(st.events_applied) + " events applied, " + std::to_string(st.rejected) + " rejected";
}

struct BrokerTls {
  std::string ca_file, cert_file, key_file;
  std::int64_t session_expiry_s = 604800;
};

int cmd_run(const std::string& broker, const std::string& db, const std::string& client_id, std::size_t max_payload,
            const BrokerTls& tls) {
  // Block the stop signals in every thread (inherited by the ones created below); main
  // waits for them with sigtimedwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ledger::LedgerOptions lo;
  lo.synchronous = "full";
  lo.instance = client_id;
  auto store = ledger::open_ledger(db, lo);
  if (!store) return fail(store.error());
  const std::string where = std::string((*store)->backend()) + " " + (*store)->path();  // password redacted

  sync::MqttOptions mo;
  mo.uri = broker;
  mo.client_id = client_id;
  mo.clean_session = false;
  mo.keepalive = std::chrono::seconds(30);
  mo.max_inflight = 1024;
  mo.ca_file = tls.ca_file;
  mo.cert_file = tls.cert_file;
  mo.key_file = tls.key_file;
  mo.session_expiry = std::chrono::seconds(tls.session_expiry_s);
  sync::PahoTransport transport(mo);
  std::atomic<bool> online{false};
  transport.on_connection([&broker, &online](bool up) {
    online = up;
    if (up) {
      spdlog::info("ledger: connected to {}", broker);
    } else {
      spdlog::warn("ledger: disconnected from {}", broker);
    }
  });

  ledger::ServiceOptions so;
  so.max_payload_bytes = max_payload;
  ledger::LedgerService service(transport, **store, so);
  if (auto s = service.start(); !s) return fail(s.error());
  spdlog::info("ledger: running (db {}, broker {}, client id {})", where, broker, client_id);
  sd_notify(0, "READY=1");

  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  WorkerProgress worker(std::chrono::milliseconds(watchdog ? watchdog_usec / 2000 : 30000));
  std::string last_status;
  auto last_log = std::chrono::steady_clock::now();
  for (;;) {
    timespec ts{0, 500 * 1000 * 1000};
    const int sig = sigtimedwait(&stop_signals, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("ledger: signal {} received, stopping", sig);
      break;
    }
    {
      const auto st = service.stats();
      if (worker.healthy(st, std::chrono::steady_clock::now()) && watchdog) sd_notify(0, "WATCHDOG=1");
      const std::string line = status_line(online, st);
      if (line != last_status) {
        sd_notifyf(0, "STATUS=%s", line.c_str());
        last_status = line;
      }
    }
    if (std::chrono::steady_clock::now() - last_log >= std::chrono::seconds(30)) {
      last_log = std::chrono::steady_clock::now();
      const auto st = service.stats();
      spdlog::info("ledger: {} batches, {} events applied ({} not projected into stock), {} duplicates, {} gaps, {} "
                   "telemetry seqs shed by devices, {} rejected, {} acks",
                   st.batches, st.events_applied, st.unprojected, st.duplicates, st.gaps, st.shed, st.rejected,
                   st.acks_published);
    }
  }
  sd_notify(0, "STOPPING=1");
  service.stop();
  const auto st = service.stats();
  spdlog::info("ledger: stopped: {} messages, {} batches in {} transactions, {} events applied, {} duplicates, {} gaps, "
               "{} telemetry seqs shed by devices, {} rejected, {} storage failures, {} acks published, {} ack failures",
               st.received, st.batches, st.transactions, st.events_applied, st.duplicates, st.gaps, st.shed, st.rejected,
               st.storage_failures, st.acks_published, st.ack_failures);
  return 0;
}

int cmd_query(const std::string& db) {
  auto store = ledger::open_ledger_read_only(db);
  if (!store) return fail(store.error());
  auto states = (*store)->states();
  if (!states) return fail(states.error());
  json devices = json::array();
  for (const ledger::StreamState& s : *states) {  // ordered by site, device, stream
    if (devices.empty() || devices.back()["site"] != s.address.site || devices.back()["device"] != s.address.device) {
      devices.push_back({{"site", s.address.site}, {"device", s.address.device}, {"streams", json::object()}});
    }
    json st = {{"applied", s.applied}, {"last_seq", s.last_seq}};
    if (s.shed != 0) st["shed"] = s.shed;
    devices.back()["streams"][std::string(to_string(s.stream))] = std::move(st);
  }
  std::cout << json{{"devices", devices}}.dump() << "\n";
  return std::cout.good() ? 0 : 1;
}

int cmd_events(const std::string& db, const sync::DeviceAddress& address, Stream stream, std::int64_t after,
               std::int64_t limit) {
  auto store = ledger::open_ledger_read_only(db);
  if (!store) return fail(store.error());
  auto placer = ledger::device_placer(**store, address);  // anchors of both streams
  if (!placer) return fail(placer.error());
  constexpr std::int64_t kPage = 1000;  // bounded memory whatever the ledger holds
  std::int64_t remaining = limit;
  std::int64_t cursor = after;
  while (remaining > 0) {
    const std::int64_t want = std::min(kPage, remaining);
    auto page = (*store)->events(address, stream, cursor, static_cast<std::size_t>(want));
    if (!page) return fail(page.error());
    for (const ledger::AppliedEvent& e : *page) {
      std::cout << "{\"seq\":" << e.seq << ",\"id\":" << json(e.id).dump() << ",\"type\":" << json(e.type).dump()
                << ",\"applied_at\":" << json(e.applied_at).dump() << ",\"apply_order\":" << e.apply_order
                << ",\"applied_by\":" << json(e.applied_by).dump();
      const ledger::Placement p = placer->place(std::string_view(e.body));
      std::cout << ",\"placed_time\":" << (p.time ? json(*p.time) : json(nullptr)).dump() << ",\"placement\":\""
                << ledger::to_string(p.kind) << "\",\"event\":" << e.body << "}\n";
      cursor = e.seq;
    }
    const auto got = static_cast<std::int64_t>(page->size());
    remaining -= got;
    if (got < want) break;  // short page: the end
  }
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}

int cmd_export_epcis(const std::string& db, const std::string& site, const std::string& out_file) {
  auto store = ledger::open_ledger_read_only(db);
  if (!store) return fail(store.error());
  ledger::epcis::ExportOptions options;
  if (!site.empty()) options.site = site;
  Result<ledger::epcis::ExportStats> stats = make_error("io", "not written");
  if (out_file.empty()) {
    stats = ledger::epcis::write_document(**store, options, std::cout);
  } else {
    const std::string tmp = out_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return fail("cannot write " + tmp);
      stats = ledger::epcis::write_document(**store, options, out);
    }
    if (stats && std::rename(tmp.c_str(), out_file.c_str()) != 0) return fail("cannot rename " + tmp + " to " + out_file);
    if (!stats) std::remove(tmp.c_str());
  }
  if (!stats) return fail(stats.error());
  for (const std::string& p : stats->problems) std::cerr << "scanedge-ledger: export: skipped unusable event: " << p << "\n";
  std::cerr << "scanedge-ledger: export: " << stats->exported << " EPCIS events (";
  const char* sep = "";
  for (const auto& [kind, n] : stats->exported_kinds) {
    std::cerr << sep << n << " " << kind;
    sep = ", ";
  }
  std::cerr << ")";
  for (const auto& [type, n] : stats->not_exported) std::cerr << ", " << n << " " << type << " not exported";
  std::cerr << ", " << stats->problem_count << " unusable skipped";
  if (stats->placed > 0) std::cerr << ", " << stats->placed << " with an unsynced device clock placed";
  for (const auto& [type, n] : stats->unknown_types) std::cerr << ", " << n << " of unknown type " << type << " skipped";
  std::cerr << "\n";
  return 0;
}

int cmd_publish_task(const std::string& broker, const sync::DeviceAddress& address, const std::string& file,
                     bool retain) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("cannot read task file " + file);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read task file " + file);
  auto payload = ledger::validate_task_document(text.str());
  if (!payload) return fail(file + ": " + payload.error().message);
  if (auto s = ledger::publish_task(broker, address, *payload, retain, std::chrono::seconds(15)); !s) {
    return fail(s.error());
  }
  std::cerr << "scanedge-ledger: task published on " << sync::tasks_topic(address) << "\n";
  return 0;
}

int cmd_publish_config(const std::string& broker, const sync::DeviceAddress& address, const std::string& file,
                       int wait_s) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("cannot read config file " + file);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read config file " + file);
  auto config = ledger::validate_config_document(text.str());
  if (!config) return fail(file + ": " + config.error().message + " (nothing published)");
  auto report = ledger::publish_config(broker, address, *config, std::chrono::seconds(15), std::chrono::seconds(wait_s));
  if (!report) return fail(report.error());
  std::cerr << "scanedge-ledger: config published (retained) on " << sync::config_topic(address) << "\n";
  if (!report->waited) return 0;
  std::cout << "config " << config->document.config_id << " version " << config->document.version << ": "
            << report->outcome << (report->reason.empty() ? "" : ": " + report->reason) << "\n";
  return report->outcome == "applied" || report->outcome == "unchanged" ? 0 : 1;
}

int cmd_availability(const std::string& db, const std::string& policy_file, const std::string& site,
                     const std::string& gtin) {
  std::optional<ledger::ChannelPolicy> policy;
  if (!policy_file.empty()) {
    auto p = ledger::load_channel_policy(policy_file);
    if (!p) {
      std::cerr << p.error().message << "\n";
      return 2;
    }
    policy = std::move(*p);
  }
  auto store = ledger::open_ledger_read_only(db);
  if (!store) return fail(store.error());
  ledger::InventoryFilter filter;
  if (!site.empty()) filter.site = site;
  if (!gtin.empty()) filter.gtin = std::string(14 - gtin.size(), '0') + gtin;
  auto snapshot = (*store)->inventory(filter);
  if (!snapshot) return fail(snapshot.error());
  std::cout << ledger::availability_json(*snapshot, policy ? &*policy : nullptr).dump() << "\n";
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Human format (spdlog's default pattern, colours on a terminal), or "<4>message" lines
  // when stderr is the journal.
  logging::install_stderr_logger("scanedge-ledger", "", true);

  CLI::App app{"scanedge-ledger: the central ledger of scanedge (protocol v1)"};
  app.require_subcommand(1);

  std::string broker, db, client_id = "scanedge-ledger", site, device, stream_name, file;
  std::size_t max_payload = 4 * 1024 * 1024;
  std::int64_t after = 0;
  std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  bool retain = false;
  bool epcis = false;
  std::string out_file;

  auto* run = app.add_subcommand("run", "consume batches, apply them exactly once, publish acks");
  run->add_option("--broker", broker, "MQTT broker URI, e.g. tcp://127.0.0.1:1883")->required();
  run->add_option("--db", db, "ledger database: SQLite file (created when missing) or postgresql:// URI")->required();
  run->add_option("--client-id", client_id, "stable MQTT client id (persistent session), unique per ledger process");
  BrokerTls tls;
  run->add_option("--ca-file", tls.ca_file, "TLS: CA bundle (PEM) the broker's certificate must chain to");
  auto* cert_opt = run->add_option("--cert-file", tls.cert_file, "TLS: client certificate (PEM)");
  auto* key_opt = run->add_option("--key-file", tls.key_file, "TLS: client private key (PEM), mode 0600");
  run->add_option("--session-expiry", tls.session_expiry_s, "MQTT 5 session expiry after a disconnect, seconds")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{4294967295LL}));
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  run->add_option("--max-payload", max_payload, "largest accepted batch payload, bytes")
      ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max()));

  auto* query = app.add_subcommand("query", "print per-device, per-stream applied counts and last seq as JSON");
  query->add_option("--db", db, "ledger database: SQLite file or postgresql:// URI")->required();

  auto* events = app.add_subcommand("events", "print applied events as JSON lines, in seq order");
  events->add_option("--db", db, "ledger database: SQLite file or postgresql:// URI")->required();
  events->add_option("--site", site, "site id")->required();
  events->add_option("--device", device, "device id")->required();
  events->add_option("--stream", stream_name, "exec or telemetry")->required()->check(CLI::IsMember({"exec", "telemetry"}));
  events->add_option("--after", after, "only seqs after this one")->check(CLI::NonNegativeNumber);
  events->add_option("--limit", limit, "at most this many events")->check(CLI::NonNegativeNumber);

  auto* publish = app.add_subcommand("publish-task", "publish a task document to a device and wait for the broker");
  publish->add_option("--broker", broker, "MQTT broker URI")->required();
  publish->add_option("--site", site, "site id")->required();
  publish->add_option("--device", device, "device id")->required();
  publish->add_flag("--retain", retain, "publish retained");
  publish->add_option("FILE", file, "JSON task document")->required();

  int wait_s = 0;
  auto* publish_cfg =
      app.add_subcommand("publish-config", "publish a remote-config overlay to a device (retained) and wait for its verdict");
  publish_cfg->add_option("--broker", broker, "MQTT broker URI")->required();
  publish_cfg->add_option("--site", site, "site id")->required();
  publish_cfg->add_option("--device", device, "device id")->required();
  publish_cfg->add_option("--wait", wait_s, "seconds to wait for the device to report the outcome (0: do not wait)")
      ->check(CLI::Range(0, 3600));
  publish_cfg->add_option("FILE", file, "JSON config document {\"v\":1,\"config_id\",\"version\",\"set\"}")->required();

  auto* export_cmd = app.add_subcommand("export", "export applied events as an EPCIS 2.0 JSON-LD document");
  export_cmd->add_flag("--epcis", epcis, "EPCIS 2.0 JSON-LD (the only format)")->required();
  export_cmd->add_option("--db", db, "ledger database: SQLite file or postgresql:// URI")->required();
  export_cmd->add_option("--site", site, "only this site");
  export_cmd->add_option("--out", out_file, "write to FILE instead of stdout");

  std::string policy_file, gtin;
  auto* availability = app.add_subcommand("availability", "print stock, reservations, channel availability and oversells as JSON");
  availability->add_option("--db", db, "ledger database: SQLite file or postgresql:// URI")->required();
  availability->add_option("--policy", policy_file, "channel policy (TOML)");
  availability->add_option("--site", site, "only this site");
  availability->add_option("--gtin", gtin, "only this GTIN (8, 12, 13 or 14 digits)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto check_ids = [&]() -> bool {
    if (!sync::valid_id(site) || !sync::valid_id(device)) {
      std::cerr << "scanedge-ledger: --site and --device must be 1..64 chars of [A-Za-z0-9._-]\n";
      return false;
    }
    return true;
  };

  try {
    if (run->parsed()) {
      if (client_id.empty()) {
        std::cerr << "scanedge-ledger: --client-id must not be empty\n";
        return 2;
      }
      return cmd_run(broker, db, client_id, max_payload, tls);
    }
    if (query->parsed()) return cmd_query(db);
    if (events->parsed()) {
      if (!check_ids()) return 2;
      return cmd_events(db, {site, device}, *stream_from_string(stream_name), after, limit);
    }
    if (export_cmd->parsed()) {
      if (!site.empty() && !sync::valid_id(site)) {
        std::cerr << "scanedge-ledger: --site must be 1..64 chars of [A-Za-z0-9._-]\n";
        return 2;
      }
      return cmd_export_epcis(db, site, out_file);
    }
    if (availability->parsed()) {
      if (!site.empty() && !sync::valid_id(site)) {
        std::cerr << "scanedge-ledger: --site must be 1..64 chars of [A-Za-z0-9._-]\n";
        return 2;
      }
      const bool digits = std::all_of(gtin.begin(), gtin.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!gtin.empty() && (!digits || (gtin.size() != 8 && gtin.size() != 12 && gtin.size() != 13 && gtin.size() != 14))) {
        std::cerr << "scanedge-ledger: --gtin must be 8, 12, 13 or 14 digits\n";
        return 2;
      }
      return cmd_availability(db, policy_file, site, gtin);
    }
    if (publish->parsed()) {
      if (!check_ids()) return 2;
      return cmd_publish_task(broker, {site, device}, file, retain);
    }
    if (publish_cfg->parsed()) {
      if (!check_ids()) return 2;
      return cmd_publish_config(broker, {site, device}, file, wait_s);
    }
  } catch (const std::exception& e) {
    return fail(std::string("unexpected error: ") + e.what());
  }
  return 2;
}
