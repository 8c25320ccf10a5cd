#include "tests/e2e/fault_support.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "edge/bus/bus_client.h"
#include "tests/support/edge_stack.h"

namespace scanedge::testing::faults {

using namespace std::chrono_literals;
using nlohmann::json;

std::string scan_data(const std::string& gtin, const std::string& serial) { return "]C101" + gtin + "21" + serial; }

std::string serial_of_raw(const std::string& raw) {
  constexpr std::size_t kPrefix = 5 + 14 + 2;  // "]C101" + GTIN-14 + "21"
  if (raw.size() <= kPrefix || raw.rfind("]C101", 0) != 0 || raw.compare(19, 2, "21") != 0) return {};
  return raw.substr(kPrefix);
}

json pick_task(const std::string& task_id, std::int64_t qty) {
  return {{"task_id", task_id},
          {"version", 1},
          {"type", "pick"},
          {"lines", {{{"line", 1}, {"gtin", kWantedGtin}, {"qty", qty}, {"location", "A-01-01"}}}}};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {  // fields 14 (utime) and 15 (stime)
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

bool pid_alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

namespace {

std::string tail_of(const std::string& path, std::size_t bytes) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

AgentProcess::AgentProcess(const TempDir& dir, AgentSpec spec) : spec_(std::move(spec)) {
  bus_ = "ipc://" + dir.file("bus.sock");
  pub_ = "ipc://" + dir.file("events.sock");
  config_ = dir.file("scanedged.toml");
  log_ = dir.file("agent.log");
  if (spec_.storage_path.empty()) spec_.storage_path = dir.file("outbox.db");
  std::ofstream cfg(config_);
  cfg << "[device]\nsite = \"" << spec_.site << "\"\nid = \"" << spec_.device << "\"\n\n"
      << "[storage]\npath = \"" << spec_.storage_path << "\"\nsynchronous = \"full\"\n"
      << (spec_.max_mb > 0 ? "max_mb = " + std::to_string(spec_.max_mb) + "\n" : std::string()) << "\n"
      << "[mqtt]\nuri = \"" << spec_.mqtt_uri << "\"\nkeepalive_s = " << spec_.keepalive_s
      << "\nreconnect_min_ms = 50\nreconnect_max_ms = " << spec_.reconnect_max_ms
      << "\nack_timeout_ms = " << spec_.ack_timeout_ms << "\n\n"
      << "[bus]\nendpoint = \"" << bus_ << "\"\npub_endpoint = \"" << pub_ << "\"\n\n"
      << "[profiles]\nautodetect = false\n\n"
      << "[log]\nlevel = \"info\"\n";
}

void AgentProcess::start() {
  std::vector<std::string> argv;
  if (!spec_.netns.empty()) argv = {"ip", "netns", "exec", spec_.netns};
  argv.push_back(EdgeStack::agent_bin());
  argv.push_back("--config");
  argv.push_back(config_);
  proc_ = Process::spawn(argv, log_);
  bus::BusClient client(bus_);
  const bool up = eventually(
      [&] {
        if (!proc_.running()) return true;
        return static_cast<bool>(client.request({{"v", 1}, {"op", "status"}}, 300ms));
      },
      30s, 50ms);
  if (!up || !proc_.running()) {
    throw std::runtime_error("scanedged did not come up; log tail:\n" + log_tail());
  }
}

void AgentProcess::kill() { proc_.kill_now(); }

bool AgentProcess::alive() const { return pid_alive(proc_.pid()); }

std::optional<json> AgentProcess::status(std::chrono::milliseconds timeout) const {
  bus::BusClient client(bus_);
  auto r = client.request({{"v", 1}, {"op", "status"}}, timeout);
  if (!r || !r->value("ok", false)) return std::nullopt;
  return *r;
}

std::string AgentProcess::log_tail(std::size_t bytes) const { return tail_of(log_, bytes); }

LedgerProcess::LedgerProcess(std::string db, std::string log, std::string broker_uri)
    : db_(std::move(db)), log_(std::move(log)), broker_(std::move(broker_uri)) {}

void LedgerProcess::start() {
  proc_ = Process::spawn({EdgeStack::ledger_bin(), "run", "--broker", broker_, "--db", db_}, log_);
}

void LedgerProcess::kill() { proc_.kill_now(); }

bool LedgerProcess::alive() const { return pid_alive(proc_.pid()); }

// ---------------------------------------------------------------------------------------------

ScanFeed::ScanFeed(FeedOptions options) : o_(std::move(options)) {}

ScanFeed::~ScanFeed() { stop(); }

void ScanFeed::start() {
  t0_ = std::chrono::steady_clock::now();
  for (int c = 0; c < o_.clients; ++c) threads_.emplace_back([this, c] { run(c); });
}

void ScanFeed::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void ScanFeed::wait() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

int ScanFeed::count(const std::string& outcome) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(outcome);
  return it == counts_.end() ? 0 : it->second;
}

std::vector<ScanRecord> ScanFeed::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

std::vector<ScanRecord> ScanFeed::records_since(std::size_t from) const {
  std::lock_guard lock(mu_);
  if (from >= records_.size()) return {};
  return {records_.begin() + static_cast<std::ptrdiff_t>(from), records_.end()};
}

std::size_t ScanFeed::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

void ScanFeed::run(int client) {
  bus::BusClient bus(o_.bus_endpoint);
  while (!stop_) {
    const int i = next_++;
    if (o_.limit > 0 && i >= o_.limit) return;
    if (o_.rate_per_s > 0) {
      const auto due = t0_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(i / o_.rate_per_s));
      while (!stop_ && std::chrono::steady_clock::now() < due) std::this_thread::sleep_for(2ms);
      if (stop_) return;
    }
    ScanRecord s;
    char serial[32];
    std::snprintf(serial, sizeof serial, "%s%07d", o_.serial_prefix.c_str(), i);
    s.serial = serial;
    s.wanted = !(o_.other_every > 0 && i % o_.other_every == o_.other_every - 1);
    auto r = bus.request({{"v", 1},
                          {"op", "scan.inject"},
                          {"data", scan_data(s.wanted ? kWantedGtin : kOtherGtin, s.serial)},
                          {"scanner", "feed" + std::to_string(client)}},
                         o_.timeout);
    s.at = std::chrono::steady_clock::now();
    if (!r) {
      s.outcome = "unknown";
      std::this_thread::sleep_for(20ms);
    } else {
      const std::string d = r->value("decision", "");
      if (d == "confirmed" || d == "rejected") {
        s.outcome = d;
        s.stream = r->value("stream", "");
        s.seq = r->value("seq", std::int64_t{0});
        s.id = r->value("id", "");
      } else {
        s.outcome = "not_stored";
        if (r->contains("error") && (*r)["error"].is_object()) {
          s.error_code = (*r)["error"].value("code", "");
          s.error_message = (*r)["error"].value("message", "");
        }
        if (d != "not_confirmed") s.error_code += " (decision \"" + d + "\")";
      }
    }
    ++attempted_;
    std::lock_guard lock(mu_);
    ++counts_[s.outcome];
    records_.push_back(std::move(s));
  }
}

// ---------------------------------------------------------------------------------------------

bool load_pick_tasks(const AgentProcess& agent, const std::string& prefix, int count, std::int64_t qty) {
  bus::BusClient c(agent.bus_endpoint());
  for (int i = 0; i < count; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "%s-%05d", prefix.c_str(), i);
    auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", pick_task(id, qty)}}, 10s);
    if (!r || !r->value("ok", false)) return false;
  }
  return true;
}

std::int64_t ledger_last_seq(const std::string& ledger_db, const std::string& site, const std::string& device,
                             const std::string& stream) {
  auto r = run_capture({EdgeStack::ledger_bin(), "query", "--db", ledger_db}, 20s);
  if (r.status != 0) return 0;
  auto q = json::parse(r.out, nullptr, false);
  if (q.is_discarded()) return 0;
  for (const auto& d : q.value("devices", json::array())) {
    if (d.value("site", "") == site && d.value("device", "") == device && d.contains("streams") &&
        d["streams"].contains(stream)) {
      return d["streams"][stream].value("last_seq", std::int64_t{0});
    }
  }
  return 0;
}

std::optional<std::map<std::string, std::int64_t>> wait_drained(const AgentProcess& agent, const std::string& ledger_db,
                                                                 std::chrono::milliseconds timeout) {
  std::map<std::string, std::int64_t> last;
  const bool ok = eventually(
      [&] {
        auto s = agent.status();
        if (!s) return false;
        for (const char* stream : {"exec", "telemetry"}) {
          const auto& o = (*s)["outbox"][stream];
          if (o.value("depth", std::int64_t{-1}) != 0) return false;
          last[stream] = o.value("last_seq", std::int64_t{-1});
          if (ledger_last_seq(ledger_db, agent.spec().site, agent.spec().device, stream) != last[stream]) return false;
        }
        return true;
      },
      timeout, 500ms);
  if (!ok) return std::nullopt;
  return last;
}

std::string Audit::summary() const {
  std::ostringstream o;
  for (const auto& [name, s] : streams) o << name << " 1.." << s.ledger_events << " (device last " << s.device_last_seq << "); ";
  o << tasks_received << " task.received, " << confirmed_checked << " confirmed and " << rejected_checked << " rejected scans found with their promised seq and id; "
    << unknown_in_ledger << " scans whose reply was lost are in the ledger";
  return o.str();
}

Audit audit_ledger(const std::string& ledger_db, const std::string& site, const std::string& device,
                   const std::map<std::string, std::int64_t>& device_last_seq, const std::vector<ScanRecord>& scans,
                   int tasks_loaded) {
  Audit a;
  std::size_t more = 0;
  auto problem = [&](const std::string& p) {
    if (a.problems.size() < 30) {
      a.problems.push_back(p);
    } else {
      ++more;
    }
  };
  struct Where {
    std::string stream;
    std::int64_t seq;
    std::string id;
  };
  std::map<std::string, Where> by_serial;
  std::set<std::string> ids;
  for (const char* stream : {"exec", "telemetry"}) {
    auto r = run_capture({EdgeStack::ledger_bin(), "events", "--db", ledger_db, "--site", site, "--device", device,
                          "--stream", stream},
                         120s);
    if (r.status != 0) {
      problem(std::string("scanedge-ledger events --stream ") + stream + " exited " + std::to_string(r.status));
      continue;
    }
    std::istringstream in(r.out);
    std::string line;
    std::int64_t n = 0;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("event")) {
        problem(std::string(stream) + ": unreadable ledger line " + line.substr(0, 200));
        continue;
      }
      ++n;
      const std::int64_t seq = j.value("seq", std::int64_t{0});
      const std::string id = j.value("id", "");
      const std::string type = j.value("type", "");
      const json& ev = j["event"];
      if (seq != n) problem(std::string(stream) + ": ledger seq " + std::to_string(seq) + " at position " + std::to_string(n) + " (gap, reorder or duplicate)");
      if (ev.value("seq", std::int64_t{0}) != seq || ev.value("id", "") != id) {
        problem(std::string(stream) + " seq " + std::to_string(seq) + ": event body does not match its ledger row");
      }
      if (!ids.insert(id).second) problem("event id applied twice: " + id);
      if (std::string(stream) == "exec" && type == "task.received") {  // a task the test loaded
        ++a.tasks_received;
        continue;
      }
      const std::string want_type = std::string(stream) == "exec" ? "pick.confirmed" : "scan.rejected";
      if (type != want_type) problem(std::string(stream) + " seq " + std::to_string(seq) + " is " + type);
      std::string raw;
      if (ev.contains("scan") && ev["scan"].is_object()) raw = ev["scan"].value("raw", "");
      const std::string serial = serial_of_raw(raw);
      if (serial.empty()) {
        problem(std::string(stream) + " seq " + std::to_string(seq) + ": no scan serial in raw \"" + raw + "\"");
        continue;
      }
      if (!by_serial.emplace(serial, Where{stream, seq, id}).second) problem("scan " + serial + " applied twice");
    }
    auto& s = a.streams[stream];
    s.ledger_events = n;
    auto it = device_last_seq.find(stream);
    s.device_last_seq = it == device_last_seq.end() ? -1 : it->second;
    if (it != device_last_seq.end() && n != it->second) {
      problem(std::string(stream) + ": ledger holds " + std::to_string(n) + " events, the device's last seq is " +
              std::to_string(it->second));
    }
  }
  std::set<std::string> known;
  for (const ScanRecord& s : scans) {
    known.insert(s.serial);
    const auto it = by_serial.find(s.serial);
    if (s.outcome == "confirmed" || s.outcome == "rejected") {
      const std::string stream = s.outcome == "confirmed" ? "exec" : "telemetry";
      if (it == by_serial.end()) {
        problem(s.outcome + " scan missing from the ledger: " + s.serial + " (" + stream + " seq " + std::to_string(s.seq) + ")");
        continue;
      }
      if (it->second.stream != stream || it->second.seq != s.seq || it->second.id != s.id || s.stream != stream) {
        problem("scan " + s.serial + ": reply promised " + s.stream + " seq " + std::to_string(s.seq) + " id " + s.id +
                ", ledger has " + it->second.stream + " seq " + std::to_string(it->second.seq) + " id " + it->second.id);
      }
      (s.outcome == "confirmed" ? a.confirmed_checked : a.rejected_checked) += 1;
    } else if (s.outcome == "not_stored") {
      if (it != by_serial.end()) {
        problem("scan " + s.serial + " was answered not stored (" + s.error_code + ") but the ledger has it at " +
                it->second.stream + " seq " + std::to_string(it->second.seq));
      }
    } else if (it != by_serial.end()) {
      ++a.unknown_in_ledger;
    }
  }
  for (const auto& [serial, w] : by_serial) {
    if (known.count(serial) == 0) problem("ledger holds a scan nobody injected: " + serial);
  }
  if (a.tasks_received != tasks_loaded) {
    problem("the ledger holds " + std::to_string(a.tasks_received) + " task.received events, the test loaded " +
            std::to_string(tasks_loaded) + " tasks");
  }
  if (more > 0) a.problems.push_back("... and " + std::to_string(more) + " more problems");
  return a;
}

}  // namespace scanedge::testing::faults
