#include "tests/support/edge_stack.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "edge/bus/bus_client.h"

namespace scanedge::testing {

using namespace std::chrono_literals;

std::string EdgeStack::agent_bin() { return SCANEDGED_BIN; }
std::string EdgeStack::ledger_bin() { return LEDGER_BIN; }
std::string EdgeStack::ctl_bin() { return SCANEDGECTL_BIN; }

EdgeStack::EdgeStack(const TempDir& dir, std::string broker_uri, StackOptions options)
    : broker_uri_(std::move(broker_uri)), options_(std::move(options)), dir_(dir.path()) {
  bus_ = "ipc://" + dir.file("bus.sock");
  pub_ = "ipc://" + dir.file("events.sock");
  config_ = dir.file("scanedged.toml");
  ledger_db_ = dir.file("ledger.db");
  agent_log_ = dir.file("agent.log");
  ledger_log_ = dir.file("ledger.log");
  std::ofstream cfg(config_);
  cfg << "[device]\nsite = \"" << options_.site << "\"\nid = \"" << options_.device << "\"\n\n"
      << "[storage]\npath = \"" << dir.file("outbox.db") << "\"\nsynchronous = \"" << options_.synchronous << "\"\n"
      << (options_.max_mb > 0 ? "max_mb = " + std::to_string(options_.max_mb) + "\n" : std::string()) << "\n"
      << "[mqtt]\nuri = \"" << broker_uri_ << "\"\nreconnect_min_ms = 50\nreconnect_max_ms = "
      << options_.reconnect_max_ms << "\nack_timeout_ms = " << options_.ack_timeout_ms
      << "\nbatch_max_events = " << options_.batch_max_events << "\n\n"
      << "[bus]\nendpoint = \"" << bus_ << "\"\npub_endpoint = \"" << pub_ << "\"\n\n"
      << "[log]\nlevel = \"info\"\n";
}

EdgeStack::~EdgeStack() {
  agent_.kill_now();
  ledger_.kill_now();
}

void EdgeStack::start_ledger() {
  ledger_ = Process::spawn({ledger_bin(), "run", "--broker", broker_uri_, "--db", ledger_db_}, ledger_log_);
}

void EdgeStack::kill_ledger() { ledger_.kill_now(); }

bool EdgeStack::wait_ledger_connected(std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        std::ifstream log(ledger_log_);
        std::stringstream ss;
        ss << log.rdbuf();
        return ss.str().find("mqtt: connected to") != std::string::npos;
      },
      timeout, 10ms);
}

void EdgeStack::start_agent() {
  agent_ = Process::spawn({agent_bin(), "--config", config_}, agent_log_);
  bus::BusClient client(bus_);
  const bool up = eventually(
      [&] {
        if (!agent_.running()) return true;
        return static_cast<bool>(client.request({{"v", 1}, {"op", "status"}}, 300ms));
      },
      20s, 50ms);
  if (!up || !agent_.running()) {
    std::ifstream log(agent_log_);
    std::stringstream ss;
    ss << log.rdbuf();
    throw std::runtime_error("scanedged did not come up; log:\n" + ss.str());
  }
}

void EdgeStack::kill_agent() { agent_.kill_now(); }

int EdgeStack::stop_agent() { return agent_.stop(10s); }

nlohmann::json EdgeStack::ledger_query() const {
  auto r = run_capture({ledger_bin(), "query", "--db", ledger_db_}, 20s);
  if (r.status != 0) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

std::int64_t EdgeStack::ledger_last_seq(const std::string& stream) const {
  const auto q = ledger_query();
  for (const auto& d : q.value("devices", nlohmann::json::array())) {
    if (d.value("site", "") == options_.site && d.value("device", "") == options_.device && d.contains("streams") &&
        d["streams"].contains(stream)) {
      return d["streams"][stream].value("last_seq", 0);
    }
  }
  return 0;
}

std::vector<nlohmann::json> EdgeStack::ledger_events(const std::string& stream) const {
  auto r = run_capture({ledger_bin(), "events", "--db", ledger_db_, "--site", options_.site, "--device",
                        options_.device, "--stream", stream},
                       60s);
  std::vector<nlohmann::json> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    // Each line: {"seq","id","type","applied_at","event":{the event as the device sent it}}
    if (!j.is_discarded() && j.contains("event")) out.push_back(std::move(j["event"]));
  }
  return out;
}

}  // namespace scanedge::testing
