#include "edge/ctl/watch_cmd.h"

#include <csignal>
#include <cstring>
#include <ctime>

#include <zmq.hpp>

namespace scanedge::ctl {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

// Installs the stop handlers (without SA_RESTART, so a blocking poll returns) and puts the
// previous ones back on destruction.
class SignalGuard {
 public:
  SignalGuard() {
    g_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string str_or(const nlohmann::json& j, const char* key, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return fallback;
  return it->dump();
}

std::string local_clock() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  if (std::strftime(buf, sizeof buf, "%H:%M:%S", &tm) == 0) return "--:--:--";
  return buf;
}

std::string safe_dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Result<std::string> decision_line(const nlohmann::json& m) {
  const auto d = m.find("decision");
  if (d == m.end() || !d->is_string()) return make_error("bad_message", "decision message without a \"decision\" string");
  const std::string decision = d->get<std::string>();
  const std::string scanner = str_or(m, "scanner", "?");
  const std::string seq = m.contains("seq") ? "  seq " + str_or(m, "seq", "?") : std::string();
  if (decision == "confirmed") {
    std::string line = "CONFIRMED  " + scanner + "  task " + str_or(m, "task", "?") + " line " + str_or(m, "line", "?");
    if (m.contains("remaining")) line += " (remaining " + str_or(m, "remaining", "?") + ")";
    const std::string type = str_or(m, "type", "");
    if (!type.empty() && type != "pick.confirmed") line += "  " + type;
    if (m.contains("task_state")) line += "  [" + str_or(m, "task_state", "?") + "]";
    return line + seq;
  }
  if (decision == "rejected") {
    const nlohmann::json reason = m.contains("reason") && m["reason"].is_object() ? m["reason"] : nlohmann::json::object();
    return "REJECTED   " + scanner + "  " + str_or(reason, "code", "?") + ": " + str_or(reason, "message", "") + seq;
  }
  if (decision == "not_confirmed") {
    const nlohmann::json e = m.contains("error") && m["error"].is_object() ? m["error"] : nlohmann::json::object();
    return "NOT STORED " + scanner + "  " + str_or(e, "code", "?") + ": " + str_or(e, "message", "");
  }
  return make_error("bad_message", "unknown decision \"" + decision + "\"");
}

Result<std::string> sync_line(const nlohmann::json& m) {
  const auto c = m.find("connected");
  if (c == m.end() || !c->is_boolean()) return make_error("bad_message", "sync message without a \"connected\" boolean");
  const auto ob = m.find("outbox");
  if (ob == m.end() || !ob->is_object()) return make_error("bad_message", "sync message without an \"outbox\" object");
  std::string backlog;
  std::string seqs;
  for (const auto& [stream, st] : ob->items()) {
    if (!st.is_object()) return make_error("bad_message", "sync message: outbox." + stream + " is not an object");
    if (st.contains("error")) {
      backlog += " " + stream + " (" + str_or(st, "error", "?") + ")";
      continue;
    }
    backlog += " " + stream + " " + str_or(st, "depth", "?");
    seqs += " " + stream + " " + str_or(st, "last_seq", "?");
  }
  std::string line = std::string("sync: ") + (c->get<bool>() ? "online" : "offline") + ", backlog" + backlog;
  if (!seqs.empty()) line += "; last seq" + seqs;
  return line;
}

// One task change: "task PICK-1 (pick, web): in_progress 3/5  <- pick.confirmed".
Result<std::string> task_line(const nlohmann::json& m) {
  const auto t = m.find("task");
  if (t == m.end() || !t->is_object()) return make_error("bad_message", "task message without a \"task\" object");
  std::string line = "task " + str_or(*t, "task_id", "?");
  if (t->contains("type")) line += " (" + str_or(*t, "type", "?") + ", " + str_or(*t, "channel", "?") + ")";
  line += ": " + str_or(*t, "state", "?");
  if (t->contains("qty")) line += " " + str_or(*t, "picked", "0") + "/" + str_or(*t, "qty", "?");
  const std::string cause = str_or(m, "cause", "");
  if (!cause.empty()) line += "  <- " + cause;
  return line;
}

// Reads the ZMQ monitor's next event id (frame 1: uint16 event, uint32 value; frame 2: address).
std::optional<std::uint16_t> read_monitor_event(zmq::socket_t& mon) {
  zmq::message_t first;
  if (!mon.recv(first, zmq::recv_flags::dontwait)) return std::nullopt;
  std::uint16_t event = 0;
  const bool ok = first.size() >= sizeof event;
  if (ok) std::memcpy(&event, first.data(), sizeof event);
  while (first.more()) {
    zmq::message_t rest;
    if (!mon.recv(rest, zmq::recv_flags::none)) break;
    if (!rest.more()) break;
  }
  if (!ok) return std::nullopt;
  return event;
}

}  // namespace

Result<std::string> format_watch_line(const std::string& topic, const nlohmann::json& message) {
  if (!message.is_object()) return make_error("bad_message", "message on topic \"" + topic + "\" is not a JSON object");
  if (topic == "decision") return decision_line(message);
  if (topic == "sync") return sync_line(message);
  if (topic == "task") return task_line(message);
  return topic + ": " + safe_dump(message);
}

int watch_cmd(const WatchOptions& o, std::ostream& out, std::ostream& err) {
  constexpr int kExitUnreachable = 3;
  SignalGuard signals;
  zmq::context_t ctx{1};
  zmq::socket_t sub{ctx, zmq::socket_type::sub};
  zmq::socket_t mon{ctx, zmq::socket_type::pair};
  try {
    sub.set(zmq::sockopt::linger, 0);
    mon.set(zmq::sockopt::linger, 0);
    if (o.topics.empty()) {
      sub.set(zmq::sockopt::subscribe, "");
    } else {
      for (const auto& t : o.topics) sub.set(zmq::sockopt::subscribe, t);
    }
    const std::string mon_addr = "inproc://scanedgectl-watch-monitor";
    if (zmq_socket_monitor(sub.handle(), mon_addr.c_str(), ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
      err << "scanedgectl watch: cannot monitor the subscription: " << zmq_strerror(zmq_errno()) << "\n";
      return kExitUnreachable;
    }
    mon.connect(mon_addr);
    sub.connect(o.pub_endpoint);
  } catch (const zmq::error_t& e) {
    err << "scanedgectl watch: cannot connect to " << o.pub_endpoint << ": " << e.what() << "\n";
    return kExitUnreachable;
  }

  const auto start = std::chrono::steady_clock::now();
  const auto stop_at = o.seconds ? std::optional(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                             std::chrono::duration<double>(*o.seconds)))
                                 : std::nullopt;
  const auto connect_deadline = start + o.connect_timeout;
  bool connected = false;
  bool ever_connected = false;
  std::int64_t shown = 0;
  try {
    while (g_stop == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (stop_at && now >= *stop_at) break;
      if (!ever_connected && now >= connect_deadline) {
        err << "scanedgectl watch: cannot connect to " << o.pub_endpoint << " within " << o.connect_timeout.count()
            << " ms (is the agent running? is bus.pub_endpoint right?)\n";
        return kExitUnreachable;
      }
      auto wait = std::chrono::milliseconds(200);
      if (stop_at) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*stop_at - now) +
                                  std::chrono::milliseconds(1));
      }
      zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}, {mon.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, wait);
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        while (auto ev = read_monitor_event(mon)) {
          if (*ev == ZMQ_EVENT_CONNECTED) {
            if (!ever_connected) {
              err << "watching " << o.pub_endpoint << " (Ctrl-C to stop)\n" << std::flush;
            } else if (!connected) {
              err << "scanedgectl watch: reconnected to " << o.pub_endpoint << "\n" << std::flush;
            }
            connected = ever_connected = true;
          } else if (*ev == ZMQ_EVENT_DISCONNECTED && connected) {
            connected = false;
            err << "scanedgectl watch: lost the agent at " << o.pub_endpoint << "; waiting for it to come back\n"
                << std::flush;
          }
        }
      }
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      while (true) {
        std::vector<zmq::message_t> frames;
        zmq::message_t frame;
        if (!sub.recv(frame, zmq::recv_flags::dontwait)) break;
        bool more = frame.more();
        frames.push_back(std::move(frame));
        while (more) {
          zmq::message_t next;
          if (!sub.recv(next, zmq::recv_flags::none)) break;
          more = next.more();
          frames.push_back(std::move(next));
        }
        if (frames.size() != 2) {
          err << "scanedgectl watch: warning: malformed message (" << frames.size()
              << " frame(s), expected topic and JSON body); skipped\n"
              << std::flush;
          continue;
        }
        const std::string topic = frames[0].to_string();
        const auto body = nlohmann::json::parse(frames[1].to_string(), nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
          err << "scanedgectl watch: warning: malformed message on topic \"" << topic << "\": body is not a JSON object ("
              << frames[1].size() << " bytes); skipped\n"
              << std::flush;
          continue;
        }
        auto line = format_watch_line(topic, body);
        if (!line) {
          err << "scanedgectl watch: warning: malformed message on topic \"" << topic << "\": " << line.error().message
              << "; skipped\n"
              << std::flush;
          continue;
        }
        if (o.json) {
          out << safe_dump(nlohmann::json{{"topic", topic}, {"message", body}}) << "\n" << std::flush;
        } else {
          out << local_clock() << "  " << *line << "\n" << std::flush;
        }
        if (o.count && ++shown >= *o.count) return 0;
      }
    }
  } catch (const zmq::error_t& e) {
    err << "scanedgectl watch: " << e.what() << "\n";
    return kExitUnreachable;
  }
  return 0;
}

}  // namespace scanedge::ctl
