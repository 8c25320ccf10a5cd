#include "tests/e2e/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/support/process.h"

namespace scanedge::testing::faults {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Runs a shell command line; its stderr goes to the captured output.
RunResult sh(const std::string& cmd) { return run_capture({"sh", "-c", cmd + " 2>&1"}, 30s); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::unique_ptr<NetnsLink> NetnsLink::create(std::string* why) {
  if (::geteuid() != 0) {
    *why = "not root: network namespaces (ip netns, setns) need CAP_SYS_ADMIN";
    return nullptr;
  }
  if (sh("command -v ip").status != 0) {
    *why = "the ip command (iproute2) is not installed";
    return nullptr;
  }
  std::unique_ptr<NetnsLink> l(new NetnsLink());
  const std::string tag = std::to_string(::getpid());
  l->dev_ns_ = "scanedge-f" + tag + "-dev";
  l->srv_ns_ = "scanedge-f" + tag + "-srv";
  l->dev_if_ = "sfd" + tag;  // interface names: at most 15 characters
  l->srv_if_ = "sfs" + tag;
  // Namespaces left over by a killed run (its process is gone): delete them.
  {
    static const std::regex ours("^scanedge-f([0-9]+)-(dev|srv)\\b");
    const auto list = sh("ip netns list");
    std::istringstream in(list.out);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, ours)) continue;
      const pid_t owner = static_cast<pid_t>(std::stol(m[1].str()));
      if (owner == ::getpid() || ::kill(owner, 0) != 0) sh("ip netns del scanedge-f" + m[1].str() + "-" + m[2].str());
    }
  }
  if (auto r = sh("ip netns add " + l->dev_ns_); r.status != 0) {
    *why = "ip netns add failed: " + trim(r.out);
    return nullptr;
  }
  l->created_ = true;
  const std::vector<std::string> steps{
      "ip netns add " + l->srv_ns_,
      "ip -n " + l->dev_ns_ + " link add " + l->dev_if_ + " type veth peer name " + l->srv_if_ + " netns " + l->srv_ns_,
      "ip -n " + l->dev_ns_ + " addr add " + kDevIp + "/24 dev " + l->dev_if_,
      "ip -n " + l->srv_ns_ + " addr add " + kSrvIp + "/24 dev " + l->srv_if_,
      "ip -n " + l->dev_ns_ + " link set lo up",
      "ip -n " + l->srv_ns_ + " link set lo up",
      "ip -n " + l->dev_ns_ + " link set " + l->dev_if_ + " up",
      "ip -n " + l->srv_ns_ + " link set " + l->srv_if_ + " up",
  };
  for (const auto& s : steps) {
    if (auto r = sh(s); r.status != 0) {
      *why = s + " failed: " + trim(r.out);
      return nullptr;
    }
  }
  return l;
}

NetnsLink::~NetnsLink() {
  if (!created_) return;
  sh("ip netns del " + dev_ns_);  // destroys the veth pair too
  sh("ip netns del " + srv_ns_);
}

NetnsLink::Impairment NetnsLink::impair(double loss, std::chrono::milliseconds delay) {
  clear_impairment();
  const std::vector<std::pair<std::string, std::string>> ends{{dev_ns_, dev_if_}, {srv_ns_, srv_if_}};
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.3f%%", loss * 100);
  // SCANEDGE_NETFAULT_MODE=bpf or =relay skips the better modes (to exercise the fallbacks).
  const char* forced_env = std::getenv("SCANEDGE_NETFAULT_MODE");
  const std::string forced = forced_env != nullptr ? forced_env : "";
  bool netem = forced.empty();
  std::string netem_err;
  for (const auto& [ns, dev] : ends) {
    if (!netem) {
      netem_err = "skipped: SCANEDGE_NETFAULT_MODE=" + forced;
      break;
    }
    auto r = sh("ip netns exec " + ns + " tc qdisc add dev " + dev + " root netem delay " +
                std::to_string(delay.count()) + "ms loss " + pct);
    if (r.status != 0) {
      netem = false;
      netem_err = trim(r.out);
      break;
    }
  }
  if (netem) return {"netem", 0ms, 0};
  clear_impairment();
  std::cout << "netns: tc netem unavailable (" << netem_err << "); falling back" << std::endl;
  // Classic BPF: A = random u32; pass (TC_ACT_OK) when A >= threshold, else drop (TC_ACT_SHOT).
  const auto threshold = static_cast<std::uint32_t>(loss * 4294967296.0);
  const std::string prog = "4,32 0 0 4294963256,53 1 0 " + std::to_string(threshold) + ",6 0 0 2,6 0 0 0";
  bool bpf = forced != "relay";
  std::string bpf_err = bpf ? "" : "skipped: SCANEDGE_NETFAULT_MODE=relay";
  for (const auto& [ns, dev] : ends) {
    if (!bpf) break;
    auto q = sh("ip netns exec " + ns + " tc qdisc add dev " + dev + " clsact");
    auto f = q.status == 0 ? sh("ip netns exec " + ns + " tc filter add dev " + dev + " egress bpf da bytecode '" + prog + "'")
                           : q;
    if (f.status != 0) {
      bpf = false;
      bpf_err = trim(f.out);
      break;
    }
  }
  if (bpf) return {"bpf-loss+relay-delay", delay, 0};
  clear_impairment();
  std::cout << "netns: no kernel packet loss either (" << bpf_err << "); the relay stalls instead" << std::endl;
  return {"relay-delay+stalls", delay, loss};
}

void NetnsLink::clear_impairment() {
  for (const auto& [ns, dev] : std::vector<std::pair<std::string, std::string>>{{dev_ns_, dev_if_}, {srv_ns_, srv_if_}}) {
    sh("ip netns exec " + ns + " tc qdisc del dev " + dev + " root");
    sh("ip netns exec " + ns + " tc qdisc del dev " + dev + " clsact");
  }
}

std::int64_t NetnsLink::dropped_packets() const {
  std::int64_t total = 0;
  static const std::regex dropped("dropped ([0-9]+)");
  for (const auto& [ns, dev] : std::vector<std::pair<std::string, std::string>>{{dev_ns_, dev_if_}, {srv_ns_, srv_if_}}) {
    const auto r = sh("ip netns exec " + ns + " tc -s qdisc show dev " + dev);
    for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), dropped); it != std::sregex_iterator(); ++it) {
      total += std::stoll((*it)[1].str());
    }
  }
  return total;
}

void NetnsLink::set_link(bool up) {
  const auto r = sh("ip -n " + srv_ns_ + " link set " + srv_if_ + (up ? " up" : " down"));
  if (r.status != 0) throw std::runtime_error("ip link set " + srv_if_ + ": " + r.out);
}

int NetnsLink::listen_in(const std::string& ns, const std::string& ip, int port) const {
  int fd = -1;
  std::string err;
  // setns() moves only the calling thread: a short-lived thread makes the socket, which stays
  // in that namespace for its whole life.
  std::thread t([&] {
    const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
      err = "open /run/netns/" + ns + ": " + std::strerror(errno);
      return;
    }
    if (::setns(nsfd, CLONE_NEWNET) != 0) {
      err = std::string("setns: ") + std::strerror(errno);
      ::close(nsfd);
      return;
    }
    ::close(nsfd);
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 16) != 0) {
      err = "bind/listen " + ip + ":" + std::to_string(port) + ": " + std::strerror(errno);
      ::close(s);
      return;
    }
    fd = s;
  });
  t.join();
  if (fd < 0) throw std::runtime_error("listen in " + ns + ": " + err);
  return fd;
}

// ---------------------------------------------------------------------------------------------

struct DelayRelay::Conn {
  struct Dir {
    int from = -1, to = -1;
    std::atomic<std::int64_t>* bytes = nullptr;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<Clock::time_point, std::string>> q;
    std::size_t queued = 0;
    bool eof = false;
    Clock::time_point last_due{};
  };
  DelayRelay* relay = nullptr;
  int down = -1, up = -1;
  Dir d2u, u2d;
  std::atomic<bool> dead{false};
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;

  void kill() {
    if (!dead.exchange(true)) {
      ::shutdown(down, SHUT_RDWR);
      ::shutdown(up, SHUT_RDWR);
    }
    for (Dir* d : {&d2u, &u2d}) {
      std::lock_guard lock(d->mu);
      d->cv.notify_all();
    }
  }

  void reader(Dir& d) {
    std::vector<char> buf(65536);
    for (;;) {
      {
        std::unique_lock lock(d.mu);
        d.cv.wait(lock, [&] { return dead.load() || d.queued < (1u << 20); });
        if (dead) break;
      }
      const ssize_t n = ::recv(d.from, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        kill();
        break;
      }
      std::lock_guard lock(d.mu);
      if (n == 0) {
        d.eof = true;
        d.cv.notify_all();
        break;
      }
      auto due = Clock::now() + std::chrono::milliseconds(relay->delay_ms_.load());
      const double stall = relay->stall_fraction_.load();
      if (stall > 0) {
        std::lock_guard rl(relay->rng_mu_);
        if (std::uniform_real_distribution<double>(0, 1)(relay->rng_) < stall) {
          due += std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1000)(relay->rng_));
        }
      }
      due = std::max(due, d.last_due);  // bytes keep their order
      d.last_due = due;
      d.q.emplace_back(due, std::string(buf.data(), static_cast<std::size_t>(n)));
      d.queued += static_cast<std::size_t>(n);
      d.cv.notify_all();
    }
    ++finished;
  }

  void writer(Dir& d) {
    for (;;) {
      std::string chunk;
      {
        std::unique_lock lock(d.mu);
        bool go = false;
        while (!go) {
          if (dead) break;
          if (d.q.empty()) {
            if (d.eof) break;
            d.cv.wait(lock);
            continue;
          }
          const auto due = d.q.front().first;
          if (Clock::now() >= due) {
            go = true;
          } else {
            d.cv.wait_until(lock, due);
          }
        }
        if (!go) {
          if (!dead && d.eof) ::shutdown(d.to, SHUT_WR);
          break;
        }
        chunk = std::move(d.q.front().second);
        d.q.pop_front();
        d.queued -= chunk.size();
        d.cv.notify_all();
      }
      std::size_t off = 0;
      while (off < chunk.size()) {
        const ssize_t n = ::send(d.to, chunk.data() + off, chunk.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      if (off < chunk.size()) {
        kill();
        break;
      }
      *d.bytes += static_cast<std::int64_t>(chunk.size());
    }
    ++finished;
  }

  ~Conn() {
    kill();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    ::close(down);
    ::close(up);
  }
};

DelayRelay::DelayRelay(int listen_fd, int upstream_port, std::chrono::milliseconds delay, double stall_fraction,
                       std::uint64_t seed)
    : listen_fd_(listen_fd),
      upstream_port_(upstream_port),
      delay_ms_(delay.count()),
      stall_fraction_(stall_fraction),
      rng_(seed) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

DelayRelay::~DelayRelay() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  reap(true);
  ::close(listen_fd_);
}

void DelayRelay::set_delay(std::chrono::milliseconds delay, double stall_fraction) {
  delay_ms_ = delay.count();
  stall_fraction_ = stall_fraction;
}

void DelayRelay::reap(bool all) {
  std::lock_guard lock(conns_mu_);
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (all) (*it)->kill();
    if (all || (*it)->finished.load() == 4) {
      it = conns_.erase(it);  // ~Conn joins its threads
    } else {
      ++it;
    }
  }
}

void DelayRelay::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    reap(false);
    if (r <= 0 || (p.revents & POLLIN) == 0) continue;
    const int down = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (down < 0) continue;
    const int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(up);
      ::close(down);
      continue;
    }
    const int one = 1;
    ::setsockopt(down, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++connections_;
    auto c = std::make_unique<Conn>();
    c->relay = this;
    c->down = down;
    c->up = up;
    c->d2u.from = down;
    c->d2u.to = up;
    c->d2u.bytes = &bytes_up_;
    c->u2d.from = up;
    c->u2d.to = down;
    c->u2d.bytes = &bytes_down_;
    Conn* raw = c.get();
    raw->threads.emplace_back([raw] { raw->reader(raw->d2u); });
    raw->threads.emplace_back([raw] { raw->writer(raw->d2u); });
    raw->threads.emplace_back([raw] { raw->reader(raw->u2d); });
    raw->threads.emplace_back([raw] { raw->writer(raw->u2d); });
    std::lock_guard lock(conns_mu_);
    conns_.push_back(std::move(c));
  }
}

}  // namespace scanedge::testing::faults
