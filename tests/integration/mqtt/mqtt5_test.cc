// MQTT 5 behaviour of PahoTransport: what its CONNECT carries (read off the wire by a fake
// broker), persistent sessions and their expiry, and message expiry, against a real mosquitto.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

#include "sync/mqtt/paho_transport.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::Mosquitto;

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

struct Inbox {
  std::mutex mu;
  std::vector<Message> messages;
  void attach(Transport& t) {
    t.on_message([this](const Message& m) {
      std::lock_guard lock(mu);
      messages.push_back(m);
    });
  }
  bool has(const std::string& payload) {
    std::lock_guard lock(mu);
    for (const auto& m : messages) {
      if (m.payload == payload) return true;
    }
    return false;
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
};

// ---- A fake broker that captures one CONNECT packet -------------------------------------

struct Connect {
  int level = 0;          // 4: MQTT 3.1.1, 5: MQTT 5
  std::uint8_t flags = 0;
  int keepalive = 0;
  std::map<int, std::uint32_t> int_props;  // numeric CONNECT properties by identifier
  std::map<int, std::uint32_t> will_props;  // numeric will properties (payload), MQTT 5
  bool clean() const { return (flags & 0x02) != 0; }
  bool will() const { return (flags & 0x04) != 0; }
  int will_qos() const { return (flags >> 3) & 3; }
  bool will_retain() const { return (flags & 0x20) != 0; }
};

// Variable byte integer at `p`; advances p.
std::uint32_t varint(const std::string& s, std::size_t& p) {
  std::uint32_t v = 0;
  for (int shift = 0; shift < 28 && p < s.size(); shift += 7) {
    const auto b = static_cast<std::uint8_t>(s[p++]);
    v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  return v;
}

std::uint32_t be(const std::string& s, std::size_t& p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(s.at(p++));
  return v;
}

// Parses the fixed header, variable header and (MQTT 5) properties of a CONNECT packet.
std::optional<Connect> parse_connect(const std::string& pkt) {
  if (pkt.size() < 2 || static_cast<std::uint8_t>(pkt[0]) != 0x10) return std::nullopt;
  std::size_t p = 1;
  const auto remaining = varint(pkt, p);
  if (pkt.size() < p + remaining) return std::nullopt;
  const auto name_len = be(pkt, p, 2);
  if (pkt.substr(p, name_len) != "MQTT") return std::nullopt;
  p += name_len;
  Connect c;
  c.level = static_cast<std::uint8_t>(pkt.at(p++));
  c.flags = static_cast<std::uint8_t>(pkt.at(p++));
  c.keepalive = static_cast<int>(be(pkt, p, 2));
  if (c.level == 5) {
    const auto len = varint(pkt, p);
    const std::size_t end = p + len;
    while (p < end) {
      const int id = static_cast<int>(varint(pkt, p));
      switch (id) {
        case 0x11:  // Session Expiry Interval
        case 0x27:  // Maximum Packet Size
          c.int_props[id] = be(pkt, p, 4);
          break;
        case 0x21:  // Receive Maximum
        case 0x22:  // Topic Alias Maximum
          c.int_props[id] = be(pkt, p, 2);
          break;
        case 0x17:  // Request Problem Information
        case 0x19:  // Request Response Information
          c.int_props[id] = static_cast<std::uint8_t>(pkt.at(p++));
          break;
        default:
          return std::nullopt;  // not expected from us
      }
    }
  }
  // Payload: the client id, then (with the will flag) the will properties (MQTT 5).
  const auto id_len = be(pkt, p, 2);
  p += id_len;
  if (c.will() && c.level == 5) {
    const auto len = varint(pkt, p);
    const std::size_t end = p + len;
    while (p < end) {
      const int id = static_cast<int>(varint(pkt, p));
      switch (id) {
        case 0x18:  // Will Delay Interval
        case 0x02:  // Message Expiry Interval
          c.will_props[id] = be(pkt, p, 4);
          break;
        case 0x01:  // Payload Format Indicator
          c.will_props[id] = static_cast<std::uint8_t>(pkt.at(p++));
          break;
        default:
          return std::nullopt;  // not expected from us
      }
    }
  }
  return c;
}

// Accepts one connection on a loopback port and returns the first packet it sends.
class ConnectCapture {
 public:
  ConnectCapture() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 4) != 0) {
      throw std::runtime_error("bind/listen failed");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~ConnectCapture() { ::close(fd_); }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  std::optional<Connect> capture(std::chrono::milliseconds timeout) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return std::nullopt;
    std::string data;
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::optional<Connect> got;
    while (!got && std::chrono::steady_clock::now() < end) {
      pollfd cp{c, POLLIN, 0};
      if (::poll(&cp, 1, 100) != 1) continue;
      char buf[4096];
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      got = parse_connect(data);
    }
    ::close(c);
    return got;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(Mqtt5, ConnectCarriesSessionExpiryReceiveMaximumAndMaximumPacketSize) {
  ConnectCapture fake;
  auto o = options(fake.uri(), "wire-v5");
  o.keepalive = 17s;
  o.session_expiry = 3600s;
  o.receive_maximum = 7;
  o.max_packet_bytes = 65536;
  o.will = Message{"scanedge/v1/s/d/status", R"({"online":false})"};
  PahoTransport t(o);
  ASSERT_TRUE(t.start().ok());
  const auto c = fake.capture(5s);
  t.stop();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->level, 5);
  EXPECT_FALSE(c->clean()) << "persistent session: Clean Start must be 0";
  EXPECT_EQ(c->keepalive, 17);
  EXPECT_TRUE(c->will());
  EXPECT_EQ(c->will_qos(), 1);
  EXPECT_TRUE(c->will_retain());
  EXPECT_EQ(c->int_props.at(0x11), 3600u);
  EXPECT_EQ(c->int_props.at(0x21), 7u);
  EXPECT_EQ(c->int_props.at(0x27), 65536u);
  EXPECT_TRUE(c->will_props.empty()) << "no Will Delay unless configured";
}

TEST(Mqtt5, WillDelayIsSentAsTheWillDelayIntervalAndNotWith311) {
  for (const int version : {5, 3}) {
    ConnectCapture fake;
    auto o = options(fake.uri(), "wire-will-delay-" + std::to_string(version));
    o.version = version;
    o.will = Message{"scanedge/v1/s/d/status", R"({"online":false})"};
    o.will_delay = 45s;
    PahoTransport t(o);
    ASSERT_TRUE(t.start().ok());
    const auto c = fake.capture(5s);
    t.stop();
    ASSERT_TRUE(c.has_value()) << version;
    EXPECT_TRUE(c->will());
    if (version == 5) {
      ASSERT_EQ(c->will_props.count(0x18), 1u);
      EXPECT_EQ(c->will_props.at(0x18), 45u);
    } else {
      EXPECT_EQ(c->level, 4);
      EXPECT_TRUE(c->will_props.empty());
    }
  }
}

TEST(Mqtt5, CleanSessionMeansCleanStartAndNoSessionExpiry) {
  ConnectCapture fake;
  auto o = options(fake.uri(), "wire-v5-clean");
  o.clean_session = true;
  PahoTransport t(o);
  ASSERT_TRUE(t.start().ok());
  const auto c = fake.capture(5s);
  t.stop();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->level, 5);
  EXPECT_TRUE(c->clean());
  EXPECT_EQ(c->int_props.count(0x11) ? c->int_props.at(0x11) : 0u, 0u);
  EXPECT_EQ(c->int_props.count(0x27), 0u) << "no Maximum Packet Size unless configured";
}

TEST(Mqtt5, Version3ConnectsAsMqtt311WithCleanSessionOff) {
  ConnectCapture fake;
  auto o = options(fake.uri(), "wire-v3");
  o.version = 3;
  PahoTransport t(o);
  ASSERT_TRUE(t.start().ok());
  const auto c = fake.capture(5s);
  t.stop();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->level, 4);
  EXPECT_FALSE(c->clean());
  EXPECT_TRUE(c->int_props.empty());
}

// ---- Against mosquitto ---------------------------------------------------------------------

// A device with a persistent session goes offline; QoS 1 downlinks sent meanwhile arrive
// when it comes back, within the session expiry.
void queued_downlink_arrives_after_reconnect(int version) {
  Mosquitto broker;
  broker.start();
  const std::string topic = "scanedge/v1/s1/d1/tasks";
  auto o = options(broker.uri(), "persistent-v" + std::to_string(version));
  o.version = version;
  o.session_expiry = 60s;
  {
    PahoTransport dev(o);
    ASSERT_TRUE(dev.subscribe(topic, 1).ok());
    ASSERT_TRUE(dev.start().ok());
    ASSERT_TRUE(eventually([&] { return dev.connected(); }, 10s));
    dev.stop();  // clean DISCONNECT: the session stays
  }
  PahoTransport ledger(options(broker.uri(), "ledger-q" + std::to_string(version)));
  ASSERT_TRUE(ledger.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger.connected(); }, 10s));
  ASSERT_TRUE(ledger.publish(topic, "queued-task", 1, false).ok());
  std::this_thread::sleep_for(200ms);

  Inbox in;
  PahoTransport dev(o);
  in.attach(dev);
  // No subscribe() here: the message must come from the broker's session, not a new subscription.
  ASSERT_TRUE(dev.start().ok());
  ASSERT_TRUE(eventually([&] { return in.has("queued-task"); }, 10s));
}

TEST(Mqtt5, PersistentSessionKeepsQueuedDownlinkAcrossReconnect) { queued_downlink_arrives_after_reconnect(5); }
TEST(Mqtt5, PersistentSessionKeepsQueuedDownlinkAcrossReconnectOn311) { queued_downlink_arrives_after_reconnect(3); }

TEST(Mqtt5, SessionExpiryIsRespectedByTheBroker) {
  Mosquitto broker;
  broker.start();
  const std::string topic = "scanedge/v1/s1/d2/tasks";
  auto o = options(broker.uri(), "short-session");
  o.session_expiry = 1s;
  {
    PahoTransport dev(o);
    ASSERT_TRUE(dev.subscribe(topic, 1).ok());
    ASSERT_TRUE(dev.start().ok());
    ASSERT_TRUE(eventually([&] { return dev.connected(); }, 10s));
    dev.stop();
  }
  std::this_thread::sleep_for(3s);  // beyond the expiry: the broker drops session + subscription
  PahoTransport ledger(options(broker.uri(), "ledger-short"));
  ASSERT_TRUE(ledger.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger.connected(); }, 10s));
  ASSERT_TRUE(ledger.publish(topic, "too-late", 1, false).ok());

  Inbox in;
  PahoTransport dev(o);
  in.attach(dev);
  ASSERT_TRUE(dev.start().ok());
  ASSERT_TRUE(eventually([&] { return dev.connected(); }, 10s));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(in.size(), 0u) << "the expired session still delivered";
}

// A plain Paho MQTT 5 subscriber that keeps each message's properties.
class V5Observer {
 public:
  V5Observer(const std::string& uri, const std::string& id, bool clean)
      : client_(uri, id, mqtt::create_options(MQTTVERSION_5)) {
    client_.start_consuming();
    auto co = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(clean).finalize();
    co.set_clean_session(false);
    mqtt::properties props{mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, 600)};
    co.set_properties(props);
    client_.connect(co)->wait_for(5s);
  }
  ~V5Observer() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(2s);
    } catch (...) {
    }
  }
  void subscribe(const std::string& filter) { client_.subscribe(filter, 1)->wait_for(5s); }
  mqtt::const_message_ptr next(std::chrono::milliseconds timeout) { return client_.try_consume_message_for(timeout); }

 private:
  mqtt::async_client client_;
};

TEST(Mqtt5, PublishExpiringSetsMessageExpiryOnTheWire) {
  Mosquitto broker;
  broker.start();
  V5Observer obs(broker.uri(), "expiry-observer", true);
  obs.subscribe("scanedge/v1/s1/d3/events/#");
  for (int version : {5, 3}) {
    SCOPED_TRACE(version);
    auto o = options(broker.uri(), "expiry-pub-v" + std::to_string(version));
    o.version = version;
    PahoTransport pub(o);
    ASSERT_TRUE(pub.start().ok());
    ASSERT_TRUE(eventually([&] { return pub.connected(); }, 10s));
    ASSERT_TRUE(pub.publish_expiring("scanedge/v1/s1/d3/events/telemetry", "t", 1, false, 3600s).ok());
    ASSERT_TRUE(pub.publish("scanedge/v1/s1/d3/events/exec", "e", 1, false).ok());
    auto t = obs.next(5s);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->get_payload_str(), "t");
    const bool has_expiry = t->get_properties().contains(mqtt::property::MESSAGE_EXPIRY_INTERVAL);
    if (version == 5) {
      ASSERT_TRUE(has_expiry);
      const auto left = mqtt::get<std::uint32_t>(t->get_properties(), mqtt::property::MESSAGE_EXPIRY_INTERVAL);
      EXPECT_LE(left, 3600u);  // the broker forwards what is left of it
      EXPECT_GE(left, 3590u);
    } else {
      EXPECT_FALSE(has_expiry) << "MQTT 3.1.1 has no message expiry";
    }
    auto e = obs.next(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->get_payload_str(), "e");
    EXPECT_FALSE(e->get_properties().contains(mqtt::property::MESSAGE_EXPIRY_INTERVAL));
  }
}

TEST(Mqtt5, ExpiredTelemetryIsNotDeliveredToALateSubscriber) {
  Mosquitto broker;
  broker.start();
  const std::string filter = "scanedge/v1/s1/d4/events/#";
  {
    V5Observer away(broker.uri(), "late-ledger", true);  // persistent session, then offline
    away.subscribe(filter);
  }
  PahoTransport pub(options(broker.uri(), "expiry-pub"));
  ASSERT_TRUE(pub.start().ok());
  ASSERT_TRUE(eventually([&] { return pub.connected(); }, 10s));
  ASSERT_TRUE(pub.publish_expiring("scanedge/v1/s1/d4/events/telemetry", "stale", 1, false, 1s).ok());
  ASSERT_TRUE(pub.publish_expiring("scanedge/v1/s1/d4/events/telemetry", "fresh", 1, false, 3600s).ok());
  std::this_thread::sleep_for(2500ms);
  V5Observer back(broker.uri(), "late-ledger", false);  // resumes the session
  auto m = back.next(5s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_payload_str(), "fresh");
  EXPECT_FALSE(back.next(500ms)) << "more than the fresh message was queued";
}

}  // namespace
}  // namespace scanedge::sync
