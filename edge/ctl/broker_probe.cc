#include "edge/ctl/broker_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

// A TCP connection within `timeout` (a connected, blocking socket the caller closes): tells
// "nothing listens there" apart from TLS and MQTT problems.
Result<int> tcp_connect(const HostPort& hp, std::chrono::milliseconds timeout) {
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
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    ::close(fd);
    last = std::strerror(err);
  }
  return make_error("unreachable", "cannot open a TCP connection to " + hp.host + ":" + hp.port + ": " + last);
}

// The reason of the oldest queued OpenSSL error ("tlsv1 alert unknown ca"), and clears them.
std::string openssl_reason() {
  std::string reason;
  while (const unsigned long e = ::ERR_get_error()) {
    if (reason.empty()) {
      const char* r = ::ERR_reason_error_string(e);
      reason = r != nullptr ? r : "OpenSSL error " + std::to_string(e);
    }
  }
  return reason.empty() ? "no reason given" : reason;
}

// Why a TLS handshake with the broker fails, found by doing it with OpenSSL directly and the
// same settings (CA file only, host or IP verified, client certificate and key): Paho does
// not report OpenSSL's reason. "" when this handshake works (then the failure was not the
// certificates). Only called after Paho's connect failed.
std::string tls_failure_reason(const HostPort& hp, const BrokerProbe& p) {
  auto fd = tcp_connect(hp, p.timeout);
  if (!fd) return "";
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } const closer{*fd};
  // The broker's refusal of our certificate arrives quickly; a working connection just waits
  // for CONNECT, so reads give up after at most 2 s.
  const auto wait = std::min<std::int64_t>(p.timeout.count(), 2000);
  const timeval tv{static_cast<time_t>(wait / 1000), static_cast<suseconds_t>((wait % 1000) * 1000)};
  ::setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::ERR_clear_error();
  const std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(::SSL_CTX_new(::TLS_client_method()), &::SSL_CTX_free);
  if (!ctx) return "";
  if (::SSL_CTX_load_verify_locations(ctx.get(), p.ca_file.c_str(), nullptr) != 1) {
    return "the CA file " + p.ca_file + " cannot be used: " + openssl_reason();
  }
  if (!p.cert_file.empty()) {
    if (::SSL_CTX_use_certificate_chain_file(ctx.get(), p.cert_file.c_str()) != 1) {
      return "the certificate " + p.cert_file + " cannot be used: " + openssl_reason();
    }
    if (::SSL_CTX_use_PrivateKey_file(ctx.get(), p.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        ::SSL_CTX_check_private_key(ctx.get()) != 1) {
      return "the key " + p.key_file + " cannot be used with " + p.cert_file + ": " + openssl_reason();
    }
  }
  ::SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const std::unique_ptr<SSL, void (*)(SSL*)> ssl(::SSL_new(ctx.get()), &::SSL_free);
  if (!ssl) return "";
  ::SSL_set_fd(ssl.get(), *fd);
  in6_addr addr{};
  const bool is_ip = ::inet_pton(AF_INET, hp.host.c_str(), &addr) == 1 || ::inet_pton(AF_INET6, hp.host.c_str(), &addr) == 1;
  if (is_ip) {
    ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl.get()), hp.host.c_str());
  } else {
    ::SSL_set1_host(ssl.get(), hp.host.c_str());
    // SNI; SSL_set_tlsext_host_name() spelled out (the macro's C cast trips -Wold-style-cast).
    ::SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(hp.host.c_str()));
  }
  const std::string own_cert = p.cert_file.empty() ? "no client certificate was given (--cert/--key)"
                                                   : "this device's certificate (" + p.cert_file +
                                                         ") is not signed by a CA the broker trusts, or has expired";
  if (::SSL_connect(ssl.get()) != 1) {
    if (const long v = ::SSL_get_verify_result(ssl.get()); v != X509_V_OK) {
      return "the broker's certificate does not verify against " + p.ca_file + " for host " + hp.host + ": " +
             ::X509_verify_cert_error_string(v);
    }
    const std::string reason = openssl_reason();
    if (reason.find("alert") != std::string::npos) {
      return "the broker refused the handshake (" + reason + "): " + own_cert;
    }
    return "the handshake failed: " + reason;
  }
  // TLS 1.3: the broker checks the client certificate after our side of the handshake is
  // done, so its refusal arrives as an alert on the first read.
  char byte = 0;
  const int n = ::SSL_read(ssl.get(), &byte, 1);
  if (n <= 0 && ::SSL_get_error(ssl.get(), n) == SSL_ERROR_SSL) {
    return "the broker refused this device's certificate (" + openssl_reason() + "): " + own_cert;
  }
  return "";
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
  if (auto fd = tcp_connect(*hp, p.timeout); !fd) {
    return fd.error();
  } else {
    ::close(*fd);
  }

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
      // broker refused this device's certificate. OpenSSL says which.
      const std::string why = tls_failure_reason(*hp, p);
      if (!why.empty()) return make_error("tls", "TLS handshake with " + p.uri + " failed: " + why);
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
