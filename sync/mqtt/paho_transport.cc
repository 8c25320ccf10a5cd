#include "sync/mqtt/paho_transport.h"

#include <algorithm>
#include <array>
#include <random>
#include <string_view>

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "sync/mqtt/backoff.h"

namespace scanedge::sync {

namespace {

constexpr auto kSlice = std::chrono::milliseconds(25);

// Checks "scheme://host[:port][/...]" with a scheme Paho understands.
Status check_uri(const std::string& uri) {
  const auto sep = uri.find("://");
  if (sep == std::string::npos) return make_error("bad_uri", "MQTT URI '" + uri + "' has no scheme (expected tcp://host:port)");
  const std::string_view scheme(uri.data(), sep);
  constexpr std::array<std::string_view, 6> kSchemes{"tcp", "mqtt", "ssl", "mqtts", "ws", "wss"};
  if (std::find(kSchemes.begin(), kSchemes.end(), scheme) == kSchemes.end()) {
    return make_error("bad_uri", "MQTT URI '" + uri + "': unknown scheme '" + std::string(scheme) + "'");
  }
  std::string_view rest(uri);
  rest.remove_prefix(sep + 3);
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return make_error("bad_uri", "MQTT URI '" + uri + "' has no host");
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error("bad_uri", "MQTT URI '" + uri + "': unterminated IPv6 host");
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return make_error("bad_uri", "MQTT URI '" + uri + "': junk after IPv6 host");
      port = after.substr(1);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return make_error("bad_uri", "MQTT URI '" + uri + "' has no host");
  if (authority.find(':') != std::string_view::npos || authority.front() == '[') {
    if (!port.empty() || authority.back() == ':') {
      if (port.empty() || port.size() > 5 ||
          !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return make_error("bad_uri", "MQTT URI '" + uri + "': port '" + std::string(port) + "' is not a number");
      }
      const int p = std::stoi(std::string(port));
      if (p < 1 || p > 65535) return make_error("bad_uri", "MQTT URI '" + uri + "': port out of range");
    }
  }
  return {};
}

}  // namespace

PahoTransport::PahoTransport(MqttOptions options) : opts_(std::move(options)) {}

PahoTransport::~PahoTransport() { stop(); }

void PahoTransport::on_message(MessageHandler handler) {
  std::lock_guard lock(handler_mu_);
  on_message_ = std::move(handler);
}

void PahoTransport::on_connection(ConnectionHandler handler) {
  std::lock_guard lock(handler_mu_);
  on_connection_ = std::move(handler);
}

Status PahoTransport::subscribe(const std::string& topic_filter, int qos) {
  if (topic_filter.empty()) return make_error("bad_topic", "empty topic filter");
  if (qos < 0 || qos > 2) return make_error("bad_option", "QoS " + std::to_string(qos) + " is not 0, 1 or 2");
  {
    std::lock_guard lock(mu_);
    filters_.emplace_back(topic_filter, qos);
  }
  if (!connected_.load()) return {};
  std::lock_guard lock(client_mu_);
  if (!client_) return {};
  try {
    client_->subscribe(topic_filter, qos);  // completion not awaited: repaired on next connect
  } catch (const std::exception& e) {
    spdlog::warn("mqtt: live subscribe to '{}' failed ({}); will retry on reconnect", topic_filter, e.what());
  }
  return {};
}

Status PahoTransport::create_client() {
  std::unique_ptr<mqtt::async_client> old;
  try {
    auto client = std::make_unique<mqtt::async_client>(opts_.uri, opts_.client_id,
                                                       static_cast<mqtt::iclient_persistence*>(nullptr));
    client->set_message_callback([this](mqtt::const_message_ptr m) {
      if (!m) return;
      try {
        handle_message(m->get_topic(), m->to_string());
      } catch (const std::exception& e) {
        spdlog::error("mqtt: message handler threw: {}", e.what());
      } catch (...) {
        spdlog::error("mqtt: message handler threw a non-standard exception");
      }
    });
    client->set_connection_lost_handler([this](const std::string& cause) {
      spdlog::info("mqtt: connection to {} lost{}{}", opts_.uri, cause.empty() ? "" : ": ", cause);
      try {
        handle_lost();
      } catch (...) {
        spdlog::error("mqtt: connection handler threw");
      }
    });
    std::lock_guard lock(client_mu_);
    old = std::move(client_);
    client_ = std::move(client);
    inflight_.clear();
  } catch (const mqtt::exception& e) {
    return make_error("bad_uri", "MQTT client refused URI '" + opts_.uri + "': " + e.what());
  } catch (const std::exception& e) {
    return make_error("bad_uri", "MQTT client creation failed for '" + opts_.uri + "': " + e.what());
  }
  try {
    old.reset();
  } catch (...) {
    spdlog::warn("mqtt: destroying a stuck client threw");
  }
  return {};
}

Status PahoTransport::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return make_error("already_started", "PahoTransport::start() called twice");
  }
  if (auto s = check_uri(opts_.uri); !s) return s;
  if (opts_.client_id.empty()) return make_error("bad_option", "MQTT client_id is empty");
  if (opts_.max_inflight < 1) return make_error("bad_option", "MQTT max_inflight must be >= 1");
  if (auto s = create_client(); !s) return s;
  {
    std::lock_guard lock(mu_);
    started_ = true;
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void PahoTransport::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_ptr<mqtt::async_client> client;
  {
    std::lock_guard lock(client_mu_);
    client = std::move(client_);
    inflight_.clear();
  }
  if (client) {
    try {
      if (client->is_connected()) client->disconnect(std::chrono::milliseconds(300))->wait_for(std::chrono::seconds(1));
    } catch (const std::exception& e) {
      spdlog::debug("mqtt: disconnect: {}", e.what());
    }
  }
  {
    std::lock_guard lock(handler_mu_);
    connected_ = false;
    report(false);
  }
  try {
    client.reset();
  } catch (...) {
    spdlog::warn("mqtt: client destruction threw");
  }
}

bool PahoTransport::connected() const { return connected_.load(); }

Status PahoTransport::publish(const std::string& topic, const std::string& payload, int qos, bool retained) {
  if (qos < 0 || qos > 2) return make_error("bad_option", "QoS " + std::to_string(qos) + " is not 0, 1 or 2");
  if (!connected_.load()) return make_error("not_connected", "MQTT client is not connected to " + opts_.uri);
  std::lock_guard lock(client_mu_);
  if (!client_) return make_error("not_connected", "MQTT transport is stopped");
  while (!inflight_.empty() && inflight_.front()->is_complete()) inflight_.pop_front();
  if (qos > 0 && static_cast<int>(inflight_.size()) >= opts_.max_inflight) {
    std::erase_if(inflight_, [](const auto& t) { return t->is_complete(); });
    if (static_cast<int>(inflight_.size()) >= opts_.max_inflight) {
      return make_error("busy", "MQTT in-flight window full (" + std::to_string(opts_.max_inflight) + " messages)");
    }
  }
  try {
    auto tok = client_->publish(mqtt::make_message(topic, payload, qos, retained));
    if (qos > 0 && tok) inflight_.push_back(std::move(tok));
  } catch (const mqtt::exception& e) {
    const int rc = e.get_return_code();
    if (rc == MQTTASYNC_DISCONNECTED) return make_error("not_connected", std::string("MQTT publish: ") + e.what());
    if (rc == MQTTASYNC_MAX_BUFFERED_MESSAGES || rc == MQTTASYNC_MAX_MESSAGES_INFLIGHT || rc == MQTTASYNC_MAX_BUFFERED) {
      return make_error("busy", std::string("MQTT publish: ") + e.what());
    }
    return make_error("publish_failed", "MQTT publish to '" + topic + "': " + e.what());
  } catch (const std::exception& e) {
    return make_error("publish_failed", "MQTT publish to '" + topic + "': " + e.what());
  }
  return {};
}

void PahoTransport::report(bool now) {
  if (now == reported_) return;
  reported_ = now;
  if (!on_connection_) return;
  try {
    on_connection_(now);
  } catch (const std::exception& e) {
    spdlog::error("mqtt: connection handler threw: {}", e.what());
  }
}

void PahoTransport::handle_lost() {
  {
    std::lock_guard lock(handler_mu_);
    if (connected_.load()) {
      connected_ = false;
      report(false);
    }
  }
  {
    std::lock_guard lock(mu_);
    lost_ = true;
  }
  cv_.notify_all();
}

void PahoTransport::handle_message(const std::string& topic, const std::string& payload) {
  std::lock_guard lock(handler_mu_);
  if (on_message_) on_message_(Message{topic, payload});
}

bool PahoTransport::await(const std::shared_ptr<mqtt::token>& token, std::chrono::milliseconds timeout,
                          bool* timed_out) {
  if (timed_out) *timed_out = false;
  if (!token) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    while (true) {
      if (token->wait_for(kSlice)) return true;
      {
        std::lock_guard lock(mu_);
        if (stopping_) return false;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::debug("mqtt: operation timed out after {} ms", timeout.count());
        if (timed_out) *timed_out = true;
        return false;
      }
    }
  } catch (const mqtt::exception& e) {
    spdlog::debug("mqtt: operation failed: {}", e.what());
    return false;
  } catch (const std::exception& e) {
    spdlog::debug("mqtt: operation failed: {}", e.what());
    return false;
  }
}

bool PahoTransport::try_connect() {
  {
    std::lock_guard lock(mu_);
    lost_ = false;
  }
  try {
    mqtt::connect_options co;
    co.set_keep_alive_interval(static_cast<int>(opts_.keepalive.count()));
    co.set_clean_session(opts_.clean_session);
    const auto secs = std::max<std::int64_t>(1, (opts_.connect_timeout.count() + 999) / 1000);
    co.set_connect_timeout(static_cast<int>(secs));
    co.set_max_inflight(opts_.max_inflight);
    co.set_automatic_reconnect(false);
    if (!opts_.username.empty()) co.set_user_name(opts_.username);
    if (!opts_.password.empty()) co.set_password(opts_.password);
    if (opts_.will) co.set_will(mqtt::will_options(opts_.will->topic, opts_.will->payload, 1, true));
    // Paho times the attempt out itself after `secs`; allow a margin before giving up on it.
    spdlog::debug("mqtt: connecting to {} as {}", opts_.uri, opts_.client_id);
    bool timed_out = false;
    if (!await(client_->connect(co), std::chrono::seconds(secs) + std::chrono::seconds(1), &timed_out)) {
      if (timed_out) {
        // The Paho client did not finish the attempt at all (seen when a connect races with
        // its own connection-lost cleanup): replace it rather than wait on it forever.
        spdlog::warn("mqtt: connect attempt to {} never completed; recreating the client", opts_.uri);
        (void)create_client();
      }
      return false;
    }

    std::vector<std::pair<std::string, int>> filters;
    {
      std::lock_guard lock(mu_);
      filters = filters_;
    }
    for (const auto& [filter, qos] : filters) {
      if (!await(client_->subscribe(filter, qos), opts_.connect_timeout)) {
        spdlog::warn("mqtt: subscribe to '{}' failed; reconnecting", filter);
        try {
          client_->disconnect(std::chrono::milliseconds(100))->wait_for(std::chrono::milliseconds(500));
        } catch (const std::exception&) {
        }
        return false;
      }
    }
  } catch (const std::exception& e) {
    spdlog::debug("mqtt: connect to {} failed: {}", opts_.uri, e.what());
    return false;
  }
  std::lock_guard lock(handler_mu_);
  bool up = false;
  try {
    up = client_->is_connected();
  } catch (...) {
  }
  if (!up) return false;  // lost again already
  if (opts_.clean_session) {
    std::lock_guard cl(client_mu_);
    inflight_.clear();  // a clean session discards whatever was in flight
  }
  connected_ = true;
  ++connects_;
  spdlog::info("mqtt: connected to {} as {}", opts_.uri, opts_.client_id);
  report(true);
  return true;
}

void PahoTransport::run() {
  std::mt19937_64 rng(std::random_device{}());
  int attempt = 0;
  bool wait_first = false;  // back off before the next attempt (never reconnect inside a loss)
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (connected_.load()) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || lost_; });
      lost_ = false;
      wait_first = true;
      attempt = 0;
      continue;
    }
    if (wait_first) {
      const auto delay = backoff_delay(attempt, opts_.reconnect_min, opts_.reconnect_max, rng);
      if (attempt < 30) ++attempt;
      wait_first = false;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, delay, [&] { return stopping_; });
      continue;
    }
    if (try_connect()) {
      attempt = 0;
    } else {
      wait_first = true;
    }
  }
}

}  // namespace scanedge::sync
