// `scanedgectl watch` as a process against a real agent and broker: it shows the decisions
// and the sync state the agent publishes, bounded by --count/--seconds or stopped by SIGINT.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <zmq.hpp>

#include "edge/bus/bus_client.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/scan_injector.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::testing {
namespace {

using namespace std::chrono_literals;

// The JSON lines of a watch log (stdout and stderr share the file; stderr lines are text).
std::vector<nlohmann::json> json_lines(const std::string& log) {
  std::vector<nlohmann::json> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

// Waits for watch's "watching" line, then a moment for the subscription to reach the PUB
// socket (ZeroMQ subscriptions travel asynchronously after the connection is up).
void wait_until_watching(const std::string& log) {
  ASSERT_TRUE(eventually([&] { return read_text_file(log).find("watching ") != std::string::npos; }, 10s)) << read_text_file(log);
  std::this_thread::sleep_for(300ms);
}

TEST(ScanedgectlWatch, PrintsConfirmedAndRejectedDecisionsAsTheyHappen) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri());
  stack.start_agent();
  const std::string task = dir.file("task.json");
  std::ofstream(task) << big_pick_task("PICK-WATCH", 1).dump();
  auto put = run_capture({EdgeStack::ctl_bin(), "--bus", stack.bus_endpoint(), "task", "put", task});
  ASSERT_EQ(put.status, 0) << put.out;

  const std::string json_log = dir.file("watch-json.log");
  const std::string text_log = dir.file("watch-text.log");
  Process json_watch = Process::spawn({EdgeStack::ctl_bin(), "--pub", stack.pub_endpoint(), "watch", "--json", "--topic",
                                       "decision", "--count", "2", "--seconds", "25"},
                                      json_log);
  Process text_watch = Process::spawn(
      {EdgeStack::ctl_bin(), "--pub", stack.pub_endpoint(), "watch", "--topic", "decision", "--count", "2", "--seconds", "25"},
      text_log);
  wait_until_watching(json_log);
  wait_until_watching(text_log);

  auto good = run_capture({EdgeStack::ctl_bin(), "--bus", stack.bus_endpoint(), "scan", serial_scan("W1")});
  ASSERT_EQ(good.status, 0) << good.out;
  auto over = run_capture({EdgeStack::ctl_bin(), "--bus", stack.bus_endpoint(), "scan", serial_scan("W2")});
  ASSERT_EQ(over.status, 1) << over.out;

  EXPECT_EQ(json_watch.wait(15s), std::optional<int>(0)) << "stops by itself after --count 2";
  EXPECT_EQ(text_watch.wait(15s), std::optional<int>(0));

  const std::string jl = read_text_file(json_log);
  auto lines = json_lines(jl);
  ASSERT_EQ(lines.size(), 2u) << jl;
  EXPECT_EQ(lines[0]["topic"], "decision");
  EXPECT_EQ(lines[0]["message"]["decision"], "confirmed") << jl;
  EXPECT_EQ(lines[0]["message"]["task"], "PICK-WATCH");
  EXPECT_EQ(lines[0]["message"]["seq"], 2) << "exec seq 1 is the task itself (task.received)";
  EXPECT_EQ(lines[1]["topic"], "decision");
  EXPECT_EQ(lines[1]["message"]["decision"], "rejected") << jl;
  EXPECT_EQ(lines[1]["message"]["reason"]["code"], "over_pick");

  const std::string tl = read_text_file(text_log);
  const auto confirmed = tl.find("CONFIRMED  bus:ctl  task PICK-WATCH line 1");
  const auto rejected = tl.find("REJECTED   bus:ctl  over_pick: ");
  EXPECT_NE(confirmed, std::string::npos) << tl;
  EXPECT_NE(rejected, std::string::npos) << tl;
  EXPECT_LT(confirmed, rejected) << "in the order they were decided\n" << tl;
  EXPECT_NE(tl.find("  seq 2"), std::string::npos) << tl;
}

TEST(ScanedgectlWatch, ShowsSyncGoingOfflineWhenTheBrokerStopsAndExitsZeroOnSigint) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  EdgeStack stack(dir, broker.uri());
  stack.start_agent();
  bus::BusClient client(stack.bus_endpoint());
  ASSERT_TRUE(eventually(
      [&] {
        auto s = client.request({{"v", 1}, {"op", "status"}}, 1s);
        return s && (*s)["broker"]["connected"] == true;
      },
      10s));

  const std::string log = dir.file("watch.log");
  const std::string text_log = dir.file("watch-text.log");
  Process watch = Process::spawn(
      {EdgeStack::ctl_bin(), "--pub", stack.pub_endpoint(), "watch", "--json", "--topic", "sync", "--seconds", "25"}, log);
  Process text_watch = Process::spawn(
      {EdgeStack::ctl_bin(), "--pub", stack.pub_endpoint(), "watch", "--topic", "sync", "--seconds", "25"}, text_log);
  wait_until_watching(log);
  wait_until_watching(text_log);
  auto seen = [&](bool connected) {
    for (const auto& j : json_lines(read_text_file(log))) {
      if (j["topic"] == "sync" && j["message"]["connected"] == connected) return true;
    }
    return false;
  };
  // A viewer that joins while nothing changes learns the state within 5 s.
  ASSERT_TRUE(eventually([&] { return seen(true); }, 8s)) << read_text_file(log);
  broker.stop();

  auto offline = [&] { return seen(false); };
  ASSERT_TRUE(eventually(offline, 15s)) << read_text_file(log) << "\n--- agent log:\n" << read_text_file(stack.agent_log());
  nlohmann::json msg;
  for (const auto& j : json_lines(read_text_file(log))) {
    if (j["message"]["connected"] == false) msg = j["message"];
  }
  EXPECT_EQ(msg["v"], 1);
  EXPECT_TRUE(msg["time"].is_string());
  for (const char* s : {"exec", "telemetry"}) {
    EXPECT_TRUE(msg["outbox"][s]["depth"].is_number_integer()) << msg.dump();
    EXPECT_TRUE(msg["outbox"][s]["acked_through"].is_number_integer()) << msg.dump();
    EXPECT_TRUE(msg["outbox"][s]["last_seq"].is_number_integer()) << msg.dump();
  }
  EXPECT_TRUE(eventually([&] { return read_text_file(text_log).find("sync: offline, backlog exec ") != std::string::npos; }, 5s))
      << read_text_file(text_log);

  watch.signal(SIGINT);
  text_watch.signal(SIGINT);
  EXPECT_EQ(watch.wait(5s), std::optional<int>(0)) << "Ctrl-C is a normal end";
  EXPECT_EQ(text_watch.wait(5s), std::optional<int>(0));
}

TEST(ScanedgectlWatch, UnreachablePubEndpointExitsThree) {
  TempDir dir;
  auto r = run_capture(
      {EdgeStack::ctl_bin(), "--pub", "ipc://" + dir.file("none.sock"), "--timeout", "300", "watch", "--count", "1"}, 10s);
  EXPECT_EQ(r.status, 3);
}

TEST(ScanedgectlWatch, MalformedMessagesAreReportedAndSkipped) {
  TempDir dir;
  const std::string endpoint = "ipc://" + dir.file("pub.sock");
  zmq::context_t ctx{1};
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
  pub.set(zmq::sockopt::linger, 0);
  pub.bind(endpoint);

  const std::string log = dir.file("watch.log");
  Process watch = Process::spawn({EdgeStack::ctl_bin(), "--pub", endpoint, "watch", "--json", "--count", "1", "--seconds", "20"}, log);
  wait_until_watching(log);
  const nlohmann::json good{{"decision", "confirmed"}, {"scanner", "s"}, {"task", "T"}, {"line", 1}, {"seq", 9}};
  // Garbage first, then a good message, until watch has shown one message and exited.
  ASSERT_TRUE(eventually(
      [&] {
        pub.send(zmq::buffer(std::string("decision")), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(std::string("{not json")), zmq::send_flags::none);
        pub.send(zmq::buffer(std::string("decision")), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(std::string("{\"scanner\":\"s\"}")), zmq::send_flags::none);
        pub.send(zmq::buffer(std::string("lonely frame")), zmq::send_flags::none);
        pub.send(zmq::buffer(std::string("decision")), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(good.dump()), zmq::send_flags::none);
        return !watch.running();
      },
      10s, 100ms));
  EXPECT_EQ(watch.wait(1s), std::optional<int>(0));
  const std::string out = read_text_file(log);
  auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  EXPECT_EQ(lines[0]["message"], good);
  EXPECT_NE(out.find("malformed message on topic \"decision\": body is not a JSON object"), std::string::npos) << out;
  EXPECT_NE(out.find("without a \"decision\" string"), std::string::npos) << out;
  EXPECT_NE(out.find("1 frame(s)"), std::string::npos) << out;
}

}  // namespace
}  // namespace scanedge::testing
