#include "tests/support/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
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

Mosquitto::Mosquitto(int port) : port_(port == 0 ? free_tcp_port() : port) {
  conf_ = dir_.file("mosquitto.conf");
  log_ = dir_.file("mosquitto.log");
  std::ofstream f(conf_);
  f << "listener " << port_ << " 127.0.0.1\n"
    << "allow_anonymous true\n"
    << "persistence false\n"
    << "max_queued_messages 100000\n"
    << "max_inflight_messages 100\n"
    << "message_size_limit 4194304\n"
    << "log_dest stderr\n"
    << "log_type error\nlog_type warning\n";
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

}  // namespace scanedge::testing
