// The field-tech commands as processes: provision against a real TLS mosquitto (certificates
// made by openssl at test time), doctor's checks passing and failing, outbox inspection of a
// running agent's database, and the agent's metrics text file.
#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

// Runs a command with stdout and stderr captured together.
RunResult run_both(const TempDir& dir, const std::vector<std::string>& argv) {
  const std::string log = dir.file("cmd.log");
  std::remove(log.c_str());
  Process p = Process::spawn(argv, log);
  auto st = p.wait(60s);
  return {st.value_or(-1), read_text_file(log)};
}

mode_t mode_of(const std::string& p) {
  struct stat sb{};
  return ::stat(p.c_str(), &sb) == 0 ? (sb.st_mode & 0777) : 0;
}

nlohmann::json check_named(const nlohmann::json& report, const std::string& name) {
  for (const auto& c : report["checks"]) {
    if (c["name"] == name) return c;
  }
  return nullptr;
}

class FieldTools : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = pki_.issue_server("broker");
    device_ = pki_.issue_client("store-1/hh-1");
    MosquittoOptions o;
    o.tls = MosquittoTls{pki_.ca_file(), server_.cert_file, server_.key_file, true, true};
    broker_ = std::make_unique<Mosquitto>(o);
    broker_->start();
  }
  // provision with the device identity into `cfg` (TLS files under `tls_dir`), no root.
  RunResult provision(const std::string& cfg, const std::string& tls_dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{SCANEDGECTL_BIN, "--config", cfg, "--profiles", SCANEDGE_PROFILES_DIR, "--bus",
                                  "ipc://" + dir_.file("nobus.sock"), "provision", "--site", "store-1", "--device",
                                  "hh-1", "--broker", broker_->uri(), "--ca", pki_.ca_file(), "--cert",
                                  device_.cert_file, "--key", device_.key_file, "--dir", tls_dir};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_both(dir_, argv);
  }
  RunResult doctor(const std::string& cfg, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{SCANEDGECTL_BIN, "--config", cfg, "--profiles", SCANEDGE_PROFILES_DIR,
                                  "--timeout", "3000", "doctor", "--json", "--cert-warn-days", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_capture(argv, 60s);
  }
  TempDir dir_;
  TestPki pki_;
  TestPki::Identity server_, device_;
  std::unique_ptr<Mosquitto> broker_;
};

TEST_F(FieldTools, ProvisionIntoARootWritesConfigAndFilesWithDevicePathsAfterTheHandshake) {
  TempDir root;
  auto r = run_both(dir_, {SCANEDGECTL_BIN, "--profiles", SCANEDGE_PROFILES_DIR, "--bus", "ipc://" + dir_.file("n.sock"),
                           "provision", "--site", "store-1", "--device", "hh-1", "--broker", broker_->uri(), "--ca",
                           pki_.ca_file(), "--cert", device_.cert_file, "--key", device_.key_file, "--root",
                           root.path()});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("checking the broker " + broker_->uri() + " ... ok (TLS handshake and MQTT connect"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("attached devices"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("device.site    = store-1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("broker check   = passed"), std::string::npos);
  const std::string etc = root.path() + "/etc/scanedge";
  const std::string cfg = read_text_file(etc + "/scanedged.toml");
  EXPECT_NE(cfg.find("site = \"store-1\""), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("uri = \"" + broker_->uri() + "\""), std::string::npos);
  EXPECT_NE(cfg.find("ca_file = \"/etc/scanedge/ca.pem\""), std::string::npos) << "paths as on the device";
  EXPECT_NE(cfg.find("key_file = \"/etc/scanedge/device.key\""), std::string::npos);
  EXPECT_EQ(read_text_file(etc + "/ca.pem"), read_text_file(pki_.ca_file()));
  EXPECT_EQ(read_text_file(etc + "/device.pem"), read_text_file(device_.cert_file));
  EXPECT_EQ(read_text_file(etc + "/device.key"), read_text_file(device_.key_file));
  EXPECT_EQ(mode_of(etc + "/device.key"), 0600u);
  EXPECT_EQ(mode_of(etc + "/scanedged.toml"), 0640u);
  if (const passwd* pw = ::getpwnam("scanedge")) {
    struct stat sb{};
    ASSERT_EQ(::stat((etc + "/device.key").c_str(), &sb), 0);
    EXPECT_EQ(sb.st_uid, pw->pw_uid) << "the key belongs to the service user";
  }
  for (const auto& e : std::filesystem::directory_iterator(etc)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "temp file left: " << e.path();
  }
}

TEST_F(FieldTools, ProvisionedConfigPassesCheckConfigAndReprovisioningKeepsOtherSettings) {
  const std::string cfg = dir_.file("etc/scanedged.toml");
  std::filesystem::create_directories(dir_.file("etc"));
  std::ofstream(cfg) << "[log]\nlevel = \"debug\"\n";
  auto r = provision(cfg, dir_.file("tls"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("(updated; other settings kept)"), std::string::npos);
  auto check = run_both(dir_, {SCANEDGED_BIN, "--check-config", "--config", cfg});
  EXPECT_EQ(check.status, 0) << check.out << "\n" << read_text_file(cfg);
  EXPECT_NE(read_text_file(cfg).find("level = \"debug\""), std::string::npos);
}

TEST_F(FieldTools, ProvisionRefusesABrokerThatFailsTheHandshakeAndWritesNothing) {
  TempDir root;
  TestPki other("another CA");
  auto bad_ca = run_both(dir_, {SCANEDGECTL_BIN, "--bus", "ipc://" + dir_.file("n.sock"), "provision", "--site",
                                "store-1", "--device", "hh-1", "--broker", broker_->uri(), "--ca", other.ca_file(),
                                "--cert", device_.cert_file, "--key", device_.key_file, "--root", root.path()});
  EXPECT_EQ(bad_ca.status, 1) << bad_ca.out;
  EXPECT_NE(bad_ca.out.find("broker check failed (tls)"), std::string::npos) << bad_ca.out;
  // Which side and why, from OpenSSL: the broker's certificate is not from this CA.
  EXPECT_NE(bad_ca.out.find("the broker's certificate does not verify against " + other.ca_file() +
                            " for host 127.0.0.1: "),
            std::string::npos)
      << bad_ca.out;
  EXPECT_NE(bad_ca.out.find("nothing was written"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(root.path())) << "nothing written";

  // The right CA, but a device certificate from another CA: the broker refuses the device.
  const auto rogue = other.issue_client("store-1/hh-1");
  auto bad_cert = run_both(dir_, {SCANEDGECTL_BIN, "--bus", "ipc://" + dir_.file("n.sock"), "provision", "--site",
                                  "store-1", "--device", "hh-1", "--broker", broker_->uri(), "--ca", pki_.ca_file(),
                                  "--cert", rogue.cert_file, "--key", rogue.key_file, "--root", root.path()});
  EXPECT_EQ(bad_cert.status, 1) << bad_cert.out;
  EXPECT_NE(bad_cert.out.find("broker check failed (tls)"), std::string::npos) << bad_cert.out;
  EXPECT_NE(bad_cert.out.find("this device's certificate (" + rogue.cert_file +
                              ") is not signed by a CA the broker trusts"),
            std::string::npos)
      << bad_cert.out;
  EXPECT_TRUE(std::filesystem::is_empty(root.path())) << "nothing written";

  // With --no-check the same files are provisioned (the tech may be off-site).
  auto offline = run_both(dir_, {SCANEDGECTL_BIN, "--bus", "ipc://" + dir_.file("n.sock"), "provision", "--site",
                                 "store-1", "--device", "hh-1", "--broker", broker_->uri(), "--ca", other.ca_file(),
                                 "--cert", device_.cert_file, "--key", device_.key_file, "--root", root.path(),
                                 "--no-check"});
  EXPECT_EQ(offline.status, 0) << offline.out;
  EXPECT_NE(offline.out.find("broker check   = skipped (--no-check)"), std::string::npos);

  broker_->stop();
  TempDir root2;
  auto down = run_both(dir_, {SCANEDGECTL_BIN, "--bus", "ipc://" + dir_.file("n.sock"), "provision", "--site",
                              "store-1", "--device", "hh-1", "--broker", broker_->uri(), "--ca", pki_.ca_file(),
                              "--root", root2.path(), "--check-timeout", "2"});
  EXPECT_EQ(down.status, 1);
  EXPECT_NE(down.out.find("(unreachable)"), std::string::npos) << down.out;

  auto bad_id = run_both(dir_, {SCANEDGECTL_BIN, "provision", "--site", "store 1", "--device", "hh-1", "--broker",
                                "tcp://127.0.0.1:1", "--root", root2.path(), "--no-check"});
  EXPECT_EQ(bad_id.status, 1);
  EXPECT_NE(bad_id.out.find("--site \"store 1\" must be 1-64 of A-Z a-z 0-9 . _ -"), std::string::npos) << bad_id.out;
  auto no_ca = run_both(dir_, {SCANEDGECTL_BIN, "provision", "--site", "s", "--device", "d", "--broker",
                               "ssl://127.0.0.1:8883", "--root", root2.path(), "--no-check"});
  EXPECT_EQ(no_ca.status, 1);
  EXPECT_NE(no_ca.out.find("give --ca"), std::string::npos) << no_ca.out;
  EXPECT_TRUE(std::filesystem::is_empty(root2.path()));
}

TEST_F(FieldTools, DoctorPassesWhatIsRightAndSaysHowToFixWhatIsNot) {
  const std::string cfg = dir_.file("scanedged.toml");
  ASSERT_EQ(provision(cfg, dir_.file("tls")).status, 0);
  std::ofstream(cfg, std::ios::app) << "[storage]\npath = \"" << dir_.file("data/outbox.db") << "\"\n[bus]\nendpoint = \"ipc://"
                                    << dir_.file("bus.sock") << "\"\npub_endpoint = \"ipc://" << dir_.file("pub.sock")
                                    << "\"\n";
  std::filesystem::create_directories(dir_.file("data"));

  auto r = doctor(cfg);
  auto j = nlohmann::json::parse(r.out);
  for (const char* name : {"config", "certificate", "key", "broker", "disk", "outbox"}) {
    EXPECT_EQ(check_named(j, name)["ok"], true) << name << ": " << r.out;
  }
  for (const char* name : {"clock", "agent", "scanners"}) EXPECT_FALSE(check_named(j, name).is_null()) << name;
  const auto agent = check_named(j, "agent");
  EXPECT_EQ(agent["ok"], false) << "no agent runs";
  EXPECT_NE(agent["fix"].get<std::string>().find("systemctl start scanedged"), std::string::npos);
  EXPECT_EQ(r.status, 1) << "a failed check exits 1";
  EXPECT_EQ(j["ok"], false);

  // The broker goes away: reachability fails with a plain-words fix.
  broker_->stop();
  j = nlohmann::json::parse(doctor(cfg).out);
  EXPECT_EQ(check_named(j, "broker")["ok"], false);
  EXPECT_NE(check_named(j, "broker")["fix"].get<std::string>().find("nothing answers at that address"),
            std::string::npos);
  broker_->start();

  // A key that is not the certificate's.
  const auto stranger = pki_.issue_client("someone-else");
  const std::string key = dir_.file("tls/device.key");
  std::filesystem::copy_file(stranger.key_file, key, std::filesystem::copy_options::overwrite_existing);
  ::chmod(key.c_str(), 0600);
  j = nlohmann::json::parse(doctor(cfg).out);
  EXPECT_EQ(check_named(j, "key")["ok"], false);
  EXPECT_NE(check_named(j, "key")["detail"].get<std::string>().find("is not the private key of"), std::string::npos);

  // A key readable by others: the agent would refuse to start; config fails with chmod.
  ::chmod(key.c_str(), 0644);
  j = nlohmann::json::parse(doctor(cfg).out);
  EXPECT_EQ(check_named(j, "config")["ok"], false);
  EXPECT_NE(check_named(j, "config")["detail"].get<std::string>().find("chmod 600"), std::string::npos) << j.dump();
  EXPECT_EQ(check_named(j, "broker")["detail"], "not checked: the configuration is invalid");

  // Missing storage directory: disk fails.
  std::filesystem::remove_all(dir_.file("data"));
  ::chmod(key.c_str(), 0600);
  j = nlohmann::json::parse(doctor(cfg).out);
  EXPECT_EQ(check_named(j, "disk")["ok"], false);

  // No configuration at all: the fix is to provision.
  j = nlohmann::json::parse(doctor(dir_.file("none.toml")).out);
  EXPECT_EQ(check_named(j, "config")["ok"], false);
  EXPECT_NE(check_named(j, "config")["fix"].get<std::string>().find("scanedgectl provision"), std::string::npos);

  // Text output: one line per check, fixes indented.
  auto text = run_capture({SCANEDGECTL_BIN, "--config", dir_.file("none.toml"), "doctor"});
  EXPECT_EQ(text.status, 1);
  EXPECT_NE(text.out.find("[FAIL] config      "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("       fix: provision the device"), std::string::npos);
}

TEST_F(FieldTools, RunningAgentWritesMetricsAndItsOutboxCanBeInspectedAndDoctorSeesIt) {
  const std::string cfg = dir_.file("scanedged.toml");
  ASSERT_EQ(provision(cfg, dir_.file("tls")).status, 0);
  const std::string prom = dir_.file("metrics/scanedge.prom");
  std::filesystem::create_directories(dir_.file("metrics"));
  std::ofstream(cfg, std::ios::app) << "[storage]\npath = \"" << dir_.file("outbox.db") << "\"\n[bus]\nendpoint = \"ipc://"
                                    << dir_.file("bus.sock") << "\"\npub_endpoint = \"ipc://" << dir_.file("pub.sock")
                                    << "\"\n[profiles]\ndir = \"" << SCANEDGE_PROFILES_DIR
                                    << "\"\nautodetect = false\n[metrics]\ntextfile = \"" << prom
                                    << "\"\ninterval_s = 1\n";
  Process agent = Process::spawn({SCANEDGED_BIN, "--config", cfg}, dir_.file("agent.log"));
  ASSERT_TRUE(eventually([&] { return read_text_file(prom).find("scanedge_mqtt_connected 1\n") != std::string::npos; }, 15s))
      << read_text_file(prom) << read_text_file(dir_.file("agent.log"));
  const std::string first = read_text_file(prom);
  EXPECT_NE(first.find("# TYPE scanedge_outbox_backlog gauge"), std::string::npos);
  EXPECT_NE(first.find("scanedge_outbox_backlog{stream=\"exec\"} 0\n"), std::string::npos) << first;
  EXPECT_NE(first.find("scanedge_events_rejected_total 0\n"), std::string::npos);

  // A scan without a task is rejected and stored as telemetry; no ledger runs, so it waits.
  auto scan = run_capture({SCANEDGECTL_BIN, "--bus", "ipc://" + dir_.file("bus.sock"), "scan", "]C10109506000134352"});
  EXPECT_EQ(scan.status, 1) << scan.out;
  EXPECT_TRUE(eventually([&] { return read_text_file(prom).find("scanedge_events_rejected_total 1\n") != std::string::npos; }, 5s))
      << read_text_file(prom);
  const std::string after = read_text_file(prom);
  EXPECT_NE(after.find("scanedge_outbox_backlog{stream=\"telemetry\"} 1\n"), std::string::npos) << after;

  // The outbox while the agent runs: read-only inspection.
  auto stats = run_capture({SCANEDGECTL_BIN, "--config", cfg, "outbox", "stats", "--json"});
  ASSERT_EQ(stats.status, 0) << stats.out;
  auto sj = nlohmann::json::parse(stats.out);
  EXPECT_EQ(sj["streams"]["telemetry"]["stored"], 1);
  EXPECT_EQ(sj["streams"]["telemetry"]["last_seq"], 1);
  auto list = run_capture({SCANEDGECTL_BIN, "--config", cfg, "outbox", "list", "--stream", "telemetry"});
  EXPECT_NE(list.out.find("telemetry 1 "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("reason no_task"), std::string::npos) << list.out;
  auto exported = run_capture({SCANEDGECTL_BIN, "--config", cfg, "outbox", "export"});
  auto ev = nlohmann::json::parse(exported.out);
  EXPECT_EQ(ev["seq"], 1);
  EXPECT_EQ(ev["stream"], "telemetry");

  // doctor: the agent answers; the waiting event makes the outbox check fail past the age limit.
  std::this_thread::sleep_for(1100ms);
  auto d = nlohmann::json::parse(doctor(cfg, {"--max-backlog-age", "0"}).out);
  EXPECT_EQ(check_named(d, "agent")["ok"], true) << d.dump();
  EXPECT_NE(check_named(d, "agent")["detail"].get<std::string>().find("broker connected"), std::string::npos);
  EXPECT_EQ(check_named(d, "outbox")["ok"], false) << d.dump();
  EXPECT_NE(check_named(d, "outbox")["fix"].get<std::string>().find("not reaching the ledger"), std::string::npos);
  auto d2 = nlohmann::json::parse(doctor(cfg).out);
  EXPECT_EQ(check_named(d2, "outbox")["ok"], true) << "within the default hour";

  EXPECT_EQ(agent.stop(), 0);
  EXPECT_FALSE(read_text_file(prom).empty()) << "the last file stays";
}

}  // namespace
}  // namespace scanedge::testing
