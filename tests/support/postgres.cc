#include "tests/support/postgres.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace scanedge::testing {

namespace {

namespace fs = std::filesystem;

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string tail_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 3000 ? s.substr(s.size() - 3000) : s;
}

struct ServerUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

ServerUser server_user() {
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = ::getpwnam(name)) return ServerUser{name, pw->pw_uid, pw->pw_gid};
  }
  return {};
}

}  // namespace

std::string Postgres::bin_dir() {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = e.path().string() + "/bin";
    if (!executable(bin + "/initdb") || !executable(bin + "/postgres") || !executable(bin + "/pg_isready")) continue;
    int version = 0;
    try {
      version = std::stoi(e.path().filename().string());
    } catch (...) {
      continue;
    }
    found.emplace_back(version, bin);
  }
  if (found.empty()) return {};
  return std::max_element(found.begin(), found.end())->second;
}

bool Postgres::available() {
  if (bin_dir().empty()) return false;
  return ::geteuid() != 0 || (!server_user().name.empty() && executable("/usr/bin/setpriv"));
}

std::string Postgres::skip_reason() {
  if (bin_dir().empty()) {
    return "PostgreSQL server binaries not installed (no /usr/lib/postgresql/*/bin/initdb; Debian: apt-get install "
           "postgresql)";
  }
  return "running as root without a postgres/nobody user or /usr/bin/setpriv to run the server as";
}

Postgres::Postgres() : port_(free_tcp_port()) {
  data_ = dir_.file("data");
  sock_ = dir_.file("sock");
  log_ = dir_.file("postgres.log");
  fs::create_directories(sock_);
  if (::geteuid() == 0) {
    const ServerUser u = server_user();
    for (const std::string& p : {dir_.path(), sock_}) {
      if (::chown(p.c_str(), u.uid, u.gid) != 0) throw std::runtime_error("chown " + p + " failed");
    }
    // The parent of the temp dir must be traversable by that user.
    ::chmod(dir_.path().c_str(), 0755);
  }
}

Postgres::~Postgres() { stop(); }

std::vector<std::string> Postgres::as_server_user(std::vector<std::string> argv) const {
  const bool have_setpriv = executable("/usr/bin/setpriv");
  if (::geteuid() != 0 && !have_setpriv) return argv;
  // --pdeathsig: the server gets a fast-shutdown signal when the test process dies without
  // running our destructor (a crash, a ctest timeout), instead of lingering.
  std::vector<std::string> out = {"/usr/bin/setpriv", "--pdeathsig", "INT"};
  if (::geteuid() == 0) {
    const ServerUser u = server_user();
    out.insert(out.end(), {"--reuid=" + std::to_string(u.uid), "--regid=" + std::to_string(u.gid), "--clear-groups"});
  }
  out.push_back("--");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void Postgres::start() {
  if (proc_.running()) return;
  const std::string bin = bin_dir();
  if (bin.empty()) throw std::runtime_error(skip_reason());
  if (!initialised_) {
    Process init = Process::spawn(as_server_user({bin + "/initdb", "-D", data_, "-U", "postgres", "--auth=trust",
                                                  "--no-locale", "-E", "UTF8", "--no-sync"}),
                                  log_);
    const auto st = init.wait(std::chrono::seconds(120));
    if (!st || *st != 0) {
      init.kill_now();
      throw std::runtime_error("initdb failed (see " + log_ + "):\n" + tail_of(log_));
    }
    initialised_ = true;
  }
  proc_ = Process::spawn(as_server_user({bin + "/postgres", "-D", data_, "-k", sock_, "-p", std::to_string(port_), "-c",
                                         "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
                                         "shared_buffers=16MB", "-c", "max_connections=60", "-c",
                                         "logging_collector=off"}),
                         log_);
  const bool ready = eventually(
      [&] {
        if (!proc_.running()) return true;
        return run_capture({bin + "/pg_isready", "-q", "-h", sock_, "-p", std::to_string(port_), "-U", "postgres"},
                           std::chrono::seconds(5))
                   .status == 0;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100));
  if (!ready || !proc_.running()) {
    proc_.kill_now();
    throw std::runtime_error("postgres did not start (see " + log_ + "):\n" + tail_of(log_));
  }
}

void Postgres::stop() {
  if (!proc_.running()) return;
  proc_.signal(SIGINT);  // fast shutdown: clients are disconnected, shared memory released
  if (!proc_.wait(std::chrono::seconds(15))) proc_.kill_now();
}

std::string Postgres::uri(const std::string& db) const {
  return "postgresql:///" + db + "?host=" + sock_ + "&port=" + std::to_string(port_) + "&user=postgres";
}

std::string Postgres::create_database(const std::string& name) {
  const std::string bin = bin_dir();
  const RunResult r = run_capture(
      {bin + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri(), "-c", "CREATE DATABASE \"" + name + "\""},
      std::chrono::seconds(60));
  if (r.status != 0) throw std::runtime_error("CREATE DATABASE " + name + " failed (status " + std::to_string(r.status) + ")");
  return uri(name);
}

}  // namespace scanedge::testing
