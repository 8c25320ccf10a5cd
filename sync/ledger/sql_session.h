// SqlSession: the small SQL-execution seam under the ledger's shared SQL code (the inventory
// projection, the availability read, the cursor statements), with two implementations:
// SqliteSession (edge/storage's SQLite wrapper) and PgSession (libpq, pg_session.h).
//
// SQL dialect accepted by both (the shared code is written in it):
// - placeholders `?` (numbered in order of appearance) or `?N` (explicit, may repeat); one
//   statement must not mix the two. PgSession rewrites them to `$N` outside quoted literals.
// - upserts `INSERT ... ON CONFLICT (cols) DO UPDATE SET c = table.c + excluded.c` (qualify
//   the existing row with the table name: PostgreSQL finds a bare column ambiguous);
// - no SQLite-only scalar functions (max(a, b), ifnull) and no PostgreSQL-only ones
//   (greatest, ::casts): use CASE, coalesce, CAST(x AS TEXT|BIGINT);
// - text compares and sorts bytewise: SQLite's default; the PostgreSQL schema declares its
//   text columns COLLATE "C".
// `sql` must have static storage duration (a string literal): sessions cache the prepared
// statement by the pointer's address.
//
// Values: a parameter is null, a 64-bit integer or text (borrowed for the call only). Rows
// are read through SqlRow inside the callback only: text views die when it returns.
// PostgreSQL aggregates such as sum() return numeric; int_at() reads any integer-valued
// column. A column that is not an integer reads as 0.
//
// Errors: storage codes as values ("storage", "storage_busy" for lock timeouts, deadlocks
// and serialization failures, "storage_full" for a full disk, "unavailable" when the
// PostgreSQL connection is down). After an error inside a transaction the caller must roll
// it back. Nothing here throws.
// Threading: a session is used by one thread at a time (its owner's).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "edge/core/result.h"

namespace scanedge::ledger {

class SqlParam {
 public:
  enum class Kind { null, integer, text };
  SqlParam() = default;  // null
  SqlParam(std::nullopt_t) {}  // NOLINT: implicit by design (null)
  SqlParam(std::int64_t v) : kind_(Kind::integer), int_(v) {}  // NOLINT
  SqlParam(int v) : kind_(Kind::integer), int_(v) {}           // NOLINT
  SqlParam(std::string_view v) : kind_(Kind::text), text_(v) {}  // NOLINT
  SqlParam(const std::string& v) : kind_(Kind::text), text_(v) {}  // NOLINT
  SqlParam(const char* v) : kind_(Kind::text), text_(v) {}       // NOLINT
  SqlParam(const std::optional<std::string>& v) {                // NOLINT
    if (v) {
      kind_ = Kind::text;
      text_ = *v;
    }
  }
  Kind kind() const { return kind_; }
  std::int64_t integer() const { return int_; }
  std::string_view text() const { return text_; }

 private:
  Kind kind_ = Kind::null;
  std::int64_t int_ = 0;
  std::string_view text_;
};

class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t int_at(int column) const = 0;        // null: 0
  virtual std::string_view text_at(int column) const = 0;   // null: ""
  std::optional<std::string> opt_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return std::string(text_at(column));
  }
};

enum class SqlDialect { sqlite, postgresql };

class SqlSession {
 public:
  using RowFn = std::function<void(const SqlRow&)>;
  virtual ~SqlSession() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs one statement; rows it returns are ignored.
  virtual Status exec(const char* sql, std::span<const SqlParam> params = {}) = 0;
  // Runs one statement and calls `row` for each result row, in order.
  virtual Status query(const char* sql, std::span<const SqlParam> params, const RowFn& row) = 0;

  // Conveniences over query().
  template <class... A>
  Status run(const char* sql, const A&... args) {
    const SqlParam p[] = {SqlParam(args)..., SqlParam()};
    return exec(sql, std::span<const SqlParam>(p, sizeof...(A)));
  }
  // First column of the first row; nullopt when there is no row (or it is null).
  template <class... A>
  Result<std::optional<std::int64_t>> query_int(const char* sql, const A&... args) {
    const SqlParam p[] = {SqlParam(args)..., SqlParam()};
    std::optional<std::int64_t> out;
    bool first = true;
    auto s = query(sql, std::span<const SqlParam>(p, sizeof...(A)), [&](const SqlRow& r) {
      if (first && !r.is_null(0)) out = r.int_at(0);
      first = false;
    });
    if (!s) return s.error();
    return out;
  }
  template <class... A>
  Status each(const char* sql, const RowFn& row, const A&... args) {
    const SqlParam p[] = {SqlParam(args)..., SqlParam()};
    return query(sql, std::span<const SqlParam>(p, sizeof...(A)), row);
  }
};

}  // namespace scanedge::ledger
