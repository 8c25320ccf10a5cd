#include "sync/ledger/schema.h"

#include <array>
#include <string>
#include <string_view>

namespace scanedge::ledger {

namespace {

struct Migration {
  std::int64_t version;
  std::string_view description;
  std::string_view sql;
};

constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at TEXT NOT NULL)";

constexpr std::array<Migration, 1> kMigrations{{
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
}};

}  // namespace

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<std::int64_t> schema_version(storage::Database& db) {
  auto exists = db.query_int("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='schema_migrations'");
  if (!exists) return exists.error();
  if (!exists->has_value() || **exists == 0) return std::int64_t{0};
  auto v = db.query_int("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return v.error();
  return v->value_or(0);
}

Result<std::int64_t> migrate(storage::Database& db) {
  auto tx = storage::Transaction::begin(db);
  if (!tx) return tx.error();
  if (auto s = db.exec(std::string(kMigrationsTable)); !s) return s.error();
  auto current = schema_version(db);
  if (!current) return current.error();
  const std::int64_t latest = latest_schema_version();
  if (*current > latest) {
    return make_error("schema_too_new", "ledger database " + db.path() + " has schema version " +
                                            std::to_string(*current) + " but this build knows only up to version " +
                                            std::to_string(latest) + "; refusing to open it (no downgrade)");
  }
  if (*current == latest) return *current;  // rolls back: nothing to record
  auto record = db.prepare(
      "INSERT INTO schema_migrations(version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  if (!record) return record.error();
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (auto s = db.exec(std::string(m.sql)); !s) {
      Error e = s.error();
      e.message = "applying ledger migration " + std::to_string(m.version) + " (" + std::string(m.description) +
                  "): " + e.message;
      return e;
    }
    record->reset();
    if (auto s = record->bind(1, m.version).run(); !s) return s.error();
  }
  record->reset();
  if (auto s = tx->commit(); !s) return s.error();
  return latest;
}

}  // namespace scanedge::ledger
