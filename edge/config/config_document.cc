#include "edge/config/config_document.h"

#include "edge/config/agent_config.h"

namespace scanedge::config {

namespace {

Error bad(const std::string& what) { return make_error("bad_config", "config downlink: " + what); }

}  // namespace

Result<ConfigDocument> parse_config_document(std::string_view payload) {
  auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("not JSON (" + std::to_string(payload.size()) + " bytes)");
  if (!j.is_object()) return bad("expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "v" && k != "config_id" && k != "version" && k != "set") {
      return bad("unknown member \"" + k + "\" (expected v, config_id, version, set)");
    }
  }
  const auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<std::int64_t>() != 1) return bad("\"v\" must be 1");
  ConfigDocument doc;
  const auto id = j.find("config_id");
  if (id == j.end() || !id->is_string() || !valid_id(id->get<std::string>())) {
    return bad("\"config_id\" must be 1-64 of A-Z a-z 0-9 . _ -");
  }
  doc.config_id = id->get<std::string>();
  const auto ver = j.find("version");
  if (ver == j.end() || !ver->is_number_integer() || ver->get<std::int64_t>() < 1) {
    return bad("\"version\" must be an integer >= 1");
  }
  doc.version = ver->get<std::int64_t>();
  const auto set = j.find("set");
  if (set == j.end() || !set->is_object()) return bad("\"set\" must be an object of \"section.key\": value");
  doc.set = *set;
  return doc;
}

}  // namespace scanedge::config
