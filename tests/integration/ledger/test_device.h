// Test helper for the ledger's integration tests: a device's MQTT end (PahoTransport) that
// publishes batches and records acks and tasks, and batch payload builders.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edge/core/outbox.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"
#include "tests/support/process.h"

namespace scanedge::sync {

using namespace std::chrono_literals;

inline std::string event_json(Stream s, std::int64_t seq) {
  return nlohmann::json{{"id", "ev-" + std::to_string(seq)},
                        {"seq", seq},
                        {"stream", std::string(to_string(s))},
                        {"type", "pick.confirmed"},
                        {"item", {{"gtin", "09506000134352"}}},
                        {"qty", 1}}
      .dump();
}

// shed_through > 0: a telemetry batch declaring seqs up to it shed.
inline std::string batch(const DeviceAddress& a, Stream s, std::int64_t first, std::int64_t last,
                         std::int64_t shed_through = 0) {
  std::vector<StoredEvent> events;
  for (std::int64_t q = first; q <= last; ++q) events.push_back({q, event_json(s, q)});
  return encode_batch(a, s, events, shed_through);
}

// A device's MQTT end: publishes batches, records acks (and tasks).
class TestDevice {
 public:
  TestDevice(const std::string& uri, const DeviceAddress& a, const std::string& client_id) : address_(a) {
    using scanedge::testing::eventually;
    MqttOptions o;
    o.uri = uri;
    o.client_id = client_id;
    o.clean_session = true;
    o.reconnect_min = 50ms;
    o.reconnect_max = 500ms;
    t_ = std::make_unique<PahoTransport>(o);
    t_->on_message([this](const Message& m) {
      std::lock_guard lock(mu_);
      got_.push_back(m);
    });
    EXPECT_TRUE(t_->subscribe(topic_root(a) + "ack/+", 1));
    EXPECT_TRUE(t_->subscribe(tasks_topic(a), 1));
    EXPECT_TRUE(t_->start());
    EXPECT_TRUE(eventually([&] { return t_->connected(); }, 10s));
  }
  ~TestDevice() { t_->stop(); }

  void send(Stream s, std::int64_t first, std::int64_t last, std::int64_t shed_through = 0) {
    send_raw(events_topic(address_, s), batch(address_, s, first, last, shed_through));
  }
  void send_raw(const std::string& topic, const std::string& payload) {
    using scanedge::testing::eventually;
    ASSERT_TRUE(eventually([&] { return t_->publish(topic, payload, 1, false).ok(); }, 5s)) << "publish on " << topic;
  }
  std::vector<Message> received() {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::vector<Message> acks(Stream s) {
    std::vector<Message> out;
    for (const Message& m : received()) {
      if (m.topic == ack_topic(address_, s)) out.push_back(m);
    }
    return out;
  }
  // Waits for an ack on stream s (beyond the first `after` ones) and returns it.
  std::optional<Ack> next_ack(Stream s, std::size_t after, std::chrono::milliseconds timeout = 10s) {
    using scanedge::testing::eventually;
    if (!eventually([&] { return acks(s).size() > after; }, timeout)) return std::nullopt;
    auto a = decode_ack(acks(s)[after].payload);
    EXPECT_TRUE(a) << acks(s)[after].payload;
    if (!a) return std::nullopt;
    return *a;
  }
  // The ledger's subscription may not be up yet: resend the (idempotent) batch until an ack
  // comes back.
  Ack send_until_acked(Stream s, std::int64_t first, std::int64_t last, std::int64_t shed_through = 0) {
    for (int attempt = 0; attempt < 60; ++attempt) {
      const std::size_t before = acks(s).size();
      send(s, first, last, shed_through);
      if (auto a = next_ack(s, before, 500ms)) return *a;
    }
    ADD_FAILURE() << "no ack for " << first << ".." << last;
    return Ack{};
  }
  std::unique_ptr<PahoTransport> t_;

 private:
  DeviceAddress address_;
  std::mutex mu_;
  std::vector<Message> got_;
};

}  // namespace scanedge::sync
