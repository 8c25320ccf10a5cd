// NotifyListener: the systemd side of sd_notify(3) for tests. It binds a unix datagram
// socket (the path to put in NOTIFY_SOCKET), receives every notification with the sender's
// pid (SCM_CREDENTIALS, as systemd checks NotifyAccess=main), splits it into its
// "KEY=VALUE" lines and records each with its arrival time. Thread-safe; the destructor
// stops the receiving thread and removes the socket.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace scanedge::testing {

struct Notification {
  std::chrono::steady_clock::time_point at;
  pid_t pid = 0;     // sender, from the kernel's credentials
  std::string line;  // one assignment, e.g. "WATCHDOG=1", "STATUS=online, backlog 0"
};

class NotifyListener {
 public:
  // Throws std::runtime_error when the socket cannot be bound.
  explicit NotifyListener(std::string path);
  ~NotifyListener();
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  const std::string& path() const { return path_; }
  std::vector<Notification> all() const;
  // Waits until a line equal to `line` (or, with prefix=true, starting with it) arrived at or
  // after `since`; returns its arrival time, or time_point::max() on timeout.
  std::chrono::steady_clock::time_point wait_for(const std::string& line, std::chrono::milliseconds timeout,
                                                 std::chrono::steady_clock::time_point since = {},
                                                 bool prefix = false) const;
  // How many lines equal to `line` arrived in [from, to).
  int count(const std::string& line, std::chrono::steady_clock::time_point from,
            std::chrono::steady_clock::time_point to) const;

 private:
  void run();

  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Notification> got_;
  std::thread thread_;
};

}  // namespace scanedge::testing
