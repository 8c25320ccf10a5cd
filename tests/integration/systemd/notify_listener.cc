#include "tests/integration/systemd/notify_listener.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace scanedge::testing {

NotifyListener::NotifyListener(std::string path) : path_(std::move(path)) {
  sockaddr_un addr{};
  if (path_.size() >= sizeof addr.sun_path) throw std::runtime_error("notify socket path too long: " + path_);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("notify socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  unlink(path_.c_str());
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    close(fd_);
    throw std::runtime_error("bind " + path_ + ": " + why);
  }
  const int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  thread_ = std::thread([this] { run(); });
}

NotifyListener::~NotifyListener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(fd_);
  unlink(path_.c_str());
}

void NotifyListener::run() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf - 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) continue;
    const auto at = std::chrono::steady_clock::now();
    pid_t pid = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        pid = cred.pid;
      }
    }
    const std::string text(buf, static_cast<std::size_t>(n));
    std::lock_guard lock(mu_);
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) got_.push_back({at, pid, text.substr(start, end - start)});
      start = end + 1;
    }
  }
}

std::vector<Notification> NotifyListener::all() const {
  std::lock_guard lock(mu_);
  return got_;
}

std::chrono::steady_clock::time_point NotifyListener::wait_for(const std::string& line,
                                                               std::chrono::milliseconds timeout,
                                                               std::chrono::steady_clock::time_point since,
                                                               bool prefix) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      for (const Notification& n : got_) {
        if (n.at < since) continue;
        if (prefix ? n.line.rfind(line, 0) == 0 : n.line == line) return n.at;
      }
    }
    if (std::chrono::steady_clock::now() >= end) return std::chrono::steady_clock::time_point::max();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int NotifyListener::count(const std::string& line, std::chrono::steady_clock::time_point from,
                          std::chrono::steady_clock::time_point to) const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const Notification& x : got_) {
    if (x.line == line && x.at >= from && x.at < to) ++n;
  }
  return n;
}

}  // namespace scanedge::testing
