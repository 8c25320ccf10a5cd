// PahoTransport against a real mosquitto on a free loopback port.
#include "sync/mqtt/paho_transport.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sync/mqtt/backoff.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::Mosquitto;

// Records what a transport's handlers saw.
struct Recorder {
  std::mutex mu;
  std::vector<Message> messages;
  std::vector<bool> connections;
  int concurrent = 0;
  int max_concurrent = 0;

  void attach(Transport& t) {
    t.on_message([this](const Message& m) {
      enter();
      {
        std::lock_guard lock(mu);
        messages.push_back(m);
      }
      leave();
    });
    t.on_connection([this](bool up) {
      enter();
      {
        std::lock_guard lock(mu);
        connections.push_back(up);
      }
      leave();
    });
  }
  void enter() {
    std::lock_guard lock(mu);
    max_concurrent = std::max(max_concurrent, ++concurrent);
  }
  void leave() {
    std::lock_guard lock(mu);
    --concurrent;
  }
  std::size_t message_count() {
    std::lock_guard lock(mu);
    return messages.size();
  }
  std::vector<Message> snapshot() {
    std::lock_guard lock(mu);
    return messages;
  }
  std::vector<bool> conn() {
    std::lock_guard lock(mu);
    return connections;
  }
};

MqttOptions options(const std::string& uri, const std::string& id) {
  MqttOptions o;
  o.uri = uri;
  o.client_id = id;
  o.keepalive = 5s;
  o.reconnect_min = 50ms;
  o.reconnect_max = 500ms;
  o.connect_timeout = 2000ms;
  return o;
}

TEST(Backoff, StaysWithinBoundsAndGrowsExponentially) {
  std::mt19937_64 rng(42);
  for (int attempt = 0; attempt < 40; ++attempt) {
    std::int64_t max_seen = 0;
    for (int i = 0; i < 200; ++i) {
      const auto d = backoff_delay(attempt, 250ms, 30000ms, rng);
      ASSERT_GE(d, 250ms);
      ASSERT_LE(d, 30000ms);
      const std::int64_t ceiling = std::min<std::int64_t>(30000, 250LL << std::min(attempt, 20));
      ASSERT_LE(d.count(), ceiling) << "attempt " << attempt;
      max_seen = std::max<std::int64_t>(max_seen, d.count());
    }
    // Full jitter: with 200 draws the spread reaches well into the upper half of the range.
    if (attempt >= 3) {
      EXPECT_GT(max_seen, std::min<std::int64_t>(30000, 250LL << attempt) / 2);
    }
  }
  EXPECT_EQ(backoff_delay(5, 100ms, 50ms, rng), 100ms);  // max < min: min
}

TEST(PahoTransport, RejectsBadUriAndOptions) {
  for (const char* uri : {"", "localhost:1883", "foo://host:1883", "tcp://", "tcp://:1883", "tcp://host:abc",
                          "tcp://host:99999", "tcp://host:"}) {
    PahoTransport t(options(uri, "bad-uri"));
    auto s = t.start();
    ASSERT_FALSE(s.ok()) << uri;
    EXPECT_EQ(s.error().code, "bad_uri") << uri;
    EXPECT_FALSE(s.error().message.empty());
  }
  PahoTransport no_id(options("tcp://127.0.0.1:1", ""));
  auto s = no_id.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "bad_option");
}

TEST(PahoTransport, PublishesAndReceivesInOrder) {
  Mosquitto broker;
  broker.start();
  Recorder rs, rp;  // outlive the transports that call them
  PahoTransport sub(options(broker.uri(), "it-sub"));
  PahoTransport pub(options(broker.uri(), "it-pub"));
  rs.attach(sub);
  rp.attach(pub);
  ASSERT_TRUE(sub.subscribe("scanedge/test/#", 1).ok());
  ASSERT_TRUE(sub.start().ok());
  ASSERT_TRUE(pub.start().ok());
  ASSERT_TRUE(eventually([&] { return sub.connected() && pub.connected(); }, 10s));
  EXPECT_EQ(rs.conn(), std::vector<bool>{true});

  constexpr int kN = 2000;
  int sent = 0;
  while (sent < kN) {
    auto s = pub.publish("scanedge/test/a", "m" + std::to_string(sent), 1, false);
    if (s.ok()) {
      ++sent;
    } else {
      ASSERT_EQ(s.error().code, "busy") << s.error().message;
      std::this_thread::sleep_for(1ms);
    }
  }
  ASSERT_TRUE(eventually([&] { return rs.message_count() >= kN; }, 20s)) << rs.message_count();
  const auto got = rs.snapshot();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(got[static_cast<std::size_t>(i)].payload, "m" + std::to_string(i));
    ASSERT_EQ(got[static_cast<std::size_t>(i)].topic, "scanedge/test/a");
  }
  EXPECT_EQ(rs.max_concurrent, 1);
  // A subscription added while connected is active at once.
  ASSERT_TRUE(sub.subscribe("scanedge/other", 1).ok());
  ASSERT_TRUE(eventually(
      [&] {
        (void)pub.publish("scanedge/other", "late", 1, false);
        const auto m = rs.snapshot();
        return !m.empty() && m.back().payload == "late";
      },
      5s, 100ms));
}

TEST(PahoTransport, BrokerOutageReconnectsAndResubscribesByItself) {
  Mosquitto broker;
  broker.start();
  Recorder rs;
  PahoTransport sub(options(broker.uri(), "out-sub"));
  PahoTransport pub(options(broker.uri(), "out-pub"));
  rs.attach(sub);
  ASSERT_TRUE(sub.subscribe("scanedge/out/#", 1).ok());
  ASSERT_TRUE(sub.start().ok());
  ASSERT_TRUE(pub.start().ok());
  ASSERT_TRUE(eventually([&] { return sub.connected() && pub.connected(); }, 10s));

  broker.stop();
  ASSERT_TRUE(eventually([&] { return !sub.connected() && !pub.connected(); }, 10s));
  EXPECT_EQ(rs.conn(), (std::vector<bool>{true, false}));
  auto s = pub.publish("scanedge/out/x", "while-down", 1, false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "not_connected");

  broker.start();  // same port; mosquitto has no persistence: sessions and subscriptions are gone
  ASSERT_TRUE(eventually([&] { return sub.connected() && pub.connected(); }, 10s));
  EXPECT_EQ(rs.conn(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(sub.connect_count(), 2u);
  ASSERT_TRUE(pub.publish("scanedge/out/x", "after", 1, false).ok());
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& m : rs.snapshot()) {
          if (m.payload == "after") return true;
        }
        return false;
      },
      10s))
      << "the subscriber did not re-subscribe after reconnecting";
}

TEST(PahoTransport, BusyWhenInflightWindowIsFullInsteadOfBlocking) {
  // Our own broker process, so that it can be frozen (SIGSTOP): PUBACKs stop coming.
  testing::TempDir dir;
  const int port = testing::free_tcp_port();
  {
    std::ofstream f(dir.file("m.conf"));
    f << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n";
  }
  const std::string bin = ::access("/usr/sbin/mosquitto", X_OK) == 0 ? "/usr/sbin/mosquitto" : "mosquitto";
  auto proc = testing::Process::spawn({bin, "-c", dir.file("m.conf")}, dir.file("m.log"));
  ASSERT_TRUE(eventually([&] { return testing::port_open(port); }, 10s));
  auto o = options("tcp://127.0.0.1:" + std::to_string(port), "busy-pub");
  o.max_inflight = 4;
  PahoTransport pub(o);
  ASSERT_TRUE(pub.start().ok());
  ASSERT_TRUE(eventually([&] { return pub.connected(); }, 10s));

  proc.signal(SIGSTOP);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pub.publish("scanedge/busy", "x", 1, false).ok()) << i;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = pub.publish("scanedge/busy", "x", 1, false);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "busy");
  // QoS 0 does not occupy the window.
  EXPECT_TRUE(pub.publish("scanedge/busy", "q0", 0, false).ok());

  proc.signal(SIGCONT);
  ASSERT_TRUE(eventually([&] { return pub.publish("scanedge/busy", "x", 1, false).ok(); }, 10s));
}

// Starts mqtt_will_child with `args` (URI CLIENT_ID WILL_TOPIC WILL_PAYLOAD [DELAY_S]) and
// waits until it says it is connected.
testing::Process spawn_will_child(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{SCANEDGE_WILL_CHILD};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = testing::Process::spawn(argv, log);
  EXPECT_TRUE(eventually(
      [&] {
        std::ifstream f(log);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str().find("connected") != std::string::npos;
      },
      10s))
      << "the will child did not connect";
  return child;
}

TEST(PahoTransport, WillIsPublishedWhenTheClientDies) {
  Mosquitto broker;
  broker.start();
  Recorder ro;
  PahoTransport observer(options(broker.uri(), "will-observer"));
  ro.attach(observer);
  ASSERT_TRUE(observer.subscribe("scanedge/v1/s1/d1/status", 1).ok());
  ASSERT_TRUE(observer.start().ok());
  ASSERT_TRUE(eventually([&] { return observer.connected(); }, 10s));

  testing::TempDir dir;
  auto child = spawn_will_child({broker.uri(), "will-child", "scanedge/v1/s1/d1/status", R"({"online":false})"},
                                dir.file("child.log"));
  EXPECT_EQ(ro.message_count(), 0u);
  child.kill_now();
  ASSERT_TRUE(eventually([&] { return ro.message_count() >= 1; }, 10s));
  EXPECT_EQ(ro.snapshot().front().payload, R"({"online":false})");

  // Retained: a late subscriber sees it too.
  Recorder rl;
  PahoTransport late(options(broker.uri(), "will-late"));
  rl.attach(late);
  ASSERT_TRUE(late.subscribe("scanedge/v1/s1/d1/status", 1).ok());
  ASSERT_TRUE(late.start().ok());
  ASSERT_TRUE(eventually([&] { return rl.message_count() >= 1; }, 10s));
  EXPECT_EQ(rl.snapshot().front().payload, R"({"online":false})");
}

// MQTT 5 Will Delay: a killed client's will is held by the broker for the delay; a client
// that resumes its session within it (the Wi-Fi came back) cancels it; one that does not
// gets its will published after the delay, not before.
TEST(PahoTransport, DelayedWillIsDroppedWhenTheClientResumesInTimeAndSentAfterTheDelayOtherwise) {
  Mosquitto broker;
  broker.start();
  Recorder ro;
  PahoTransport observer(options(broker.uri(), "delay-observer"));
  ro.attach(observer);
  ASSERT_TRUE(observer.subscribe("scanedge/v1/s1/d2/status", 1).ok());
  ASSERT_TRUE(observer.start().ok());
  ASSERT_TRUE(eventually([&] { return observer.connected(); }, 10s));

  testing::TempDir dir;
  const std::vector<std::string> args{broker.uri(), "delay-child", "scanedge/v1/s1/d2/status", R"({"online":false})",
                                      "3"};
  auto first = spawn_will_child(args, dir.file("first.log"));
  first.kill_now();
  auto second = spawn_will_child(args, dir.file("second.log"));  // back within the 3 s delay: same session
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(ro.message_count(), 0u) << "the will of a client that came back in time must not be published";

  const auto killed = std::chrono::steady_clock::now();
  second.kill_now();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(ro.message_count(), 0u) << "published before the delay";
  ASSERT_TRUE(eventually([&] { return ro.message_count() >= 1; }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - killed, 2s);
  EXPECT_EQ(ro.snapshot().front().payload, R"({"online":false})");
}

TEST(PahoTransport, CleanStopPublishesNoWill) {
  Mosquitto broker;
  broker.start();
  Recorder ro;
  PahoTransport observer(options(broker.uri(), "nowill-observer"));
  ro.attach(observer);
  ASSERT_TRUE(observer.subscribe("scanedge/nowill", 1).ok());
  ASSERT_TRUE(observer.start().ok());
  auto o = options(broker.uri(), "nowill-client");
  o.will = Message{"scanedge/nowill", "gone"};
  Recorder rc;
  PahoTransport client(o);
  rc.attach(client);
  ASSERT_TRUE(client.start().ok());
  ASSERT_TRUE(eventually([&] { return observer.connected() && client.connected(); }, 10s));
  client.stop();
  EXPECT_EQ(rc.conn(), (std::vector<bool>{true, false}));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ro.message_count(), 0u);
}

TEST(PahoTransport, StopIsPromptWhileConnectedBackingOffOrConnecting) {
  {
    Mosquitto broker;
    broker.start();
    PahoTransport t(options(broker.uri(), "prompt-connected"));
    ASSERT_TRUE(t.start().ok());
    ASSERT_TRUE(eventually([&] { return t.connected(); }, 10s));
    const auto t0 = std::chrono::steady_clock::now();
    t.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
    EXPECT_FALSE(t.connected());
    auto s = t.publish("x", "y", 1, false);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "not_connected");
  }
  {
    // Nothing listens: connection refused, long backoff.
    auto o = options("tcp://127.0.0.1:" + std::to_string(testing::free_tcp_port()), "prompt-refused");
    o.reconnect_min = 10s;
    o.reconnect_max = 20s;
    PahoTransport t(o);
    ASSERT_TRUE(t.start().ok());
    std::this_thread::sleep_for(200ms);
    const auto t0 = std::chrono::steady_clock::now();
    t.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  }
  {
    // A listener that never answers CONNECT: the attempt hangs until connect_timeout.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 8), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    auto o = options("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "prompt-hanging");
    o.connect_timeout = 10s;
    PahoTransport t(o);
    ASSERT_TRUE(t.start().ok());
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(t.connected());
    const auto t0 = std::chrono::steady_clock::now();
    t.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
    ::close(fd);
  }
}

}  // namespace
}  // namespace scanedge::sync
