#include "sync/ledger/sqlite_session.h"

#include <utility>

namespace scanedge::ledger {

namespace {

class StatementRow final : public SqlRow {
 public:
  explicit StatementRow(storage::Statement& st) : st_(st) {}
  bool is_null(int c) const override { return st_.column_is_null(c); }
  std::int64_t int_at(int c) const override { return st_.column_int(c); }
  std::string_view text_at(int c) const override { return st_.column_text(c); }

 private:
  storage::Statement& st_;
};

}  // namespace

Result<storage::Statement*> SqliteSession::prepared(const char* sql, std::span<const SqlParam> params) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto st = db_.prepare(sql);
    if (!st) return st.error();
    it = cache_.emplace(sql, std::move(*st)).first;
  }
  storage::Statement& st = it->second;
  st.reset();
  int i = 1;
  for (const SqlParam& p : params) {
    switch (p.kind()) {
      case SqlParam::Kind::null: st.bind_null(i); break;
      case SqlParam::Kind::integer: st.bind(i, p.integer()); break;
      case SqlParam::Kind::text: st.bind(i, p.text()); break;
    }
    ++i;
  }
  return &st;
}

Status SqliteSession::exec(const char* sql, std::span<const SqlParam> params) {
  auto st = prepared(sql, params);
  if (!st) return st.error();
  auto s = (*st)->run();
  (*st)->reset();
  return s;
}

Status SqliteSession::query(const char* sql, std::span<const SqlParam> params, const RowFn& row) {
  auto st = prepared(sql, params);
  if (!st) return st.error();
  for (;;) {
    auto r = (*st)->step();
    if (!r) {
      (*st)->reset();
      return r.error();
    }
    if (!*r) break;
    StatementRow view(**st);
    row(view);
  }
  (*st)->reset();
  return {};
}

}  // namespace scanedge::ledger
