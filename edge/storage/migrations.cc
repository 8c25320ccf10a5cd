#include "edge/storage/migrations.h"

#include <string>

namespace scanedge::storage {

Result<std::int64_t> schema_version(Database& db) {
  auto exists = db.query_int("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='schema_migrations'");
  if (!exists) return exists.error();
  if (!exists->has_value() || **exists == 0) return std::int64_t{0};
  auto v = db.query_int("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return v.error();
  return v->value_or(0);
}

Result<std::int64_t> migrate(Database& db, std::string_view what, std::span<const Migration> migrations) {
  auto tx = Transaction::begin(db);
  if (!tx) return tx.error();
  if (auto s = db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY,"
                       " applied_at TEXT NOT NULL)");
      !s) {
    return s.error();
  }
  auto current = schema_version(db);
  if (!current) return current.error();
  const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest) {
    return make_error("schema_too_new", std::string(what) + " database " + db.path() + " has schema version " +
                                            std::to_string(*current) + " but this build knows only up to version " +
                                            std::to_string(latest) + "; refusing to open it (no downgrade)");
  }
  if (*current == latest) return *current;  // the transaction rolls back: nothing to record
  auto record = db.prepare(
      "INSERT INTO schema_migrations(version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  if (!record) return record.error();
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    if (auto s = db.exec(std::string(m.sql)); !s) {
      Error e = s.error();
      e.message = "applying " + std::string(what) + " migration " + std::to_string(m.version) + " (" +
                  std::string(m.description) + "): " + e.message;
      return e;
    }
    record->reset();
    if (auto s = record->bind(1, m.version).run(); !s) return s.error();
  }
  record->reset();
  if (auto s = tx->commit(); !s) return s.error();
  return latest;
}

}  // namespace scanedge::storage
