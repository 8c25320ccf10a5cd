// Fixtures of the fault tests (chaos, network faults, disk full): whole processes started
// with configurations the tests choose (another network namespace, another storage
// directory, a short keepalive), a scan feed recording every bus reply, and the ledger audit
// that states the promise: per device and stream the ledger holds exactly seqs 1..N, each
// once, and every scan whose reply said it was stored is there with the seq and id the reply
// promised, while no scan refused as "not stored" ever reaches it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace scanedge::testing::faults {

inline constexpr const char* kWantedGtin = "09506000134352";  // on the pick task: pick.confirmed (exec)
inline constexpr const char* kOtherGtin = "04006381333931";   // not on it: scan.rejected wrong_item (telemetry)

// "]C101" + GTIN + "21" + serial.
std::string scan_data(const std::string& gtin, const std::string& serial);
// The serial of a scan the feed made ("" when `raw` is not one).
std::string serial_of_raw(const std::string& raw);
// A pick task wanting `qty` of kWantedGtin.
nlohmann::json pick_task(const std::string& task_id, std::int64_t qty);

struct AgentSpec {
  std::string site = "site-1";
  std::string device = "dev-1";
  std::string storage_path;  // default: <dir>/outbox.db
  std::string mqtt_uri;
  std::string netns;  // run the agent inside this network namespace (ip netns exec)
  int keepalive_s = 30;
  int ack_timeout_ms = 2000;
  int reconnect_max_ms = 1000;
  int max_mb = 0;  // 0: the agent's default
};

// scanedged with a configuration written by the test.
class AgentProcess {
 public:
  AgentProcess(const TempDir& dir, AgentSpec spec);
  void start();  // returns once the agent answers on its bus; throws with the log otherwise
  void kill();   // SIGKILL
  bool alive() const;  // running and not a zombie
  pid_t pid() const { return proc_.pid(); }
  std::optional<nlohmann::json> status(std::chrono::milliseconds timeout = std::chrono::seconds(3)) const;
  const std::string& bus_endpoint() const { return bus_; }
  const std::string& pub_endpoint() const { return pub_; }
  const std::string& log_path() const { return log_; }
  const std::string& config_path() const { return config_; }
  const AgentSpec& spec() const { return spec_; }
  std::string log_tail(std::size_t bytes = 4000) const;

 private:
  AgentSpec spec_;
  std::string bus_, pub_, config_, log_;
  Process proc_;
};

// scanedge-ledger run.
class LedgerProcess {
 public:
  LedgerProcess(std::string db, std::string log, std::string broker_uri);
  void start();
  void kill();
  bool alive() const;
  pid_t pid() const { return proc_.pid(); }
  const std::string& db() const { return db_; }
  const std::string& log_path() const { return log_; }

 private:
  std::string db_, log_, broker_;
  Process proc_;
};

// True when `pid` exists and is not a zombie (a child that died by itself shows as one until
// it is reaped).
bool pid_alive(pid_t pid);

struct ScanRecord {
  std::string serial;
  bool wanted = true;    // kWantedGtin (exec) or kOtherGtin (telemetry)
  std::string outcome;   // confirmed, rejected, not_stored, unknown (no reply: agent killed)
  std::string stream;
  std::int64_t seq = 0;
  std::string id;
  std::string error_code;  // not_stored: the reply's error.code
  std::string error_message;
  std::chrono::steady_clock::time_point at;
};

struct FeedOptions {
  std::string bus_endpoint;
  int clients = 4;
  int limit = 0;                // stop after this many scans (0: until stop())
  double rate_per_s = 0;        // total rate over all clients (0: as fast as replies come)
  int other_every = 0;          // every Nth scan is kOtherGtin (0: never)
  std::string serial_prefix = "S";
  std::chrono::milliseconds timeout{2000};
};

// Software scanners injecting scans on the bus from their own threads.
class ScanFeed {
 public:
  explicit ScanFeed(FeedOptions options);
  ~ScanFeed();
  void start();
  void stop();   // waits for the threads
  void cancel() { stop_ = true; }  // asks the threads to stop (any thread); wait() joins them
  void wait();   // until `limit` scans were attempted
  int attempted() const { return attempted_.load(); }
  int count(const std::string& outcome) const;
  std::vector<ScanRecord> records() const;
  // The records from index `from` on (records are in reply order).
  std::vector<ScanRecord> records_since(std::size_t from) const;
  std::size_t size() const;

 private:
  void run(int client);
  FeedOptions o_;
  std::atomic<int> next_{0};
  std::atomic<int> attempted_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ScanRecord> records_;
  std::map<std::string, int> counts_;
  std::vector<std::thread> threads_;
  std::chrono::steady_clock::time_point t0_;
};

struct StreamAudit {
  std::int64_t ledger_events = 0;
  std::int64_t device_last_seq = 0;
};

struct Audit {
  std::vector<std::string> problems;  // empty: the promise held
  std::map<std::string, StreamAudit> streams;
  int confirmed_checked = 0;
  int rejected_checked = 0;
  int unknown_in_ledger = 0;  // reply lost (agent killed) but stored: allowed
  int tasks_received = 0;
  std::string summary() const;
};

// Reads the ledger (scanedge-ledger events, read-only) and checks, per stream of
// (site, device): seqs exactly 1..N with N the device's last seq, each id and each scan
// serial once; exec holds `tasks_loaded` task.received events and otherwise pick.confirmed,
// telemetry scan.rejected; every confirmed (exec) and rejected (telemetry) scan present with
// its promised seq and id; no not_stored scan present, no scan nobody injected.
Audit audit_ledger(const std::string& ledger_db, const std::string& site, const std::string& device,
                   const std::map<std::string, std::int64_t>& device_last_seq, const std::vector<ScanRecord>& scans,
                   int tasks_loaded = 1);

// Loads `count` pick tasks "<prefix>-00000".. wanting `qty` of kWantedGtin each (task.put).
// Scans go to the first task that can take them, so a run walks through them in order.
bool load_pick_tasks(const AgentProcess& agent, const std::string& prefix, int count, std::int64_t qty);

// Waits until the agent's outbox is empty on both streams and the ledger's last seqs equal
// the device's. Returns the device's last seqs, or nullopt on timeout.
std::optional<std::map<std::string, std::int64_t>> wait_drained(const AgentProcess& agent, const std::string& ledger_db,
                                                                 std::chrono::milliseconds timeout);

// `scanedge-ledger query` last_seq of (site, device, stream); 0 when absent.
std::int64_t ledger_last_seq(const std::string& ledger_db, const std::string& site, const std::string& device,
                             const std::string& stream);

// CPU time (user + system) the process has used so far, seconds; -1 when unknown.
double cpu_seconds(pid_t pid);

double seconds_since(std::chrono::steady_clock::time_point t);

}  // namespace scanedge::testing::faults
