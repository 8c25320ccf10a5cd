// ZmqBus: the Bus seam over ZeroMQ.
//
// Requests: a ROUTER socket at `endpoint`; clients use REQ (or DEALER with an empty delimiter
// frame). Each request is one frame of JSON, at most max_request_bytes; every request gets
// exactly one reply frame of JSON. A request that is not a JSON object, or too large, is
// answered by the bus itself: {"v":1,"ok":false,"error":{"code":"bad_request"|"too_large",...}}
// and counted (stats()). A frame above 4 x max_request_bytes is not even read: ZeroMQ
// (ZMQ_MAXMSGSIZE) drops the sender's connection, so memory stays bounded; that client gets
// no reply (its request times out) and the bus serves everyone else as before.
// Events: a PUB socket at `pub_endpoint`; each message is two frames: topic, JSON.
//
// Socket files: for ipc://PATH endpoints the file is created in a private directory (0700)
// next to PATH, made 0660 (owner and group: the group is the agent's primary group, or the
// directory's if it is setgid), then renamed onto PATH. It is never reachable with a wider
// mode, whatever the process umask, and a stale file of a dead agent is replaced atomically.
// stop() removes the files it made (unless another process replaced them since). Abstract
// sockets (ipc://@name) are refused: they have no permissions at all. The private directory
// name adds 11 characters to PATH, which must stay within the 107 of a Unix socket path.
//
// Beyond the bus, each request's content (fields, types, sizes) is checked by its handler
// (edge/agent/bus_api.cc).
//
// Threading: one bus thread owns both sockets. Replier callbacks and publish() may be called
// from any thread: they queue the message and wake the bus thread through an eventfd.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edge/core/bus.h"

namespace scanedge::bus {

// Counters since start (monotonic; read from any thread).
struct BusStats {
  std::uint64_t requests = 0;     // request frames received (with a routing id)
  std::uint64_t too_large = 0;    // refused: body above max_request_bytes
  std::uint64_t bad_request = 0;  // refused: not a JSON object
};

struct ZmqBusOptions {
  std::string endpoint;
  std::string pub_endpoint;
  std::size_t max_request_bytes = 64 * 1024;
};

class ZmqBus final : public Bus {
 public:
  explicit ZmqBus(ZmqBusOptions options);
  ~ZmqBus() override;
  ZmqBus(const ZmqBus&) = delete;
  ZmqBus& operator=(const ZmqBus&) = delete;

  void on_request(RequestHandler handler) override;
  // Binds both sockets (Error code "bus" naming the endpoint when that fails) and starts the
  // bus thread.
  Status start() override;
  void stop() override;
  void publish(const std::string& topic, const nlohmann::json& message) override;
  BusStats stats() const;

  // A socket file this bus created (see above).
  struct OwnedFile {
    std::string path;
    dev_t dev = 0;
    ino_t ino = 0;
  };

 private:
  struct Outgoing {
    bool is_reply = false;
    std::vector<std::string> envelope;  // routing frames for replies
    std::string topic;                  // for publications
    std::string body;
  };
  void run();
  void enqueue(Outgoing out);
  void remove_owned_files();

  ZmqBusOptions options_;
  RequestHandler handler_;
  std::mutex mu_;
  std::deque<Outgoing> outgoing_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> too_large_{0};
  std::atomic<std::uint64_t> bad_request_{0};
  std::vector<OwnedFile> owned_;
  std::thread thread_;
  struct Sockets;
  std::unique_ptr<Sockets> sockets_;
};

}  // namespace scanedge::bus
