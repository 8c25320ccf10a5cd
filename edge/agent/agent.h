// Agent: the wiring of scanedged. The only place that names concrete classes.
//
// create(): opens the outbox (Error when the database cannot be opened or migrated), loads
//   tasks, builds the pipeline, the bus, the MQTT transport, the sync engine and the device
//   manager (edge/devices): the configured scanners (Error, code config, when a scanner's
//   profile is missing or invalid, or its family cannot serve its port) and, with
//   profiles.autodetect, every attached device a profile recognises. Nothing is started.
// start(): starts the pipeline, binds the bus (Error when the endpoint cannot be bound),
//   starts sync (connecting in the background) and the device manager (a scanner that is
//   absent is logged and retried by its driver; USB hotplug and serial rescans bring new
//   and replugged scanners into service; never fatal).
// stop(): drivers first (no new scans), then the pipeline finishes what is queued and replies,
//   then bus, sync and transport. Idempotent.
// status(): the bus `status` reply. Thread-safe.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "edge/config/agent_config.h"
#include "edge/core/result.h"

namespace scanedge::agent {

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(const config::AgentConfig& config);
  // The checks create() makes before touching anything: broker URI, TLS files and the key
  // file's permissions. Error code "config" with the fix in the message.
  static Status check(const config::AgentConfig& config);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  Status start();
  void stop();
  nlohmann::json status() const;
  // One line for systemd's STATUS=, e.g. "online, backlog 0".
  std::string status_line() const;
  // False when the pipeline has been stuck in one commit group for longer than `limit`.
  bool healthy(std::chrono::milliseconds limit) const;

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scanedge::agent
