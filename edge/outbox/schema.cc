#include "edge/outbox/schema.h"

#include <array>
#include <string>

namespace scanedge::outbox {

namespace {

constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at TEXT NOT NULL)";

constexpr std::array<Migration, 1> kMigrations{{
    {1, "events per stream, stream counters, key/value state",
     "CREATE TABLE events ("
     " stream TEXT NOT NULL,"
     " seq INTEGER NOT NULL,"
     " id TEXT NOT NULL,"
     " body TEXT NOT NULL,"
     " PRIMARY KEY (stream, seq)"
     ") WITHOUT ROWID;"
     "CREATE TABLE streams ("
     " stream TEXT PRIMARY KEY,"
     " last_seq INTEGER NOT NULL DEFAULT 0,"
     " acked_through INTEGER NOT NULL DEFAULT 0,"
     " depth INTEGER NOT NULL DEFAULT 0,"
     " bytes INTEGER NOT NULL DEFAULT 0"
     ");"
     "CREATE TABLE state ("
     " key TEXT PRIMARY KEY,"
     " value TEXT NOT NULL"
     ");"},
}};

Result<std::int64_t> read_version(storage::Database& db) {
  auto exists = db.query_int("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='schema_migrations'");
  if (!exists) return exists.error();
  if (!exists->has_value() || **exists == 0) return std::int64_t{0};
  auto v = db.query_int("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return v.error();
  return v->value_or(0);
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<std::int64_t> schema_version(storage::Database& db) { return read_version(db); }

Result<std::int64_t> migrate(storage::Database& db) {
  auto tx = storage::Transaction::begin(db);
  if (!tx) return tx.error();
  if (auto s = db.exec(std::string(kMigrationsTable)); !s) return s.error();
  auto current = read_version(db);
  if (!current) return current.error();
  const std::int64_t latest = latest_schema_version();
  if (*current > latest) {
    return make_error("schema_too_new", "outbox database " + db.path() + " has schema version " +
                                            std::to_string(*current) + " but this build knows only up to version " +
                                            std::to_string(latest) + "; refusing to open it (no downgrade)");
  }
  if (*current == latest) return *current;  // the transaction rolls back: nothing to record
  auto record = db.prepare(
      "INSERT INTO schema_migrations(version, applied_at) "
      "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  if (!record) return record.error();
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (auto s = db.exec(std::string(m.sql)); !s) {
      Error e = s.error();
      e.message = "applying outbox migration " + std::to_string(m.version) + " (" + std::string(m.description) +
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

}  // namespace scanedge::outbox
