// PahoTransport over TLS (ssl://) against a real mosquitto on a free loopback port:
// client certificates required, identity (certificate CN) as username, and the scanedge ACL
// (scanedge.acl next to this file). Certificates are made by the test (TestPki, openssl CLI).
//
// Identity scheme: a device's certificate CN is "{site}/{device}"; the ledger's is
// "scanedge-ledger". The ACL's patterns "scanedge/v1/%u/..." then give a device exactly its
// own topic subtree (see scanedge.acl).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "sync/device/status_payload.h"
#include "sync/device/sync_engine.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/topics.h"
#include "tests/support/memory_outbox.h"
#include "tests/support/mosquitto.h"
#include "tests/unit/sync/device/fake_ledger.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::Mosquitto;
using testing::MosquittoOptions;
using testing::MosquittoTls;
using testing::TestPki;

// Records what a transport received.
struct Inbox {
  std::mutex mu;
  std::vector<Message> messages;
  void attach(Transport& t) {
    t.on_message([this](const Message& m) {
      std::lock_guard lock(mu);
      messages.push_back(m);
    });
  }
  std::vector<Message> snapshot() {
    std::lock_guard lock(mu);
    return messages;
  }
  bool has(const std::string& payload) {
    std::lock_guard lock(mu);
    for (const auto& m : messages) {
      if (m.payload == payload) return true;
    }
    return false;
  }
};

const DeviceAddress kA{"site-a", "dev-a"};
const DeviceAddress kB{"site-a", "dev-b"};

class MqttTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    rogue_ = new TestPki("rogue CA");
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete rogue_;
    pki_ = rogue_ = nullptr;
  }

  void SetUp() override {
    broker_id_ = pki_->issue_server("broker");
    a_ = pki_->issue_client("site-a/dev-a");
    b_ = pki_->issue_client("site-a/dev-b");
    ledger_id_ = pki_->issue_client("scanedge-ledger");
  }

  // A TLS broker requiring client certificates, with the scanedge ACL.
  std::unique_ptr<Mosquitto> tls_broker(const TestPki::Identity& server) {
    MosquittoOptions o;
    o.tls = MosquittoTls{pki_->ca_file(), server.cert_file, server.key_file, true, true};
    o.acl_file = SCANEDGE_ACL_FILE;
    o.allow_anonymous = false;
    o.log_notice = true;
    auto b = std::make_unique<Mosquitto>(o);
    b->start();
    return b;
  }

  static MqttOptions options(const std::string& uri, const std::string& id, const TestPki::Identity& who) {
    MqttOptions o;
    o.uri = uri;
    o.client_id = id;
    o.keepalive = 5s;
    o.reconnect_min = 50ms;
    o.reconnect_max = 500ms;
    o.connect_timeout = 2000ms;
    o.ca_file = pki_->ca_file();
    o.cert_file = who.cert_file;
    o.key_file = who.key_file;
    return o;
  }

  static TestPki* pki_;
  static TestPki* rogue_;
  TestPki::Identity broker_id_, a_, b_, ledger_id_;
};

TestPki* MqttTls::pki_ = nullptr;
TestPki* MqttTls::rogue_ = nullptr;

TEST_F(MqttTls, RoundTripWithClientCertificatesOnMqtt5And311) {
  auto broker = tls_broker(broker_id_);
  ASSERT_EQ(broker->uri().rfind("ssl://127.0.0.1:", 0), 0u);
  for (int version : {5, 3}) {
    SCOPED_TRACE("MQTT version " + std::to_string(version));
    Inbox ledger_in, dev_in;
    auto lo = options(broker->uri(), "ledger-" + std::to_string(version), ledger_id_);
    lo.version = version;
    // A persistent session of a gone ledger would keep its share of $share/ledger/...
    // (mosquitto queues messages for it): the ledger's sessions end with its connection.
    lo.clean_session = true;
    PahoTransport ledger(lo);
    ledger_in.attach(ledger);
    ASSERT_TRUE(ledger.subscribe(kLedgerEventsSubscription, 1).ok());
    auto dopt = options(broker->uri(), "dev-a-" + std::to_string(version), a_);
    dopt.version = version;
    PahoTransport dev(dopt);
    dev_in.attach(dev);
    ASSERT_TRUE(dev.subscribe(ack_topic(kA, Stream::exec), 1).ok());
    ASSERT_TRUE(ledger.start().ok());
    ASSERT_TRUE(dev.start().ok());
    ASSERT_TRUE(eventually([&] { return ledger.connected() && dev.connected(); }, 10s)) << broker->log();

    ASSERT_TRUE(dev.publish(events_topic(kA, Stream::exec), "batch-1", 1, false).ok());
    ASSERT_TRUE(eventually([&] { return ledger_in.has("batch-1"); }, 10s)) << broker->log();
    EXPECT_EQ(ledger_in.snapshot().front().topic, events_topic(kA, Stream::exec));
    ASSERT_TRUE(ledger.publish(ack_topic(kA, Stream::exec), "ack-1", 1, false).ok());
    ASSERT_TRUE(eventually([&] { return dev_in.has("ack-1"); }, 10s)) << broker->log();
  }
}

TEST_F(MqttTls, SyncEngineDrainsThroughTheAclWithBirthMessage) {
  auto broker = tls_broker(broker_id_);
  PahoTransport ledger_t(options(broker->uri(), "ledger-drain", ledger_id_));
  testing::FakeLedger ledger(ledger_t);
  Inbox status_in;
  // The ledger identity may read every device's status (retained birth message).
  PahoTransport watcher(options(broker->uri(), "ledger-status", ledger_id_));
  status_in.attach(watcher);
  ASSERT_TRUE(watcher.subscribe(status_topic(kA), 1).ok());
  ASSERT_TRUE(ledger_t.start().ok());
  ASSERT_TRUE(watcher.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger_t.connected() && watcher.connected(); }, 10s));

  testing::MemoryOutbox outbox;
  outbox.append(Stream::exec, 2000, "pick.confirmed", 300);
  outbox.append(Stream::telemetry, 200, "scan.rejected", 300);
  auto mo = options(broker->uri(), "scanedged-site-a-dev-a", a_);
  mo.will = Message{status_topic(kA), status_payload(kA, false, std::chrono::system_clock::now())};
  PahoTransport device(mo);
  SystemClock clock;
  SyncOptions so;
  so.address = kA;
  so.telemetry_expiry = 3600s;
  SyncEngine engine(outbox, device, clock, so);
  ASSERT_TRUE(engine.start().ok());
  ASSERT_TRUE(eventually(
      [&] { return outbox.stats(Stream::exec)->depth == 0 && outbox.stats(Stream::telemetry)->depth == 0; }, 60s))
      << broker->log();
  EXPECT_EQ(ledger.applied_count(Stream::exec), 2000u);
  EXPECT_EQ(ledger.applied_count(Stream::telemetry), 200u);
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& m : status_in.snapshot()) {
          if (m.payload.find("\"online\":true") != std::string::npos) return true;
        }
        return false;
      },
      10s));
  engine.stop();
}

TEST_F(MqttTls, DeviceCannotPublishAsAnotherDevice) {
  auto broker = tls_broker(broker_id_);
  Inbox ledger_in, status_in;
  PahoTransport ledger(options(broker->uri(), "ledger-acl", ledger_id_));
  ledger_in.attach(ledger);
  ASSERT_TRUE(ledger.subscribe(kLedgerEventsSubscription, 1).ok());
  PahoTransport status_watch(options(broker->uri(), "ledger-acl-status", ledger_id_));
  status_in.attach(status_watch);
  ASSERT_TRUE(status_watch.subscribe(status_topic(kB), 1).ok());
  PahoTransport a(options(broker->uri(), "scanedged-site-a-dev-a", a_));
  ASSERT_TRUE(ledger.start().ok());
  ASSERT_TRUE(status_watch.start().ok());
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger.connected() && status_watch.connected() && a.connected(); }, 10s));

  // A forges B's events, B's status and an ack to B; then publishes its own event. QoS 1 keeps
  // the order on A's connection: once A's own message arrived, the forged ones had been
  // processed (and refused) by the broker.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.publish(events_topic(kB, Stream::exec), "forged-" + std::to_string(i), 1, false).ok());
  }
  ASSERT_TRUE(a.publish(status_topic(kB), R"({"online":false,"forged":true})", 1, true).ok());
  ASSERT_TRUE(a.publish(ack_topic(kB, Stream::exec), "forged-ack", 1, false).ok());
  ASSERT_TRUE(eventually([&] { return a.connected(); }, 5s));
  ASSERT_TRUE(a.publish(events_topic(kA, Stream::exec), "own", 1, false).ok());
  ASSERT_TRUE(eventually([&] { return ledger_in.has("own"); }, 10s)) << broker->log();
  std::this_thread::sleep_for(300ms);
  for (const auto& m : ledger_in.snapshot()) EXPECT_EQ(m.payload, "own") << m.topic;
  EXPECT_TRUE(status_in.snapshot().empty());
  // The refusals did not cost A its connection.
  EXPECT_TRUE(a.connected());
  EXPECT_EQ(a.connect_count(), 1u);
  EXPECT_EQ(a.retired_clients(), 0u);
  ASSERT_TRUE(a.publish(events_topic(kA, Stream::exec), "own-2", 1, false).ok());
  ASSERT_TRUE(eventually([&] { return ledger_in.has("own-2"); }, 10s));
}

TEST_F(MqttTls, DeviceCannotReadAnotherDevicesDownlinks) {
  auto broker = tls_broker(broker_id_);
  Inbox a_in, b_in;
  PahoTransport ledger(options(broker->uri(), "ledger-down", ledger_id_));
  PahoTransport a(options(broker->uri(), "scanedged-site-a-dev-a", a_));
  PahoTransport b(options(broker->uri(), "scanedged-site-a-dev-b", b_));
  a_in.attach(a);
  b_in.attach(b);
  // A tries B's downlinks by name and by wildcard; B subscribes to its own.
  for (const auto& f : {tasks_topic(kB), config_topic(kB), ack_topic(kB, Stream::exec), std::string("scanedge/v1/#"),
                        std::string("scanedge/v1/site-a/+/tasks")}) {
    ASSERT_TRUE(a.subscribe(f, 1).ok());
  }
  ASSERT_TRUE(a.subscribe(tasks_topic(kA), 1).ok());
  ASSERT_TRUE(b.subscribe(tasks_topic(kB), 1).ok());
  ASSERT_TRUE(b.subscribe(config_topic(kB), 1).ok());
  ASSERT_TRUE(b.subscribe(ack_topic(kB, Stream::exec), 1).ok());
  ASSERT_TRUE(ledger.start().ok());
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger.connected() && a.connected() && b.connected(); }, 10s));

  ASSERT_TRUE(ledger.publish(tasks_topic(kB), "task-for-b", 1, false).ok());
  ASSERT_TRUE(ledger.publish(config_topic(kB), "config-for-b", 1, false).ok());
  ASSERT_TRUE(ledger.publish(ack_topic(kB, Stream::exec), "ack-for-b", 1, false).ok());
  ASSERT_TRUE(ledger.publish(tasks_topic(kA), "task-for-a", 1, false).ok());
  ASSERT_TRUE(eventually([&] { return b_in.has("task-for-b") && b_in.has("config-for-b") && b_in.has("ack-for-b"); },
                         10s))
      << broker->log();
  // A's own task, sent after B's, arrives; none of B's ever does.
  ASSERT_TRUE(eventually([&] { return a_in.has("task-for-a"); }, 10s)) << broker->log();
  std::this_thread::sleep_for(300ms);
  for (const auto& m : a_in.snapshot()) EXPECT_EQ(m.payload, "task-for-a") << m.topic;
}

TEST_F(MqttTls, ConnectingWithoutAClientCertificateFails) {
  auto broker = tls_broker(broker_id_);
  auto o = options(broker->uri(), "no-cert", a_);
  o.cert_file.clear();
  o.key_file.clear();
  PahoTransport t(o);
  ASSERT_TRUE(t.start().ok());
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(t.connected());
  EXPECT_EQ(t.connect_count(), 0u);
  EXPECT_NE(broker->log().find("peer did not return a certificate"), std::string::npos) << broker->log();
}

TEST_F(MqttTls, ClientCertificateFromAnotherCaIsRefusedByTheBroker) {
  auto broker = tls_broker(broker_id_);
  const auto forged = rogue_->issue_client("site-a/dev-a");
  auto o = options(broker->uri(), "rogue-client", forged);
  PahoTransport t(o);
  ASSERT_TRUE(t.start().ok());
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(t.connected());
  EXPECT_EQ(t.connect_count(), 0u);
  // The same device with a certificate of the right CA gets in (the broker itself is fine).
  PahoTransport ok(options(broker->uri(), "good-client", a_));
  ASSERT_TRUE(ok.start().ok());
  EXPECT_TRUE(eventually([&] { return ok.connected(); }, 10s));
}

TEST_F(MqttTls, BrokerCertificateFromAnotherCaIsRefusedByTheDevice) {
  // CA pinning on the device: a broker whose certificate another CA signed (even one in the
  // system trust store would be) is not trusted. The broker still trusts our client CA.
  const auto impostor = rogue_->issue_server("impostor");
  auto broker = tls_broker(impostor);
  PahoTransport t(options(broker->uri(), "pinned", a_));
  ASSERT_TRUE(t.start().ok());
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(t.connected());
  EXPECT_EQ(t.connect_count(), 0u);
}

TEST_F(MqttTls, BrokerCertificateForAnotherHostIsRefused) {
  // Right CA, wrong name: hostname (IP) verification is on.
  const auto other_host = pki_->issue_server("elsewhere", "DNS:broker.invalid,IP:10.11.12.13");
  auto broker = tls_broker(other_host);
  PahoTransport t(options(broker->uri(), "wrong-host", a_));
  ASSERT_TRUE(t.start().ok());
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(t.connected());
  EXPECT_EQ(t.connect_count(), 0u);
}

TEST_F(MqttTls, StartRefusesAKeyFileAccessibleByGroupOrOthers) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0620, 0601}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(a_.key_file.c_str(), mode), 0);
    PahoTransport t(options("ssl://127.0.0.1:1", "perm", a_));
    auto s = t.start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad_option");
    const auto& msg = s.error().message;
    EXPECT_NE(msg.find("mqtt.key_file " + a_.key_file), std::string::npos) << msg;
    EXPECT_NE(msg.find("chmod 600 " + a_.key_file), std::string::npos) << msg;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(msg.find(std::string("(mode ") + octal + ")"), std::string::npos) << msg;
    if ((mode & 044) != 0) {
      EXPECT_NE(msg.find("is readable by group/others"), std::string::npos) << msg;
    }
  }
  const std::string documented = "mqtt.key_file " + a_.key_file + " is readable by group/others (mode 0644): run chmod 600 " +
                                 a_.key_file;
  ASSERT_EQ(::chmod(a_.key_file.c_str(), 0644), 0);
  {
    PahoTransport t(options("ssl://127.0.0.1:1", "perm", a_));
    auto s = t.start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message.rfind(documented, 0), 0u) << s.error().message;
    // The same check without a transport (for --check-config).
    auto c = PahoTransport::check_options(options("ssl://127.0.0.1:1", "perm", a_));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "bad_option");
    EXPECT_EQ(c.error().message, s.error().message);
  }
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(a_.key_file.c_str(), mode), 0);
    EXPECT_TRUE(PahoTransport::check_options(options("ssl://127.0.0.1:1", "perm-ok", a_)).ok()) << mode;
    PahoTransport t(options("ssl://127.0.0.1:1", "perm-ok", a_));
    EXPECT_TRUE(t.start().ok()) << mode;
  }
}

TEST_F(MqttTls, StartRefusesTlsSettingsThatCanNeverWork) {
  testing::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    const std::string p = dir.file(name);
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  };
  const auto refused = [](MqttOptions o, const std::string& needle) {
    PahoTransport t(std::move(o));
    auto s = t.start();
    if (s.ok()) return ::testing::AssertionFailure() << "accepted; expected '" << needle << "'";
    if (s.error().code != "bad_option") return ::testing::AssertionFailure() << "code " << s.error().code;
    if (s.error().message.find(needle) == std::string::npos) {
      return ::testing::AssertionFailure() << "message '" << s.error().message << "' lacks '" << needle << "'";
    }
    return ::testing::AssertionSuccess();
  };
  const auto base = options("ssl://127.0.0.1:1", "bad", a_);
  {
    auto o = base;
    o.ca_file.clear();
    EXPECT_TRUE(refused(o, "mqtt.ca_file is not set"));
  }
  {
    auto o = base;
    o.ca_file = dir.file("missing-ca.pem");
    EXPECT_TRUE(refused(o, "mqtt.ca_file " + o.ca_file + " cannot be read: No such file or directory"));
  }
  {
    auto o = base;
    o.ca_file = dir.path();
    EXPECT_TRUE(refused(o, "is not a regular file"));
  }
  {
    auto o = base;
    o.ca_file = write("junk.pem", "not a certificate\n", 0644);
    EXPECT_TRUE(refused(o, "mqtt.ca_file " + o.ca_file + " holds no PEM certificate"));
  }
  {
    auto o = base;
    o.key_file.clear();
    EXPECT_TRUE(refused(o, "mqtt.cert_file and mqtt.key_file must be set together"));
  }
  {
    auto o = base;
    o.key_file = dir.file("missing.key");
    EXPECT_TRUE(refused(o, "mqtt.key_file " + o.key_file + " cannot be read"));
  }
  {
    auto o = base;
    o.key_file = write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
                       0600);
    EXPECT_TRUE(refused(o, "is encrypted with a passphrase"));
  }
  {
    auto o = base;
    o.key_file = o.cert_file;  // a certificate where the key should be
    ASSERT_EQ(::chmod(o.cert_file.c_str(), 0600), 0);
    EXPECT_TRUE(refused(o, "holds no PEM private key"));
    ASSERT_EQ(::chmod(o.cert_file.c_str(), 0644), 0);
  }
  {
    auto o = base;
    o.uri = "tcp://127.0.0.1:1";
    EXPECT_TRUE(refused(o, "is not TLS: use ssl://host:port"));
  }
  {
    auto o = base;
    o.version = 4;
    EXPECT_TRUE(refused(o, "mqtt.version 4 must be 3 (3.1.1) or 5"));
  }
  {
    auto o = base;
    o.receive_maximum = 0;
    EXPECT_TRUE(refused(o, "mqtt.receive_maximum 0 must be within 1..65535"));
  }
}

}  // namespace
}  // namespace scanedge::sync
