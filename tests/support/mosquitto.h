// A real mosquitto broker for tests, on a free loopback port, with no persistence.
//
// start() writes a config into its own temp dir and launches `mosquitto -c`; it returns once
// the port accepts connections (or throws after 10 s). stop() / restart() let fault tests take
// the broker away and bring it back on the SAME port. The destructor kills it.
//
// TLS: Mosquitto(MosquittoOptions{.tls = ...}) makes the one listener a TLS listener
// (uri() is then ssl://127.0.0.1:PORT), optionally requiring a client certificate whose CN
// becomes the username, and an acl_file. TestPki makes the certificates.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tests/support/process.h"

namespace scanedge::testing {

struct MosquittoTls {
  std::string ca_file;    // CA(s) that client certificates must chain to
  std::string cert_file;  // the broker's certificate (PEM) and key
  std::string key_file;
  bool require_certificate = true;
  bool use_identity_as_username = true;  // username = client certificate CN
};

struct MosquittoOptions {
  int port = 0;  // 0: a free port
  std::optional<MosquittoTls> tls;
  std::string acl_file;      // empty: no ACL (everything allowed)
  bool allow_anonymous = true;
  bool log_notice = false;   // also log connects, refusals and ACL denials (log_path())
  std::string extra_config;  // appended verbatim
};

class Mosquitto {
 public:
  explicit Mosquitto(int port = 0);
  explicit Mosquitto(MosquittoOptions options);
  ~Mosquitto();
  void start();
  void stop();     // graceful (SIGTERM)
  void kill();     // SIGKILL
  void restart() { stop(); start(); }
  int port() const { return port_; }
  std::string uri() const { return std::string(tls_ ? "ssl" : "tcp") + "://127.0.0.1:" + std::to_string(port_); }
  bool running() { return proc_.running(); }
  pid_t pid() const { return proc_.pid(); }
  const std::string& log_path() const { return log_; }
  std::string log() const;  // the broker's log so far

 private:
  TempDir dir_;
  int port_;
  bool tls_ = false;
  std::string conf_;
  std::string log_;
  Process proc_;
};

// True when something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

// A throwaway PKI for TLS tests, made with the openssl command line in a temp dir at test
// time (EC P-256 keys, valid for 2 days; nothing is ever committed): a CA, and certificates
// it signs. Private keys are written with mode 0600. Throws std::runtime_error when openssl
// fails. Each instance is a different CA (a second one serves pinning tests).
class TestPki {
 public:
  struct Identity {
    std::string cert_file;
    std::string key_file;
  };
  explicit TestPki(const std::string& ca_name = "scanedge test CA");
  const std::string& ca_file() const { return ca_cert_; }
  const std::string& dir() const { return dir_.path(); }
  // A TLS server certificate (extendedKeyUsage serverAuth) with subjectAltName `san`, e.g.
  // "IP:127.0.0.1,DNS:localhost".
  Identity issue_server(const std::string& name, const std::string& san = "IP:127.0.0.1,DNS:localhost");
  // A TLS client certificate (clientAuth) with subject CN `common_name` (may contain '/').
  Identity issue_client(const std::string& common_name);

 private:
  Identity issue(const std::string& file_stem, const std::string& common_name, const std::string& extensions);
  TempDir dir_;
  std::string ca_cert_;
  std::string ca_key_;
  int serial_ = 1000;
};

}  // namespace scanedge::testing
