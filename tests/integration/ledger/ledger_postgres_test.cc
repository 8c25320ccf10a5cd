// scanedge-ledger on PostgreSQL (the real binary, `--db postgresql://...`), against a real
// mosquitto and a throwaway PostgreSQL cluster: run applies, acks, sheds; the read commands
// (query, events, availability, export) read the same database; errors exit 1; passwords
// never reach the logs. Skipped only when the PostgreSQL server binaries are not installed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/ledger/test_device.h"
#include "tests/support/mosquitto.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace scanedge::sync {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::Mosquitto;
using testing::Postgres;
using testing::Process;
using testing::run_capture;
using testing::TempDir;

const std::string kLedger = SCANEDGE_LEDGER_BIN;
const DeviceAddress kD1{"s1", "d1"};

class LedgerOnPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Postgres::available()) GTEST_SKIP() << Postgres::skip_reason();
    pg_ = std::make_unique<Postgres>();
    pg_->start();
    // A password in the URI (trust authentication ignores it) must never be logged.
    uri_ = pg_->create_database("ledger") + "&password=" + kSecret;
    broker_.start();
  }
  void TearDown() override {
    if (ledger_.running()) ledger_.stop();
  }
  void start_ledger(const std::string& client_id = "ledger-a") {
    ledger_ = Process::spawn({kLedger, "run", "--broker", broker_.uri(), "--db", uri_, "--client-id", client_id},
                             dir_.file("ledger.log"));
  }
  std::string log() {
    std::ifstream in(dir_.file("ledger.log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static constexpr const char* kSecret = "pg-s3cret-pw";
  TempDir dir_;
  std::unique_ptr<Postgres> pg_;
  Mosquitto broker_;
  std::string uri_;
  Process ledger_;
};

TEST_F(LedgerOnPostgres, RunAppliesAndAcksAndTheReadCommandsReadTheSameDatabase) {
  start_ledger();
  TestDevice dev(broker_.uri(), kD1, "dev-1");
  EXPECT_EQ(dev.send_until_acked(Stream::exec, 1, 10).acked_through, 10);
  std::size_t n = dev.acks(Stream::exec).size();
  dev.send(Stream::exec, 5, 12);  // overlapping: 5..10 duplicates
  auto dup = dev.next_ack(Stream::exec, n++);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->acked_through, 12);
  dev.send(Stream::exec, 20, 21);  // a gap
  auto gap = dev.next_ack(Stream::exec, n++);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->acked_through, 12);
  EXPECT_EQ(gap->expect, 13);
  // Telemetry: 1..3, then the device shed 4..8 and sends 9..10.
  EXPECT_EQ(dev.send_until_acked(Stream::telemetry, 1, 3).acked_through, 3);
  const std::size_t t = dev.acks(Stream::telemetry).size();
  dev.send(Stream::telemetry, 9, 10, 8);
  auto shed = dev.next_ack(Stream::telemetry, t);
  ASSERT_TRUE(shed);
  EXPECT_EQ(shed->acked_through, 10);
  EXPECT_FALSE(shed->expect.has_value());

  auto q = run_capture({kLedger, "query", "--db", uri_});
  ASSERT_EQ(q.status, 0) << q.out;
  EXPECT_EQ(json::parse(q.out), json::parse(R"({"devices":[{"site":"s1","device":"d1",
      "streams":{"exec":{"applied":12,"last_seq":12},"telemetry":{"applied":5,"last_seq":10,"shed":5}}}]})"));

  auto ev = run_capture({kLedger, "events", "--db", uri_, "--site", "s1", "--device", "d1", "--stream", "telemetry"});
  ASSERT_EQ(ev.status, 0);
  std::istringstream lines(ev.out);
  std::string line;
  std::vector<std::int64_t> seqs;
  std::int64_t last_order = 0;
  while (std::getline(lines, line)) {
    const json e = json::parse(line);
    seqs.push_back(e["seq"]);
    EXPECT_EQ(e["applied_by"], "ledger-a");
    EXPECT_GT(e["apply_order"].get<std::int64_t>(), last_order);
    last_order = e["apply_order"];
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3, 9, 10}));

  auto av = run_capture({kLedger, "availability", "--db", uri_});
  ASSERT_EQ(av.status, 0) << av.out;
  const json a = json::parse(av.out);
  EXPECT_TRUE(a.contains("items"));
  EXPECT_TRUE(a.contains("oversells"));

  auto ex = run_capture({kLedger, "export", "--epcis", "--db", uri_});
  ASSERT_EQ(ex.status, 0);
  EXPECT_EQ(json::parse(ex.out)["type"], "EPCISDocument");

  ledger_.stop();
  EXPECT_EQ(log().find(kSecret), std::string::npos) << log();
  EXPECT_NE(log().find("password=***"), std::string::npos) << log();
}

TEST_F(LedgerOnPostgres, ReadCommandsOnADatabaseWithoutLedgerOrADownServerExit1) {
  const std::string empty = pg_->create_database("empty");
  auto q = run_capture({kLedger, "query", "--db", empty});
  EXPECT_EQ(q.status, 1);
  auto av = run_capture({kLedger, "availability", "--db", empty});
  EXPECT_EQ(av.status, 1);
  pg_->stop();
  auto down = run_capture({kLedger, "query", "--db", uri_});
  EXPECT_EQ(down.status, 1);
  // `run` against a server that is down fails at once with exit 1.
  auto run = run_capture({kLedger, "run", "--broker", broker_.uri(), "--db", uri_}, std::chrono::seconds(30));
  EXPECT_EQ(run.status, 1);
}

}  // namespace
}  // namespace scanedge::sync
