// Publishing a remote-config overlay to one device (the ledger -> device `config` topic) and
// waiting for the device's verdict, used by `scanedge-ledger publish-config`.
//
// validate_config_document(text): the text must be a `config` document
//   (edge/config/config_document.h: {"v":1,"config_id","version","set"}) whose `set` passes
//   exactly the checks the agent applies (config::apply_remote_overlay: remote keys only,
//   types, ranges, choices), so an overlay the agent would reject for its content is refused
//   here, before anything is published. Error code "bad_config" with the agent's message.
//   On success returns the parsed document and the compact payload to publish.
// publish_config(): connects (clean session, a one-off client id), and when `wait` > 0 first
//   subscribes to the device's retained `status` topic; publishes the payload QoS 1,
//   RETAINED on config_topic(address) (a device that is offline gets it when it connects)
//   and waits for the broker's PUBACK. With `wait` > 0 it then waits up to `wait` for a
//   status whose config.last names this config_id and version and returns that outcome
//   ("applied", "unchanged" or "rejected" with the device's reason); an older status (the
//   retained one from before) is ignored. Errors: "bad_uri", "connect_failed",
//   "publish_failed", "timeout" (connect or PUBACK not within `timeout`), "no_report" (the
//   device did not report within `wait`: it may be offline; the overlay stays retained).
// Threading: blocking calls, no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/config/config_document.h"
#include "edge/core/result.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

struct ValidatedConfig {
  config::ConfigDocument document;
  std::string payload;
};

Result<ValidatedConfig> validate_config_document(std::string_view text);

struct ConfigReport {
  bool waited = false;   // false: published only (wait was 0)
  std::string outcome;   // applied | unchanged | rejected
  std::string reason;    // rejected: the device's reason
};

Result<ConfigReport> publish_config(const std::string& broker_uri, const sync::DeviceAddress& address,
                                    const ValidatedConfig& config, std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds wait);

}  // namespace scanedge::ledger
