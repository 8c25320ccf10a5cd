// The `config` downlink's document (protocol v1): one complete remote-config overlay.
//   {"v":1,"config_id":"cfg-42","version":7,"set":{"section.key":value,...}}
// v: 1. config_id: 1-64 of A-Z a-z 0-9 . _ -. version: integer >= 1. set: an object (its
// keys and values are checked by apply_remote_overlay(), agent_config.h). No other member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::config {

struct ConfigDocument {
  std::string config_id;
  std::int64_t version = 0;
  nlohmann::json set = nlohmann::json::object();
};

// Schema check of a `config` payload; never throws. Errors: code "bad_config", message
// "config downlink: ..." naming the member that is wrong.
Result<ConfigDocument> parse_config_document(std::string_view payload);

}  // namespace scanedge::config
