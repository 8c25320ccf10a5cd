// A real mosquitto broker for tests, on a free loopback port, with no persistence.
//
// start() writes a config into its own temp dir and launches `mosquitto -c`; it returns once
// the port accepts connections (or throws after 10 s). stop() / restart() let fault tests take
// the broker away and bring it back on the SAME port. The destructor kills it.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"

namespace scanedge::testing {

class Mosquitto {
 public:
  explicit Mosquitto(int port = 0);
  ~Mosquitto();
  void start();
  void stop();     // graceful (SIGTERM)
  void kill();     // SIGKILL
  void restart() { stop(); start(); }
  int port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  bool running() { return proc_.running(); }
  pid_t pid() const { return proc_.pid(); }
  const std::string& log_path() const { return log_; }

 private:
  TempDir dir_;
  int port_;
  std::string conf_;
  std::string log_;
  Process proc_;
};

// True when something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

}  // namespace scanedge::testing
