#include "sync/device/status_payload.h"

#include <nlohmann/json.hpp>

#include "edge/core/event_id.h"

namespace scanedge::sync {

std::string status_payload(const DeviceAddress& address, bool online, std::chrono::system_clock::time_point time,
                           const nlohmann::json& config) {
  nlohmann::ordered_json j;
  j["v"] = kProtocolVersion;
  j["site"] = address.site;
  j["device"] = address.device;
  j["online"] = online;
  j["time"] = format_time_utc(time);
  if (!config.is_null()) j["config"] = config;
  // Ids are validated ASCII; replace rather than throw should a caller pass invalid UTF-8.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace scanedge::sync
