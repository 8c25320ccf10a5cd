// A throwaway PostgreSQL cluster for tests: initdb into a temp dir, then `postgres`
// listening on a unix socket in that dir only (no TCP), stopped and removed by the
// destructor.
//
// Binaries: the highest /usr/lib/postgresql/<version>/bin with initdb and postgres
// (Debian's postgresql package). available() is false when there is none: tests then
// GTEST_SKIP with skip_reason() (CI installs the package, so they run there).
// Root: initdb and postgres refuse to run as root, so when the test runs as root they run as
// the `postgres` system user (or `nobody` when there is none) through setpriv(1), and the
// temp dir is chowned to that user. Clients (libpq, createdb, the ledger) connect as the
// database superuser "postgres" over the socket with trust authentication.
// The server is started with setpriv --pdeathsig INT (when setpriv exists), so it shuts
// down when the thread that started it dies without stop() (a crash, a ctest timeout):
// start it from the test's main thread. The temp dir is under $TMPDIR (or /tmp), which
// must be traversable by that user when running as root.
// Test settings: fsync=off (speed; the tests kill ledgers, never the server), small
// shared_buffers, C locale, UTF-8.
//
// start() returns once the server accepts connections; it throws std::runtime_error (with
// the log path) when initdb or the server fails, or the server is not ready within 60 s.
// Threading: one thread.
#pragma once

#include <string>

#include "tests/support/process.h"

namespace scanedge::testing {

class Postgres {
 public:
  static bool available();
  static std::string skip_reason();  // why available() is false
  static std::string bin_dir();      // "" when not installed

  Postgres();
  ~Postgres();  // stop()
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  void start();  // initdb on the first start, then the server
  void stop();   // fast shutdown (SIGINT), SIGKILL after 15 s
  bool running() { return proc_.running(); }

  // CREATE DATABASE name; returns its URI.
  std::string create_database(const std::string& name);
  // postgresql:///DB?host=SOCKETDIR&port=PORT&user=postgres
  std::string uri(const std::string& db = "postgres") const;
  const std::string& log_path() const { return log_; }
  const std::string& socket_dir() const { return sock_; }
  int port() const { return port_; }

 private:
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
  TempDir dir_;
  std::string data_, sock_, log_;
  int port_;
  bool initialised_ = false;
  Process proc_;
};

}  // namespace scanedge::testing
