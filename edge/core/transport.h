// Transport seam: publish/subscribe messaging to the central side (MQTT in production).
//
// start(): begins connecting in the background and returns at once. The transport owns
//   reconnection (exponential backoff with jitter) until stop(); it re-subscribes every
//   subscription after each reconnect. Returns an Error only for a configuration that can
//   never work (bad URI).
// publish(): hands a message to the client. Success means "accepted for delivery", not that
//   anybody received it; an Error means it was not accepted (e.g. not connected). Callers
//   must not rely on a publish for durability.
// publish_expiring(): publish() with an MQTT 5 message expiry (see below).
// subscribe(): records a topic filter; active whenever connected.
// Handlers are called on the transport's own thread(s), never concurrently with each other;
// they must not block for long. Set them before start().
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "edge/core/result.h"

namespace scanedge {

struct Message {
  std::string topic;
  std::string payload;
};

class Transport {
 public:
  using MessageHandler = std::function<void(const Message&)>;
  using ConnectionHandler = std::function<void(bool connected)>;
  virtual ~Transport() = default;

  virtual void on_message(MessageHandler handler) = 0;
  virtual void on_connection(ConnectionHandler handler) = 0;
  virtual Status subscribe(const std::string& topic_filter, int qos) = 0;
  virtual Status start() = 0;
  virtual void stop() = 0;
  virtual Status publish(const std::string& topic, const std::string& payload, int qos, bool retained) = 0;
  virtual bool connected() const = 0;
  // publish() with a message expiry (MQTT 5): a broker that could not deliver the message
  // within `expiry` drops it. Zero: never expires. Transports without expiry support (MQTT
  // 3.1.1, fakes) publish without it: expiry is an optimisation, never needed for
  // correctness.
  virtual Status publish_expiring(const std::string& topic, const std::string& payload, int qos, bool retained,
                                  std::chrono::seconds expiry) {
    (void)expiry;
    return publish(topic, payload, qos, retained);
  }
};

}  // namespace scanedge
