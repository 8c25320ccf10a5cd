// The agent's Prometheus metrics as a text file (node_exporter textfile-collector convention).
//
// format_metrics(status): pure. Turns the agent's bus `status` object (Agent::status(), so the
// figures are exactly those `scanedgectl status` shows) into Prometheus text exposition
// format 0.0.4, each family with # HELP and # TYPE lines:
//   scanedge_outbox_backlog{stream}            gauge   outbox.<stream>.depth (stored, not acked)
//   scanedge_outbox_bytes{stream}              gauge   outbox.<stream>.bytes
//   scanedge_outbox_last_seq{stream}           gauge   outbox.<stream>.last_seq
//   scanedge_outbox_acked_seq{stream}          gauge   outbox.<stream>.acked_through
//   scanedge_events_confirmed_total            counter counters.confirmed (since the agent started)
//   scanedge_events_rejected_total             counter counters.rejected
//   scanedge_events_not_stored_total           counter counters.not_stored
//   scanedge_telemetry_shed_total              counter outbox.telemetry.shed (persistent: the outbox's count)
//   scanedge_sync_latency_seconds{stream}      gauge   age of the oldest event the ledger has not acked
//                                                      (sync.<stream>.oldest_unacked_age_ms; 0 when none)
//   scanedge_sync_last_ack_age_seconds{stream} gauge   time since the last ledger ack was applied
//                                                      (sync.<stream>.last_ack_age_ms; absent before the first)
//   scanedge_mqtt_connected                    gauge   broker.connected (1/0)
//   scanedge_mqtt_reconnects_total             counter broker.connects - 1 (0 before the first connect)
//   scanedge_scanner_state{scanner,profile,state} gauge 1 per scanner in status.scanners
// A value missing from `status` (e.g. an outbox stream whose stats failed) leaves that sample
// out rather than inventing one. Label values are escaped (\\, \", \n).
//
// MetricsFileWriter: rewrites `path` every `interval` (and once at start()) with
// format_metrics(status()), atomically (config::write_file_atomic: temp file in the same
// directory, fsync, rename; mode 0644), so the collector never reads a partial file. A failed
// write (directory missing, disk full) is logged at warn once per distinct error and retried
// at the next interval; it never affects the agent. stop() joins the thread (bounded by one
// write) and leaves the last file in place (its mtime shows it is stale); idempotent, also
// done by the destructor. `status` is called from the writer's thread and must be thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::agent {

std::string format_metrics(const nlohmann::json& status);

class MetricsFileWriter {
 public:
  MetricsFileWriter(std::string path, std::chrono::milliseconds interval, std::function<nlohmann::json()> status);
  ~MetricsFileWriter();
  MetricsFileWriter(const MetricsFileWriter&) = delete;
  MetricsFileWriter& operator=(const MetricsFileWriter&) = delete;

  void start();
  void stop();
  // One write now, from the calling thread (start() does this on its thread). Error "io".
  Status write_once();

 private:
  void run();

  std::string path_;
  std::chrono::milliseconds interval_;
  std::function<nlohmann::json()> status_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::string last_error_;  // writer thread only
  std::thread thread_;
};

}  // namespace scanedge::agent
