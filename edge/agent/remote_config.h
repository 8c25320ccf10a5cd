// RemoteConfig: the device side of the `config` downlink (ledger -> device, QoS 1).
//
// Payload (protocol v1, one complete overlay per message; each replaces the previous one):
//   {"v":1,"config_id":"cfg-42","version":7,"set":{"work.operator_required":true,"log.level":"debug"}}
// - v: 1. config_id: 1-64 of A-Z a-z 0-9 . _ -. version: integer >= 1, increasing per
//   device. set: {"section.key": value} of config::remote_keys() only ({} = back to the
//   file). Any other member, a missing one or a wrong type rejects the message.
// - Validation is exactly the config file's (config::apply_remote_overlay): one bad key
//   rejects the whole message and nothing changes.
// - A redelivery of the version in force is "unchanged"; a version not newer than the one in
//   force (or pending) is rejected as stale.
// - Atomic apply: an accepted overlay is committed through the confirm pipeline (state key
//   "config/remote" plus a telemetry event "config.applied") in order with scans; the work
//   rules switch for the items after it, then the remaining live settings (outbox cap, sync
//   tuning, log level) are applied. If the commit fails, the previous config stays in force.
// - Every outcome is reported (the `status` topic's "config" member, and `status` on the
//   bus): {"in_force":{"config_id","version","keys"}|null,
//          "last":{"config_id","version","outcome":"applied"|"unchanged"|"rejected","reason"?,"time"}|null}
//   config_id/version of "last" are null when the message was too broken to carry them.
// - At start, restore() applies the stored overlay over the file. If it no longer validates
//   (the file or the build changed), the file's config is used and that is reported.
//
// Threading: handle() may be called from one thread at a time (the sync thread); report()
// from any thread. Hooks are called from handle() or from the pipeline thread; they must not
// block.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edge/config/agent_config.h"
#include "edge/config/config_document.h"
#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/core/result.h"
#include "edge/pipeline/confirm_pipeline.h"

namespace scanedge::agent {

inline constexpr const char* kRemoteConfigStateKey = "config/remote";

using config::ConfigDocument;
using config::parse_config_document;

class RemoteConfig {
 public:
  struct Hooks {
    // Commits the change in order with scans and calls done with the outcome.
    std::function<void(pipeline::ConfirmPipeline::ConfigChange, std::function<void(Status)> done)> commit;
    // After a successful commit: apply the live settings of the new effective config.
    std::function<void(const config::AgentConfig& effective)> apply_live;
    // After every outcome: publish report().
    std::function<void(const nlohmann::json& report)> report;
  };

  RemoteConfig(config::AgentConfig file_config, const Clock& clock, EventIdGenerator& ids);

  // Startup, before handle(): `stored` is the value of kRemoteConfigStateKey, if any.
  // Returns the effective config (the file's, with the stored overlay when it validates).
  config::AgentConfig restore(const std::optional<std::string>& stored);
  void set_hooks(Hooks hooks);

  void handle(const std::string& payload);
  nlohmann::json report() const;
  config::AgentConfig effective() const;

 private:
  void finish(nlohmann::json last);  // records `last` and calls the report hook

  const config::AgentConfig file_;
  const Clock& clock_;
  EventIdGenerator& ids_;
  Hooks hooks_;

  mutable std::mutex mu_;
  config::AgentConfig effective_;            // guarded by mu_
  std::optional<ConfigDocument> in_force_;   // guarded by mu_
  std::int64_t newest_version_ = 0;          // in force or pending commit; guarded by mu_
  nlohmann::json last_ = nullptr;            // guarded by mu_
};

}  // namespace scanedge::agent
