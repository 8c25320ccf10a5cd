#include "edge/config/agent_config.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace scanedge::config {

namespace {

enum class Kind { string, integer, boolean };

// A declared key: how to read it into the config and what is allowed.
struct KeySpec {
  const char* section;
  const char* name;
  Kind kind;
  const char* default_doc;
  const char* description;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> choices{};  // for strings: allowed values (empty: any non-empty)
  bool allow_empty = false;
  std::function<void(AgentConfig&, const std::string&)> set_string{};
  std::function<void(AgentConfig&, std::int64_t)> set_int{};
  std::function<void(AgentConfig&, bool)> set_bool{};
  bool remote = false;  // may be changed by the ledger's `config` downlink (see remote_keys())
};

// Keys the `config` downlink may change: tuning and work rules that take effect live.
// Identity, storage location, broker address, credentials, TLS files and the local bus are
// deliberately not remote: a wrong value there could cut the device off for good.
constexpr std::string_view kRemoteKeys[] = {
    "storage.max_mb",        "mqtt.batch_max_events", "mqtt.batch_max_bytes",  "mqtt.window_events",
    "mqtt.ack_timeout_ms",   "mqtt.telemetry_expiry_s", "work.badge_prefix",   "work.operator_required",
    "work.keep_finished_hours", "log.level",
};


const std::vector<KeySpec>& specs() {
  static const std::vector<KeySpec> table = [] {
    std::vector<KeySpec> t;
    auto str = [&](const char* sec, const char* name, const char* def, const char* desc,
                   std::function<void(AgentConfig&, const std::string&)> set, std::vector<std::string> choices = {},
                   bool allow_empty = false) {
      KeySpec k{sec, name, Kind::string, def, desc};
      k.choices = std::move(choices);
      k.allow_empty = allow_empty;
      k.set_string = std::move(set);
      t.push_back(std::move(k));
    };
    auto num = [&](const char* sec, const char* name, const char* def, const char* desc, std::int64_t lo,
                   std::int64_t hi, std::function<void(AgentConfig&, std::int64_t)> set) {
      KeySpec k{sec, name, Kind::integer, def, desc, lo, hi};
      k.set_int = std::move(set);
      t.push_back(std::move(k));
    };
    auto flag = [&](const char* sec, const char* name, const char* def, const char* desc,
                    std::function<void(AgentConfig&, bool)> set) {
      KeySpec k{sec, name, Kind::boolean, def, desc};
      k.set_bool = std::move(set);
      t.push_back(std::move(k));
    };
    str("device", "site", "(required)", "Site id: 1-64 of A-Z a-z 0-9 . _ -",
        [](AgentConfig& c, const std::string& v) { c.site = v; });
    str("device", "id", "(required)", "Device id, unique within the site: 1-64 of A-Z a-z 0-9 . _ -",
        [](AgentConfig& c, const std::string& v) { c.device = v; });
    str("storage", "path", "/var/lib/scanedge/outbox.db", "SQLite database holding tasks, outbox and sequence counters",
        [](AgentConfig& c, const std::string& v) { c.storage_path = v; });
    str("storage", "synchronous", "full",
        "SQLite synchronous mode: full (every commit fsynced, power-loss safe), extra, normal (may lose the last "
        "commits on power loss: confirmations could be lost), off (tests only)",
        [](AgentConfig& c, const std::string& v) { c.synchronous = v; }, {"off", "normal", "full", "extra"});
    num("storage", "max_mb", "512",
        "Outbox size cap in MiB. When full, new scans are refused with storage-full feedback until the ledger's "
        "acks free space (execution events are never dropped)",
        1, 1024 * 1024, [](AgentConfig& c, std::int64_t v) { c.max_mb = v; });
    str("mqtt", "uri", "tcp://127.0.0.1:1883", "Broker URI: tcp://host:port or mqtt://host:port (plain), ssl://host:port or mqtts://host:port (TLS: "
        "set mqtt.ca_file)",
        [](AgentConfig& c, const std::string& v) { c.mqtt_uri = v; });
    str("mqtt", "client_id", "scanedged-{site}-{device}", "MQTT client id (persistent session key)",
        [](AgentConfig& c, const std::string& v) { c.mqtt_client_id = v; }, {}, true);
    str("mqtt", "username", "", "MQTT user name", [](AgentConfig& c, const std::string& v) { c.mqtt_username = v; }, {},
        true);
    str("mqtt", "password", "", "MQTT password", [](AgentConfig& c, const std::string& v) { c.mqtt_password = v; }, {},
        true);
    num("mqtt", "keepalive_s", "30", "MQTT keepalive, seconds", 5, 3600,
        [](AgentConfig& c, std::int64_t v) { c.keepalive_s = v; });
    num("mqtt", "batch_max_events", "500", "Most events in one batch message", 1, 10000,
        [](AgentConfig& c, std::int64_t v) { c.batch_max_events = v; });
    num("mqtt", "batch_max_bytes", "262144", "Most JSON bytes in one batch message", 1024, 4 * 1024 * 1024,
        [](AgentConfig& c, std::int64_t v) { c.batch_max_bytes = v; });
    num("mqtt", "window_events", "20000", "Most events sent and not yet acked by the ledger, per stream", 1, 1000000,
        [](AgentConfig& c, std::int64_t v) { c.window_events = v; });
    num("mqtt", "ack_timeout_ms", "10000", "Resend unacked events when the ledger's ack makes no progress this long",
        100, 3600000, [](AgentConfig& c, std::int64_t v) { c.ack_timeout_ms = v; });
    num("mqtt", "reconnect_min_ms", "250", "First reconnect delay (exponential backoff with jitter)", 10, 600000,
        [](AgentConfig& c, std::int64_t v) { c.reconnect_min_ms = v; });
    num("mqtt", "reconnect_max_ms", "30000", "Longest reconnect delay", 10, 3600000,
        [](AgentConfig& c, std::int64_t v) { c.reconnect_max_ms = v; });
    str("mqtt", "ca_file", "",
        "TLS: PEM file of the CA(s) the broker's certificate must chain to (pinning). Required with ssl://",
        [](AgentConfig& c, const std::string& v) { c.mqtt_ca_file = v; }, {}, true);
    str("mqtt", "cert_file", "", "TLS: this device's client certificate (PEM); set together with key_file",
        [](AgentConfig& c, const std::string& v) { c.mqtt_cert_file = v; }, {}, true);
    str("mqtt", "key_file", "",
        "TLS: this device's private key (PEM). Must not be readable by group or others (chmod 600): the agent "
        "refuses to start otherwise",
        [](AgentConfig& c, const std::string& v) { c.mqtt_key_file = v; }, {}, true);
    num("mqtt", "version", "5", "MQTT protocol version: 5 (session expiry, receive maximum, message expiry) or 3 "
        "(3.1.1, for old brokers)", 3, 5, [](AgentConfig& c, std::int64_t v) { c.mqtt_version = v; });
    num("mqtt", "session_expiry_s", "604800",
        "MQTT 5: how long the broker keeps this device's session (subscriptions, queued acks and tasks) while it is "
        "offline", 60, 4294967295LL, [](AgentConfig& c, std::int64_t v) { c.session_expiry_s = v; });
    num("mqtt", "will_delay_s", "30",
        "MQTT 5: the broker publishes this device's offline status (its will) only when the device has not "
        "reconnected this long after its connection died, so a short Wi-Fi drop does not show as offline. 0: at once",
        0, 86400, [](AgentConfig& c, std::int64_t v) { c.will_delay_s = v; });
    num("mqtt", "receive_maximum", "64",
        "MQTT 5: most QoS 1 downlink messages the broker may have in flight to this device", 1, 65535,
        [](AgentConfig& c, std::int64_t v) { c.receive_maximum = v; });
    num("mqtt", "telemetry_expiry_s", "86400",
        "MQTT 5: message expiry of telemetry batches (a broker drops stale telemetry it could not deliver); "
        "execution events never expire. 0: no expiry", 0, 4294967295LL,
        [](AgentConfig& c, std::int64_t v) { c.telemetry_expiry_s = v; });
    str("bus", "endpoint", "ipc:///run/scanedge/bus.sock", "Local request/reply API (ZeroMQ ROUTER)",
        [](AgentConfig& c, const std::string& v) { c.bus_endpoint = v; });
    str("bus", "pub_endpoint", "ipc:///run/scanedge/events.sock", "Local stream of decisions (ZeroMQ PUB)",
        [](AgentConfig& c, const std::string& v) { c.bus_pub_endpoint = v; });
    str("profiles", "dir", "/usr/share/scanedge/firmware-profiles", "Where firmware profiles are read from",
        [](AgentConfig& c, const std::string& v) { c.profiles_dir = v; });
    flag("profiles", "autodetect", "true",
         "Serve every attached scanner that a profile's [match] rules recognise (USB hotplug, serial ports), "
         "besides the [[scanner]] entries",
         [](AgentConfig& c, bool v) { c.autodetect = v; });
    num("profiles", "rescan_ms", "1000", "How often serial ports (and USB, where hotplug events are unavailable) are "
        "re-enumerated to notice scanners plugged in or removed", 100, 60000,
        [](AgentConfig& c, std::int64_t v) { c.rescan_ms = v; });
    str("work", "badge_prefix", "BADGE:",
        "A scan whose data starts with this is an operator badge: the operator id follows it (1-32 of A-Z a-z "
        "0-9 . _ -)",
        [](AgentConfig& c, const std::string& v) { c.badge_prefix = v; });
    flag("work", "operator_required", "false",
         "Refuse item scans (reason no_operator) while no operator is logged in",
         [](AgentConfig& c, bool v) { c.operator_required = v; });
    num("work", "keep_finished_hours", "24",
        "Finished and cancelled tasks stay on the device (task list, idempotency) this long, then are dropped", 1,
        24 * 365, [](AgentConfig& c, std::int64_t v) { c.keep_finished_hours = v; });
    str("log", "level", "info", "Log level", [](AgentConfig& c, const std::string& v) { c.log_level = v; },
        {"trace", "debug", "info", "warn", "error", "critical", "off"});
    str("metrics", "textfile", "",
        "Prometheus text file the agent rewrites every metrics.interval_s (node_exporter textfile collector, e.g. "
        "/var/lib/prometheus/node-exporter/scanedge.prom): written to a temp file in the same directory, fsynced, "
        "renamed. Empty: no metrics file",
        [](AgentConfig& c, const std::string& v) { c.metrics_textfile = v; }, {}, true);
    num("metrics", "interval_s", "15", "How often the metrics text file is rewritten, seconds", 1, 3600,
        [](AgentConfig& c, std::int64_t v) { c.metrics_interval_s = v; });
    for (auto& k : t) {
      const std::string full = std::string(k.section) + "." + k.name;
      for (std::string_view r : kRemoteKeys) k.remote = k.remote || full == r;
    }
    return t;
  }();
  return table;
}

struct Loader {
  std::string source;

  std::string where(const toml::source_region& r) const {
    return source + ":" + std::to_string(r.begin.line == 0 ? 1 : r.begin.line);
  }
  Error fail(const toml::source_region& r, const std::string& what) const {
    return make_error("config", where(r) + ": " + what);
  }
  Error fail_line(int line, const std::string& what) const {
    return make_error("config", source + ":" + std::to_string(line) + ": " + what);
  }

  static std::string describe(const toml::node& n) {
    std::ostringstream os;
    switch (n.type()) {
      case toml::node_type::string: os << "the string \"" << n.value_or(std::string{}) << "\""; break;
      case toml::node_type::integer: os << "the integer " << n.value_or<std::int64_t>(0); break;
      case toml::node_type::floating_point: os << "a float"; break;
      case toml::node_type::boolean: os << "a boolean"; break;
      case toml::node_type::table: os << "a table"; break;
      case toml::node_type::array: os << "an array"; break;
      default: os << "a date/time"; break;
    }
    return os.str();
  }

  Status apply_key(const KeySpec& k, const toml::node& n, AgentConfig& c) const {
    const std::string name = std::string(k.section) + "." + k.name;
    if (k.kind == Kind::string) {
      const auto* s = n.as_string();
      if (s == nullptr) return fail(n.source(), name + ": expected a string, got " + describe(n));
      const std::string& v = s->get();
      if (v.empty() && !k.allow_empty) return fail(n.source(), name + ": must not be empty");
      if (!k.choices.empty()) {
        bool found = false;
        std::string list;
        for (const auto& ch : k.choices) {
          found = found || ch == v;
          list += (list.empty() ? "" : ", ") + ch;
        }
        if (!found) return fail(n.source(), name + ": \"" + v + "\" is not one of " + list);
      }
      k.set_string(c, v);
      return {};
    }
    if (k.kind == Kind::boolean) {
      const auto* b = n.as_boolean();
      if (b == nullptr) return fail(n.source(), name + ": expected true or false, got " + describe(n));
      k.set_bool(c, b->get());
      return {};
    }
    const auto* i = n.as_integer();
    if (i == nullptr) return fail(n.source(), name + ": expected an integer, got " + describe(n));
    const std::int64_t v = i->get();
    if (v < k.min || v > k.max) {
      return fail(n.source(), name + ": " + std::to_string(v) + " is out of range " + std::to_string(k.min) + ".." +
                                  std::to_string(k.max));
    }
    k.set_int(c, v);
    return {};
  }

  Status apply_scanners(const toml::node& n, AgentConfig& c) const {
    const auto* arr = n.as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return fail(n.source(), "scanner: expected [[scanner]] tables, got " + describe(n));
    }
    for (const auto& el : *arr) {
      const auto& t = *el.as_table();
      ScannerConfig s;
      s.line = static_cast<int>(t.source().begin.line);
      for (const auto& [key, val] : t) {
        if (key == "profile" || key == "port") {
          const auto* str = val.as_string();
          if (str == nullptr || str->get().empty()) {
            return fail(val.source(), "scanner." + std::string(key.str()) + ": expected a non-empty string, got " +
                                          describe(val));
          }
          (key == "profile" ? s.profile : s.port) = str->get();
        } else {
          return fail(key.source(), "scanner: unknown key \"" + std::string(key.str()) + "\" (known: profile, port)");
        }
      }
      if (s.profile.empty()) return fail(t.source(), "scanner: missing key \"profile\"");
      if (s.port.empty()) return fail(t.source(), "scanner: missing key \"port\"");
      c.scanners.push_back(std::move(s));
    }
    return {};
  }

  Result<AgentConfig> load(const toml::table& root) const {
    AgentConfig c;
    std::map<std::string, const toml::node*> seen_required;
    for (const auto& [skey, sval] : root) {
      const std::string section(skey.str());
      if (section == "scanner") {
        if (auto s = apply_scanners(sval, c); !s) return s.error();
        continue;
      }
      bool known_section = false;
      for (const auto& k : specs()) known_section = known_section || section == k.section;
      if (!known_section) {
        return fail(skey.source(), "unknown section [" + section +
                                       "] (known: device, storage, mqtt, bus, profiles, work, log, metrics, scanner)");
      }
      const auto* table = sval.as_table();
      if (table == nullptr) return fail(sval.source(), section + ": expected a table [" + section + "]");
      for (const auto& [key, val] : *table) {
        const KeySpec* spec = nullptr;
        for (const auto& k : specs()) {
          if (section == k.section && key.str() == k.name) spec = &k;
        }
        if (spec == nullptr) {
          std::string known;
          for (const auto& k : specs()) {
            if (section == k.section) known += (known.empty() ? "" : ", ") + std::string(k.name);
          }
          return fail(key.source(), section + ": unknown key \"" + std::string(key.str()) + "\" (known: " + known + ")");
        }
        if (auto s = apply_key(*spec, val, c); !s) return s.error();
      }
    }
    if (c.site.empty()) return fail_line(1, "device.site is required (e.g. [device] site = \"store-042\")");
    if (c.device.empty()) return fail_line(1, "device.id is required (e.g. [device] id = \"hh-0007\")");
    const auto* dev = root.get_as<toml::table>("device");
    if (!valid_id(c.site)) {
      return fail(dev->get("site")->source(),
                  "device.site: \"" + c.site + "\" must be 1-64 characters of A-Z a-z 0-9 . _ -");
    }
    if (!valid_id(c.device)) {
      return fail(dev->get("id")->source(),
                  "device.id: \"" + c.device + "\" must be 1-64 characters of A-Z a-z 0-9 . _ -");
    }
    if (c.reconnect_min_ms > c.reconnect_max_ms) {
      return fail_line(static_cast<int>(root.source().begin.line),
                       "mqtt.reconnect_min_ms (" + std::to_string(c.reconnect_min_ms) +
                           ") is larger than mqtt.reconnect_max_ms (" + std::to_string(c.reconnect_max_ms) + ")");
    }
    const bool tls = c.mqtt_uri.rfind("ssl://", 0) == 0 || c.mqtt_uri.rfind("mqtts://", 0) == 0;
    if (!tls && c.mqtt_uri.rfind("tcp://", 0) != 0 && c.mqtt_uri.rfind("mqtt://", 0) != 0) {
      const auto* mq = root.get_as<toml::table>("mqtt");
      return fail(mq->get("uri")->source(),
                  "mqtt.uri: \"" + c.mqtt_uri + "\" must start with tcp://, mqtt://, ssl:// or mqtts://");
    }
    const auto* mq = root.get_as<toml::table>("mqtt");
    auto where = [&](const char* key) {
      const toml::node* n = mq != nullptr ? mq->get(key) : nullptr;
      return n != nullptr ? static_cast<int>(n->source().begin.line) : 1;
    };
    if (tls && c.mqtt_ca_file.empty()) {
      return fail_line(where("uri"), "mqtt.uri is " + c.mqtt_uri +
                                         " (TLS) but mqtt.ca_file is not set: name the PEM file of the broker's CA");
    }
    if (!tls && (!c.mqtt_ca_file.empty() || !c.mqtt_cert_file.empty() || !c.mqtt_key_file.empty())) {
      return fail_line(where("uri"), "mqtt.ca_file/cert_file/key_file are set but mqtt.uri \"" + c.mqtt_uri +
                                         "\" is not TLS: use ssl://host:port");
    }
    if (c.mqtt_cert_file.empty() != c.mqtt_key_file.empty()) {
      return fail_line(where(c.mqtt_cert_file.empty() ? "key_file" : "cert_file"),
                       "mqtt.cert_file and mqtt.key_file must be set together (client certificate and its key)");
    }
    if (c.mqtt_version != 3 && c.mqtt_version != 5) {
      return fail_line(where("version"), "mqtt.version: " + std::to_string(c.mqtt_version) + " must be 3 or 5");
    }
    for (const auto& [name, ep] : {std::pair{"bus.endpoint", c.bus_endpoint}, {"bus.pub_endpoint", c.bus_pub_endpoint}}) {
      if (ep.rfind("ipc://", 0) != 0 && ep.rfind("tcp://127.", 0) != 0 && ep.rfind("inproc://", 0) != 0) {
        const auto* bus = root.get_as<toml::table>("bus");
        const std::string key = std::string(name).substr(4);
        return fail(bus->get(key)->source(), std::string(name) + ": \"" + ep +
                                                 "\" must be ipc://PATH (or tcp://127.x.x.x:PORT for tests): the "
                                                 "local bus is never exposed to the network");
      }
    }
    if (c.bus_endpoint == c.bus_pub_endpoint) return fail_line(1, "bus.endpoint and bus.pub_endpoint must differ");
    return c;
  }
};

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<AgentConfig> parse_config(std::string_view toml_text, const std::string& source) {
  Loader loader{source};
  try {
    toml::table root = toml::parse(toml_text, source);
    return loader.load(root);
  } catch (const toml::parse_error& e) {
    return make_error("config", source + ":" + std::to_string(e.source().begin.line) + ": TOML syntax error: " +
                                    std::string(e.description()));
  }
}

Result<AgentConfig> apply_remote_overlay(const AgentConfig& base, const nlohmann::json& set) {
  if (!set.is_object()) return make_error("config", "\"set\" must be an object of \"section.key\": value");
  const std::string source = "config downlink";
  Loader loader{source};
  AgentConfig c = base;
  for (const auto& [key, value] : set.items()) {
    const KeySpec* spec = nullptr;
    for (const auto& k : specs()) {
      if (key == std::string(k.section) + "." + k.name) spec = &k;
    }
    if (spec == nullptr) return make_error("config", "unknown key \"" + key + "\"");
    if (!spec->remote) {
      std::string allowed;
      for (std::string_view r : kRemoteKeys) allowed += (allowed.empty() ? "" : ", ") + std::string(r);
      return make_error("config", key + " cannot be changed remotely (only in the device's config file); remote keys: " +
                                      allowed);
    }
    // The same checks as the file: the value becomes a TOML node and goes through apply_key.
    std::unique_ptr<toml::node> node;
    if (value.is_string()) {
      node = std::make_unique<toml::value<std::string>>(value.get<std::string>());
    } else if (value.is_boolean()) {
      node = std::make_unique<toml::value<bool>>(value.get<bool>());
    } else if (value.is_number_integer()) {
      node = std::make_unique<toml::value<std::int64_t>>(value.get<std::int64_t>());
    } else if (value.is_number_unsigned()) {
      return make_error("config", key + ": " + value.dump() + " is out of range");
    } else {
      node = std::make_unique<toml::array>();  // floats, null, arrays, objects: "got an array" below
      if (value.is_number_float()) node = std::make_unique<toml::value<double>>(value.get<double>());
    }
    if (auto st = loader.apply_key(*spec, *node, c); !st) {
      std::string msg = st.error().message;
      const std::string prefix = source + ":1: ";
      if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
      if (value.is_null() || value.is_object() || value.is_array()) {
        msg = key + ": expected " +
              std::string(spec->kind == Kind::string ? "a string" : spec->kind == Kind::boolean ? "true or false"
                                                                                                  : "an integer") +
              ", got " + std::string(value.type_name());
      }
      return make_error("config", msg);
    }
  }
  return c;
}

std::vector<std::string> remote_keys() {
  std::vector<std::string> out;
  for (std::string_view r : kRemoteKeys) out.emplace_back(r);
  return out;
}

Result<AgentConfig> load_config(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("config", path + ":1: cannot read the file (missing or no permission)");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_config(ss.str(), path);
}

std::vector<KeyDoc> documented_keys() {
  std::vector<KeyDoc> out;
  for (const auto& k : specs()) {
    out.push_back(KeyDoc{std::string(k.section) + "." + k.name, k.kind == Kind::string ? "string" : (k.kind == Kind::boolean ? "boolean" : "integer"),
                         k.default_doc, k.description, k.remote});
  }
  out.push_back(KeyDoc{"scanner[].profile", "string", "(required)", "Firmware profile name, e.g. generic-serial-ascii"});
  out.push_back(KeyDoc{"scanner[].port", "string", "(required)",
                       "Which device: a stable identity usb:VVVV:PPPP:SERIAL (or usb:VVVV:PPPP@BUS-PORTS), "
                       "serial:/dev/ttyS0, or a device path such as /dev/ttyUSB0 (not stable across replugging); "
                       "scanedgectl devices prints identities"});
  return out;
}

}  // namespace scanedge::config
