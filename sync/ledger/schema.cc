#include "sync/ledger/schema.h"

#include <array>
#include <string>
#include <string_view>

#include "edge/storage/migrations.h"
#include "sync/ledger/inventory_projection.h"

namespace scanedge::ledger {

namespace {

using storage::Migration;

constexpr std::array<Migration, 3> kMigrations{{
    {1, "per-(site, device, stream) state, applied events keyed by (stream_key, seq), a joined view",
     "CREATE TABLE streams ("
     " stream_key INTEGER PRIMARY KEY,"
     " site TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " stream TEXT NOT NULL,"
     " last_seq INTEGER NOT NULL DEFAULT 0,"
     " applied INTEGER NOT NULL DEFAULT 0,"
     " UNIQUE (site, device, stream)"
     ");"
     "CREATE TABLE applied_events ("
     " stream_key INTEGER NOT NULL REFERENCES streams(stream_key),"
     " seq INTEGER NOT NULL,"
     " id TEXT NOT NULL,"
     " type TEXT NOT NULL,"
     " body TEXT NOT NULL,"
     " applied_at TEXT NOT NULL,"
     " PRIMARY KEY (stream_key, seq)"
     ");"
     "CREATE VIEW applied_events_view AS"
     " SELECT s.site, s.device, s.stream, e.seq, e.id, e.type, e.body, e.applied_at"
     " FROM applied_events e JOIN streams s ON s.stream_key = e.stream_key;"},
    {2, "inventory projection: stock buckets, task reservations and progress, oversells, skipped events",
     "CREATE TABLE stock ("
     " site TEXT NOT NULL,"
     " gtin TEXT NOT NULL,"
     " lot TEXT NOT NULL,"
     " on_hand INTEGER NOT NULL DEFAULT 0,"
     " staged INTEGER NOT NULL DEFAULT 0,"
     " returned_uninspected INTEGER NOT NULL DEFAULT 0,"
     " damaged INTEGER NOT NULL DEFAULT 0,"
     " disposed INTEGER NOT NULL DEFAULT 0,"
     " refurbish INTEGER NOT NULL DEFAULT 0,"
     " shipped INTEGER NOT NULL DEFAULT 0,"
     " handed_over INTEGER NOT NULL DEFAULT 0,"
     " written_off INTEGER NOT NULL DEFAULT 0,"
     " PRIMARY KEY (site, gtin, lot)"
     ") WITHOUT ROWID;"
     "CREATE TABLE reservations ("
     " site TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " task TEXT NOT NULL,"
     " line INTEGER NOT NULL,"
     " gtin TEXT NOT NULL,"
     " lot TEXT NOT NULL,"
     " channel TEXT NOT NULL,"
     " task_type TEXT NOT NULL,"
     " remaining INTEGER NOT NULL,"
     " PRIMARY KEY (site, device, task, line)"
     ") WITHOUT ROWID;"
     "CREATE INDEX reservations_by_item ON reservations(site, gtin);"
     "CREATE TABLE task_progress ("
     " site TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " task TEXT NOT NULL,"
     " line INTEGER NOT NULL,"
     " done INTEGER NOT NULL,"
     " PRIMARY KEY (site, device, task, line)"
     ") WITHOUT ROWID;"
     "CREATE TABLE last_consumer ("
     " site TEXT NOT NULL,"
     " gtin TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " task TEXT NOT NULL,"
     " channel TEXT NOT NULL,"
     " event_id TEXT NOT NULL,"
     " PRIMARY KEY (site, gtin)"
     ") WITHOUT ROWID;"
     "CREATE TABLE oversells ("
     " oversell_id INTEGER PRIMARY KEY,"
     " site TEXT NOT NULL,"
     " gtin TEXT NOT NULL,"
     " lot TEXT NOT NULL,"
     " short INTEGER NOT NULL,"
     " device TEXT NOT NULL,"
     " seq INTEGER NOT NULL,"
     " event_id TEXT NOT NULL,"
     " task TEXT NOT NULL,"
     " channel TEXT NOT NULL,"
     " time TEXT,"
     " prev_device TEXT,"
     " prev_task TEXT,"
     " prev_channel TEXT,"
     " prev_event_id TEXT"
     ");"
     "CREATE INDEX oversells_by_item ON oversells(site, gtin);"
     "CREATE TABLE projection_skipped ("
     " site TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " stream TEXT NOT NULL,"
     " seq INTEGER NOT NULL,"
     " event_id TEXT NOT NULL,"
     " type TEXT NOT NULL,"
     " problem TEXT NOT NULL,"
     " PRIMARY KEY (site, device, stream, seq)"
     ") WITHOUT ROWID;"
     "CREATE TABLE projection_meta ("
     " key TEXT PRIMARY KEY,"
     " value INTEGER NOT NULL"
     ") WITHOUT ROWID;"
     "INSERT INTO projection_meta(key, value) VALUES ('replay_pending', 1);"},
    {3, "telemetry shed by devices (shed_through) per stream; which ledger instance applied each event",
     "ALTER TABLE streams ADD COLUMN shed INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE applied_events ADD COLUMN applied_by TEXT NOT NULL DEFAULT '';"},
}};

}  // namespace

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<std::int64_t> migrate(storage::Database& db) {
  auto version = storage::migrate(db, "ledger", kMigrations);
  if (!version) return version;
  // Migration 2 leaves replay_pending = 1: project the events applied before it (in their
  // own transaction; a crash before it commits leaves the flag set and the projection empty,
  // so the next open replays again).
  if (auto replayed = replay_applied_events(db); !replayed) return replayed.error();
  return version;
}

}  // namespace scanedge::ledger
