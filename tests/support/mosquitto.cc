#include "tests/support/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace scanedge::testing {

bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

Mosquitto::Mosquitto(int port) : Mosquitto(MosquittoOptions{.port = port}) {}

Mosquitto::Mosquitto(MosquittoOptions o) : port_(o.port == 0 ? free_tcp_port() : o.port), tls_(o.tls.has_value()) {
  conf_ = dir_.file("mosquitto.conf");
  log_ = dir_.file("mosquitto.log");
  std::ofstream f(conf_);
  // Started as root, mosquitto drops to the "mosquitto" user, which cannot read our 0600 keys
  // or our temp dir: stay root (a test broker on loopback only).
  if (::geteuid() == 0) f << "user root\n";
  f << "per_listener_settings false\n"
    << "allow_anonymous " << (o.allow_anonymous ? "true" : "false") << "\n"
    << "persistence false\n"
    << "max_queued_messages 100000\n"
    << "max_inflight_messages 100\n"
    << "message_size_limit 4194304\n"
    << "log_dest stderr\n"
    << "log_type error\nlog_type warning\n";
  if (o.log_notice) f << "log_type notice\nlog_type information\nlog_type subscribe\n";
  if (!o.acl_file.empty()) f << "acl_file " << o.acl_file << "\n";
  f << "listener " << port_ << " 127.0.0.1\n";
  if (o.tls) {
    f << "cafile " << o.tls->ca_file << "\n"
      << "certfile " << o.tls->cert_file << "\n"
      << "keyfile " << o.tls->key_file << "\n"
      << "require_certificate " << (o.tls->require_certificate ? "true" : "false") << "\n"
      << "use_identity_as_username " << (o.tls->use_identity_as_username ? "true" : "false") << "\n";
  }
  f << o.extra_config;
}

Mosquitto::~Mosquitto() { proc_.kill_now(); }

void Mosquitto::start() {
  if (proc_.running()) return;
  // Debian installs the broker in /usr/sbin, which is not on every PATH.
  const std::string bin = ::access("/usr/sbin/mosquitto", X_OK) == 0 ? "/usr/sbin/mosquitto" : "mosquitto";
  proc_ = Process::spawn({bin, "-c", conf_}, log_);
  if (!eventually([&] { return port_open(port_); }, std::chrono::seconds(10))) {
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + " (see " + log_ + ")");
  }
}

void Mosquitto::stop() {
  proc_.stop(std::chrono::seconds(5));
  eventually([&] { return !port_open(port_); }, std::chrono::seconds(5));
}

void Mosquitto::kill() { proc_.kill_now(); }

std::string Mosquitto::log() const {
  std::ifstream f(log_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

namespace {

// Runs the openssl CLI with its chatter going to `log`; throws with the log on failure.
void openssl(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = Process::spawn(argv, log);
  const auto status = p.wait(std::chrono::seconds(30));
  if (status != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    throw std::runtime_error("openssl failed (" + (status ? "status " + std::to_string(*status) : "timeout") +
                             "): " + cmd + "\n" + ss.str());
  }
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

// "/CN=..." with the characters -subj treats specially escaped.
std::string subject(const std::string& cn) {
  std::string s = "/CN=";
  for (char c : cn) {
    if (c == '/' || c == '\\' || c == '+' || c == '=') s += '\\';
    s += c;
  }
  return s;
}

}  // namespace

TestPki::TestPki(const std::string& ca_name) {
  ca_cert_ = dir_.file("ca.crt");
  ca_key_ = dir_.file("ca.key");
  // Explicit, minimal configuration: no dependence on the system openssl.cnf defaults.
  write_file(dir_.file("req.cnf"),
             "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n"
             "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
             "subjectKeyIdentifier = hash\n");
  std::random_device rd;
  serial_ = 1000 + static_cast<int>(rd() % 100000);
  openssl({"req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key_,
           "-out", ca_cert_, "-days", "2", "-subj", subject(ca_name + " " + std::to_string(serial_)), "-config",
           dir_.file("req.cnf"), "-extensions", "v3_ca"},
          dir_.file("openssl.log"));
  ::chmod(ca_key_.c_str(), 0600);
}

TestPki::Identity TestPki::issue(const std::string& stem, const std::string& cn, const std::string& extensions) {
  Identity id{dir_.file(stem + ".crt"), dir_.file(stem + ".key")};
  const std::string csr = dir_.file(stem + ".csr");
  const std::string ext = dir_.file(stem + ".ext");
  write_file(ext, "[ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                  "authorityKeyIdentifier = keyid\n" + extensions);
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", id.key_file,
           "-out", csr, "-subj", subject(cn), "-config", dir_.file("req.cnf")},
          dir_.file("openssl.log"));
  openssl({"x509", "-req", "-in", csr, "-CA", ca_cert_, "-CAkey", ca_key_, "-set_serial", std::to_string(++serial_),
           "-days", "2", "-out", id.cert_file, "-extfile", ext, "-extensions", "ext"},
          dir_.file("openssl.log"));
  ::chmod(id.key_file.c_str(), 0600);
  return id;
}

TestPki::Identity TestPki::issue_server(const std::string& name, const std::string& san) {
  return issue("server-" + name, name, "extendedKeyUsage = serverAuth\nsubjectAltName = " + san + "\n");
}

TestPki::Identity TestPki::issue_client(const std::string& common_name) {
  std::string stem = "client-";
  for (char c : common_name) stem += (c == '/' ? '_' : c);
  return issue(stem, common_name, "extendedKeyUsage = clientAuth\n");
}

}  // namespace scanedge::testing
