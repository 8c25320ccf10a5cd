#include "sync/mqtt/paho_transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
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

bool tls_scheme(const std::string& uri) {
  for (const char* s : {"ssl://", "mqtts://", "wss://"}) {
    if (uri.rfind(s, 0) == 0) return true;
  }
  return false;
}

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// Reads up to 1 MiB of a TLS file, refusing what can never work with a message naming the
// setting, the file and the fix. `key`: also refuse group/other permission bits.
Status check_tls_file(const char* setting, const std::string& path, bool key) {
  const std::string what = std::string("mqtt.") + setting + " " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    return make_error("bad_option", what + " cannot be read: " + std::strerror(e) +
                                        (e == ENOENT ? " (fix the path or install the file)" : ""));
  }
  if (!S_ISREG(st.st_mode)) return make_error("bad_option", what + " is not a regular file");
  if (key && (st.st_mode & 077) != 0) {
    const bool readable = (st.st_mode & 044) != 0;
    return make_error("bad_option", what + (readable ? " is readable by group/others" : " has group/other permissions") +
                                        " (mode " + octal_mode(st.st_mode) + "): run chmod 600 " + path +
                                        " (the private key must be accessible by its owner only)");
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return make_error("bad_option", what + " cannot be read: " + std::strerror(e) +
                                        (e == EACCES ? " (make it readable by the user scanedged runs as)" : ""));
  }
  std::string text;
  char buf[8192];
  while (text.size() < (1u << 20)) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!key) {
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return make_error("bad_option", what + " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
    }
    return {};
  }
  if (text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
      text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
    return make_error("bad_option", what + " is encrypted with a passphrase, which cannot be supplied: store it "
                                           "unencrypted with mode 0600 (openssl pkey -in " + path + " -out NEW_FILE)");
  }
  if (text.find("PRIVATE KEY-----") == std::string::npos) {
    return make_error("bad_option", what + " holds no PEM private key (\"-----BEGIN PRIVATE KEY-----\")");
  }
  return {};
}

Status check_tls_options(const MqttOptions& o) {
  const bool tls = tls_scheme(o.uri);
  if (!tls) {
    if (!o.ca_file.empty() || !o.cert_file.empty() || !o.key_file.empty()) {
      return make_error("bad_option", "mqtt.ca_file/cert_file/key_file are set but mqtt.uri '" + o.uri +
                                          "' is not TLS: use ssl://host:port");
    }
    return {};
  }
  if (o.ca_file.empty()) {
    return make_error("bad_option", "mqtt.uri '" + o.uri + "' is TLS but mqtt.ca_file is not set: name the PEM file "
                                                         "of the CA that signed the broker's certificate");
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return make_error("bad_option", std::string("mqtt.cert_file and mqtt.key_file must be set together (") +
                                        (o.cert_file.empty() ? "key_file" : "cert_file") + " is set alone)");
  }
  if (auto s = check_tls_file("ca_file", o.ca_file, false); !s) return s;
  if (!o.cert_file.empty()) {
    if (auto s = check_tls_file("cert_file", o.cert_file, false); !s) return s;
    if (auto s = check_tls_file("key_file", o.key_file, true); !s) return s;
  }
  return {};
}

// True when Paho failed `t` on the write path (see "Poisoned clients" in the header):
// completed, neither successfully nor as "operation incomplete" (what Paho reports for
// messages it drops on a disconnect or destroy, which leaves no dangling pointers).
bool failed_on_write(const mqtt::delivery_token& t) {
  if (!t.is_complete()) return false;
  const int rc = t.get_return_code();
  return rc != MQTTASYNC_SUCCESS && rc != MQTTASYNC_OPERATION_INCOMPLETE;
}

// Poisoned clients live until the process exits: destroying one makes Paho free memory it
// already freed. Reachable from here, so leak checkers do not report them.
std::mutex& graveyard_mu() {
  static std::mutex mu;
  return mu;
}
std::vector<std::unique_ptr<mqtt::async_client>>& graveyard() {
  static auto* g = new std::vector<std::unique_ptr<mqtt::async_client>>();
  return *g;
}

}  // namespace

// What Paho's TLS layer reported, logged once per distinct message (a broker refusing our
// certificate would otherwise repeat the same line on every backoff attempt).
struct PahoTransport::TlsErrors {
  std::mutex mu;
  std::string last;
  void report(const std::string& uri, const std::string& msg) {
    {
      std::lock_guard lock(mu);
      if (msg == last) {
        spdlog::debug("mqtt: TLS with {}: {}", uri, msg);
        return;
      }
      last = msg;
    }
    spdlog::warn("mqtt: TLS with {}: {}", uri, msg);
  }
  void clear() {
    std::lock_guard lock(mu);
    last.clear();
  }
};

PahoTransport::PahoTransport(MqttOptions options)
    : opts_(std::move(options)), tls_errors_(std::make_shared<TlsErrors>()) {}

bool PahoTransport::tls() const { return tls_scheme(opts_.uri); }

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
  std::shared_ptr<CallbackGate> old_gate;
  bool old_poisoned = false;
  try {
    auto gate = std::make_shared<CallbackGate>();
    gate->owner = this;
    // MQTT 5 needs a client created for it; Paho refuses a v5 CONNECT from any other.
    const mqtt::create_options create(opts_.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    auto client = std::make_unique<mqtt::async_client>(opts_.uri, opts_.client_id, create,
                                                       static_cast<mqtt::iclient_persistence*>(nullptr));
    client->set_message_callback([gate](mqtt::const_message_ptr m) {
      if (!m) return;
      std::lock_guard lock(gate->mu);
      if (!gate->owner) return;
      try {
        gate->owner->handle_message(m->get_topic(), m->to_string());
      } catch (const std::exception& e) {
        spdlog::error("mqtt: message handler threw: {}", e.what());
      } catch (...) {
        spdlog::error("mqtt: message handler threw a non-standard exception");
      }
    });
    client->set_connection_lost_handler([gate](const std::string& cause) {
      std::lock_guard lock(gate->mu);
      if (!gate->owner) return;
      spdlog::info("mqtt: connection to {} lost{}{}", gate->owner->opts_.uri, cause.empty() ? "" : ": ", cause);
      try {
        gate->owner->handle_lost();
      } catch (...) {
        spdlog::error("mqtt: connection handler threw");
      }
    });
    std::lock_guard lock(client_mu_);
    old_poisoned = poisoned_locked();
    old = std::move(client_);
    old_gate = std::move(gate_);
    client_ = std::move(client);
    gate_ = std::move(gate);
    inflight_.clear();
    poisoned_ = false;
  } catch (const mqtt::exception& e) {
    return make_error("bad_uri", "MQTT client refused URI '" + opts_.uri + "': " + e.what());
  } catch (const std::exception& e) {
    return make_error("bad_uri", "MQTT client creation failed for '" + opts_.uri + "': " + e.what());
  }
  dispose(std::move(old), old_gate, old_poisoned);
  return {};
}

bool PahoTransport::poisoned_locked() {
  if (!poisoned_) {
    poisoned_ = std::any_of(inflight_.begin(), inflight_.end(), [](const auto& t) { return failed_on_write(*t); });
  }
  return poisoned_;
}

void PahoTransport::dispose(std::unique_ptr<mqtt::async_client> client, const std::shared_ptr<CallbackGate>& gate,
                            bool poisoned) {
  if (gate) {
    std::lock_guard lock(gate->mu);  // waits for a callback in progress
    gate->owner = nullptr;
  }
  if (!client) return;
  if (poisoned) {
    std::size_t total = 0;
    {
      std::lock_guard lock(graveyard_mu());
      graveyard().push_back(std::move(client));
      total = graveyard().size();
    }
    ++retired_;
    spdlog::warn("mqtt: Paho failed an in-flight publish on a dead connection to {}; retiring its client "
                 "(kept, never reused: {} in this process) and continuing with a fresh one",
                 opts_.uri, total);
    return;
  }
  try {
    client.reset();
  } catch (...) {
    spdlog::warn("mqtt: destroying a Paho client threw");
  }
}

Status PahoTransport::check_options(const MqttOptions& o) {
  if (auto s = check_uri(o.uri); !s) return s;
  if (o.client_id.empty()) return make_error("bad_option", "MQTT client_id is empty");
  if (o.max_inflight < 1) return make_error("bad_option", "MQTT max_inflight must be >= 1");
  if (o.version != 3 && o.version != 5) {
    return make_error("bad_option", "mqtt.version " + std::to_string(o.version) + " must be 3 (3.1.1) or 5");
  }
  if (o.version == 5) {
    if (o.receive_maximum < 1 || o.receive_maximum > 65535) {
      return make_error("bad_option", "mqtt.receive_maximum " + std::to_string(o.receive_maximum) +
                                          " must be within 1..65535");
    }
    if (o.session_expiry.count() < 0 || o.session_expiry.count() > 4294967295LL) {
      return make_error("bad_option", "mqtt.session_expiry_s must be within 0..4294967295");
    }
    if (o.max_packet_bytes > 268435455u) {
      return make_error("bad_option", "MQTT max_packet_bytes must be at most 268435455 (the MQTT limit)");
    }
  }
  if (auto s = check_tls_options(o); !s) return s;
  return {};
}

Status PahoTransport::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return make_error("already_started", "PahoTransport::start() called twice");
  }
  if (auto s = check_options(opts_); !s) return s;
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
  std::shared_ptr<CallbackGate> gate;
  std::deque<std::shared_ptr<mqtt::delivery_token>> inflight;
  bool poisoned = false;
  {
    std::lock_guard lock(client_mu_);
    poisoned = poisoned_locked();
    client = std::move(client_);
    gate = std::move(gate_);
    inflight.swap(inflight_);
  }
  if (client && !poisoned) {
    try {
      if (client->is_connected()) client->disconnect(std::chrono::milliseconds(300))->wait_for(std::chrono::seconds(1));
    } catch (const std::exception& e) {
      spdlog::debug("mqtt: disconnect: {}", e.what());
    }
    // Publishes queued before the DISCONNECT were written first; one may have failed.
    poisoned = std::any_of(inflight.begin(), inflight.end(), [](const auto& t) { return failed_on_write(*t); });
  }
  {
    std::lock_guard lock(handler_mu_);
    connected_ = false;
    report(false);
  }
  dispose(std::move(client), gate, poisoned);
}

bool PahoTransport::connected() const { return connected_.load(); }

Status PahoTransport::publish(const std::string& topic, const std::string& payload, int qos, bool retained) {
  return publish_impl(topic, payload, qos, retained, std::chrono::seconds(0));
}

Status PahoTransport::publish_expiring(const std::string& topic, const std::string& payload, int qos, bool retained,
                                       std::chrono::seconds expiry) {
  return publish_impl(topic, payload, qos, retained, expiry);
}

Status PahoTransport::publish_impl(const std::string& topic, const std::string& payload, int qos, bool retained,
                                   std::chrono::seconds expiry) {
  if (qos < 0 || qos > 2) return make_error("bad_option", "QoS " + std::to_string(qos) + " is not 0, 1 or 2");
  if (!connected_.load()) return make_error("not_connected", "MQTT client is not connected to " + opts_.uri);
  std::lock_guard lock(client_mu_);
  if (!client_) return make_error("not_connected", "MQTT transport is stopped");
  // Drops completed tokens, remembering a write failure (see poisoned_locked()).
  const auto done = [this](const std::shared_ptr<mqtt::delivery_token>& t) {
    if (!t->is_complete()) return false;
    if (failed_on_write(*t)) poisoned_ = true;
    return true;
  };
  while (!inflight_.empty() && done(inflight_.front())) inflight_.pop_front();
  if (poisoned_) {
    // Paho is tearing this connection down; nothing more goes to this client.
    return make_error("not_connected", "MQTT connection to " + opts_.uri + " is being lost");
  }
  if (qos > 0 && static_cast<int>(inflight_.size()) >= opts_.max_inflight) {
    std::erase_if(inflight_, done);
    if (poisoned_) return make_error("not_connected", "MQTT connection to " + opts_.uri + " is being lost");
    if (static_cast<int>(inflight_.size()) >= opts_.max_inflight) {
      return make_error("busy", "MQTT in-flight window full (" + std::to_string(opts_.max_inflight) + " messages)");
    }
  }
  try {
    auto msg = mqtt::make_message(topic, payload, qos, retained);
    if (opts_.version == 5 && expiry.count() > 0) {
      const auto secs = static_cast<std::uint32_t>(std::min<std::int64_t>(expiry.count(), 4294967295LL));
      msg->set_properties(mqtt::properties{
          mqtt::property(mqtt::property::MESSAGE_EXPIRY_INTERVAL, static_cast<std::int32_t>(secs))});
    }
    auto tok = client_->publish(msg);
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
    // lost_ is set under handler_mu_ so that try_connect(), which checks it under
    // handler_mu_, either sees this loss or has already published the connection it undoes.
    std::lock_guard lock(handler_mu_);
    {
      std::lock_guard ml(mu_);
      lost_ = true;
    }
    if (connected_.load()) {
      connected_ = false;
      report(false);
    }
  }
  cv_.notify_all();
}

void PahoTransport::handle_message(const std::string& topic, const std::string& payload) {
  std::lock_guard lock(handler_mu_);
  if (on_message_) on_message_(Message{topic, payload});
}

bool PahoTransport::await(const std::shared_ptr<mqtt::token>& token, std::chrono::milliseconds timeout,
                          bool* timed_out, std::string* error) {
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
        if (error) *error = "no answer within " + std::to_string(timeout.count()) + " ms";
        return false;
      }
    }
  } catch (const mqtt::exception& e) {
    spdlog::debug("mqtt: operation failed: {}", e.what());
    if (error) *error = e.what();
    return false;
  } catch (const std::exception& e) {
    spdlog::debug("mqtt: operation failed: {}", e.what());
    if (error) *error = e.what();
    return false;
  }
}

bool PahoTransport::try_connect() {
  {
    std::lock_guard lock(mu_);
    lost_ = false;
  }
  bool poisoned = false;
  {
    std::lock_guard lock(client_mu_);
    poisoned = poisoned_locked();
  }
  // Never reconnect a poisoned client: Paho would resend the message whose memory it freed.
  if (poisoned) {
    if (auto s = create_client(); !s) {
      spdlog::error("mqtt: cannot replace a poisoned client: {}", s.error().message);
      return false;
    }
  }
  try {
    mqtt::connect_options co;
    co.set_keep_alive_interval(static_cast<int>(opts_.keepalive.count()));
    const auto secs = std::max<std::int64_t>(1, (opts_.connect_timeout.count() + 999) / 1000);
    co.set_connect_timeout(static_cast<int>(secs));
    co.set_max_inflight(opts_.max_inflight);
    co.set_automatic_reconnect(false);
    if (opts_.version == 5) {
      co.set_mqtt_version(MQTTVERSION_5);
      co.set_clean_session(false);  // a 3.1.1 flag: Paho refuses a v5 CONNECT with it set
      co.set_clean_start(opts_.clean_session);
      mqtt::properties props;
      const auto expiry = opts_.clean_session ? 0 : opts_.session_expiry.count();
      props.add(mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                               static_cast<std::int32_t>(static_cast<std::uint32_t>(expiry))));
      props.add(mqtt::property(mqtt::property::RECEIVE_MAXIMUM, static_cast<std::int32_t>(opts_.receive_maximum)));
      if (opts_.max_packet_bytes > 0) {
        props.add(mqtt::property(mqtt::property::MAXIMUM_PACKET_SIZE,
                                 static_cast<std::int32_t>(opts_.max_packet_bytes)));
      }
      co.set_properties(std::move(props));
    } else {
      co.set_mqtt_version(MQTTVERSION_3_1_1);
      co.set_clean_session(opts_.clean_session);
    }
    if (!opts_.username.empty()) co.set_user_name(opts_.username);
    if (!opts_.password.empty()) co.set_password(opts_.password);
    if (opts_.will) {
      mqtt::properties will_props;
      if (opts_.version == 5 && opts_.will_delay.count() > 0) {
        will_props.add(mqtt::property(mqtt::property::WILL_DELAY_INTERVAL,
                                      static_cast<std::int32_t>(static_cast<std::uint32_t>(opts_.will_delay.count()))));
      }
      co.set_will(mqtt::will_options(opts_.will->topic, opts_.will->payload, 1, true, will_props));
    }
    if (tls()) {
      mqtt::ssl_options ssl;
      ssl.set_trust_store(opts_.ca_file);          // pinning: only this CA (no system store)
      if (!opts_.cert_file.empty()) {
        ssl.set_key_store(opts_.cert_file);
        ssl.set_private_key(opts_.key_file);
      }
      ssl.set_enable_server_cert_auth(true);       // the chain must verify against ca_file
      ssl.set_verify(true);                        // and name the URI's host (DNS or IP SAN)
      ssl.set_error_handler([errors = tls_errors_, uri = opts_.uri](const std::string& msg) {
        errors->report(uri, msg);
      });
      co.set_ssl(std::move(ssl));
    }
    // Paho times the attempt out itself after `secs`; allow a margin before giving up on it.
    spdlog::debug("mqtt: connecting to {} as {}", opts_.uri, opts_.client_id);
    bool timed_out = false;
    if (!await(client_->connect(co), std::chrono::seconds(secs) + std::chrono::seconds(1), &timed_out,
               &connect_error_)) {
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
        connect_error_ = "subscribe to '" + filter + "' failed";
        try {
          client_->disconnect(std::chrono::milliseconds(100))->wait_for(std::chrono::milliseconds(500));
        } catch (const std::exception&) {
        }
        return false;
      }
    }
  } catch (const std::exception& e) {
    spdlog::debug("mqtt: connect to {} failed: {}", opts_.uri, e.what());
    connect_error_ = e.what();
    return false;
  }
  // Ask Paho before taking handler_mu_: Paho holds its own mutex while it calls our
  // callbacks, which take handler_mu_, so calling into Paho under handler_mu_ can deadlock.
  bool up = false;
  try {
    up = client_->is_connected();
  } catch (...) {
  }
  if (!up) return false;  // lost again already
  std::lock_guard lock(handler_mu_);
  {
    std::lock_guard ml(mu_);
    if (lost_) return false;  // lost since is_connected(); handle_lost() saw connected_ false
  }
  if (opts_.clean_session) {
    std::lock_guard cl(client_mu_);
    inflight_.clear();  // a clean session discards whatever was in flight
  }
  connected_ = true;
  ++connects_;
  tls_errors_->clear();
  spdlog::info("mqtt: connected to {} as {}", opts_.uri, opts_.client_id);
  report(true);
  return true;
}

void PahoTransport::note_connect_failure() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  const std::string why = connect_error_.empty() ? "connection lost during the attempt" : connect_error_;
  const auto now = std::chrono::steady_clock::now();
  // Once per outage, then at most every 5 minutes while it lasts; not on every attempt.
  if (warned_ && now - last_warn_ < std::chrono::minutes(5)) {
    spdlog::debug("mqtt: cannot connect to {} as {}: {}", opts_.uri, opts_.client_id, why);
    return;
  }
  warned_ = true;
  last_warn_ = now;
  spdlog::warn("mqtt: cannot connect to {} as {}: {}{}; retrying with backoff", opts_.uri, opts_.client_id, why,
               tls() ? " (TLS: is mqtt.ca_file the CA of the broker's certificate, does that certificate name the "
                       "URI's host, and does the broker accept this device's certificate?)"
                     : "");
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
    if (wait_first) {
      const auto delay = backoff_delay(attempt, opts_.reconnect_min, opts_.reconnect_max, rng);
      if (attempt < 30) ++attempt;
      wait_first = false;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, delay, [&] { return stopping_; });
      continue;
    }
    connect_error_.clear();
    if (!try_connect()) {
      note_connect_failure();
    } else {
      warned_ = false;
      // Up until handle_lost() (which sets lost_ even if it came before this wait) or stop().
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || lost_; });
      lost_ = false;
      attempt = 0;
    }
    wait_first = true;
  }
}

}  // namespace scanedge::sync
