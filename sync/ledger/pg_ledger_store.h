// PgLedgerStore: the PostgreSQL backend of LedgerStore (contract: ledger_store.h), for
// several `scanedge-ledger run` processes sharing one database (sync/ledger/SCALE_OUT.md).
//
// Schema (created by the first open() on an empty database, in one transaction under a
// transaction advisory lock so ledgers starting together do not race; recorded in
// schema_migrations, version pg_schema_version()): the same tables as the SQLite schema v3
// (schema.h) with BIGINT integers, identity keys, and every text column COLLATE "C" (bytewise
// order, as SQLite):
//   streams(stream_key, site, device, stream, last_seq, applied, shed) UNIQUE (site, device,
//     stream): the cursors;
//   applied_events(apply_order identity, stream_key, seq, id, type, body, applied_at,
//     applied_by) PRIMARY KEY (stream_key, seq): through streams' unique (site, device,
//     stream) <-> stream_key, this is the unique key on (site, device, stream, seq);
//   applied_events_view, and the inventory projection's tables (stock, reservations,
//   task_progress, last_consumer, oversells, projection_skipped, projection_meta).
// Tables live in the connection's search_path (add `options=-csearch_path%3Dledger` to the
// URI to use another schema).
//
// apply_all(), one READ COMMITTED transaction:
//   1. every cursor row of the call: SELECT ... FOR UPDATE, in (site, device, stream) order
//      (the row is inserted first when missing; INSERT ... ON CONFLICT DO NOTHING). A second
//      ledger with a batch of the same device waits here until the first one commits, then
//      reads the cursor that commit left;
//   2. one transaction advisory lock per site whose exec events will be applied
//      (pg_advisory_xact_lock(73110, hashtext(site)), ascending): the inventory projection
//      reads then writes per-site rows (oversell check, write-offs), so projections of one
//      site are serialised; cursor locks always come before site locks, so no deadlock;
//   3. inserts, projection, cursor updates (apply_engine.h); COMMIT, then the caller acks.
// A deadlock or serialization failure reported by the server (not expected with the order
// above) is retried up to 3 times; a lock wait over lock_timeout (15 s) fails the call with
// "storage_busy" (no ack: the device resends). A lost connection fails the call with
// "unavailable" and is re-established at the next call.
//
// Read-only open (query, events, export, availability): default_transaction_read_only;
// "not_a_ledger" when the database has no ledger schema, "schema_too_new" when a newer
// build created it. inventory() reads in one REPEATABLE READ READ ONLY transaction.
//
// Threading: one thread at a time (the LedgerService worker), like every LedgerStore.
#pragma once

#include <memory>
#include <string>

#include "sync/ledger/ledger_store.h"

namespace scanedge::ledger {

std::int64_t pg_schema_version();

class PgLedgerStore {
 public:
  // `uri`: a libpq connection URI (postgresql://...) or key=value conninfo. options.path and
  // options.synchronous are ignored (durability is the server's synchronous_commit).
  static Result<std::unique_ptr<LedgerStore>> open(const std::string& uri, const LedgerOptions& options);
  static Result<std::unique_ptr<LedgerStore>> open_read_only(const std::string& uri);
};

}  // namespace scanedge::ledger
