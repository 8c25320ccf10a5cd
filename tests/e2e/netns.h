// A network the fault tests own: two network namespaces joined by a veth pair, the device's
// ("dev", 10.77.0.1) and the server side's ("srv", 10.77.0.2), plus an in-process TCP relay
// that listens on the srv side and forwards to a broker on this namespace's loopback.
//
//   scanedged (netns dev) --veth--> relay (listening in netns srv) --> mosquitto (127.0.0.1)
//
// Faults on that path:
// - loss and delay: `tc netem` on both veth ends when the kernel has sch_netem; otherwise the
//   loss is real packet loss by a classic BPF filter on both veth ends (clsact egress, cls_bpf
//   direct action: drop when the kernel's per-packet random number is below the loss
//   fraction, the same decision as netem's loss), and the delay is added by the relay (every
//   byte forwarded `delay` after it was read, each direction). Without either, the relay adds
//   the delay and stalls a fraction of its chunks (the retransmission delay loss would cause).
//   impair() returns which mode it used; SCANEDGE_NETFAULT_MODE=bpf or =relay forces a
//   fallback.
// - a link cut: the srv end of the veth down. For the device the network is a black hole (its
//   own link stays up, nothing comes back), as when Wi-Fi is gone upstream.
// Needs root (ip netns, setns); create() says why it cannot otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace scanedge::testing::faults {

class NetnsLink {
 public:
  static constexpr const char* kDevIp = "10.77.0.1";
  static constexpr const char* kSrvIp = "10.77.0.2";

  // nullptr and the reason in `why` when namespaces cannot be made here.
  static std::unique_ptr<NetnsLink> create(std::string* why);
  ~NetnsLink();
  NetnsLink(const NetnsLink&) = delete;
  NetnsLink& operator=(const NetnsLink&) = delete;

  const std::string& dev_ns() const { return dev_ns_; }
  const std::string& srv_ns() const { return srv_ns_; }

  struct Impairment {
    std::string mode;                      // "netem", "bpf-loss+relay-delay" or "relay-delay+stalls"
    std::chrono::milliseconds relay_delay{0};
    double relay_stall_fraction = 0;       // relay-delay+stalls only
  };
  // Loss (fraction of packets, each direction) and one-way delay (each direction).
  Impairment impair(double loss, std::chrono::milliseconds delay);
  void clear_impairment();
  // Packets dropped by the kernel impairment so far (both ends).
  std::int64_t dropped_packets() const;

  void set_link(bool up);  // the srv end of the veth

  // A TCP socket listening on ip:port inside namespace `ns` (the fd; throws on failure).
  int listen_in(const std::string& ns, const std::string& ip, int port) const;

 private:
  NetnsLink() = default;
  std::string dev_ns_, srv_ns_, dev_if_, srv_if_;
  bool created_ = false;
};

// Forwards each accepted connection to 127.0.0.1:upstream_port (of the test's namespace),
// each direction holding the bytes `delay` after reading them (order kept). With
// `stall_fraction` > 0, that fraction of chunks is held 200..1000 ms longer.
class DelayRelay {
 public:
  DelayRelay(int listen_fd, int upstream_port, std::chrono::milliseconds delay, double stall_fraction = 0,
             std::uint64_t seed = 1);
  ~DelayRelay();
  DelayRelay(const DelayRelay&) = delete;
  DelayRelay& operator=(const DelayRelay&) = delete;
  int connections() const { return connections_.load(); }
  std::int64_t bytes_up() const { return bytes_up_.load(); }
  std::int64_t bytes_down() const { return bytes_down_.load(); }
  void set_delay(std::chrono::milliseconds delay, double stall_fraction);

 private:
  struct Conn;
  void accept_loop();
  void reap(bool all);

  int listen_fd_;
  int upstream_port_;
  std::atomic<std::int64_t> delay_ms_;
  std::atomic<double> stall_fraction_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<std::int64_t> bytes_up_{0}, bytes_down_{0};
  std::mutex conns_mu_;
  std::list<std::unique_ptr<Conn>> conns_;
  std::thread acceptor_;
  friend struct Conn;
};

}  // namespace scanedge::testing::faults
