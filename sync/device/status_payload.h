// The device's presence message on `status_topic` (protocol v1):
//   {"v":1,"site":"s1","device":"d1","online":true,"time":"2026-11-26T17:00:00.123Z"}
//   plus, on birth messages of a device that received remote config, "config":{...}.
// The birth message (online:true) is published retained, QoS 1, on every connect; the
// MQTT will configured for the connection is the same payload with online:false, so the
// retained status flips to offline when the device vanishes. Pure function, thread-safe.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "sync/protocol/topics.h"

namespace scanedge::sync {

// `config`, when not null, is added as the "config" member (the remote-config report: which
// config is in force and the outcome of the last `config` downlink).
std::string status_payload(const DeviceAddress& address, bool online, std::chrono::system_clock::time_point time,
                           const nlohmann::json& config = nullptr);

}  // namespace scanedge::sync
