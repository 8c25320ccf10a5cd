// Bus seam: the local API for on-device apps (ZeroMQ in production).
//
// Requests are JSON objects; every request gets exactly one JSON reply. The request handler
// is called on the bus thread with the parsed request and a Replier; it may call the
// Replier at once or later from any thread (e.g. after the outbox commit), exactly once.
// A request that is not valid JSON is answered by the bus itself with an error reply and
// never reaches the handler.
// publish(): sends a JSON message to every subscriber under `topic`; thread-safe; never
// blocks the caller for long (drops when subscribers are too slow, per ZeroMQ PUB).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge {

class Bus {
 public:
  using Replier = std::function<void(nlohmann::json reply)>;
  using RequestHandler = std::function<void(const nlohmann::json& request, Replier reply)>;
  virtual ~Bus() = default;

  virtual void on_request(RequestHandler handler) = 0;
  virtual Status start() = 0;
  virtual void stop() = 0;
  virtual void publish(const std::string& topic, const nlohmann::json& message) = 0;
};

}  // namespace scanedge
