// The real scanedged over TLS: it refuses a group/other-readable key at start with the
// documented message on stderr, and syncs through a TLS broker with client certificates and
// the scanedge ACL (birth message, events, acks). With the real scanedge-ledger too when that
// binary accepts TLS settings (--ca-file/--cert-file/--key-file); skipped otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "edge/bus/bus_client.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/topics.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/unit/sync/device/fake_ledger.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::Mosquitto;
using testing::MosquittoOptions;
using testing::MosquittoTls;
using testing::Process;
using testing::TempDir;
using testing::TestPki;

const sync::DeviceAddress kDev{"site-t", "dev-t"};

class AgentTls : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = pki_.issue_server("broker");
    device_ = pki_.issue_client(kDev.site + "/" + kDev.device);
    ledger_ = pki_.issue_client("scanedge-ledger");
    MosquittoOptions o;
    o.tls = MosquittoTls{pki_.ca_file(), server_.cert_file, server_.key_file, true, true};
    o.acl_file = SCANEDGE_ACL_FILE;
    o.allow_anonymous = false;
    o.log_notice = true;
    broker_ = std::make_unique<Mosquitto>(o);
    broker_->start();
  }

  std::string write_config() {
    const std::string path = dir_.file("scanedged.toml");
    std::ofstream f(path);
    f << "[device]\nsite = \"" << kDev.site << "\"\nid = \"" << kDev.device << "\"\n\n"
      << "[storage]\npath = \"" << dir_.file("outbox.db") << "\"\n\n"
      << "[mqtt]\nuri = \"" << broker_->uri() << "\"\nreconnect_min_ms = 50\nreconnect_max_ms = 500\n"
      << "ca_file = \"" << pki_.ca_file() << "\"\ncert_file = \"" << device_.cert_file << "\"\nkey_file = \""
      << device_.key_file << "\"\n\n"
      << "[bus]\nendpoint = \"ipc://" << dir_.file("bus.sock") << "\"\npub_endpoint = \"ipc://"
      << dir_.file("pub.sock") << "\"\n\n"
      << "[profiles]\nautodetect = false\n\n"
      << "[log]\nlevel = \"info\"\n";
    return path;
  }

  sync::MqttOptions ledger_options(const std::string& id) {
    sync::MqttOptions o;
    o.uri = broker_->uri();
    o.client_id = id;
    o.clean_session = true;
    o.reconnect_min = 50ms;
    o.reconnect_max = 500ms;
    o.ca_file = pki_.ca_file();
    o.cert_file = ledger_.cert_file;
    o.key_file = ledger_.key_file;
    return o;
  }

  TestPki pki_;
  TempDir dir_;
  TestPki::Identity server_, device_, ledger_;
  std::unique_ptr<Mosquitto> broker_;
};

TEST_F(AgentTls, ScanedgedRefusesAKeyReadableByOthersWithTheFixOnStderr) {
  ASSERT_EQ(::chmod(device_.key_file.c_str(), 0644), 0);
  const std::string config = write_config();
  const std::string log = dir_.file("agent.log");
  auto agent = Process::spawn({SCANEDGED_BIN, "--config", config}, log);
  const auto status = agent.wait(20s);
  ASSERT_TRUE(status.has_value()) << "scanedged kept running with a world-readable key:\n" << read_text_file(log);
  EXPECT_NE(*status, 0);
  const std::string out = read_text_file(log);
  EXPECT_NE(out.find("mqtt.key_file " + device_.key_file + " is readable by group/others (mode 0644): run chmod 600 " +
                     device_.key_file),
            std::string::npos)
      << out;
  // Nothing was left behind for a local client to find.
  EXPECT_FALSE(std::ifstream(dir_.file("bus.sock")).good());
}

TEST_F(AgentTls, ScanedgedSyncsOverTlsThroughTheAcl) {
  // The ledger side: a fake acking ledger and a status watcher, both with the ledger identity.
  sync::PahoTransport ledger_t(ledger_options("fake-ledger"));
  testing::FakeLedger ledger(ledger_t);
  std::mutex mu;
  std::vector<std::string> statuses;
  sync::PahoTransport watcher(ledger_options("status-watch"));
  watcher.on_message([&](const Message& m) {
    std::lock_guard lock(mu);
    statuses.push_back(m.payload);
  });
  ASSERT_TRUE(watcher.subscribe(sync::status_topic(kDev), 1).ok());
  ASSERT_TRUE(ledger_t.start().ok());
  ASSERT_TRUE(watcher.start().ok());
  ASSERT_TRUE(eventually([&] { return ledger_t.connected() && watcher.connected(); }, 20s));

  const std::string log = dir_.file("agent.log");
  auto agent = Process::spawn({SCANEDGED_BIN, "--config", write_config()}, log);
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mu);
        for (const auto& s : statuses) {
          if (s.find("\"online\":true") != std::string::npos) return true;
        }
        return !agent.running();
      },
      30s))
      << read_text_file(log);
  ASSERT_TRUE(agent.running()) << read_text_file(log);

  // A scan with no task: a scan.rejected telemetry event, synced over TLS and acked.
  bus::BusClient client("ipc://" + dir_.file("bus.sock"));
  auto r = client.request({{"v", 1}, {"op", "scan.inject"}, {"data", "]C10109506000134352"}}, 10s);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(eventually([&] { return ledger.applied_count(Stream::telemetry) >= 1; }, 30s))
      << read_text_file(log) << broker_->log();
  ASSERT_TRUE(eventually(
      [&] {
        auto st = client.request({{"v", 1}, {"op", "outbox.stats"}}, 2s);
        if (!st) return false;
        const auto t = (*st)["outbox"].value("telemetry", nlohmann::json::object());
        return t.value("acked_through", 0) >= 1 && t.value("depth", -1) == 0;
      },
      30s))
      << "the ack did not come back over TLS";
  EXPECT_EQ(agent.stop(10s), 0);
}

TEST_F(AgentTls, ScanedgedAndScanedgeLedgerOverTls) {
  const auto help = testing::run_capture({LEDGER_BIN, "run", "--help"}, 20s);
  if (help.out.find("--ca-file") == std::string::npos) {
    GTEST_SKIP() << "scanedge-ledger run has no --ca-file/--cert-file/--key-file yet";
  }
  const std::string db = dir_.file("ledger.db");
  auto ledger = Process::spawn({LEDGER_BIN, "run", "--broker", broker_->uri(), "--db", db, "--ca-file",
                                pki_.ca_file(), "--cert-file", ledger_.cert_file, "--key-file", ledger_.key_file},
                               dir_.file("ledger.log"));
  auto agent = Process::spawn({SCANEDGED_BIN, "--config", write_config()}, dir_.file("agent.log"));
  bus::BusClient client("ipc://" + dir_.file("bus.sock"));
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(client.request({{"v", 1}, {"op", "status"}}, 300ms)); },
                         30s))
      << read_text_file(dir_.file("agent.log"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.request({{"v", 1}, {"op", "scan.inject"}, {"data", "]C10109506000134352"}}, 10s));
  }
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = testing::run_capture({LEDGER_BIN, "events", "--db", db, "--site", kDev.site, "--device",
                                             kDev.device, "--stream", "telemetry"},
                                            20s);
        std::size_t lines = 0;
        std::istringstream in(r.out);
        for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
        return r.status == 0 && lines >= 3;
      },
      60s))
      << read_text_file(dir_.file("ledger.log")) << read_text_file(dir_.file("agent.log")) << broker_->log();
  EXPECT_EQ(agent.stop(10s), 0);
  ledger.stop(10s);
}

}  // namespace
}  // namespace scanedge
