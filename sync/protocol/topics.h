// MQTT topic scheme of protocol v1 (see README "Protocol"):
//   scanedge/v1/{site}/{device}/events/{stream}   device -> ledger, QoS 1
//   scanedge/v1/{site}/{device}/ack/{stream}      ledger -> device, QoS 1
//   scanedge/v1/{site}/{device}/tasks             ledger -> device, QoS 1
//   scanedge/v1/{site}/{device}/config            ledger -> device, QoS 1
//   scanedge/v1/{site}/{device}/status            device -> all, QoS 1, retained (+ will)
// Site and device ids: 1..64 chars of [A-Za-z0-9._-] (no MQTT wildcards or separators).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edge/core/result.h"
#include "edge/core/stream.h"

namespace scanedge::sync {

inline constexpr int kProtocolVersion = 1;
inline constexpr const char* kTopicPrefix = "scanedge/v1/";
// The ledger's shared subscription: several ledger processes split the load.
inline constexpr const char* kLedgerEventsSubscription = "$share/ledger/scanedge/v1/+/+/events/+";

struct DeviceAddress {
  std::string site;
  std::string device;
  bool operator==(const DeviceAddress&) const = default;
};

bool valid_id(std::string_view id);  // site or device id

std::string topic_root(const DeviceAddress& a);  // "scanedge/v1/{site}/{device}/"
std::string events_topic(const DeviceAddress& a, Stream s);
std::string ack_topic(const DeviceAddress& a, Stream s);
std::string tasks_topic(const DeviceAddress& a);
std::string config_topic(const DeviceAddress& a);
std::string status_topic(const DeviceAddress& a);

enum class TopicKind { events, ack, tasks, config, status };

struct ParsedTopic {
  DeviceAddress address;
  TopicKind kind = TopicKind::events;
  std::optional<Stream> stream;  // for events and ack
};

// Error code "bad_topic" with a message naming the offending segment.
Result<ParsedTopic> parse_topic(std::string_view topic);

}  // namespace scanedge::sync
