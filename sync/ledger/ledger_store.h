// LedgerStore: the central ledger's database of applied events, as an interface with two
// backends: SQLite (sqlite_ledger_store.cc; one writer process) and PostgreSQL
// (pg_ledger_store.h; several ledger processes sharing one database). Both run the same
// apply rules (apply_engine.h) and the same inventory projection (inventory_projection.h
// over the SqlSession seam), and pass the same contract tests
// (tests/unit/sync/ledger/ledger_store_contract_test.cc).
//
// Exactly-once, in order (architecture invariant 4): for each (site, device, stream) the
// store keeps a cursor: last_seq, the highest seq applied; events 1..last_seq are all
// applied (or, on telemetry, shed by the device), each exactly once. apply() of a batch, in
// ONE transaction:
//   seq <= last_seq      duplicate: counted, not applied again;
//   seq == last_seq + 1  applied (row inserted, last_seq and the applied count advanced);
//   seq >  last_seq + 1  gap: this event and the rest of the batch are not applied, and the
//                        outcome carries expect = last_seq + 1 (the device resends from it).
// shed_through K (telemetry batches only; sync/protocol/envelope.h): when K >= last_seq + 1,
// seqs last_seq+1..K will never come (the device shed them at its outbox cap): last_seq
// becomes K and K - last_seq is added to the cursor's `shed` count (and the outcome's), then
// the batch's events are applied by the rules above. K <= last_seq changes nothing. Never
// applied to exec (the decoder refuses it; the store ignores it there too).
// Durability: a successful apply() has been committed durably (SQLite: WAL, synchronous
// FULL by default; PostgreSQL: COMMIT with the server's synchronous_commit) BEFORE the
// caller acks. A batch that changes nothing (all duplicates, or a gap first) commits
// nothing. On any error nothing of the call is stored.
// Several writers: the cursor row of every (site, device, stream) of the call is read
// inside the write transaction and, on PostgreSQL, locked (SELECT ... FOR UPDATE, in a fixed
// order so two ledgers never deadlock on cursors); the events table has a unique key on
// (site, device, stream, seq). A second ledger applying the same batch waits for the first
// one's commit, then sees those events as duplicates.
//
// Inventory: every newly applied event (never a duplicate) is also projected into the
// inventory tables (inventory_projection.h) in the SAME transaction, so stock, reservations
// and oversells are exactly-once with the events. An event the projection cannot use (bad or
// missing fields) is still applied and acked: it is counted in ApplyOutcome::unprojected,
// recorded in projection_skipped and logged as a warning (at most 20 per call).
// inventory() reads the projection (availability_report.h).
//
// Errors: open(): "bad_option" (synchronous, an unusable PostgreSQL URI), "schema_too_new",
// "not_found" (open_read_only of a missing file), "not_a_ledger" (read-only open of a
// database without the ledger schema), "unavailable" (PostgreSQL cannot be reached),
// storage codes. apply(): storage codes ("storage", "storage_full", "storage_busy",
// "unavailable"; PostgreSQL reconnects at the next call). inventory(): "schema_too_old" for
// a read-only SQLite v1 file, "projection_pending", storage codes.
//
// Threading: one LedgerStore must be used by one thread at a time (the LedgerService's
// worker). Other processes may read while one writes. SQLite: two writers on one file are
// safe but serialise on SQLite's lock. PostgreSQL: any number of writer processes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/clock.h"
#include "edge/core/result.h"
#include "edge/core/stream.h"
#include "sync/ledger/availability_report.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

struct LedgerOptions {
  std::string path;                  // SQLite file, created with its schema when missing (read-write open)
  std::string synchronous = "full";  // off | normal | full | extra (SQLite only)
  const Clock* clock = nullptr;      // for applied_at; nullptr: the system clock
  std::string instance;              // recorded as applied_by on every event this store applies
};

struct ApplyOutcome {
  std::int64_t acked_through = 0;      // last_seq after the batch
  std::optional<std::int64_t> expect;  // set (= acked_through + 1) when a gap was seen
  std::int64_t applied = 0;            // events applied by this batch
  std::int64_t duplicates = 0;         // events already applied before
  std::int64_t unprojected = 0;        // applied events the inventory projection skipped (bad fields)
  std::int64_t shed = 0;               // seqs this batch's shed_through declared never coming
};

struct StreamState {
  sync::DeviceAddress address;
  Stream stream = Stream::exec;
  std::int64_t last_seq = 0;
  std::int64_t applied = 0;
  std::int64_t shed = 0;  // telemetry seqs the device shed (counted in last_seq, never applied)
};

struct AppliedEvent {
  std::int64_t seq = 0;
  std::string id;
  std::string type;
  std::string body;         // compact JSON as received
  std::string applied_at;   // RFC 3339 UTC
  std::int64_t apply_order = 0;  // increases with every event applied to the database (any device)
  std::string applied_by;   // LedgerOptions::instance of the ledger that applied it ("" before v3)
};

class LedgerStore {
 public:
  // SQLite, read-write: creates the file and schema when missing, migrates an older schema.
  static Result<std::unique_ptr<LedgerStore>> open(const LedgerOptions& options);
  // SQLite, read-only, for queries: the file must exist and hold a ledger schema.
  static Result<std::unique_ptr<LedgerStore>> open_read_only(const std::string& path);

  virtual ~LedgerStore() = default;

  Result<ApplyOutcome> apply(const sync::Batch& batch);
  // Group commit: applies the batches in order in ONE transaction (one commit); each batch
  // sees the effect of the ones before it. One outcome per batch, in order.
  virtual Result<std::vector<ApplyOutcome>> apply_all(std::span<const sync::Batch* const> batches) = 0;

  // State of one (device, stream); last_seq 0 / applied 0 when never seen.
  virtual Result<StreamState> state(const sync::DeviceAddress& address, Stream stream) = 0;
  // Every (device, stream) with an applied (or shed) event, ordered by site, device, stream
  // (bytewise).
  virtual Result<std::vector<StreamState>> states() = 0;
  // Applied events with seq > after_seq in seq order, at most `limit`.
  virtual Result<std::vector<AppliedEvent>> events(const sync::DeviceAddress& address, Stream stream,
                                                   std::int64_t after_seq, std::size_t limit) = 0;
  // The inventory projection (one read transaction), filtered by site and/or GTIN-14.
  virtual Result<InventorySnapshot> inventory(const InventoryFilter& filter) = 0;
  // Projection problems recorded for skipped events of a device, as (stream, seq, problem),
  // ordered by stream and seq.
  struct Skipped {
    std::string stream;
    std::int64_t seq = 0;
    std::string problem;
  };
  virtual Result<std::vector<Skipped>> projection_skipped(const sync::DeviceAddress& address) = 0;

  // SQLite: the file path; PostgreSQL: the URI / conninfo with the password redacted.
  virtual const std::string& path() const = 0;
  virtual std::string_view backend() const = 0;  // "sqlite" | "postgresql"

 protected:
  LedgerStore() = default;
  LedgerStore(const LedgerStore&) = delete;
  LedgerStore& operator=(const LedgerStore&) = delete;
};

// Where a ledger lives, as given on the command line (--db): a "postgresql://" or
// "postgres://" URI selects PostgreSQL; anything else is a SQLite file path.
bool is_postgres_location(std::string_view location);

// Opens a ledger by location. Read-write: SQLite as LedgerStore::open (options.path is
// replaced by `location`); PostgreSQL creates the schema when missing (one transaction under
// an advisory lock, so ledgers starting together do not race). Read-only: SQLite as
// open_read_only; PostgreSQL refuses writes (default_transaction_read_only) and a database
// without the ledger schema ("not_a_ledger").
Result<std::unique_ptr<LedgerStore>> open_ledger(const std::string& location, LedgerOptions options = {});
Result<std::unique_ptr<LedgerStore>> open_ledger_read_only(const std::string& location);

}  // namespace scanedge::ledger
