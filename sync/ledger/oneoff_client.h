// A short-lived MQTT client for the ledger's admin commands (publish-task, publish-config):
// clean session, no client-side persistence, client id "{prefix}-{pid}".
//
// connect(): creates the client, installs `on_message` (may be empty; called on Paho's
//   thread for every message of a subscription) and connects. Errors: "bad_uri" (Paho
//   refuses the URI), "connect_failed", "timeout".
// subscribe()/publish() (QoS 1) return once the broker confirmed (SUBACK/PUBACK). Errors:
//   "timeout", "subscribe_failed" / "publish_failed".
// The destructor disconnects (best effort, at most 2 s).
// Threading: one thread calls the methods; on_message runs on Paho's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "edge/core/result.h"

namespace mqtt {
class async_client;
}

namespace scanedge::ledger {

class OneOffClient {
 public:
  using OnMessage = std::function<void(const std::string& topic, const std::string& payload)>;
  static Result<std::unique_ptr<OneOffClient>> connect(const std::string& broker_uri, const std::string& prefix,
                                                       std::chrono::milliseconds timeout, OnMessage on_message = {});
  ~OneOffClient();
  OneOffClient(const OneOffClient&) = delete;
  OneOffClient& operator=(const OneOffClient&) = delete;

  Status subscribe(const std::string& topic, std::chrono::milliseconds timeout);
  Status publish(const std::string& topic, const std::string& payload, bool retained, std::chrono::milliseconds timeout);

 private:
  OneOffClient() = default;
  std::unique_ptr<mqtt::async_client> client_;
};

}  // namespace scanedge::ledger
