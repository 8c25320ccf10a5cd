// PgSession: SqlSession (sql_session.h) over one libpq connection to PostgreSQL.
//
// open(conninfo) connects (a libpq URI "postgresql://..." or "key=value" conninfo) and sets
// per-session limits: lock_timeout (a lock held by a stuck peer ledger fails our statement
// with "storage_busy" instead of blocking forever) and idle_in_transaction_session_timeout
// (a ledger frozen inside a transaction loses its session, and its locks, on the server).
// Statements of exec()/query() are prepared once per connection (cached by the SQL
// literal's address, placeholders rewritten by pg_placeholders()); parameters are sent as
// text and typed by the server from their context (write CAST(? AS BIGINT) where the
// context does not say). Results are read in text format.
//
// Connection loss: a failed call leaves the session marked broken; reconnect() (called by
// the store at the start of its next transaction) re-establishes it with PQreset and
// forgets the prepared statements. A transaction open when the connection died was rolled
// back by the server: nothing of it is stored.
//
// Errors (values, never thrown): "unavailable" (cannot connect, connection lost or server
// shutting down: SQLSTATE class 08, 57P01-57P03), "storage_busy" (40001 serialization
// failure, 40P01 deadlock, 55P03 lock timeout), "storage_full" (53100 disk full, 53200
// out of memory), "bad_option" (open() with an unusable conninfo), "storage" (anything
// else); messages carry the server's message and SQLSTATE.
//
// Threading: one thread at a time (the owner's). Owns the PGconn.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sync/ledger/sql_session.h"

struct pg_conn;

namespace scanedge::ledger {

// "?" (numbered in order) and "?N" become "$N" outside single-quoted literals and
// double-quoted identifiers.
std::string pg_placeholders(std::string_view sql);

// The conninfo or URI with any password replaced by "***" (for logs and messages).
std::string redact_conninfo(std::string_view conninfo);

class PgSession final : public SqlSession {
 public:
  static Result<std::unique_ptr<PgSession>> open(const std::string& conninfo);
  ~PgSession() override;
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  SqlDialect dialect() const override { return SqlDialect::postgresql; }
  Status exec(const char* sql, std::span<const SqlParam> params = {}) override;
  Status query(const char* sql, std::span<const SqlParam> params, const RowFn& row) override;

  // Runs `sql` (one or more statements, no parameters) with the simple query protocol:
  // BEGIN, COMMIT, ROLLBACK, schema scripts.
  Status script(const std::string& sql);
  // True when the connection is up (as far as libpq knows).
  bool connected() const;
  // Re-establishes a broken connection (no-op when it is up).
  Status reconnect();
  // The conninfo with the password redacted.
  const std::string& location() const { return location_; }

 private:
  explicit PgSession(pg_conn* conn, std::string location);
  Status configure();
  Result<std::string> prepared(const char* sql, int nparams);
  Status execute(const char* sql, std::span<const SqlParam> params, const RowFn* row);

  pg_conn* conn_ = nullptr;
  std::string location_;
  std::map<const char*, std::string> names_;  // SQL literal -> prepared statement name
  std::uint64_t next_name_ = 0;
};

}  // namespace scanedge::ledger
