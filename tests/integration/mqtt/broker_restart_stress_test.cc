// PahoTransport under repeated broker deaths while a thread publishes QoS 1 non-stop.
//
// Regression test for a heap-use-after-free inside the Paho C library (1.3.11/1.3.12, the
// Debian build): when the socket write of a queued QoS 1 PUBLISH fails because the broker
// has just reset the connection, Paho frees the message's topic and payload while its
// in-flight list still points at them; reconnecting that same client (clean_session=false)
// makes Paho resend the freed message. PahoTransport must never reconnect or destroy such a
// client (see paho_transport.h). Under AddressSanitizer this test fails without that rule;
// in every build it checks that the transport keeps recovering and delivering.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "sync/mqtt/paho_transport.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::Mosquitto;

MqttOptions fast_options(const std::string& uri, const std::string& id) {
  MqttOptions o;
  o.uri = uri;
  o.client_id = id;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  o.connect_timeout = 2000ms;
  o.keepalive = std::chrono::seconds(5);
  return o;
}

TEST(PahoTransportStress, PublishingThroughRepeatedBrokerDeathsStaysMemorySafeAndRecovers) {
  Mosquitto broker;
  broker.start();

  PahoTransport sink(fast_options(broker.uri(), "stress-sink"));
  std::mutex mu;
  std::set<std::string> received;
  sink.on_message([&](const Message& m) {
    std::lock_guard lock(mu);
    received.insert(m.topic);
  });
  ASSERT_TRUE(sink.subscribe("stress/#", 1).ok());
  ASSERT_TRUE(sink.start().ok());

  auto po = fast_options(broker.uri(), "stress-pub");
  po.max_inflight = 32;
  PahoTransport pub(po);
  ASSERT_TRUE(pub.start().ok());
  ASSERT_TRUE(eventually([&] { return sink.connected() && pub.connected(); }, 20s));

  // Large enough that a burst of publishes is still being written when the broker dies.
  const std::string payload(8 * 1024, 'x');
  std::atomic<bool> run{true};
  std::atomic<std::uint64_t> accepted{0};
  std::thread publisher([&] {
    std::uint64_t n = 0;
    while (run.load()) {
      if (pub.publish("stress/data", payload, 1, false).ok()) {
        ++n;
        accepted.store(n);
      } else {
        std::this_thread::sleep_for(200us);
      }
    }
  });
  // Stops the publisher on every exit path (a failed ASSERT returns early).
  struct Joiner {
    std::atomic<bool>& run;
    std::thread& t;
    ~Joiner() {
      run = false;
      if (t.joinable()) t.join();
    }
  } joiner{run, publisher};

  constexpr int kCycles = 8;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kCycles; ++i) {
    // Traffic must be flowing when the broker goes away.
    const auto before = accepted.load();
    ASSERT_TRUE(eventually([&] { return pub.connected() && accepted.load() >= before + 200; }, 20s))
        << "cycle " << i << ": publishing did not resume (accepted " << accepted.load() << ")";
    if (i % 2 == 0) {
      broker.kill();  // SIGKILL: the kernel resets connections with unread data
    } else {
      broker.stop();  // SIGTERM: mosquitto closes its sockets itself
    }
    ASSERT_TRUE(eventually([&] { return !pub.connected(); }, 20s)) << "cycle " << i;
    broker.start();
  }
  ASSERT_TRUE(eventually([&] { return pub.connected() && sink.connected(); }, 20s));
  const auto before_final = accepted.load();
  ASSERT_TRUE(eventually([&] { return accepted.load() >= before_final + 200; }, 20s));
  run = false;
  publisher.join();

  // Delivery works end to end after the last restart.
  ASSERT_TRUE(eventually(
      [&] {
        if (!pub.publish("stress/final", "done", 1, false).ok()) return false;
        return eventually(
            [&] {
              std::lock_guard lock(mu);
              return received.count("stress/final") > 0;
            },
            2s);
      },
      30s));
  EXPECT_GE(pub.connect_count(), static_cast<std::uint64_t>(kCycles + 1));
  std::printf("%d broker deaths in %.1f s, %llu publishes accepted, %llu connects, %llu Paho clients retired "
              "after a failed in-flight write\n",
              kCycles, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              static_cast<unsigned long long>(accepted.load()),
              static_cast<unsigned long long>(pub.connect_count()),
              static_cast<unsigned long long>(pub.retired_clients()));
  pub.stop();
  sink.stop();
}

}  // namespace
}  // namespace scanedge::sync
