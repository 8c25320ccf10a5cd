// scanedge-ledger (the real binary, as a child process) against a real mosquitto on a free
// loopback port, driven by a test "device" using PahoTransport.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "edge/core/outbox.h"
#include "sync/mqtt/paho_transport.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/integration/ledger/test_device.h"

namespace scanedge::sync {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::Mosquitto;
using testing::Process;
using testing::run_capture;
using testing::TempDir;

const std::string kLedger = SCANEDGE_LEDGER_BIN;
const DeviceAddress kD1{"s1", "d1"};

class LedgerOverMosquitto : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_.start();
    db_ = dir_.file("ledger.db");
    start_ledger();
  }
  void TearDown() override {
    if (ledger_.running()) ledger_.stop();
  }
  void start_ledger(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {kLedger, "run", "--broker", broker_.uri(), "--db", db_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ledger_ = Process::spawn(argv, dir_.file("ledger.log"));
  }
  json query() {
    auto r = run_capture({kLedger, "query", "--db", db_});
    EXPECT_EQ(r.status, 0) << r.out;
    return json::parse(r.out);
  }
  std::string log() {
    std::ifstream in(dir_.file("ledger.log"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TempDir dir_;
  Mosquitto broker_;
  std::string db_;
  Process ledger_;
};

TEST_F(LedgerOverMosquitto, BatchesAreAppliedOnceInOrderAndAcked) {
  TestDevice dev(broker_.uri(), kD1, "dev-1");
  Ack first = dev.send_until_acked(Stream::exec, 1, 100);
  EXPECT_EQ(first.acked_through, 100);
  EXPECT_FALSE(first.expect.has_value());
  for (int b = 1; b < 10; ++b) dev.send(Stream::exec, b * 100 + 1, b * 100 + 100);
  ASSERT_TRUE(eventually(
      [&] {
        auto acks = dev.acks(Stream::exec);
        return !acks.empty() && decode_ack(acks.back().payload)->acked_through == 1000;
      },
      20s))
      << log();
  EXPECT_EQ(query(), json::parse(R"({"devices":[{"site":"s1","device":"d1",
                                    "streams":{"exec":{"applied":1000,"last_seq":1000}}}]})"));
  // `events` lists them in seq order.
  auto r = run_capture({kLedger, "events", "--db", db_, "--site", "s1", "--device", "d1", "--stream", "exec",
                        "--after", "990"});
  ASSERT_EQ(r.status, 0);
  std::istringstream lines(r.out);
  std::string line;
  std::int64_t expect = 991;
  while (std::getline(lines, line)) {
    const json e = json::parse(line);
    EXPECT_EQ(e["seq"], expect);
    EXPECT_EQ(e["event"]["seq"], expect);
    EXPECT_EQ(e["id"], "ev-" + std::to_string(expect));
    ++expect;
  }
  EXPECT_EQ(expect, 1001);
}

TEST_F(LedgerOverMosquitto, DuplicatesAreAckedAgainAndGapsAnsweredWithExpect) {
  TestDevice dev(broker_.uri(), kD1, "dev-1");
  EXPECT_EQ(dev.send_until_acked(Stream::exec, 1, 10).acked_through, 10);

  std::size_t n = dev.acks(Stream::exec).size();
  dev.send(Stream::exec, 1, 10);  // the whole batch again
  auto dup = dev.next_ack(Stream::exec, n++);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->acked_through, 10);
  EXPECT_FALSE(dup->expect.has_value());

  dev.send(Stream::exec, 15, 20);  // a gap
  auto gap = dev.next_ack(Stream::exec, n++);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->acked_through, 10);
  EXPECT_EQ(gap->expect, 11);

  dev.send(Stream::exec, 11, 20);  // the resend from `expect`
  auto fill = dev.next_ack(Stream::exec, n++);
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill->acked_through, 20);
  EXPECT_FALSE(fill->expect.has_value());

  // Another stream and another device are independent.
  EXPECT_EQ(dev.send_until_acked(Stream::telemetry, 1, 3).acked_through, 3);
  TestDevice dev2(broker_.uri(), {"s1", "d2"}, "dev-2");
  EXPECT_EQ(dev2.send_until_acked(Stream::exec, 1, 5).acked_through, 5);
  EXPECT_EQ(query(), json::parse(R"({"devices":[
      {"site":"s1","device":"d1","streams":{"exec":{"applied":20,"last_seq":20},
                                             "telemetry":{"applied":3,"last_seq":3}}},
      {"site":"s1","device":"d2","streams":{"exec":{"applied":5,"last_seq":5}}}]})"));
}

TEST_F(LedgerOverMosquitto, BadMessagesAreLoggedAndChangeNothing) {
  ledger_.stop();
  start_ledger({"--max-payload", "65536"});
  TestDevice dev(broker_.uri(), kD1, "dev-1");
  EXPECT_EQ(dev.send_until_acked(Stream::exec, 1, 2).acked_through, 2);
  const std::size_t acks_before = dev.acks(Stream::exec).size();
  const std::string topic = events_topic(kD1, Stream::exec);
  dev.send_raw(topic, "garbage{");
  dev.send_raw(topic, "");
  dev.send_raw(topic, batch({"s1", "other"}, Stream::exec, 3, 4));  // device mismatch
  dev.send_raw(events_topic(kD1, Stream::telemetry), batch(kD1, Stream::exec, 3, 4));  // stream mismatch
  dev.send_raw(topic, batch(kD1, Stream::exec, 3, 2000));  // over --max-payload
  dev.send_raw(topic, R"({"v":1,"device":"d1","site":"s1","stream":"exec","events":[{"seq":3}]})");
  dev.send_raw("scanedge/v1/s1/d1/events/bogus", batch(kD1, Stream::exec, 3, 4));
  // Still serving, and nothing of the above was applied.
  dev.send(Stream::exec, 3, 4);
  auto a = dev.next_ack(Stream::exec, acks_before);
  ASSERT_TRUE(a) << log();
  EXPECT_EQ(a->acked_through, 4);
  EXPECT_EQ(dev.acks(Stream::exec).size(), acks_before + 1);  // no acks for the bad ones
  EXPECT_TRUE(ledger_.running());
  EXPECT_EQ(query(), json::parse(R"({"devices":[{"site":"s1","device":"d1",
                                    "streams":{"exec":{"applied":4,"last_seq":4}}}]})"));
  ledger_.stop();
  const std::string text = log();
  EXPECT_NE(text.find("too_large"), std::string::npos) << text;
  EXPECT_NE(text.find("mismatch"), std::string::npos) << text;
  EXPECT_NE(text.find("bad_payload"), std::string::npos) << text;
  EXPECT_NE(text.find("unknown stream"), std::string::npos) << text;
}

TEST_F(LedgerOverMosquitto, RestartKeepsStateAndSigtermExitsCleanly) {
  {
    TestDevice dev(broker_.uri(), kD1, "dev-1");
    EXPECT_EQ(dev.send_until_acked(Stream::exec, 1, 50).acked_through, 50);
  }
  EXPECT_EQ(ledger_.stop(), 0) << log();
  start_ledger();
  TestDevice dev(broker_.uri(), kD1, "dev-1b");
  Ack again = dev.send_until_acked(Stream::exec, 41, 50);  // duplicates after the restart
  EXPECT_EQ(again.acked_through, 50);
  const std::size_t n = dev.acks(Stream::exec).size();
  dev.send(Stream::exec, 51, 60);
  auto next = dev.next_ack(Stream::exec, n);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->acked_through, 60);
  EXPECT_EQ(query()["devices"][0]["streams"]["exec"], json::parse(R"({"applied":60,"last_seq":60})"));
  ledger_.signal(SIGINT);
  EXPECT_EQ(ledger_.wait(10s), 0);
}

TEST_F(LedgerOverMosquitto, PublishTaskDeliversTheDocument) {
  TestDevice dev(broker_.uri(), kD1, "dev-1");
  const std::string file = dir_.file("task.json");
  std::ofstream(file) << R"({"task_id":"PICK-1001","version":2,"lines":[{"gtin":"09506000134352","qty":2}]})";
  auto r = run_capture({kLedger, "publish-task", "--broker", broker_.uri(), "--site", "s1", "--device", "d1", file});
  EXPECT_EQ(r.status, 0);
  ASSERT_TRUE(eventually(
      [&] {
        for (const Message& m : dev.received()) {
          if (m.topic == tasks_topic(kD1)) return true;
        }
        return false;
      },
      10s));
  for (const Message& m : dev.received()) {
    if (m.topic != tasks_topic(kD1)) continue;
    const json doc = json::parse(m.payload);
    EXPECT_EQ(doc["task_id"], "PICK-1001");
    EXPECT_EQ(doc["version"], 2);
  }
  const std::string bad = dir_.file("bad.json");
  std::ofstream(bad) << R"({"task_id":"PICK-1"})";
  EXPECT_EQ(run_capture({kLedger, "publish-task", "--broker", broker_.uri(), "--site", "s1", "--device", "d1", bad}).status, 1);
  EXPECT_EQ(run_capture({kLedger, "publish-task", "--broker", broker_.uri(), "--site", "s+", "--device", "d1", file}).status, 2);
}

TEST_F(LedgerOverMosquitto, QueryOfMissingOrForeignDatabaseFails) {
  EXPECT_EQ(run_capture({kLedger, "query", "--db", dir_.file("missing.db")}).status, 1);
  std::ofstream(dir_.file("junk.db")) << "junk junk junk junk junk junk junk junk junk junk junk junk junk junk";
  EXPECT_EQ(run_capture({kLedger, "query", "--db", dir_.file("junk.db")}).status, 1);
  EXPECT_EQ(run_capture({kLedger, "query"}).status, 2);
  // An empty (fresh) ledger answers with no devices.
  ASSERT_TRUE(eventually([&] { return std::ifstream(db_).good(); }, 5s));
  ASSERT_TRUE(eventually([&] { return run_capture({kLedger, "query", "--db", db_}).status == 0; }, 5s));
  EXPECT_EQ(query(), json::parse(R"({"devices":[]})"));
}

TEST_F(LedgerOverMosquitto, BrokerTlsOptionsAreCheckedBeforeRunning) {
  const std::string other = dir_.file("other.db");
  // A client certificate needs its key (and the reverse): usage error.
  EXPECT_EQ(run_capture({kLedger, "run", "--broker", "ssl://127.0.0.1:8883", "--db", other, "--cert-file",
                         dir_.file("c.pem")})
                .status,
            2);
  EXPECT_EQ(run_capture({kLedger, "run", "--broker", "ssl://127.0.0.1:8883", "--db", other, "--key-file",
                         dir_.file("k.pem")})
                .status,
            2);
  EXPECT_EQ(run_capture({kLedger, "run", "--broker", broker_.uri(), "--db", other, "--session-expiry", "-1"}).status, 2);
  // The files reach the transport, which refuses a CA bundle that does not exist: exit 1.
  auto missing = run_capture({kLedger, "run", "--broker", "ssl://127.0.0.1:8883", "--db", other, "--ca-file",
                              dir_.file("no-such-ca.pem")},
                             30s);
  EXPECT_EQ(missing.status, 1);
}

}  // namespace
}  // namespace scanedge::sync
