// BusClient: the client side of the local bus, for scanedgectl, on-device apps and tests.
//
// request() sends one JSON request and waits up to `timeout` for its reply. Errors (code
// "unreachable" when nothing answered in time, "bad_reply" when the reply is not JSON) are
// values. The client keeps one connection open between requests (a new ZeroMQ connection
// costs about as much as the request itself). After a timeout it throws the connection away
// with anything still queued on it, so an abandoned request is never delivered later and its
// late reply can never be taken for the answer to the next one.
// Threading: one BusClient per thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::bus {

class BusClient {
 public:
  explicit BusClient(const std::string& endpoint);
  ~BusClient();
  BusClient(const BusClient&) = delete;
  BusClient& operator=(const BusClient&) = delete;

  Result<nlohmann::json> request(const nlohmann::json& req, std::chrono::milliseconds timeout);
  // Sends raw bytes as the request body (for tests of malformed requests).
  Result<nlohmann::json> request_raw(const std::string& body, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Subscribes to the bus's PUB endpoint; receive() returns {topic, json} or nullopt on timeout.
class BusSubscriber {
 public:
  explicit BusSubscriber(const std::string& pub_endpoint, const std::string& topic_prefix = "");
  ~BusSubscriber();
  BusSubscriber(const BusSubscriber&) = delete;
  BusSubscriber& operator=(const BusSubscriber&) = delete;
  std::optional<std::pair<std::string, nlohmann::json>> receive(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scanedge::bus
