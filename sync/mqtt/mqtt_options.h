// Connection settings of the MQTT transport (sync/mqtt/paho_transport.h).
//
// uri: "tcp://host:port" or "mqtt://host:port" (plain), "ssl://host:port" or
//   "mqtts://host:port" (TLS, see below), "ws://"/"wss://". Anything else is rejected by start().
// client_id: must be stable per device so that the broker keeps its persistent session.
// clean_session: false (default) keeps the broker-side session across reconnects, so QoS 1
//   subscriptions and undelivered downlink messages survive a network outage (MQTT 5: Clean
//   Start off and a Session Expiry Interval of session_expiry; MQTT 3.1.1: Clean Session off,
//   the broker decides how long it keeps the session).
// will: published by the broker (QoS 1, retained) when the connection dies without a clean
//   DISCONNECT. nullopt: no will. will_delay (MQTT 5 only; 0: at once): the broker holds the
//   will that long after the connection died and drops it if the client resumes its session
//   meanwhile, so a short Wi-Fi drop does not flap the status to offline and back. The broker
//   also sends it when the session ends, so a delay beyond session_expiry acts as
//   session_expiry.
// keepalive: MQTT keepalive; a dead link (Wi-Fi gone without a FIN) is noticed by the broker
//   after 1.5 x keepalive (MQTT: then the will, after will_delay), and by the client after 2
//   to 3 x keepalive (Paho pings after a keepalive without traffic and gives up when the
//   PINGRESP has not come a keepalive later; measured about 2.7 x).
// connect_timeout bounds one connect attempt (TCP + TLS handshake + CONNACK); reconnect_min/max
//   bound the backoff between failed attempts (exponential with full jitter, see backoff.h).
// max_inflight: QoS 1 publishes not yet PUBACKed; beyond it publish() answers "busy". With
//   MQTT 5 the broker's Receive Maximum (in its CONNACK) may lower the limit further; Paho then
//   refuses the publish, which also comes back as "busy".
//
// TLS (ssl://, mqtts://, wss://): the broker's certificate chain is verified against ca_file
// only (the system trust store is not used: CA pinning), and the certificate must name the
// URI's host (a DNS name, or an IP address such as IP:127.0.0.1, in subjectAltName): hostname
// verification is always on. cert_file/key_file (PEM, both or neither) are this device's
// client certificate and unencrypted private key. start() checks the files before anything
// connects; see paho_transport.h for the exact refusals.
#pragma once

#include <chrono>
#include <cstddef>
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
  std::chrono::seconds will_delay{0};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  int max_inflight = 64;
  // TLS (ssl://, mqtts://, wss://): ca_file is the PEM bundle the broker's certificate must
  // chain to (required for TLS); cert_file/key_file the client certificate and key (both or
  // neither). start() refuses a key_file with any group/other permission bit.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // MQTT protocol version: 5 (default) or 3 (3.1.1). With 5: the broker keeps the session
  // session_expiry after a disconnect (0 with clean_session), sends at most receive_maximum
  // unacked QoS 1 messages at a time (1..65535), and publish_expiring() sets the Message
  // Expiry Interval. max_packet_bytes > 0 is sent as Maximum Packet Size: the broker drops
  // (never sends us) a message that would be larger, so an oversized downlink costs neither
  // bandwidth nor memory here. All three are ignored with 3.1.1.
  int version = 5;
  std::chrono::seconds session_expiry{604800};
  int receive_maximum = 64;
  std::size_t max_packet_bytes = 0;
};

}  // namespace scanedge::sync
