#include "edge/bus/zmq_bus.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <thread>

#include "edge/bus/bus_client.h"
#include "tests/support/process.h"

namespace scanedge::bus {
namespace {

using namespace std::chrono_literals;
using scanedge::testing::TempDir;

struct ZmqBusTest : ::testing::Test {
  TempDir dir;
  std::string ep = "ipc://" + dir.file("bus.sock");
  std::string pub = "ipc://" + dir.file("pub.sock");
  ZmqBus bus{ZmqBusOptions{ep, pub, 1024}};
};

TEST_F(ZmqBusTest, RepliesFromAnotherThreadLaterReachTheRightClient) {
  bus.on_request([](const nlohmann::json& req, Bus::Replier reply) {
    // Answer later, from another thread, like the pipeline does after a commit.
    std::thread([req, reply] {
      std::this_thread::sleep_for(20ms);
      reply({{"echo", req["n"]}});
    }).detach();
  });
  ASSERT_TRUE(bus.start());
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      BusClient client(ep);
      for (int i = 0; i < 10; ++i) {
        auto r = client.request({{"n", c * 100 + i}}, 2s);
        if (r && (*r)["echo"] == c * 100 + i) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 40);
}

TEST_F(ZmqBusTest, MalformedAndOversizedRequestsGetAnErrorReplyAndNeverReachTheHandler) {
  std::atomic<int> calls{0};
  bus.on_request([&](const nlohmann::json&, Bus::Replier reply) {
    ++calls;
    reply({{"ok", true}});
  });
  ASSERT_TRUE(bus.start());
  BusClient client(ep);
  auto r1 = client.request_raw("{nope", 2s);
  ASSERT_TRUE(r1);
  EXPECT_EQ((*r1)["error"]["code"], "bad_request");
  auto r2 = client.request_raw("[1]", 2s);
  ASSERT_TRUE(r2);
  EXPECT_EQ((*r2)["error"]["code"], "bad_request");
  auto r3 = client.request_raw(std::string(2000, ' ') + "{}", 2s);
  ASSERT_TRUE(r3);
  EXPECT_EQ((*r3)["error"]["code"], "too_large");
  EXPECT_EQ(calls.load(), 0);
  auto ok = client.request({{"op", "x"}}, 2s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ZmqBusTest, SocketFilesAreOwnerAndGroupOnly) {
  ASSERT_TRUE(bus.start());
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("bus.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << "others must not reach the local API";
}

TEST_F(ZmqBusTest, PublishesToSubscribers) {
  ASSERT_TRUE(bus.start());
  BusSubscriber sub(pub, "decision");
  std::optional<std::pair<std::string, nlohmann::json>> got;
  // PUB/SUB joins asynchronously: publish until the subscriber sees one.
  for (int i = 0; i < 100 && !got; ++i) {
    bus.publish("decision", {{"n", i}});
    got = sub.receive(50ms);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "decision");
  EXPECT_TRUE(got->second.contains("n"));
}

TEST_F(ZmqBusTest, NoClientIsLeftWaitingWhenTheHandlerIsMissing) {
  ASSERT_TRUE(bus.start());
  BusClient client(ep);
  auto r = client.request({{"op", "status"}}, 2s);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], "unavailable");
}

TEST(BusClient, UnreachableAgentIsAnErrorNotAHang) {
  TempDir dir;
  BusClient client("ipc://" + dir.file("nobody.sock"));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = client.request({{"op", "status"}}, 300ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unreachable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(ZmqBus, BindFailureIsAnErrorNamingTheEndpoint) {
  ZmqBus bus{ZmqBusOptions{"ipc:///nonexistent-dir/x.sock", "ipc:///nonexistent-dir/y.sock"}};
  auto s = bus.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "bus");
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x.sock"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::bus
