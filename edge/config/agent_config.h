// The agent's configuration (scanedged.toml) and its loader.
//
// Every key is declared once in the key table of agent_config.cc (section, name, type, default, limits,
// description): the declaration drives parsing, validation, the unknown-key check and the
// README's table. load_config() never throws; on failure the Error's message has the form
// `file:line: what is wrong` (line 1 when the problem is a missing key), and code "config".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edge/core/result.h"

namespace scanedge::config {

struct ScannerConfig {
  std::string profile;  // firmware profile name: <profiles.dir>/<profile>.toml
  std::string port;     // identity "usb:05e0:1200:SN1", "serial:/dev/ttyS0", or a path "/dev/ttyUSB0"
  int line = 0;         // where it was declared, for error messages
};

struct AgentConfig {
  // [device]
  std::string site;
  std::string device;
  // [storage]
  std::string storage_path = "/var/lib/scanedge/outbox.db";
  std::string synchronous = "full";
  std::int64_t max_mb = 512;  // outbox size cap
  // [mqtt]
  std::string mqtt_uri = "tcp://127.0.0.1:1883";
  std::string mqtt_client_id;  // empty: "scanedged-{site}-{device}"
  std::string mqtt_username;
  std::string mqtt_password;
  std::int64_t keepalive_s = 30;
  std::int64_t batch_max_events = 500;
  std::int64_t batch_max_bytes = 256 * 1024;
  std::int64_t window_events = 20000;
  std::int64_t ack_timeout_ms = 10000;
  std::int64_t reconnect_min_ms = 250;
  std::int64_t reconnect_max_ms = 30000;
  std::string mqtt_ca_file;    // TLS (ssl://): CA bundle the broker must chain to
  std::string mqtt_cert_file;  // TLS client certificate
  std::string mqtt_key_file;   // TLS client key (0600)
  std::int64_t mqtt_version = 5;
  std::int64_t session_expiry_s = 604800;
  std::int64_t will_delay_s = 30;
  std::int64_t receive_maximum = 64;
  std::int64_t telemetry_expiry_s = 86400;
  // [bus]
  std::string bus_endpoint = "ipc:///run/scanedge/bus.sock";
  std::string bus_pub_endpoint = "ipc:///run/scanedge/events.sock";
  // [profiles]
  std::string profiles_dir = "/usr/share/scanedge/firmware-profiles";
  bool autodetect = true;        // serve devices recognised by a profile's [match] rules
  std::int64_t rescan_ms = 1000; // serial (and no-hotplug USB) re-enumeration interval
  // [work]
  std::string badge_prefix = "BADGE:";  // a scan starting with this is an operator badge
  bool operator_required = false;       // refuse item scans while no operator is logged in
  std::int64_t keep_finished_hours = 24; // finished/cancelled tasks are dropped after this long
  // [log]
  std::string log_level = "info";
  // [metrics]
  std::string metrics_textfile;           // Prometheus text file (node_exporter textfile collector); empty: off
  std::int64_t metrics_interval_s = 15;   // how often it is rewritten
  // [[scanner]]
  std::vector<ScannerConfig> scanners;

  std::string effective_client_id() const {
    return mqtt_client_id.empty() ? "scanedged-" + site + "-" + device : mqtt_client_id;
  }
};

// A site, device or config id: 1-64 of A-Z a-z 0-9 . _ -
bool valid_id(std::string_view id);

// Parses TOML text; `source` names it in error messages (usually the file path).
Result<AgentConfig> parse_config(std::string_view toml_text, const std::string& source);
Result<AgentConfig> load_config(const std::string& path);

// One declared key, for documentation (README) and `scanedged --print-keys`.
struct KeyDoc {
  std::string key;  // "mqtt.keepalive_s"
  std::string type;
  std::string default_value;
  std::string description;
  bool remote = false;  // may be changed by the `config` downlink
};
std::vector<KeyDoc> documented_keys();

// Remote configuration (the ledger's `config` downlink): applies `set`, an object of
// {"section.key": value}, on top of `base` with exactly the checks the file gets (type,
// range, choices). Only remote_keys() may be set; any other key, an unknown key, or a bad
// value fails the whole overlay (code "config", message naming the key and what is wrong)
// and nothing is applied. An empty object returns `base` unchanged. Pure, thread-safe.
Result<AgentConfig> apply_remote_overlay(const AgentConfig& base, const nlohmann::json& set);
std::vector<std::string> remote_keys();

}  // namespace scanedge::config
