// Disk full, two ways, whole processes (scanedged, scanedge-ledger, mosquitto):
//
// 1. SmallFilesystemFillsUpMidRun (root: mount): the agent's storage directory is a small
//    tmpfs. The ledger is down (a device accumulating a backlog), scans keep coming, and a
//    filler file takes every free byte mid-run. Then the filler is deleted.
// 2. OutboxSizeCapReached (anywhere): storage.max_mb = 1 with the ledger down; the ledger
//    comes back and its acks free the space.
//
// Proven for both: while storage is full no scan is confirmed (each reply is
// "not_confirmed" with the error code storage_full and a message saying why, and
// scanedgectl exits 3 saying so); the agent keeps running and answers; once space returns it
// confirms scans again without a restart; and the ledger ends with exactly seqs 1..N, every
// confirmed scan once with its promised seq and id, and none of the refused scans (a failed
// commit stores nothing and consumes no seq).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "edge/bus/bus_client.h"
#include "tests/e2e/fault_support.h"
#include "tests/support/edge_stack.h"
#include "tests/support/mosquitto.h"
#include "tests/support/text_file.h"

namespace scanedge::testing::faults {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A tmpfs mounted for the test's life (lazy unmount in the destructor).
class TmpfsMount {
 public:
  TmpfsMount(std::string dir, const std::string& size) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    const std::string opts = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
      error_ = std::string("mount -t tmpfs: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes zeros to `path` until the filesystem refuses (ENOSPC); returns the bytes written.
// The end of the ledger's log, for a failure message.
std::string ledger_log_tail(const LedgerProcess& ledger) {
  const std::string text = read_text_file(ledger.log_path());
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

std::int64_t fill(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return -1;
  std::setvbuf(f, nullptr, _IONBF, 0);
  std::vector<char> block(64 * 1024, 0);
  std::int64_t total = 0;
  std::size_t chunk = block.size();
  while (chunk > 0) {  // big blocks first, then smaller, down to single bytes
    const std::size_t n = std::fwrite(block.data(), 1, chunk, f);
    total += static_cast<std::int64_t>(n);
    if (n < chunk) {
      std::clearerr(f);
      chunk /= 2;
    }
  }
  ::fsync(::fileno(f));
  std::fclose(f);
  return total;
}

struct Phases {
  std::size_t full_from = 0;        // records index when storage became full
  std::size_t space_back_from = 0;  // records index when space came back
  Clock::time_point space_back_at;
};

struct ReplyFigures {
  int refused = 0;
  int confirmed_while_full = 0;  // after the first refusal, before space came back
  int settled = 0;               // replies in the last 2 s before space came back
  std::string first_message;
};

// Checks the replies: before storage filled, all confirmed; after, each refusal is
// not_confirmed with the code storage_full and a message. A confirmation while full is not
// wrong in itself (a small group can still fit into a page SQLite holds; the ledger audit
// proves each one was committed), but once the store has been full for a while (the last 2 s
// before space came back) every scan must be refused.
ReplyFigures check_replies(const std::vector<ScanRecord>& recs, const Phases& ph) {
  ReplyFigures f;
  bool seen_refusal = false;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const ScanRecord& r = recs[i];
    EXPECT_NE(r.outcome, "unknown") << "scan " << r.serial << " got no reply";
    EXPECT_NE(r.outcome, "rejected") << "scan " << r.serial;
    if (i < ph.full_from) {
      EXPECT_EQ(r.outcome, "confirmed") << "before storage filled: scan " << r.serial << " " << r.error_code;
      continue;
    }
    if (r.outcome == "not_stored") {
      ++f.refused;
      EXPECT_EQ(r.error_code, "storage_full") << "scan " << r.serial << ": " << r.error_message;
      EXPECT_FALSE(r.error_message.empty()) << "a refusal must say why";
      if (!seen_refusal) f.first_message = r.error_message;
      seen_refusal = true;
    } else if (seen_refusal && i < ph.space_back_from) {
      ++f.confirmed_while_full;
    }
    if (i < ph.space_back_from && r.at >= ph.space_back_at - std::chrono::seconds(2)) {
      ++f.settled;
      EXPECT_EQ(r.outcome, "not_stored") << "scan " << r.serial << " confirmed although storage had been full for seconds";
    }
  }
  EXPECT_GT(f.settled, 0) << "no scan was tried while storage was full";
  return f;
}

// scanedgectl scan while full: exit 3 and the reason on stdout.
void expect_ctl_refusal(const AgentProcess& agent) {
  const std::string bus = agent.bus_endpoint();
  auto r = run_capture({EdgeStack::ctl_bin(), "--bus", bus, "scan", scan_data(kWantedGtin, "CTL0000001")}, 30s);
  EXPECT_EQ(r.status, 3) << "scanedgectl scan while full: " << r.out;
  EXPECT_NE(r.out.find("storage_full"), std::string::npos) << r.out;
  std::cout << "disk full: scanedgectl scan while full exited " << r.status << ":\n" << r.out << std::endl;
}

// Waits until the feed's records from `from` on contain an outcome; returns seconds waited.
std::optional<double> wait_for_outcome(const ScanFeed& feed, std::size_t from, const std::string& outcome,
                                       std::chrono::seconds timeout) {
  const auto t0 = Clock::now();
  const bool ok = eventually(
      [&] {
        for (const auto& r : feed.records_since(from)) {
          if (r.outcome == outcome) return true;
        }
        return false;
      },
      timeout, 50ms);
  if (!ok) return std::nullopt;
  return seconds_since(t0);
}

std::int64_t not_stored_counter(const AgentProcess& agent) {
  auto s = agent.status();
  return s ? (*s)["counters"].value("not_stored", std::int64_t{-1}) : -1;
}

TEST(DiskFull, SmallFilesystemFillsUpMidRun) {
  TempDir dir;
  TmpfsMount store(dir.file("store"), "6m");
  if (!store.mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (" << store.error() << "); OutboxSizeCapReached covers the cap";

  Mosquitto broker;
  broker.start();
  LedgerProcess ledger(dir.file("ledger.db"), dir.file("ledger.log"), broker.uri());
  ledger.start();
  AgentSpec spec;
  spec.mqtt_uri = broker.uri();
  spec.storage_path = dir.file("store/outbox.db");
  AgentProcess agent(dir, spec);
  agent.start();
  const pid_t pid = agent.pid();
  {
    bus::BusClient c(agent.bus_endpoint());
    auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", pick_task("PICK-DISK", 10000000)}}, 10s);
    ASSERT_TRUE(r && r->value("ok", false));
  }

  FeedOptions fo;
  fo.bus_endpoint = agent.bus_endpoint();
  fo.clients = 2;
  fo.rate_per_s = 400;
  ScanFeed feed(fo);
  feed.start();
  std::this_thread::sleep_for(2s);
  // The central site goes away: no acks, the outbox only grows. Then the disk fills.
  ledger.kill();
  std::this_thread::sleep_for(1s);
  Phases ph;
  ph.full_from = feed.size();
  const std::string filler = dir.file("store/filler");
  const std::int64_t filled = fill(filler);
  ASSERT_GT(filled, 0);
  const auto full_at = Clock::now();
  const auto first_refusal_s = wait_for_outcome(feed, ph.full_from, "not_stored", 60s);
  ASSERT_TRUE(first_refusal_s) << "no scan refused within 60 s of the disk filling; log:\n" << agent.log_tail();
  // Full for a while: the agent keeps answering, refuses every scan.
  std::this_thread::sleep_for(4s);
  expect_ctl_refusal(agent);
  EXPECT_TRUE(agent.alive()) << agent.log_tail();
  EXPECT_GT(not_stored_counter(agent), 0);

  // Space returns: scans are confirmed again by the same process.
  ph.space_back_from = feed.size();
  ph.space_back_at = Clock::now();
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  const auto recovered_s = wait_for_outcome(feed, ph.space_back_from, "confirmed", 60s);
  ASSERT_TRUE(recovered_s) << "no scan confirmed within 60 s after space returned; log:\n" << agent.log_tail();
  std::this_thread::sleep_for(2s);
  feed.stop();
  EXPECT_EQ(agent.pid(), pid);
  EXPECT_TRUE(agent.alive());

  const auto records = feed.records();
  const ReplyFigures f = check_replies(records, ph);
  int confirmed_full_before_refusal = 0;
  for (std::size_t i = ph.full_from; i < records.size() && records[i].outcome == "confirmed"; ++i) ++confirmed_full_before_refusal;

  ledger.start();
  auto last = wait_drained(agent, ledger.db(), 120s);
  ASSERT_TRUE(last) << agent.log_tail() << "\nledger log (end):\n" << ledger_log_tail(ledger);
  const Audit audit = audit_ledger(ledger.db(), spec.site, spec.device, *last, records);
  for (const auto& p : audit.problems) ADD_FAILURE() << p;
  std::cout << "disk full (tmpfs 6 MiB): " << records.size() << " scans: " << feed.count("confirmed") << " confirmed, "
            << f.refused << " refused storage_full; filler took " << filled << " bytes; after filling "
            << confirmed_full_before_refusal << " scans still fitted, first refusal after " << *first_refusal_s
            << " s; confirmed between refusals while full: " << f.confirmed_while_full << "; refused in the last 2 s full: "
            << f.settled << "; confirmed again "
            << *recovered_s << " s after the filler was deleted (same pid); full for "
            << std::chrono::duration<double>(Clock::now() - full_at).count() << " s in all\n"
            << "disk full: first refusal message: " << f.first_message << "\n"
            << "disk full: ledger: " << audit.summary() << std::endl;
}

TEST(DiskFull, OutboxSizeCapReached) {
  TempDir dir;
  Mosquitto broker;
  broker.start();
  LedgerProcess ledger(dir.file("ledger.db"), dir.file("ledger.log"), broker.uri());  // down until space must return
  AgentSpec spec;
  spec.mqtt_uri = broker.uri();
  spec.max_mb = 1;
  AgentProcess agent(dir, spec);
  agent.start();
  const pid_t pid = agent.pid();
  {
    bus::BusClient c(agent.bus_endpoint());
    auto r = c.request({{"v", 1}, {"op", "task.put"}, {"task", pick_task("PICK-CAP", 10000000)}}, 10s);
    ASSERT_TRUE(r && r->value("ok", false));
  }
  FeedOptions fo;
  fo.bus_endpoint = agent.bus_endpoint();
  fo.clients = 2;
  fo.rate_per_s = 500;
  ScanFeed feed(fo);
  feed.start();
  Phases ph;  // full_from 0: the cap is reached by this run's own scans
  const auto first_refusal_s = wait_for_outcome(feed, 0, "not_stored", 120s);
  ASSERT_TRUE(first_refusal_s) << "the 1 MiB cap was never reached; log:\n" << agent.log_tail();
  std::size_t confirmed_before_cap = 0;
  for (const auto& r : feed.records()) {
    if (r.outcome != "confirmed") break;
    ++confirmed_before_cap;
  }
  std::this_thread::sleep_for(3s);
  expect_ctl_refusal(agent);
  EXPECT_TRUE(agent.alive());

  // The ledger comes back: its acks delete events, freeing pages under the cap.
  ph.space_back_from = feed.size();
  ph.space_back_at = Clock::now();
  ledger.start();
  const auto recovered_s = wait_for_outcome(feed, ph.space_back_from, "confirmed", 120s);
  ASSERT_TRUE(recovered_s) << "no scan confirmed within 120 s after the ledger's acks; log:\n" << agent.log_tail();
  std::this_thread::sleep_for(2s);
  feed.stop();
  EXPECT_EQ(agent.pid(), pid);

  const auto records = feed.records();
  ph.full_from = confirmed_before_cap;
  const ReplyFigures f = check_replies(records, ph);
  auto last = wait_drained(agent, ledger.db(), 120s);
  ASSERT_TRUE(last) << agent.log_tail() << "\nledger log (end):\n" << ledger_log_tail(ledger);
  const Audit audit = audit_ledger(ledger.db(), spec.site, spec.device, *last, records);
  for (const auto& p : audit.problems) ADD_FAILURE() << p;
  std::cout << "outbox cap (max_mb 1): " << records.size() << " scans: " << confirmed_before_cap
            << " confirmed before the cap, first refusal after " << *first_refusal_s << " s, " << f.refused
            << " refused storage_full (" << f.confirmed_while_full << " confirmed in between while full, " << f.settled
            << " refused in the last 2 s); confirmed again " << *recovered_s << " s after the ledger came back (same pid); "
            << feed.count("confirmed") << " confirmed in all\n"
            << "outbox cap: first refusal message: " << f.first_message << "\n"
            << "outbox cap: ledger: " << audit.summary() << std::endl;
}

}  // namespace
}  // namespace scanedge::testing::faults
