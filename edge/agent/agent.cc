#include "edge/agent/agent.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "drivers/serial/serial_port_source.h"
#include "edge/agent/bus_api.h"
#include "edge/agent/metrics_file.h"
#include "edge/agent/remote_config.h"
#include "edge/bus/zmq_bus.h"
#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/devices/device_manager.h"
#include "edge/devices/platform/driver_factory.h"
#include "edge/devices/platform/usb_device_source.h"
#include "edge/outbox/sqlite_outbox.h"
#include "edge/pipeline/confirm_pipeline.h"
#include "edge/tasks/task_time.h"
#include "edge/tasks/work_executor.h"
#include "edge/tasks/work_state.h"
#include "edge/profiles/profile.h"
#include "sync/device/status_payload.h"
#include "sync/device/sync_engine.h"
#include "sync/mqtt/paho_transport.h"

namespace scanedge::agent {

struct Agent::Impl {
  config::AgentConfig cfg;
  SystemClock clock;
  EventIdGenerator ids;
  std::unique_ptr<outbox::SqliteOutbox> outbox;
  std::unique_ptr<tasks::WorkExecutor> executor;
  std::unique_ptr<pipeline::ConfirmPipeline> pipeline;
  std::unique_ptr<bus::ZmqBus> bus;
  std::unique_ptr<BusApi> api;
  std::unique_ptr<sync::PahoTransport> transport;
  std::unique_ptr<sync::SyncEngine> sync;
  std::vector<std::unique_ptr<DeviceSource>> sources;
  std::unique_ptr<devices::DeviceManager> devices;
  std::unique_ptr<RemoteConfig> remote;
  std::unique_ptr<MetricsFileWriter> metrics;  // [metrics] textfile; null when off
  bool started = false;
  bool stopped = false;

  // The `sync` PUB message: published by sync_watch_thread when sync_snapshot() changes (at
  // most once per second) and every 5 s without change; stopped by stop() before the bus.
  std::thread sync_watch_thread;
  std::mutex sync_watch_mu;
  std::condition_variable sync_watch_cv;
  bool sync_watch_stop = false;

  nlohmann::json status() const;
  nlohmann::json outbox_stats() const;
  nlohmann::json sync_snapshot() const;
  // Age of the oldest stored event of `stream` not yet acked by the ledger (0 when none):
  // monotonic when the event is from this boot, else by wall clock. nullopt on a read error.
  std::optional<std::int64_t> oldest_unacked_age_ms(Stream stream) const;
  void sync_watch();
};

namespace {

nlohmann::json decision_event(const RawScan& scan, const pipeline::ScanReply& r) {
  nlohmann::json j = scan_reply_json(scan, r);
  j.erase("v");
  j.erase("ok");
  return j;
}

// The broker connection of `cfg` (the will says offline as of `now`).
sync::MqttOptions mqtt_options(const config::AgentConfig& cfg, std::chrono::system_clock::time_point now) {
  const sync::DeviceAddress address{cfg.site, cfg.device};
  sync::MqttOptions mo;
  mo.uri = cfg.mqtt_uri;
  mo.client_id = cfg.effective_client_id();
  mo.username = cfg.mqtt_username;
  mo.password = cfg.mqtt_password;
  mo.keepalive = std::chrono::seconds(cfg.keepalive_s);
  mo.clean_session = false;  // persistent session: acks and tasks queued while offline arrive later
  mo.will = Message{sync::status_topic(address), sync::status_payload(address, false, now)};
  mo.will_delay = std::chrono::seconds(cfg.will_delay_s);
  mo.reconnect_min = std::chrono::milliseconds(cfg.reconnect_min_ms);
  mo.reconnect_max = std::chrono::milliseconds(cfg.reconnect_max_ms);
  mo.ca_file = cfg.mqtt_ca_file;
  mo.cert_file = cfg.mqtt_cert_file;
  mo.key_file = cfg.mqtt_key_file;
  mo.version = static_cast<int>(cfg.mqtt_version);
  mo.session_expiry = std::chrono::seconds(cfg.session_expiry_s);
  mo.receive_maximum = static_cast<int>(cfg.receive_maximum);
  // The broker never sends a packet larger than the sync engine would accept (+ headroom
  // for the topic and properties): oversized downlinks are dropped at the broker.
  mo.max_packet_bytes = sync::SyncOptions{}.max_downlink_bytes + 64 * 1024;
  return mo;
}

}  // namespace

Status Agent::check(const config::AgentConfig& cfg) {
  if (auto s = sync::PahoTransport::check_options(mqtt_options(cfg, std::chrono::system_clock::now())); !s) {
    return make_error("config", s.error().message);
  }
  return {};
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Agent::~Agent() { stop(); }

Result<std::unique_ptr<Agent>> Agent::create(const config::AgentConfig& file_cfg) {
  // Broker settings (TLS files, key permissions) first: refuse before creating any file.
  if (auto s = check(file_cfg); !s) return s.error();
  auto impl = std::make_unique<Impl>();
  Impl& a = *impl;

  // The size cap, in SQLite's 4 KiB pages.
  auto pages_of = [](std::int64_t mb) { return mb * 1024 * 1024 / 4096; };
  auto outbox = outbox::SqliteOutbox::open(
      outbox::OutboxOptions{file_cfg.storage_path, file_cfg.synchronous, pages_of(file_cfg.max_mb)});
  if (!outbox) return outbox.error();
  a.outbox = std::move(*outbox);

  // Remote config: the overlay the ledger sent last (if any) applies over the file.
  a.remote = std::make_unique<RemoteConfig>(file_cfg, a.clock, a.ids);
  {
    auto stored = a.outbox->load_state(kRemoteConfigStateKey);
    if (!stored) return stored.error();
    std::optional<std::string> doc;
    for (const auto& [k, v] : *stored) {
      if (k == kRemoteConfigStateKey) doc = v;
    }
    a.cfg = a.remote->restore(doc);
  }
  const config::AgentConfig& cfg = a.cfg;
  if (cfg.max_mb != file_cfg.max_mb) {
    if (auto s = a.outbox->set_max_page_count(pages_of(cfg.max_mb)); !s) return s.error();
  }
  if (auto lvl = spdlog::level::from_str(cfg.log_level); cfg.log_level != file_cfg.log_level) spdlog::set_level(lvl);

  std::vector<std::pair<std::string, std::string>> entries;
  for (const char* prefix : tasks::kStatePrefixes) {
    auto state = a.outbox->load_state(prefix);
    if (!state) return state.error();
    entries.insert(entries.end(), state->begin(), state->end());
  }
  std::vector<std::string> bad;
  tasks::WorkState work = tasks::WorkState::from_state(entries, &bad);
  for (const auto& b : bad) spdlog::error("stored work state skipped (unreadable): {}", b);
  spdlog::info("outbox {} open, {} task(s) loaded{}", cfg.storage_path, work.size(),
               work.operator_id() ? ", operator " + *work.operator_id() + " logged in" : std::string());

  tasks::ExecutorOptions eo;
  eo.badge_prefix = cfg.badge_prefix;
  eo.operator_required = cfg.operator_required;
  eo.keep_finished = std::chrono::hours(cfg.keep_finished_hours);
  a.executor = std::make_unique<tasks::WorkExecutor>(a.clock, a.ids, tasks::DeviceIdentity{cfg.site, cfg.device}, eo);

  // Scanners: a configured scanner's profile must exist and be valid, or the agent refuses
  // to start (a field tech must see the mistake now, not find a silent scanner later). The
  // other profiles serve autodetection; an invalid one is skipped with an error in the log.
  std::vector<Profile> profiles;
  if (auto names = list_profiles(cfg.profiles_dir)) {
    for (const auto& n : *names) {
      auto p = find_profile(cfg.profiles_dir, n);
      if (p) {
        profiles.push_back(std::move(*p));
      } else {
        spdlog::error("profile {} skipped: {}", n, p.error().message);
      }
    }
  } else if (cfg.autodetect || !cfg.scanners.empty()) {
    spdlog::warn("no firmware profiles: {}", names.error().message);
  }
  std::vector<devices::ConfiguredScanner> configured;
  auto factory = devices::make_driver_factory(a.clock);
  for (const auto& sc : cfg.scanners) {
    auto profile = find_profile(cfg.profiles_dir, sc.profile);
    if (!profile) {
      return make_error("config", "scanner at line " + std::to_string(sc.line) + ": profile \"" + sc.profile +
                                      "\": " + profile.error().message);
    }
    // Check that the family can serve this port now, so a mistake is a start error.
    if (auto probe = factory(sc.port, *profile); !probe) {
      return make_error("config", "scanner at line " + std::to_string(sc.line) + ": " + probe.error().message);
    }
    configured.push_back(devices::ConfiguredScanner{sc.port, *profile});
  }
  a.sources.push_back(std::make_unique<devices::UsbDeviceSource>());
  a.sources.push_back(std::make_unique<serial::SerialPortSource>());
  std::vector<DeviceSource*> srcs;
  for (auto& s : a.sources) srcs.push_back(s.get());
  a.devices = std::make_unique<devices::DeviceManager>(
      std::move(profiles), std::move(configured), std::move(srcs), std::move(factory),
      devices::ManagerOptions{cfg.autodetect, std::chrono::milliseconds(cfg.rescan_ms)});

  const sync::DeviceAddress address{cfg.site, cfg.device};
  sync::MqttOptions mo = mqtt_options(cfg, a.clock.wall());
  a.transport = std::make_unique<sync::PahoTransport>(mo);

  sync::SyncOptions so;
  so.address = address;
  so.batch_max_events = static_cast<std::size_t>(cfg.batch_max_events);
  so.batch_max_bytes = static_cast<std::size_t>(cfg.batch_max_bytes);
  so.window_events = cfg.window_events;
  so.ack_timeout = std::chrono::milliseconds(cfg.ack_timeout_ms);
  so.telemetry_expiry = std::chrono::seconds(cfg.telemetry_expiry_s);
  a.sync = std::make_unique<sync::SyncEngine>(*a.outbox, *a.transport, a.clock, so);

  a.bus = std::make_unique<bus::ZmqBus>(bus::ZmqBusOptions{cfg.bus_endpoint, cfg.bus_pub_endpoint});

  pipeline::ConfirmPipeline::Hooks hooks;
  hooks.committed = [&a] { a.sync->notify_committed(); };
  hooks.decided = [&a](const RawScan& scan, const pipeline::WorkReply& r) {
    a.bus->publish("decision", decision_event(scan, r));
    if (!r.committed) {
      spdlog::error("scan from {} NOT confirmed: {} ({})", scan.scanner, r.error.message, r.error.code);
    } else if (!r.decision.accepted) {
      spdlog::info("scan from {} rejected: {}", scan.scanner, r.decision.reason.message);
    } else {
      spdlog::debug("scan from {} confirmed: {} seq {}", scan.scanner, r.decision.reply.value("type", ""),
                    r.stored ? r.stored->seq : 0);
    }
  };
  hooks.task_changed = [&a](const nlohmann::json& task, const std::string& cause) {
    nlohmann::json m{{"v", 1}, {"time", format_time_utc(a.clock.wall())}, {"cause", cause}, {"task", task}};
    a.bus->publish("task", m);
  };
  a.pipeline = std::make_unique<pipeline::ConfirmPipeline>(*a.outbox, *a.executor, std::move(work), hooks);
  a.api = std::make_unique<BusApi>(*a.pipeline, [&a] { return a.status(); }, [&a] { return a.outbox_stats(); });
  a.bus->on_request([&a](const nlohmann::json& req, const Bus::Replier& reply) { a.api->handle(req, reply); });

  RemoteConfig::Hooks rh;
  rh.commit = [&a](pipeline::ConfirmPipeline::ConfigChange change, std::function<void(Status)> done) {
    a.pipeline->submit_config(std::move(change), [done = std::move(done)](const pipeline::WorkReply& r) {
      done(r.committed ? Status{} : Status(r.error));
    });
  };
  rh.apply_live = [&a, pages_of](const config::AgentConfig& c) {
    if (auto s = a.outbox->set_max_page_count(pages_of(c.max_mb)); !s) {
      spdlog::error("remote config: storage.max_mb not applied: {}", s.error().message);
    }
    sync::SyncOptions t;
    t.batch_max_events = static_cast<std::size_t>(c.batch_max_events);
    t.batch_max_bytes = static_cast<std::size_t>(c.batch_max_bytes);
    t.window_events = c.window_events;
    t.ack_timeout = std::chrono::milliseconds(c.ack_timeout_ms);
    t.telemetry_expiry = std::chrono::seconds(c.telemetry_expiry_s);
    if (auto s = a.sync->set_tuning(t); !s) spdlog::error("remote config: sync tuning not applied: {}", s.error().message);
    spdlog::set_level(spdlog::level::from_str(c.log_level));
  };
  rh.report = [&a](const nlohmann::json& report) { a.sync->set_status_config(report); };
  a.remote->set_hooks(std::move(rh));
  a.sync->set_status_config(a.remote->report());

  // Downlink: task documents from the ledger go through the same pipeline as bus task.put;
  // config documents through RemoteConfig (validated, committed, then applied).
  a.sync->on_downlink([&a](sync::TopicKind kind, const Message& m) {
    if (kind == sync::TopicKind::config) {
      a.remote->handle(m.payload);
      return;
    }
    if (kind != sync::TopicKind::tasks) return;
    auto doc = nlohmann::json::parse(m.payload, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      spdlog::warn("downlink task on {} rejected: not JSON ({} bytes)", m.topic, m.payload.size());
      return;
    }
    a.pipeline->submit_task(std::move(doc), [topic = m.topic](const pipeline::WorkReply& r) {
      if (!r.committed) {
        spdlog::error("task from {} NOT stored: {} ({})", topic, r.error.message, r.error.code);
      } else if (r.decision.accepted) {
        spdlog::info("task {} from {}: {}", r.decision.reply.value("task_id", "?"), topic,
                     r.decision.reply.value("outcome", "?"));
      } else {
        spdlog::warn("task from {} rejected: {}", topic, r.decision.reason.message);
      }
    });
  });

  if (!cfg.metrics_textfile.empty()) {
    a.metrics = std::make_unique<MetricsFileWriter>(cfg.metrics_textfile, std::chrono::seconds(cfg.metrics_interval_s),
                                                    [&a] { return a.status(); });
  }

  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Status Agent::start() {
  Impl& a = *impl_;
  if (a.started) return {};
  a.pipeline->start();
  if (auto s = a.bus->start(); !s) {
    a.pipeline->stop();
    return s;
  }
  if (auto s = a.sync->start(); !s) {
    a.bus->stop();
    a.pipeline->stop();
    return s;
  }
  auto st = a.devices->start([&a](RawScan scan, ScannerDriver& drv) {
    a.pipeline->submit_scan(std::move(scan), [&drv](const pipeline::WorkReply& r) {
      if (auto f = drv.feedback(r.decision.feedback); !f) {
        spdlog::warn("feedback to {} failed: {}", drv.id(), f.error().message);
      }
    });
  });
  if (!st) {
    a.sync->stop();
    a.bus->stop();
    a.pipeline->stop();
    return st;
  }
  a.sync_watch_thread = std::thread([&a] { a.sync_watch(); });
  if (a.metrics) a.metrics->start();
  a.started = true;
  return {};
}

void Agent::stop() {
  Impl& a = *impl_;
  if (!a.started || a.stopped) return;
  a.stopped = true;
  if (a.metrics) a.metrics->stop();  // the last file stays; its mtime shows it is stale
  a.devices->stop();    // drivers stop delivering; they stay alive for pending feedback
  a.pipeline->stop();  // finishes queued scans; their replies go out through the bus
  {
    std::lock_guard lock(a.sync_watch_mu);
    a.sync_watch_stop = true;
  }
  a.sync_watch_cv.notify_all();
  if (a.sync_watch_thread.joinable()) a.sync_watch_thread.join();
  a.bus->stop();
  a.sync->stop();
}

nlohmann::json Agent::Impl::status() const {
  nlohmann::json j;
  j["site"] = cfg.site;
  j["device"] = cfg.device;
  j["version"] = SCANEDGE_VERSION;
  const auto ss = sync->status();
  j["broker"] = {{"uri", cfg.mqtt_uri}, {"connected", ss.connected}, {"connects", transport->connect_count()}};
  j["config"] = remote->report();
  nlohmann::json sj{{"acks_applied", ss.acks_applied},     {"bad_acks", ss.bad_acks},
                    {"stale_acks", ss.stale_acks},         {"duplicate_acks", ss.duplicate_acks},
                    {"ignored_messages", ss.ignored_messages}, {"publish_failures", ss.publish_failures},
                    {"downlinks", ss.downlinks},
                    // Paho C 1.3.12 workaround (sync/mqtt/paho_transport.h): clients kept after a
                    // failed in-flight write; each holds its unacked messages' memory.
                    {"retired_mqtt_clients", transport->retired_clients()}};
  for (Stream s : kAllStreams) {
    const auto& st = ss.stream(s);
    sj[std::string(to_string(s))] = {{"sent_through", st.sent_through},
                                     {"acked_through", st.acked_through},
                                     {"batches_sent", st.batches_sent},
                                     {"events_sent", st.events_sent},
                                     {"resends", st.resends},
                                     {"last_ack_age_ms", st.last_ack_age ? nlohmann::json(st.last_ack_age->count())
                                                                         : nlohmann::json(nullptr)}};
    const auto oldest = oldest_unacked_age_ms(s);
    sj[std::string(to_string(s))]["oldest_unacked_age_ms"] = oldest ? nlohmann::json(*oldest) : nlohmann::json(nullptr);
  }
  j["sync"] = std::move(sj);
  j["outbox"] = outbox_stats();
  nlohmann::json scs = nlohmann::json::array();
  for (const auto& sc : devices->snapshot()) {
    scs.push_back({{"id", sc.id},         {"profile", sc.profile}, {"driver", sc.driver},
                   {"origin", sc.origin}, {"node", sc.node},       {"state", to_string(sc.state)}});
  }
  j["scanners"] = std::move(scs);
  nlohmann::json un = nlohmann::json::array();
  for (const auto& u : devices->unserved()) {
    if (u.reason == "no_profile") continue;  // hubs, keyboards...: scanedgectl devices lists them
    un.push_back({{"identity", u.device.identity}, {"node", u.device.node}, {"profile", u.profile},
                  {"reason", u.reason}, {"detail", u.detail}});
  }
  j["unserved_devices"] = std::move(un);
  nlohmann::json ts = nlohmann::json::array();
  for (const auto& t : pipeline->tasks()) {
    ts.push_back({{"task_id", t.value("task_id", "")},
                  {"type", t.value("type", "")},
                  {"channel", t.value("channel", "")},
                  {"version", t.value("version", 0)},
                  {"state", t.value("state", "")},
                  {"picked", t.value("picked", 0)},
                  {"qty", t.value("qty", 0)}});
  }
  j["tasks"] = std::move(ts);
  const auto op = pipeline->operator_id();
  j["operator"] = op ? nlohmann::json(*op) : nlohmann::json(nullptr);
  const auto ps = pipeline->stats();
  j["counters"] = {{"confirmed", ps.confirmed}, {"rejected", ps.rejected}, {"not_stored", ps.failed},
                   {"actions", ps.actions}, {"commit_groups", ps.groups}};
  return j;
}

nlohmann::json Agent::Impl::outbox_stats() const {
  nlohmann::json ob = nlohmann::json::object();
  for (Stream s : kAllStreams) {
    auto st = outbox->stats(s);
    if (!st) {
      ob[std::string(to_string(s))] = {{"error", st.error().message}};
      continue;
    }
    ob[std::string(to_string(s))] = {{"depth", st->depth},
                                     {"last_seq", st->last_seq},
                                     {"acked_through", st->acked_through},
                                     {"bytes", st->bytes},
                                     {"shed", st->shed},
                                     {"shed_through", st->shed_through}};
  }
  return ob;
}

std::optional<std::int64_t> Agent::Impl::oldest_unacked_age_ms(Stream stream) const {
  auto st = outbox->stats(stream);
  if (!st) return std::nullopt;
  if (st->depth == 0) return 0;
  // One indexed row: the first stored event after the ack (shed seqs are simply absent).
  auto page = outbox->read_page(stream, st->acked_through, 1, 1);
  if (!page) return std::nullopt;
  if (page->empty()) return 0;
  const auto ev = nlohmann::json::parse(page->front().json, nullptr, false);
  if (ev.is_discarded() || !ev.is_object()) return std::nullopt;
  if (ev.value("boot", "") == clock.boot_id() && ev.contains("mono_ms") && ev["mono_ms"].is_number_integer()) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.monotonic()).count();
    return std::max<std::int64_t>(0, now_ms - ev["mono_ms"].get<std::int64_t>());
  }
  auto t = tasks::parse_utc_time(ev.value("time", ""));
  if (!t) return std::nullopt;
  return std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall() - *t).count());
}

nlohmann::json Agent::Impl::sync_snapshot() const {
  // The outbox figures without "bytes" and the shed counters (the sync message's documented
  // fields; status and outbox.stats carry them).
  nlohmann::json ob = outbox_stats();
  for (auto& [stream, st] : ob.items()) {
    st.erase("bytes");
    st.erase("shed");
    st.erase("shed_through");
  }
  return {{"v", 1}, {"connected", sync->status().connected}, {"outbox", std::move(ob)}};
}

// Samples the sync state four times a second (two indexed single-row reads and a flag) and
// publishes topic `sync` when it differs from what was last published, at most once per
// second: a change inside that second goes out when the second is over. Unchanged state is
// republished every 5 s, so a viewer that has just subscribed learns it.
void Agent::Impl::sync_watch() {
  using namespace std::chrono_literals;
  nlohmann::json last;
  auto last_sent = std::chrono::steady_clock::now() - 1s;
  std::unique_lock lock(sync_watch_mu);
  while (!sync_watch_stop) {
    lock.unlock();
    nlohmann::json now = sync_snapshot();
    const auto since = std::chrono::steady_clock::now() - last_sent;
    if ((now != last && since >= 1s) || since >= 5s) {
      nlohmann::json msg = now;
      msg["time"] = format_time_utc(clock.wall());
      bus->publish("sync", msg);
      last = std::move(now);
      last_sent = std::chrono::steady_clock::now();
    }
    lock.lock();
    sync_watch_cv.wait_for(lock, 250ms, [this] { return sync_watch_stop; });
  }
}

nlohmann::json Agent::status() const { return impl_->status(); }

std::string Agent::status_line() const {
  const auto ss = impl_->sync->status();
  std::int64_t backlog = 0;
  for (Stream s : kAllStreams) {
    if (auto st = impl_->outbox->stats(s)) backlog += st->depth;
  }
  return std::string(ss.connected ? "online" : "offline") + ", backlog " + std::to_string(backlog);
}

bool Agent::healthy(std::chrono::milliseconds limit) const { return impl_->pipeline->busy_for() < limit; }

}  // namespace scanedge::agent
