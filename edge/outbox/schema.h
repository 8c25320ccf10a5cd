// Schema and ordered migrations of the device outbox database.
//
// Versioning: the table `schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT)`
// holds one row per applied migration; the database's schema version is MAX(version)
// (0 for a fresh file). Migrations are numbered 1, 2, 3, ... and applied in order, each in
// the same BEGIN IMMEDIATE transaction as its schema_migrations row, so a crash mid-way
// leaves the database at a whole version. A migration is never edited once released: a
// schema change is a new migration appended to the list in schema.cc.
//
// Migration 1 creates:
// - events(stream TEXT, seq INTEGER, id TEXT, body TEXT, PRIMARY KEY(stream, seq))
//   WITHOUT ROWID: one b-tree keyed by (stream, seq); `body` is the complete compact JSON
//   event (with "seq" and "stream") exactly as it will be sent. WITHOUT ROWID because the
//   only access paths are by (stream, seq): inserts at the end, ranges for pages, a range
//   delete on ack. Trade-off: with 4 KiB pages a row stores ~1000 bytes inline; a bigger
//   body spills its remainder to an overflow page (typical events are 300-600 bytes).
// - streams(stream TEXT PRIMARY KEY, last_seq, acked_through, depth, bytes): per-stream
//   counters. last_seq is the highest seq ever assigned (never decreases, so seq never
//   restarts even when every event has been acked and deleted); depth and bytes are
//   running totals of the stored events so status calls never scan the events.
// - state(key TEXT PRIMARY KEY, value TEXT): small key/value documents.
// Migration 2 adds to streams:
// - shed_through: the highest seq deleted unsent/unacked because the outbox reached its size
//   cap (telemetry only; 0: never shed). The uplink tells the ledger (batch "shed_through").
// - shed: how many events were shed in all (a running count for status and metrics).
//
// Threading: functions here use the given connection only; the caller serialises access.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "edge/core/result.h"
#include "edge/storage/migrations.h"
#include "edge/storage/sqlite_db.h"

namespace scanedge::outbox {

using storage::Migration;

// All migrations this build knows, ordered by version (1, 2, ...).
std::span<const Migration> migrations();

// The newest schema version this build knows (the last migration's version).
std::int64_t latest_schema_version();

// The schema version recorded in `db` (0 when no migration has been applied). Does not
// modify the database. Errors: "storage" family codes from SQLite.
using storage::schema_version;

// Brings `db` to latest_schema_version(), applying the missing migrations in order inside
// one BEGIN IMMEDIATE transaction. Returns the resulting version.
// Errors (nothing changed in each case):
// - "schema_too_new": the database was written by a newer build (its version is higher
//   than latest_schema_version()); it is never downgraded.
// - "storage", "storage_full", "storage_busy": SQLite failures.
Result<std::int64_t> migrate(storage::Database& db);

}  // namespace scanedge::outbox
