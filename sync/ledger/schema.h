// Schema and ordered migrations of the ledger database.
//
// Versioning (same scheme as the device outbox): `schema_migrations(version, applied_at)`
// holds one row per applied migration; the schema version is MAX(version), 0 for a fresh
// file. Migrations are numbered 1, 2, ... and applied in order inside one BEGIN IMMEDIATE
// transaction, so a crash leaves the database at a whole version. A released migration is
// never edited: a change is a new migration appended in schema.cc.
//
// Migration 1 creates:
// - streams(stream_key INTEGER PRIMARY KEY, site, device, stream, last_seq, applied),
//   UNIQUE (site, device, stream): one row per (device, stream) that ever had an event
//   applied; last_seq is the highest seq applied (events 1..last_seq are all present) and
//   `applied` how many events were applied.
// - applied_events(stream_key, seq, id, type, body, applied_at) PRIMARY KEY (stream_key,
//   seq): every event applied, exactly once; `body` is the event's compact JSON as
//   received, `applied_at` the ledger's RFC 3339 UTC time. Keyed by the small integer
//   stream_key rather than the (site, device, stream) strings: smaller rows and index, which
//   measurably speeds up the apply path.
// - applied_events_view: applied_events joined with streams, i.e. the rows as
//   (site, device, stream, seq, id, type, body, applied_at), for support queries.
//
// Migration 2 adds the inventory projection (maintained by inventory_projection.h inside
// the apply transaction): stock (per site, GTIN-14, lot: on_hand, staged,
// returned_uninspected, damaged, disposed, refurbish, shipped, handed_over, written_off;
// lot "" = unknown), reservations (per site, device, task, line: gtin, lot, channel,
// task_type, remaining), task_progress (done per task line), last_consumer (per site,
// GTIN), oversells, projection_skipped and projection_meta. It sets replay_pending, and
// migrate() then projects the events applied before it, in apply order (applied_events
// rowid), in one transaction that clears the flag.
//
// Migration 3 adds streams.shed (telemetry seqs the device declared shed with
// shed_through: counted in last_seq, never applied) and applied_events.applied_by (the
// instance name of the ledger process that applied the event; "" for older rows).
// applied_events' rowid is the apply order (AppliedEvent::apply_order).
//
// The PostgreSQL backend has its own schema with the same tables (pg_ledger_store.h).
//
// Threading: functions here use the given connection only; the caller serialises access.
#pragma once

#include <cstdint>

#include "edge/core/result.h"
#include "edge/storage/migrations.h"
#include "edge/storage/sqlite_db.h"

namespace scanedge::ledger {

// The newest schema version this build knows.
std::int64_t latest_schema_version();

// The schema version recorded in `db` (0: not a ledger database / fresh). Read-only.
using storage::schema_version;

// Brings `db` to latest_schema_version(), then completes a pending projection replay
// (replay_applied_events()). Errors (nothing changed): "schema_too_new" when the file was
// written by a newer build (never downgraded); storage codes from SQLite. The caller must
// not hold a transaction.
Result<std::int64_t> migrate(storage::Database& db);

}  // namespace scanedge::ledger
