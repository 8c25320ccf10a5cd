// Connection settings of the MQTT transport (sync/mqtt/paho_transport.h).
//
// uri: "tcp://host:port" or "mqtt://host:port" (plain), "ssl://"/"mqtts://" (TLS, with the
//   Paho library's defaults), "ws://"/"wss://". Anything else is rejected by start().
// client_id: must be stable per device so that the broker keeps its persistent session.
// clean_session: false (default) keeps the broker-side session across reconnects, so QoS 1
//   subscriptions and undelivered downlink messages survive a network outage.
// will: published by the broker (QoS 1, retained) when the connection dies without a clean
//   DISCONNECT. nullopt: no will.
// connect_timeout bounds one connect attempt; reconnect_min/max bound the backoff between
//   failed attempts (exponential with full jitter, see backoff.h).
// max_inflight: QoS 1 publishes not yet PUBACKed; beyond it publish() answers "busy".
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "edge/core/transport.h"

namespace scanedge::sync {

struct MqttOptions {
  std::string uri;
  std::string client_id;
  std::string username;
  std::string password;
  std::chrono::seconds keepalive{30};
  bool clean_session = false;
  std::optional<Message> will;  // sent QoS 1, retained
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  int max_inflight = 64;
};

}  // namespace scanedge::sync
