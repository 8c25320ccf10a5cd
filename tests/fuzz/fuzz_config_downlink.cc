// Fuzz target: the `config` downlink (remote config) as the device sees it:
// parse_config_document() then apply_remote_overlay() over a fixed file config
// (edge/config/config_document.h, agent_config.h), on arbitrary payload bytes.
//
// Properties:
// - nothing throws or crashes; a refused document has code "bad_config" and a message
//   starting "config downlink: "; a refused overlay has code "config" and a non-empty message;
// - an accepted overlay changes nothing but remote keys: identity, storage path and mode,
//   broker URI, credentials, TLS files, bus endpoints, profiles and scanners stay as in the
//   file; and every accepted value is within the key's documented limits;
// - an empty "set" gives back the file's config.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/config/agent_config.h"
#include "edge/config/config_document.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace c = scanedge::config;
using scanedge::fuzz::printable;

const c::AgentConfig& base() {
  static const c::AgentConfig cfg = [] {
    auto r = c::parse_config(
        "[device]\nsite = \"store-042\"\nid = \"hh-0007\"\n[mqtt]\nuri = \"ssl://broker:8883\"\n"
        "ca_file = \"/etc/scanedge/ca.pem\"\ncert_file = \"/etc/scanedge/d.pem\"\nkey_file = \"/etc/scanedge/d.key\"\n"
        "[[scanner]]\nprofile = \"generic-serial-ascii\"\nport = \"/dev/ttyUSB0\"\n",
        "base.toml");
    if (!r) __builtin_trap();
    return *r;
  }();
  return cfg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(bytes), size);
  const std::string ctx = "config downlink " + printable(payload);
  const auto doc = c::parse_config_document(payload);
  if (!doc) {
    FUZZ_CHECK(doc.error().code == "bad_config", ctx + " -> " + doc.error().code);
    FUZZ_CHECK(doc.error().message.starts_with("config downlink: ") && doc.error().message.size() > 17,
               ctx + " -> " + printable(doc.error().message));
    return 0;
  }
  FUZZ_CHECK(c::valid_id(doc->config_id) && doc->version >= 1 && doc->set.is_object(), ctx);
  const c::AgentConfig& f = base();
  const auto r = c::apply_remote_overlay(f, doc->set);
  if (!r) {
    FUZZ_CHECK(r.error().code == "config" && !r.error().message.empty(), ctx + " -> " + r.error().code);
    return 0;
  }
  const c::AgentConfig& o = *r;
  FUZZ_CHECK(o.site == f.site && o.device == f.device && o.storage_path == f.storage_path &&
                 o.synchronous == f.synchronous && o.mqtt_uri == f.mqtt_uri && o.mqtt_client_id == f.mqtt_client_id &&
                 o.mqtt_username == f.mqtt_username && o.mqtt_password == f.mqtt_password &&
                 o.mqtt_ca_file == f.mqtt_ca_file && o.mqtt_cert_file == f.mqtt_cert_file &&
                 o.mqtt_key_file == f.mqtt_key_file && o.mqtt_version == f.mqtt_version &&
                 o.keepalive_s == f.keepalive_s && o.bus_endpoint == f.bus_endpoint &&
                 o.bus_pub_endpoint == f.bus_pub_endpoint && o.profiles_dir == f.profiles_dir &&
                 o.scanners.size() == f.scanners.size(),
             ctx + ": a non-remote key changed");
  FUZZ_CHECK(o.max_mb >= 1 && o.batch_max_events >= 1 && o.batch_max_events <= 10000 && o.window_events >= 1 &&
                 o.ack_timeout_ms >= 100 && o.keep_finished_hours >= 1 && o.telemetry_expiry_s >= 0,
             ctx + ": a value outside its limits was accepted");
  if (doc->set.empty()) FUZZ_CHECK(o.batch_max_events == f.batch_max_events && o.log_level == f.log_level, ctx);
  return 0;
}
