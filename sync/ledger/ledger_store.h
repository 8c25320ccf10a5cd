// LedgerStore: the central ledger's database of applied events (SQLite, schema.h).
//
// Exactly-once, in order (architecture invariant 4): for each (site, device, stream) the
// store keeps last_seq, the highest seq applied; events 1..last_seq are all applied, each
// exactly once. apply() of a batch, in ONE transaction:
//   seq <= last_seq      duplicate: counted, not applied again;
//   seq == last_seq + 1  applied (row inserted, last_seq and the applied count advanced);
//   seq >  last_seq + 1  gap: this event and the rest of the batch are not applied, and the
//                        outcome carries expect = last_seq + 1 (the device resends from it).
// Durability: WAL with `synchronous` FULL by default, so a successful apply() has been
// fsynced BEFORE the caller acks (the device deletes what the ack covers). A batch that
// changes nothing (all duplicates, or a gap first) commits nothing and costs no fsync.
// On any error nothing of the call is stored.
//
// Inventory: every newly applied event (never a duplicate) is also projected into the
// inventory tables (inventory_projection.h) in the SAME transaction, so stock, reservations
// and oversells are exactly-once with the events. An event the projection cannot use (bad or
// missing fields) is still applied and acked: it is counted in ApplyOutcome::unprojected,
// recorded in projection_skipped and logged as a warning (at most 20 per call).
// inventory() reads the projection (availability_report.h).
//
// Errors: open(): "bad_option" (synchronous), "schema_too_new", "not_found" (open_read_only
// of a missing file), "not_a_ledger" (read-only open of a file without the ledger schema),
// storage codes. apply(): storage codes ("storage", "storage_full", "storage_busy").
// inventory(): read_inventory()'s codes ("schema_too_old" for a read-only v1 file, ...).
//
// Threading: one LedgerStore must be used by one thread at a time (the LedgerService's
// worker). Several processes may read the file (e.g. `scanedge-ledger query`) while one
// writes; two writers on one file are safe (state is read inside the write transaction)
// but serialise on SQLite's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edge/core/clock.h"
#include "edge/core/result.h"
#include "edge/core/stream.h"
#include "edge/storage/sqlite_db.h"
#include "sync/ledger/availability_report.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

struct LedgerOptions {
  std::string path;                  // created with its schema when missing (read-write open)
  std::string synchronous = "full";  // off | normal | full | extra
  const Clock* clock = nullptr;      // for applied_at; nullptr: the system clock
};

struct ApplyOutcome {
  std::int64_t acked_through = 0;      // last_seq after the batch
  std::optional<std::int64_t> expect;  // set (= acked_through + 1) when a gap was seen
  std::int64_t applied = 0;            // events applied by this batch
  std::int64_t duplicates = 0;         // events already applied before
  std::int64_t unprojected = 0;        // applied events the inventory projection skipped (bad fields)
};

struct StreamState {
  sync::DeviceAddress address;
  Stream stream = Stream::exec;
  std::int64_t last_seq = 0;
  std::int64_t applied = 0;
};

struct AppliedEvent {
  std::int64_t seq = 0;
  std::string id;
  std::string type;
  std::string body;        // compact JSON as received
  std::string applied_at;  // RFC 3339 UTC
};

class LedgerStore {
 public:
  // Read-write: creates the file and schema when missing, migrates an older schema.
  static Result<std::unique_ptr<LedgerStore>> open(const LedgerOptions& options);
  // Read-only, for queries: the file must exist and hold a ledger schema; never modified.
  static Result<std::unique_ptr<LedgerStore>> open_read_only(const std::string& path);
  ~LedgerStore();
  LedgerStore(const LedgerStore&) = delete;
  LedgerStore& operator=(const LedgerStore&) = delete;

  Result<ApplyOutcome> apply(const sync::Batch& batch);
  // Group commit: applies the batches in order in ONE transaction (one fsync); each batch
  // sees the effect of the ones before it. One outcome per batch, in order.
  Result<std::vector<ApplyOutcome>> apply_all(std::span<const sync::Batch* const> batches);

  // State of one (device, stream); last_seq 0 / applied 0 when never seen.
  Result<StreamState> state(const sync::DeviceAddress& address, Stream stream);
  // Every (device, stream) seen, ordered by site, device, stream.
  Result<std::vector<StreamState>> states();
  // Applied events with seq > after_seq in seq order, at most `limit`.
  Result<std::vector<AppliedEvent>> events(const sync::DeviceAddress& address, Stream stream, std::int64_t after_seq,
                                           std::size_t limit);

  // The inventory projection (one read transaction), filtered by site and/or GTIN-14.
  Result<InventorySnapshot> inventory(const InventoryFilter& filter);

  const std::string& path() const;

 private:
  struct Impl;
  explicit LedgerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scanedge::ledger
