// Power loss on the ledger's SQLite store (issue 6, the other end of the sync): the real
// LedgerStore (synchronous=full) applies a busy, deterministic stream of batches from two
// devices on CrashVfs (tests/support/crash_vfs.h, made SQLite's default VFS for the run, as
// LedgerStore opens its file without naming a VFS). A dry run counts the I/O ops; then for
// every op N a fresh run loses power at N (and, for every sync, right after it), the files
// are rewritten to what the disk kept, and the store is reopened on the unix VFS and checked:
// - every cursor is at least where a successful apply() left it (that outcome is what the
//   ledger acks to the device, so it must be durable), and at most where the call in
//   flight at the crash would have left it; an apply_all in flight is all-or-nothing;
// - per (device, stream) the applied events are exactly 1..last_seq, once each, with the
//   bodies sent, and `applied` == last_seq;
// - the inventory projection matches the recovered events exactly (exactly-once with them);
// - a duplicate is still recognised and the next batch applies; integrity_check says ok.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/storage/sqlite_db.h"
#include "sync/ledger/ledger_store.h"
#include "sync/protocol/envelope.h"
#include "tests/support/crash_vfs.h"
#include "tests/unit/outbox/outbox_test_support.h"

namespace scanedge::ledger {
namespace {

using json = nlohmann::json;
using scanedge::testing::CrashVfs;

constexpr int kSteps = 40;
constexpr int kAutoCheckpointPages = 16;
constexpr int kMaxReportedFailures = 3;
constexpr const char* kGtin = "09506000134352";

std::mutex g_connections_mu;
std::vector<sqlite3*> g_new_connections;

int record_connection(sqlite3* db, char** /*err*/, const sqlite3_api_routines* /*api*/) {
  std::lock_guard lock(g_connections_mu);
  g_new_connections.push_back(db);
  return SQLITE_OK;
}

std::vector<sqlite3*> take_new_connections() {
  std::lock_guard lock(g_connections_mu);
  return std::exchange(g_new_connections, {});
}

const std::array<sync::DeviceAddress, 2> kDevices{sync::DeviceAddress{"store-042", "hh-1"},
                                                  sync::DeviceAddress{"store-042", "hh-2"}};

// A cursor: (device, stream), 0..3.
sync::DeviceAddress device_of(int c) { return kDevices[static_cast<std::size_t>(c / 2)]; }
Stream stream_of(int c) { return c % 2 == 0 ? Stream::exec : Stream::telemetry; }
std::string cursor_name(int c) { return device_of(c).device + "/" + std::string(to_string(stream_of(c))); }

// The event a device sends as seq `seq` on cursor `c` (the same bytes on every resend).
json event_of(int c, std::int64_t seq) {
  const Stream s = stream_of(c);
  json ev = {{"id", device_of(c).device + "-" + std::string(to_string(s)) + "-" + std::to_string(seq)},
             {"seq", seq},
             {"stream", std::string(to_string(s))}};
  if (s == Stream::telemetry) {
    ev["type"] = "device.health";
    ev["battery"] = 100 - seq % 50;
  } else if (seq % 4 == 0) {
    ev["type"] = "exception.damage";
    ev["item"] = {{"gtin", kGtin}, {"lot", "L" + std::to_string(seq % 3)}};
    ev["qty"] = 1;
  } else {
    ev["type"] = "receive.confirmed";
    ev["item"] = {{"gtin", kGtin}, {"lot", "L" + std::to_string(seq % 3)}};
    ev["qty"] = 1 + seq % 5;
  }
  ev["pad"] = std::string(static_cast<std::size_t>(50 + (seq * 37) % 300), 'p');
  return ev;
}

sync::Batch batch_of(int c, std::int64_t first, std::int64_t last) {
  sync::Batch b;
  b.address = device_of(c);
  b.stream = stream_of(c);
  for (std::int64_t q = first; q <= last; ++q) {
    const json ev = event_of(c, q);
    b.events.push_back(sync::BatchEvent{q, ev["id"].get<std::string>(), ev["type"].get<std::string>(), ev.dump()});
  }
  return b;
}

struct Expect {
  std::array<std::int64_t, 4> acked{};  // where successful applies left each cursor
  // The call in flight at the crash: cursor -> where it would have left it.
  std::map<int, std::int64_t> in_flight;
};

struct Figures {
  int runs = 0;
  int in_flight_durable = 0;
  int in_flight_lost = 0;
};

std::string describe(const Error& e) { return e.code + ": " + e.message; }

class LedgerPowerLossTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    spdlog::set_level(spdlog::level::err);
    sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(record_connection));
  }
  static void TearDownTestSuite() {
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)(void)>(record_connection));
    (void)take_new_connections();
  }
  void TearDown() override { vfs_.make_default(false); }

  CrashVfs& vfs_ = CrashVfs::install();

  std::vector<std::string> run_workload(const std::string& path, Expect& exp) {
    std::vector<std::string> problems;
    auto first_failure = [&](const Error& e, const std::string& what) {
      if (!vfs_.crashed()) problems.push_back(what + " failed before any power loss: " + describe(e));
    };
    vfs_.make_default(true);
    LedgerOptions o;
    o.path = path;
    o.synchronous = "full";
    o.instance = "ledger-a";
    (void)take_new_connections();
    auto opened = LedgerStore::open(o);
    const std::vector<sqlite3*> conns = take_new_connections();
    if (!opened) {
      first_failure(opened.error(), "open");
      vfs_.make_default(false);
      return problems;
    }
    std::unique_ptr<LedgerStore> store = std::move(*opened);
    for (sqlite3* db : conns) sqlite3_wal_autocheckpoint(db, kAutoCheckpointPages);
    storage::OpenOptions co;
    co.create = false;
    auto checkpointer = storage::Database::open(path, co);  // on CrashVfs too (the default now)
    (void)take_new_connections();
    vfs_.make_default(false);
    if (!checkpointer) {
      problems.push_back("opening the checkpoint connection: " + describe(checkpointer.error()));
      return problems;
    }

    std::mt19937 rng(4242);
    for (int step = 0; step < kSteps; ++step) {
      const int c = static_cast<int>(rng() % 4);
      const std::int64_t cur = exp.acked[static_cast<std::size_t>(c)];
      std::vector<sync::Batch> batches;
      std::map<int, std::int64_t> would;  // cursor -> acked_through if the call commits
      switch (step % 6) {
        case 4:  // a resend overlapping what was applied, plus new events
          batches.push_back(batch_of(c, std::max<std::int64_t>(1, cur - 2), cur + 2));
          would[c] = cur + 2;
          break;
        case 5:  // a gap: nothing applied, the outcome asks for cur+1
          batches.push_back(batch_of(c, cur + 3, cur + 4));
          break;
        case 3: {  // group commit: two devices' batches in one transaction
          const int d = (c + 1 + static_cast<int>(rng() % 3)) % 4;
          const std::int64_t n1 = 1 + static_cast<std::int64_t>(rng() % 4);
          const std::int64_t n2 = 1 + static_cast<std::int64_t>(rng() % 4);
          batches.push_back(batch_of(c, cur + 1, cur + n1));
          batches.push_back(batch_of(d, exp.acked[static_cast<std::size_t>(d)] + 1, exp.acked[static_cast<std::size_t>(d)] + n2));
          would[c] = cur + n1;
          would[d] = exp.acked[static_cast<std::size_t>(d)] + n2;
          break;
        }
        default: {
          const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % 6);
          batches.push_back(batch_of(c, cur + 1, cur + n));
          would[c] = cur + n;
        }
      }
      std::vector<const sync::Batch*> ptrs;
      for (const sync::Batch& b : batches) ptrs.push_back(&b);
      auto r = store->apply_all(ptrs);
      if (!r) {
        first_failure(r.error(), "apply_all at step " + std::to_string(step));
        exp.in_flight = would;
        break;
      }
      for (std::size_t i = 0; i < r->size(); ++i) {
        const sync::Batch& b = batches[i];
        const int bc = (b.address == kDevices[0] ? 0 : 2) + (b.stream == Stream::exec ? 0 : 1);
        const std::int64_t want = would.contains(bc) ? would[bc] : exp.acked[static_cast<std::size_t>(bc)];
        if ((*r)[i].acked_through != want) {
          problems.push_back("step " + std::to_string(step) + ": " + cursor_name(bc) + " acked through " +
                             std::to_string((*r)[i].acked_through) + ", expected " + std::to_string(want));
        }
        exp.acked[static_cast<std::size_t>(bc)] = (*r)[i].acked_through;  // what the ledger acks
      }
      if (step % 8 == 7) {
        static constexpr std::array<const char*, 3> kModes{"PASSIVE", "RESTART", "TRUNCATE"};
        const char* mode = kModes[static_cast<std::size_t>(step / 8) % kModes.size()];
        if (auto s = (*checkpointer)->exec(std::string("PRAGMA wal_checkpoint(") + mode + ")"); !s) {
          first_failure(s.error(), std::string("checkpoint ") + mode);
          break;
        }
      }
    }
    checkpointer->reset();
    store.reset();
    return problems;
  }

  std::vector<std::string> verify(const std::string& path, const Expect& exp, Figures& fig) {
    std::vector<std::string> problems;
    {
      auto db = storage::Database::open(path);
      if (!db) return {"reopening after the power loss: " + describe(db.error())};
      if (auto s = (*db)->exec("PRAGMA synchronous=OFF"); !s) return {describe(s.error())};
      auto st = (*db)->prepare("PRAGMA integrity_check");
      if (!st) return {describe(st.error())};
      std::string result;
      for (;;) {
        auto row = st->step();
        if (!row) return {"integrity_check: " + describe(row.error())};
        if (!*row) break;
        result += std::string(st->column_text(0)) + ";";
      }
      if (result != "ok;") problems.push_back("PRAGMA integrity_check: " + result);
    }
    LedgerOptions o;
    o.path = path;
    o.synchronous = "off";  // checking only
    auto opened = LedgerStore::open(o);
    if (!opened) return {"opening the ledger after the power loss: " + describe(opened.error())};
    LedgerStore& store = **opened;

    std::int64_t on_hand = 0;
    std::int64_t damaged = 0;
    int in_flight_applied = 0;
    for (int c = 0; c < 4; ++c) {
      auto st = store.state(device_of(c), stream_of(c));
      if (!st) return {"state: " + describe(st.error())};
      const std::int64_t acked = exp.acked[static_cast<std::size_t>(c)];
      const auto f = exp.in_flight.find(c);
      if (st->last_seq == acked) {
        // not applied (or the call would not have moved it)
      } else if (f != exp.in_flight.end() && st->last_seq == f->second) {
        ++in_flight_applied;
      } else {
        problems.push_back(cursor_name(c) + ": last_seq " + std::to_string(st->last_seq) + " but the ledger acked " +
                           std::to_string(acked) +
                           (f != exp.in_flight.end() ? " (in flight: " + std::to_string(f->second) + ")" : std::string()));
      }
      if (st->applied != st->last_seq || st->shed != 0) {
        problems.push_back(cursor_name(c) + ": applied " + std::to_string(st->applied) + " of last_seq " +
                           std::to_string(st->last_seq));
      }
      auto evs = store.events(device_of(c), stream_of(c), 0, 1'000'000);
      if (!evs) return {"events: " + describe(evs.error())};
      std::int64_t want = 1;
      for (const AppliedEvent& e : *evs) {
        if (e.seq != want) {
          problems.push_back(cursor_name(c) + ": applied seq " + std::to_string(e.seq) + " where " +
                             std::to_string(want) + " was due");
          want = e.seq;
        }
        ++want;
        const json expected = event_of(c, e.seq);
        if (json::parse(e.body, nullptr, false) != expected || e.id != expected["id"]) {
          problems.push_back(cursor_name(c) + " seq " + std::to_string(e.seq) + ": body differs");
        }
        if (stream_of(c) == Stream::exec) {
          const std::int64_t q = expected["qty"].get<std::int64_t>();
          if (expected["type"] == "receive.confirmed") {
            on_hand += q;
          } else {
            on_hand -= q;
            damaged += q;
          }
        }
      }
      if (want - 1 != st->last_seq) {
        problems.push_back(cursor_name(c) + ": events end at " + std::to_string(want - 1) + ", last_seq " +
                           std::to_string(st->last_seq));
      }
    }
    int in_flight_moving = 0;
    for (const auto& [c, v] : exp.in_flight) in_flight_moving += v != exp.acked[static_cast<std::size_t>(c)] ? 1 : 0;
    if (in_flight_applied != 0 && in_flight_applied != in_flight_moving) {
      problems.push_back("the apply_all in flight is half applied");
    }
    if (in_flight_moving > 0) ++(in_flight_applied > 0 ? fig.in_flight_durable : fig.in_flight_lost);

    // The projection is exactly-once with the events.
    auto inv = store.inventory(InventoryFilter{});
    if (!inv) {
      problems.push_back("inventory: " + describe(inv.error()));
    } else {
      std::int64_t got_on_hand = 0;
      std::int64_t got_damaged = 0;
      for (const ItemStock& it : inv->items) {
        got_on_hand += it.total[0];
        got_damaged += it.total[3];
      }
      if (got_on_hand != on_hand || got_damaged != damaged) {
        problems.push_back("inventory on_hand/damaged " + std::to_string(got_on_hand) + "/" +
                           std::to_string(got_damaged) + " but the applied events say " + std::to_string(on_hand) +
                           "/" + std::to_string(damaged));
      }
    }

    // Life goes on: a resend is a duplicate, the next batch applies.
    auto st = store.state(device_of(0), stream_of(0));
    if (st && st->last_seq > 0) {
      auto dup = store.apply(batch_of(0, 1, st->last_seq));
      if (!dup || dup->duplicates != st->last_seq || dup->applied != 0) problems.push_back("a resend after recovery was not a duplicate");
    }
    if (st) {
      auto next = store.apply(batch_of(0, st->last_seq + 1, st->last_seq + 2));
      if (!next || next->applied != 2 || next->acked_through != st->last_seq + 2) {
        problems.push_back("the next batch after recovery did not apply");
      }
    }
    return problems;
  }

  std::vector<std::string> crash_run(std::uint64_t point, CrashVfs::CrashAt when, Figures& fig) {
    outbox::testing::TempDir dir;
    const std::string path = dir.file("ledger.db");
    vfs_.reset();
    vfs_.arm(point, when);
    Expect exp;
    std::vector<std::string> problems = run_workload(path, exp);
    if (!vfs_.crashed()) problems.push_back("the run ended before its crash point");
    std::string err;
    if (!vfs_.restore(CrashVfs::RestoreOptions{}, nullptr, &err)) {
      problems.push_back(err);
      return problems;
    }
    ++fig.runs;
    for (std::string& p : verify(path, exp, fig)) problems.push_back(std::move(p));
    return problems;
  }
};

TEST_F(LedgerPowerLossTest, AckedBatchesSurviveACrashAtEveryIoOp) {
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t total = 0;
  std::vector<std::uint64_t> syncs;
  std::map<std::string, int> coverage;
  {
    outbox::testing::TempDir dir;
    vfs_.reset();
    vfs_.set_trace(true);
    Expect exp;
    for (const std::string& p : run_workload(dir.file("ledger.db"), exp)) ADD_FAILURE() << "dry run: " << p;
    total = vfs_.ops();
    const std::vector<CrashVfs::Op> trace = vfs_.trace();
    vfs_.set_trace(false);
    vfs_.reset();
    for (std::size_t i = 0; i < trace.size(); ++i) {
      coverage[trace[i].file + " " + to_string(trace[i].kind)] += 1;
      if (trace[i].kind == CrashVfs::OpKind::sync) syncs.push_back(i + 1);
    }
  }
  ASSERT_FALSE(HasFailure());
  std::printf("ledger power loss: the run makes %llu I/O ops:", static_cast<unsigned long long>(total));
  for (const auto& [what, n] : coverage) std::printf(" %s %d;", what.c_str(), n);
  std::printf("\n");

  Figures fig;
  int failures = 0;
  auto check = [&](std::uint64_t point, const std::vector<std::string>& problems, const char* mode) {
    if (problems.empty()) return;
    ++failures;
    std::string all;
    for (const std::string& p : problems) all += "\n  - " + p;
    ADD_FAILURE() << "ledger: power loss at op " << point << " of " << total << " (" << mode << "):" << all;
  };
  for (std::uint64_t point = 1; point <= total && failures < kMaxReportedFailures; ++point) {
    check(point, crash_run(point, CrashVfs::CrashAt::before_op, fig), "unsynced writes discarded");
  }
  for (std::size_t i = 0; i < syncs.size() && failures < kMaxReportedFailures; ++i) {
    check(syncs[i], crash_run(syncs[i], CrashVfs::CrashAt::after_op, fig), "power lost right after the sync");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("ledger power loss: %d recoveries in %.1f s; call in flight durable though it failed: %d, lost: %d\n",
              fig.runs, secs, fig.in_flight_durable, fig.in_flight_lost);
  EXPECT_GT(fig.in_flight_durable, 0);
  EXPECT_GT(fig.in_flight_lost, 0);
}

}  // namespace
}  // namespace scanedge::ledger
