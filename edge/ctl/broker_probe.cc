#include "edge/ctl/broker_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <mqtt/async_client.h>

#include "sync/mqtt/paho_transport.h"

namespace scanedge::ctl {

namespace {

struct HostPort {
  std::string scheme, host, port;
};

Result<HostPort> split_uri(const std::string& uri) {
  const auto sep = uri.find("://");
  if (sep == std::string::npos) return make_error("bad_uri", "broker URI \"" + uri + "\" has no scheme://");
  HostPort hp;
  hp.scheme = uri.substr(0, sep);
  std::string rest = uri.substr(sep + 3);
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  std::string port;
  if (!rest.empty() && rest[0] == '[') {  // [v6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) return make_error("bad_uri", "broker URI \"" + uri + "\": unclosed [");
    hp.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    hp.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    hp.host = rest;
  }
  const bool tls = hp.scheme == "ssl" || hp.scheme == "mqtts" || hp.scheme == "wss";
  hp.port = !port.empty() ? port : (tls ? "8883" : "1883");
  if (hp.host.empty()) return make_error("bad_uri", "broker URI \"" + uri + "\" names no host");
  return hp;
}

// A plain TCP connect within `timeout`: tells "nothing listens there" apart from TLS and
// MQTT problems.
Status tcp_reachable(const HostPort& hp, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &res); rc != 0) {
    return make_error("unreachable", "cannot resolve " + hp.host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        ::close(fd);
        last = "no answer within " + std::to_string(timeout.count()) + " ms";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    const int err = errno;
    ::close(fd);
    if (rc == 0) return {};
    last = std::strerror(err);
  }
  return make_error("unreachable", "cannot open a TCP connection to " + hp.host + ":" + hp.port + ": " + last);
}

}  // namespace

Result<ProbeResult> probe_broker(const BrokerProbe& p) {
  sync::MqttOptions mo;
  mo.uri = p.uri;
  mo.client_id = "scanedgectl-check-" + p.site + "-" + p.device;
  mo.ca_file = p.ca_file;
  mo.cert_file = p.cert_file;
  mo.key_file = p.key_file;
  mo.version = p.version;
  if (auto s = sync::PahoTransport::check_options(mo); !s) return s.error();
  auto hp = split_uri(p.uri);
  if (!hp) return hp.error();
  const bool tls = hp->scheme == "ssl" || hp->scheme == "mqtts" || hp->scheme == "wss";
  const auto started = std::chrono::steady_clock::now();
  if (auto s = tcp_reachable(*hp, p.timeout); !s) return s.error();

  try {
    // `ssl` and `co` outlive the client (declared before it).
    mqtt::ssl_options ssl;
    mqtt::connect_options co;
    const auto secs = std::max<std::int64_t>(1, (p.timeout.count() + 999) / 1000);
    co.set_connect_timeout(static_cast<int>(secs));
    co.set_keep_alive_interval(30);
    co.set_automatic_reconnect(false);
    if (p.version == 5) {
      co.set_mqtt_version(MQTTVERSION_5);
      co.set_clean_session(false);
      co.set_clean_start(true);
    } else {
      co.set_mqtt_version(MQTTVERSION_3_1_1);
      co.set_clean_session(true);
    }
    if (!p.username.empty()) co.set_user_name(p.username);
    if (!p.password.empty()) co.set_password(p.password);
    if (tls) {
      ssl.set_trust_store(p.ca_file);
      if (!p.cert_file.empty()) {
        ssl.set_key_store(p.cert_file);
        ssl.set_private_key(p.key_file);
      }
      ssl.set_enable_server_cert_auth(true);
      ssl.set_verify(true);
      // No ssl error handler: Paho C++ 1.2 calls it through a pointer to a copy of these
      // options that is gone by then (seen crashing here). The failure is classified below.
      co.set_ssl(ssl);
    }
    mqtt::async_client client(p.uri, mo.client_id, mqtt::create_options(p.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1));
    auto tok = client.connect(co);
    if (!tok->wait_for(std::chrono::seconds(secs) + std::chrono::seconds(1))) {
      return make_error("timeout", "the broker at " + p.uri + " did not complete the connection within " +
                                       std::to_string(secs) + " s");
    }
    ProbeResult r;
    r.tls = tls;
    r.connect_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    try {
      client.disconnect(std::chrono::milliseconds(200))->wait_for(std::chrono::milliseconds(1000));
    } catch (const std::exception&) {
    }
    return r;
  } catch (const mqtt::exception& e) {
    const int reason = e.get_reason_code();
    const int rc = e.get_return_code();
    if (tls && rc == MQTTASYNC_FAILURE) {
      // TCP worked (checked above), so a connect failure on a TLS URI is the handshake: the
      // broker's certificate does not chain to ca_file or does not name the host, or the
      // broker refused this device's certificate.
      return make_error("tls", "TLS handshake with " + p.uri + " failed (" +
                                   std::string(e.what()) +
                                   "): the broker's certificate was not accepted with this CA file and host, or the "
                                   "broker did not accept this device's certificate");
    }
    if (reason >= 0x80 || (rc >= 1 && rc <= 5)) {
      return make_error("refused", "the broker at " + p.uri + " refused the connection: " + e.what());
    }
    return make_error("unreachable", "cannot connect to " + p.uri + ": " + e.what());
  } catch (const std::exception& e) {
    return make_error("unreachable", "cannot connect to " + p.uri + ": " + e.what());
  }
}

}  // namespace scanedge::ctl
