#include "edge/bus/bus_client.h"

#include <zmq.hpp>

namespace scanedge::bus {

struct BusClient::Impl {
  std::string endpoint;
  zmq::context_t ctx{1};
  std::unique_ptr<zmq::socket_t> sock;

  zmq::socket_t& socket() {
    if (!sock) {
      sock = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
      sock->set(zmq::sockopt::linger, 0);
      sock->connect(endpoint);
    }
    return *sock;
  }
  // Closing with linger 0 discards whatever is still queued: an abandoned request is gone.
  void reset() { sock.reset(); }
};

BusClient::BusClient(const std::string& endpoint) : impl_(std::make_unique<Impl>()) { impl_->endpoint = endpoint; }

BusClient::~BusClient() = default;

Result<nlohmann::json> BusClient::request(const nlohmann::json& req, std::chrono::milliseconds timeout) {
  return request_raw(req.dump(), timeout);
}

Result<nlohmann::json> BusClient::request_raw(const std::string& body, std::chrono::milliseconds timeout) {
  try {
    zmq::socket_t& sock = impl_->socket();
    sock.send(zmq::message_t(), zmq::send_flags::sndmore);  // REQ-style empty delimiter
    sock.send(zmq::buffer(body), zmq::send_flags::none);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      zmq::pollitem_t items[] = {{sock.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, left);
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t frame;
      std::string last;
      do {
        if (!sock.recv(frame, zmq::recv_flags::none)) break;
        last = frame.to_string();
      } while (frame.more());
      auto j = nlohmann::json::parse(last, nullptr, false);
      if (j.is_discarded()) return make_error("bad_reply", "the agent's reply is not JSON");
      return j;
    }
    impl_->reset();
    return make_error("unreachable", "no reply from scanedged at " + impl_->endpoint + " within " +
                                         std::to_string(timeout.count()) + " ms (is the agent running?)");
  } catch (const zmq::error_t& e) {
    impl_->reset();
    return make_error("unreachable", "cannot talk to scanedged at " + impl_->endpoint + ": " + e.what());
  }
}

struct BusSubscriber::Impl {
  zmq::context_t ctx{1};
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
};

BusSubscriber::BusSubscriber(const std::string& pub_endpoint, const std::string& topic_prefix)
    : impl_(std::make_unique<Impl>()) {
  impl_->sub.set(zmq::sockopt::linger, 0);
  impl_->sub.set(zmq::sockopt::subscribe, topic_prefix);
  impl_->sub.connect(pub_endpoint);
}

BusSubscriber::~BusSubscriber() = default;

std::optional<std::pair<std::string, nlohmann::json>> BusSubscriber::receive(std::chrono::milliseconds timeout) {
  try {
    zmq::pollitem_t items[] = {{impl_->sub.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if ((items[0].revents & ZMQ_POLLIN) == 0) return std::nullopt;
    zmq::message_t topic;
    zmq::message_t body;
    if (!impl_->sub.recv(topic, zmq::recv_flags::none)) return std::nullopt;
    if (!topic.more() || !impl_->sub.recv(body, zmq::recv_flags::none)) return std::nullopt;
    auto j = nlohmann::json::parse(body.to_string(), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return std::pair{topic.to_string(), std::move(j)};
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
}

}  // namespace scanedge::bus
