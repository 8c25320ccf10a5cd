#include "edge/bus/zmq_bus.h"

#include <gtest/gtest.h>

#include <cstring>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
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
  const auto st = bus.stats();
  EXPECT_EQ(st.requests, 4u);
  EXPECT_EQ(st.too_large, 1u);
  EXPECT_EQ(st.bad_request, 2u);
}

TEST_F(ZmqBusTest, HugeRequestsAreDroppedUnreadAndTheBusKeepsServing) {
  std::atomic<int> calls{0};
  bus.on_request([&](const nlohmann::json&, Bus::Replier reply) {
    ++calls;
    reply({{"ok", true}});
  });
  ASSERT_TRUE(bus.start());
  {
    // Above 4 x max_request_bytes (ZMQ_MAXMSGSIZE): ZeroMQ drops the connection unread.
    BusClient big(ep);
    auto r = big.request_raw("{\"pad\":\"" + std::string(64 * 1024, 'x') + "\"}", 500ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "unreachable");
  }
  // Between the limit and 4 x: read, refused with a reply, counted.
  BusClient client(ep);
  auto r = client.request_raw("{\"pad\":\"" + std::string(3000, 'x') + "\"}", 2s);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], "too_large");
  auto ok = client.request({{"op", "x"}}, 2s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(bus.stats().too_large, 1u);
}

TEST_F(ZmqBusTest, SocketFilesAreOwnerAndGroupOnlyWhateverTheUmask) {
  const mode_t old = ::umask(0);  // the widest: a plain bind would create 0777 sockets
  const auto s = bus.start();
  ::umask(old);
  ASSERT_TRUE(s);
  for (const char* name : {"bus.sock", "pub.sock"}) {
    struct stat st {};
    ASSERT_EQ(::lstat(dir.file(name).c_str(), &st), 0) << name;
    EXPECT_TRUE(S_ISSOCK(st.st_mode)) << name;
    EXPECT_EQ(st.st_mode & 07777, 0660u) << name << ": others must not reach the local API";
  }
  // Nothing else is left in the directory (the private directories are gone).
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 2u);
  // And it works.
  bus.on_request([](const nlohmann::json&, Bus::Replier reply) { reply({{"ok", true}}); });
  BusClient client(ep);
  EXPECT_TRUE(client.request({{"op", "x"}}, 2s));
}

TEST_F(ZmqBusTest, SocketFilesAreNeverCreatedInPlaceButMovedThereRestricted) {
  // Watch the directory: a socket file bound in place would show IN_CREATE (and be reachable
  // with the umask's mode until a chmod); ours must only ever arrive by rename, already 0660.
  const int in = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(in, 0);
  ASSERT_GE(::inotify_add_watch(in, dir.path().c_str(), IN_CREATE | IN_MOVED_TO), 0);
  const mode_t old = ::umask(0);
  for (int i = 0; i < 3; ++i) {
    ZmqBus b{ZmqBusOptions{ep, pub, 1024}};
    ASSERT_TRUE(b.start());
    b.stop();
  }
  ::umask(old);
  int created = 0, moved = 0;
  alignas(inotify_event) char buf[8192];
  ssize_t n = 0;
  while ((n = ::read(in, buf, sizeof buf)) > 0) {
    for (char* p = buf; p < buf + n;) {
      inotify_event ev{};  // copied out: no cast of the byte buffer (armhf -Wcast-align)
      std::memcpy(&ev, p, sizeof ev);
      const char* name_at = p + sizeof(inotify_event);
      const std::string name = ev.len > 0 ? std::string(name_at, ::strnlen(name_at, ev.len)) : "";
      if (name == "bus.sock" || name == "pub.sock") {
        if ((ev.mask & IN_CREATE) != 0) ++created;
        if ((ev.mask & IN_MOVED_TO) != 0) ++moved;
      }
      p += sizeof(inotify_event) + ev.len;
    }
  }
  ::close(in);
  EXPECT_EQ(created, 0);
  EXPECT_EQ(moved, 6);
}

TEST_F(ZmqBusTest, StaleSocketFileIsReplacedAndStopRemovesOnlyItsOwnFiles) {
  std::ofstream(dir.file("bus.sock")) << "stale";  // left behind by a killed agent
  bus.on_request([](const nlohmann::json&, Bus::Replier reply) { reply({{"ok", true}}); });
  ASSERT_TRUE(bus.start());
  {
    BusClient client(ep);
    EXPECT_TRUE(client.request({{"op", "x"}}, 2s));
  }
  bus.stop();
  EXPECT_FALSE(std::filesystem::exists(dir.file("bus.sock")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("pub.sock")));

  // A newer agent took the path over while this one ran: stop() leaves its file alone.
  ZmqBus first{ZmqBusOptions{ep, pub, 1024}};
  ASSERT_TRUE(first.start());
  ZmqBus second{ZmqBusOptions{ep, pub, 1024}};
  ASSERT_TRUE(second.start());
  first.stop();
  EXPECT_TRUE(std::filesystem::exists(dir.file("bus.sock")));
  second.stop();
  EXPECT_FALSE(std::filesystem::exists(dir.file("bus.sock")));
}

TEST(ZmqBus, AbstractSocketsAreRefused) {
  ZmqBus bus{ZmqBusOptions{"ipc://@scanedge-test-bus", "ipc://@scanedge-test-pub"}};
  auto s = bus.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "bus");
  EXPECT_NE(s.error().message.find("abstract socket"), std::string::npos) << s.error().message;
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
