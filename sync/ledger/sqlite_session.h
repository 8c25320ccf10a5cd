// SqliteSession: SqlSession (sql_session.h) over one edge/storage SQLite connection.
//
// Prepared statements are cached by the SQL literal's address and reset after each use.
// The session does not own the Database and must not outlive it; it opens no transaction
// (the caller's BEGIN IMMEDIATE / read transaction applies).
// Threading: the Database's owner thread only.
#pragma once

#include <map>

#include "edge/storage/sqlite_db.h"
#include "sync/ledger/sql_session.h"

namespace scanedge::ledger {

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(storage::Database& db) : db_(db) {}
  SqlDialect dialect() const override { return SqlDialect::sqlite; }
  Status exec(const char* sql, std::span<const SqlParam> params = {}) override;
  Status query(const char* sql, std::span<const SqlParam> params, const RowFn& row) override;
  storage::Database& database() { return db_; }

 private:
  Result<storage::Statement*> prepared(const char* sql, std::span<const SqlParam> params);
  storage::Database& db_;
  std::map<const char*, storage::Statement> cache_;
};

}  // namespace scanedge::ledger
