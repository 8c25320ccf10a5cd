// ZmqBus: the Bus seam over ZeroMQ.
//
// Requests: a ROUTER socket at `endpoint`; clients use REQ (or DEALER with an empty delimiter
// frame). Each request is one frame of JSON, at most max_request_bytes; every request gets
// exactly one reply frame of JSON. A request that is not a JSON object, or too large, is
// answered by the bus itself: {"v":1,"ok":false,"error":{"code":"bad_request"|"too_large",...}}.
// Events: a PUB socket at `pub_endpoint`; each message is two frames: topic, JSON.
// For ipc:// endpoints the socket files are made owner/group-only (0660) after binding.
//
// Threading: one bus thread owns both sockets. Replier callbacks and publish() may be called
// from any thread: they queue the message and wake the bus thread through an eventfd.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edge/core/bus.h"

namespace scanedge::bus {

struct ZmqBusOptions {
  std::string endpoint;
  std::string pub_endpoint;
  std::size_t max_request_bytes = 64 * 1024;
};

class ZmqBus final : public Bus {
 public:
  explicit ZmqBus(ZmqBusOptions options);
  ~ZmqBus() override;
  ZmqBus(const ZmqBus&) = delete;
  ZmqBus& operator=(const ZmqBus&) = delete;

  void on_request(RequestHandler handler) override;
  // Binds both sockets (Error code "bus" naming the endpoint when that fails) and starts the
  // bus thread.
  Status start() override;
  void stop() override;
  void publish(const std::string& topic, const nlohmann::json& message) override;

 private:
  struct Outgoing {
    bool is_reply = false;
    std::vector<std::string> envelope;  // routing frames for replies
    std::string topic;                  // for publications
    std::string body;
  };
  void run();
  void enqueue(Outgoing out);

  ZmqBusOptions options_;
  RequestHandler handler_;
  std::mutex mu_;
  std::deque<Outgoing> outgoing_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  struct Sockets;
  std::unique_ptr<Sockets> sockets_;
};

}  // namespace scanedge::bus
