#include "edge/bus/zmq_bus.h"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include <zmq.hpp>

namespace scanedge::bus {

struct ZmqBus::Sockets {
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t pub{ctx, zmq::socket_type::pub};
};

namespace {

nlohmann::json error_reply(const std::string& code, const std::string& message) {
  return {{"v", 1}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

// Binds `sock` at `ep`. A filesystem ipc:// socket file is born inside a fresh private
// directory (mkdtemp, 0700) next to its final path, made 0660 there, and only then renamed
// onto the final path (atomically replacing a stale file of a dead agent); the private
// directory is removed. So the file is never reachable with a wider mode, whatever the umask,
// and no process-wide umask change (racy with other threads) is needed. `owned` receives the
// final path and its inode, for stop().
Status bind_restricted(zmq::socket_t& sock, const std::string& ep, std::vector<ZmqBus::OwnedFile>& owned) {
  const auto fail = [&](const std::string& why) {
    return make_error("bus", "cannot bind the local bus at " + ep + ": " + why);
  };
  const std::string path = ep.rfind("ipc://", 0) == 0 ? ep.substr(6) : std::string();
  if (path.empty() || path == "*") {  // tcp://, inproc://, or a name ZeroMQ makes up itself
    try {
      sock.bind(ep);
    } catch (const zmq::error_t& e) {
      return fail(e.what());
    }
    return {};
  }
  if (path[0] == '@') {
    return fail("an abstract socket has no file permissions, so anyone on this host could use it: use a path, "
                "e.g. ipc:///run/scanedge/bus.sock");
  }
  const auto slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string dir = parent + "/.sbXXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return fail(std::strerror(errno));
  const std::string tmp = dir + "/s";
  const auto cleanup = [&] {
    ::unlink(tmp.c_str());
    ::rmdir(dir.c_str());
  };
  try {
    sock.bind("ipc://" + tmp);
  } catch (const zmq::error_t& e) {
    cleanup();
    return fail(e.what());
  }
  if (::chmod(tmp.c_str(), 0660) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    cleanup();
    return fail(std::strerror(err));
  }
  ::rmdir(dir.c_str());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) owned.push_back(ZmqBus::OwnedFile{path, st.st_dev, st.st_ino});
  return {};
}

}  // namespace

ZmqBus::ZmqBus(ZmqBusOptions options) : options_(std::move(options)) {}

ZmqBus::~ZmqBus() { stop(); }

void ZmqBus::on_request(RequestHandler handler) { handler_ = std::move(handler); }

Status ZmqBus::start() {
  if (thread_.joinable()) return {};
  auto s = std::make_unique<Sockets>();
  try {
    s->router.set(zmq::sockopt::linger, 0);
    s->router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options_.max_request_bytes * 4));
    s->router.set(zmq::sockopt::router_mandatory, 0);
    s->pub.set(zmq::sockopt::linger, 0);
    s->pub.set(zmq::sockopt::sndhwm, 10000);
  } catch (const zmq::error_t& e) {
    return make_error("bus", std::string("configuring bus sockets: ") + e.what());
  }
  owned_.clear();
  for (auto [sock, ep] : {std::pair{&s->router, options_.endpoint}, std::pair{&s->pub, options_.pub_endpoint}}) {
    if (auto b = bind_restricted(*sock, ep, owned_); !b) {
      remove_owned_files();
      return b;
    }
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return make_error("bus", "eventfd failed");
  sockets_ = std::move(s);
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  return {};
}

void ZmqBus::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  sockets_.reset();
  ::close(wake_fd_);
  wake_fd_ = -1;
  remove_owned_files();
}

void ZmqBus::remove_owned_files() {
  // Only the files this bus made: another agent may have taken the path over since.
  for (const auto& f : owned_) {
    struct stat st {};
    if (::lstat(f.path.c_str(), &st) == 0 && st.st_dev == f.dev && st.st_ino == f.ino) ::unlink(f.path.c_str());
  }
  owned_.clear();
}

BusStats ZmqBus::stats() const {
  BusStats st;
  st.requests = requests_.load();
  st.too_large = too_large_.load();
  st.bad_request = bad_request_.load();
  return st;
}

void ZmqBus::enqueue(Outgoing out) {
  {
    std::lock_guard lock(mu_);
    if (outgoing_.size() > 100000) return;  // bounded: a stalled bus thread never eats memory
    outgoing_.push_back(std::move(out));
  }
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

void ZmqBus::publish(const std::string& topic, const nlohmann::json& message) {
  if (!thread_.joinable()) return;
  enqueue(Outgoing{false, {}, topic, message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
}

void ZmqBus::run() {
  auto& router = sockets_->router;
  auto& pub = sockets_->pub;
  while (!stopping_) {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(500));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      spdlog::error("bus: poll failed: {}", e.what());
      continue;
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
      std::uint64_t n = 0;
      (void)!::read(wake_fd_, &n, sizeof n);
    }
    // Send queued replies and publications.
    std::deque<Outgoing> out;
    {
      std::lock_guard lock(mu_);
      out.swap(outgoing_);
    }
    for (auto& o : out) {
      try {
        if (o.is_reply) {
          for (auto& f : o.envelope) router.send(zmq::buffer(f), zmq::send_flags::sndmore);
          router.send(zmq::buffer(o.body), zmq::send_flags::dontwait);
        } else {
          pub.send(zmq::buffer(o.topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
          pub.send(zmq::buffer(o.body), zmq::send_flags::dontwait);
        }
      } catch (const zmq::error_t& e) {
        spdlog::warn("bus: dropping an outgoing message: {}", e.what());
      }
    }
    if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
    // Read every request that is waiting.
    for (int budget = 0; budget < 1000; ++budget) {
      std::vector<zmq::message_t> frames;
      try {
        zmq::message_t m;
        if (!router.recv(m, zmq::recv_flags::dontwait)) break;
        frames.push_back(std::move(m));
        while (frames.back().more()) {
          zmq::message_t next;
          if (!router.recv(next, zmq::recv_flags::none)) break;
          frames.push_back(std::move(next));
        }
      } catch (const zmq::error_t& e) {
        spdlog::warn("bus: receive failed: {}", e.what());
        break;
      }
      if (frames.size() < 2) continue;  // no routing id: nothing to answer
      ++requests_;
      std::vector<std::string> envelope;
      for (std::size_t i = 0; i + 1 < frames.size(); ++i) envelope.push_back(frames[i].to_string());
      const std::string body = frames.back().to_string();
      auto replier = [this, envelope](nlohmann::json reply) {
        enqueue(Outgoing{true, envelope, {}, reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      };
      if (body.size() > options_.max_request_bytes) {
        const auto n = ++too_large_;
        if (n <= 10 || n % 1000 == 0) {
          spdlog::warn("bus: request of {} bytes refused (limit {}; {} refused so far)", body.size(),
                       options_.max_request_bytes, n);
        }
        replier(error_reply("too_large", "request of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                                             std::to_string(options_.max_request_bytes)));
        continue;
      }
      auto req = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (req.is_discarded() || !req.is_object()) {
        ++bad_request_;
        spdlog::warn("bus: request is not a JSON object ({} bytes)", body.size());
        replier(error_reply("bad_request", "the request must be one JSON object, e.g. {\"v\":1,\"op\":\"status\"}"));
        continue;
      }
      if (!handler_) {
        replier(error_reply("unavailable", "the agent is not ready"));
        continue;
      }
      try {
        handler_(req, replier);
      } catch (const std::exception& e) {
        spdlog::error("bus: request handler failed: {}", e.what());
        replier(error_reply("internal", std::string("request failed: ") + e.what()));
      }
    }
  }
}

}  // namespace scanedge::bus
