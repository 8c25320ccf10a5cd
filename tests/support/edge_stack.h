// EdgeStack: the real processes of a deployment for integration and end-to-end tests:
// scanedged (one device) and scanedge-ledger, against a broker the test owns.
//
// Each process logs to a file in the test's temp dir; kill_*() sends SIGKILL (a crash, no
// cleanup), stop_*() a SIGTERM. The agent's config is written by the stack; tune it with
// StackOptions. Throws std::runtime_error when a process does not come up in time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace scanedge::testing {

struct StackOptions {
  std::string site = "site-1";
  std::string device = "dev-1";
  std::string synchronous = "full";
  int ack_timeout_ms = 3000;
  int batch_max_events = 500;
  int reconnect_max_ms = 1000;
  int max_mb = 0;  // outbox size cap; 0: the agent's default
};

class EdgeStack {
 public:
  EdgeStack(const TempDir& dir, std::string broker_uri, StackOptions options = {});
  ~EdgeStack();

  void start_ledger();
  void kill_ledger();
  // Waits until the ledger has connected and its subscription is confirmed (its log says
  // "mqtt: connected"); false after `timeout`. Events a device publishes before that have
  // no subscriber and come again only after the ledger answers with "expect".
  bool wait_ledger_connected(std::chrono::milliseconds timeout);
  void start_agent();  // returns once the agent answers on its bus
  void kill_agent();
  int stop_agent();
  pid_t agent_pid() const { return agent_.pid(); }
  pid_t ledger_pid() const { return ledger_.pid(); }

  const std::string& bus_endpoint() const { return bus_; }
  const std::string& pub_endpoint() const { return pub_; }
  const std::string& ledger_db() const { return ledger_db_; }
  const std::string& agent_log() const { return agent_log_; }
  const std::string& ledger_log() const { return ledger_log_; }
  const StackOptions& options() const { return options_; }

  // `scanedge-ledger query` output (empty object when it fails).
  nlohmann::json ledger_query() const;
  // Applied seq count for this stack's device and `stream` from the query.
  std::int64_t ledger_last_seq(const std::string& stream) const;
  // Every applied event of this device and stream as the device sent it, in seq order
  // (the "event" member of each `scanedge-ledger events` line).
  std::vector<nlohmann::json> ledger_events(const std::string& stream) const;

  static std::string agent_bin();
  static std::string ledger_bin();
  static std::string ctl_bin();

 private:
  std::string broker_uri_;
  StackOptions options_;
  std::string dir_;
  std::string bus_, pub_, config_, ledger_db_, agent_log_, ledger_log_;
  Process agent_;
  Process ledger_;
};

}  // namespace scanedge::testing
