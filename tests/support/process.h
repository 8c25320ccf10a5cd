// Child processes for integration and end-to-end tests.
//
// Process::spawn() starts argv[0] (searched on PATH) with extra environment entries, stdout
// and stderr appended to `log_path` (or inherited when empty). The destructor kills the
// child (SIGKILL) and reaps it, so a failing test never leaks processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace scanedge::testing {

class Process {
 public:
  static Process spawn(const std::vector<std::string>& argv, const std::string& log_path = {},
                       const std::vector<std::string>& env = {});
  Process() = default;
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit status (128+signal when killed) or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void kill_now();  // SIGKILL and reap

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion, capturing stdout. Returns exit status and output.
struct RunResult {
  int status = -1;
  std::string out;
};
RunResult run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

// A fresh empty directory under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `pred` every `step` until it is true or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

}  // namespace scanedge::testing

#include <thread>

template <class Pred>
bool scanedge::testing::eventually(Pred pred, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(step);
  }
}
