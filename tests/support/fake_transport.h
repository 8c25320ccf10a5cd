// In-memory publish/subscribe for unit tests: a FakeBroker and any number of FakeTransports
// attached to it (e.g. a device's and a ledger's).
//
// Semantics close to MQTT for what the product relies on: topic filters with `+` and `#`,
// shared subscriptions `$share/<group>/<filter>` (one member of a group gets each message),
// per-publisher ordering preserved, no delivery to a disconnected transport (its messages
// are lost, like a clean session). Faults: FakeBroker::set_up(false) disconnects everyone,
// FakeTransport::set_link(false) disconnects one, drop_next(n) silently loses the next n
// published messages. Delivery happens on the broker's own thread, one message at a time.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edge/core/transport.h"

namespace scanedge::testing {

bool topic_matches(const std::string& filter, const std::string& topic);

class FakeTransport;

class FakeBroker {
 public:
  FakeBroker();
  ~FakeBroker();
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  void set_up(bool up);
  bool up() const;
  void drop_next(int n);
  // Blocks until every queued message was delivered (or 5 s passed).
  bool drain();
  // Every message published so far (topic + payload), for assertions.
  std::vector<Message> published() const;

 private:
  friend class FakeTransport;
  void attach(FakeTransport* t);
  void detach(FakeTransport* t);
  Status publish(FakeTransport* from, const Message& m);
  void notify_connection(FakeTransport* t);
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FakeTransport*> clients_;
  std::deque<std::function<void()>> queue_;
  std::vector<Message> log_;
  bool up_ = true;
  int drop_ = 0;
  int busy_ = 0;
  bool stopping_ = false;
  std::size_t share_rr_ = 0;
  std::thread thread_;
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(FakeBroker& broker);
  ~FakeTransport() override;

  void on_message(MessageHandler handler) override;
  void on_connection(ConnectionHandler handler) override;
  Status subscribe(const std::string& topic_filter, int qos) override;
  Status start() override;
  void stop() override;
  Status publish(const std::string& topic, const std::string& payload, int qos, bool retained) override;
  bool connected() const override;

  void set_link(bool up);

 private:
  friend class FakeBroker;
  FakeBroker& broker_;
  mutable std::mutex mu_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  std::vector<std::string> filters_;
  bool started_ = false;
  bool link_ = true;
  bool last_reported_ = false;
};

}  // namespace scanedge::testing
