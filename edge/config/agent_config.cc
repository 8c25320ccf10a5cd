#include "edge/config/agent_config.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

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
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

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
    str("mqtt", "uri", "tcp://127.0.0.1:1883", "Broker URI: tcp://host:port (ssl:// comes with TLS support)",
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
                                       "] (known: device, storage, mqtt, bus, profiles, log, scanner)");
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
    if (c.mqtt_uri.rfind("tcp://", 0) != 0 && c.mqtt_uri.rfind("mqtt://", 0) != 0) {
      const auto* mq = root.get_as<toml::table>("mqtt");
      return fail(mq->get("uri")->source(), "mqtt.uri: \"" + c.mqtt_uri + "\" must start with tcp:// or mqtt://");
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
                         k.default_doc, k.description});
  }
  out.push_back(KeyDoc{"scanner[].profile", "string", "(required)", "Firmware profile name, e.g. generic-serial-ascii"});
  out.push_back(KeyDoc{"scanner[].port", "string", "(required)",
                       "Which device: a stable identity usb:VVVV:PPPP:SERIAL (or usb:VVVV:PPPP@BUS-PORTS), "
                       "serial:/dev/ttyS0, or a device path such as /dev/ttyUSB0 (not stable across replugging); "
                       "scanedgectl devices prints identities"});
  return out;
}

}  // namespace scanedge::config
