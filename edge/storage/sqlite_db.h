// A thin RAII wrapper over the SQLite C API, shared by the device outbox and the ledger.
//
// Errors are values: every call returns Status/Result with code "storage" (or "storage_full"
// for SQLITE_FULL, "storage_busy" for SQLITE_BUSY) and SQLite's own message plus what we were
// doing. Nothing here throws.
// Threading: a Database (one sqlite3 connection) must be used by one thread at a time; the
// owner serialises access. Statements belong to their Database and must not outlive it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "edge/core/result.h"

namespace scanedge::storage {

// SQLite result code -> our error code.
std::string error_code_for(int sqlite_rc);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, std::string_view v);  // bound as TEXT, copied by SQLite
  Statement& bind_null(int index);

  // Steps once. Result: true when a row is available, false when done.
  Result<bool> step();
  // Steps until done (for statements that return no rows).
  Status run();
  void reset();  // resets and clears bindings, ready for reuse

  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string_view column_text(int i) const;
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  bool valid() const { return stmt_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;  // first bind error, reported by step()
};

struct OpenOptions {
  bool create = true;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  // Name of a registered SQLite VFS (sqlite3_vfs_register); empty: the default VFS. Tests
  // use this to run the real storage code on a fault-injecting file system.
  std::string vfs;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, const OpenOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status exec(const std::string& sql);
  Result<Statement> prepare(std::string_view sql);
  // Runs a query that returns one integer (e.g. PRAGMA user_version). nullopt when no row.
  Result<std::optional<std::int64_t>> query_int(const std::string& sql);
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  Error last_error(const std::string& doing) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_), open_(o.open_) { o.open_ = false; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database& db) : db_(&db), open_(true) {}
  Database* db_;
  bool open_;
};

}  // namespace scanedge::storage
