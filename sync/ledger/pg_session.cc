#include "sync/ledger/pg_session.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace scanedge::ledger {

namespace {

// The error of a failed result (or of the connection when there is no result).
Error pg_error(PGconn* conn, const PGresult* res, const std::string& doing) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = res != nullptr ? PQresultErrorMessage(res) : "";
  if (msg.empty() && conn != nullptr) msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const std::string sqlstate = state != nullptr ? state : "";
  std::string code = "storage";
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03") {
    code = "unavailable";
  } else if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    code = "storage_busy";
  } else if (sqlstate == "53100" || sqlstate == "53200") {
    code = "storage_full";
  }
  return make_error(code, doing + ": " + msg + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PgRow final : public SqlRow {
 public:
  PgRow(const PGresult* r, int row) : r_(r), row_(row) {}
  bool is_null(int c) const override { return PQgetisnull(r_, row_, c) != 0; }
  std::int64_t int_at(int c) const override {
    if (is_null(c)) return 0;
    const char* v = PQgetvalue(r_, row_, c);
    std::int64_t out = 0;
    const auto len = static_cast<std::size_t>(PQgetlength(r_, row_, c));
    std::from_chars(v, v + len, out);  // "12" (bigint) or "12" (numeric sum): integer-valued
    return out;
  }
  std::string_view text_at(int c) const override {
    if (is_null(c)) return {};
    return {PQgetvalue(r_, row_, c), static_cast<std::size_t>(PQgetlength(r_, row_, c))};
  }

 private:
  const PGresult* r_;
  int row_;
};

void quiet_notices(void*, const char* message) { spdlog::debug("ledger: postgresql: {}", message); }

}  // namespace

std::string pg_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int counter = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote re-enters at once: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    out += '$';
    if (j > i + 1) {
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out += std::to_string(++counter);
    }
  }
  return out;
}

std::string redact_conninfo(std::string_view conninfo) {
  std::string s(conninfo);
  // URI: scheme://user:password@host...
  if (const auto scheme = s.find("://"); scheme != std::string::npos) {
    const auto at = s.find('@', scheme + 3);
    const auto colon = s.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      s.replace(colon + 1, at - colon - 1, "***");
    }
    const auto q = s.find("password=");
    if (q != std::string::npos) {
      const auto end = s.find('&', q);
      s.replace(q + 9, (end == std::string::npos ? s.size() : end) - q - 9, "***");
    }
    return s;
  }
  // key=value conninfo.
  const auto q = s.find("password");
  if (q != std::string::npos) {
    auto eq = s.find('=', q);
    if (eq != std::string::npos) {
      auto v = eq + 1;
      while (v < s.size() && s[v] == ' ') ++v;
      auto end = v;
      if (end < s.size() && s[end] == '\'') {
        end = s.find('\'', end + 1);
        end = end == std::string::npos ? s.size() : end + 1;
      } else {
        while (end < s.size() && s[end] != ' ') ++end;
      }
      s.replace(v, end - v, "***");
    }
  }
  return s;
}

PgSession::PgSession(PGconn* conn, std::string location) : conn_(conn), location_(std::move(location)) {}

PgSession::~PgSession() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<std::unique_ptr<PgSession>> PgSession::open(const std::string& conninfo) {
  const std::string location = redact_conninfo(conninfo);
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &err);
  if (parsed == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    if (err != nullptr) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return make_error("bad_option", "PostgreSQL connection string " + location + ": " + why);
  }
  PQconninfoFree(parsed);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return make_error("unavailable", "connecting to PostgreSQL " + location + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = pg_error(conn, nullptr, "connecting to PostgreSQL " + location);
    e.code = "unavailable";
    PQfinish(conn);
    return e;
  }
  std::unique_ptr<PgSession> s(new PgSession(conn, location));
  if (auto c = s->configure(); !c) return c.error();
  return s;
}

Status PgSession::configure() {
  PQsetNoticeProcessor(conn_, quiet_notices, nullptr);
  // Timeouts (see the header): a stuck peer does not block us forever, and a stuck us does
  // not block the peers forever. client_encoding: events are UTF-8 JSON.
  return script(
      "SET lock_timeout = '15s'; SET idle_in_transaction_session_timeout = '60s';"
      " SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
}

bool PgSession::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Status PgSession::reconnect() {
  if (connected()) return {};
  names_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    Error e = pg_error(conn_, nullptr, "reconnecting to PostgreSQL " + location_);
    e.code = "unavailable";
    return e;
  }
  spdlog::info("ledger: reconnected to PostgreSQL {}", location_);
  return configure();
}

Status PgSession::script(const std::string& sql) {
  ResultPtr r(PQexec(conn_, sql.c_str()));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
    return pg_error(conn_, r.get(), "PostgreSQL " + location_);
  }
  return {};
}

Result<std::string> PgSession::prepared(const char* sql, int nparams) {
  auto it = names_.find(sql);
  if (it != names_.end()) return it->second;
  std::string name = "scanedge_" + std::to_string(next_name_++);
  const std::string text = pg_placeholders(sql);
  ResultPtr r(PQprepare(conn_, name.c_str(), text.c_str(), nparams, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return pg_error(conn_, r.get(), "preparing \"" + std::string(text.substr(0, 120)) + "\"");
  }
  names_.emplace(sql, name);
  return name;
}

Status PgSession::execute(const char* sql, std::span<const SqlParam> params, const RowFn* row) {
  auto name = prepared(sql, static_cast<int>(params.size()));
  if (!name) return name.error();
  std::vector<std::string> ints;
  ints.reserve(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  std::vector<int> lengths(params.size(), 0);
  std::vector<std::string> texts;  // text params are not NUL-terminated views: copy
  texts.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const SqlParam& p = params[i];
    if (p.kind() == SqlParam::Kind::integer) {
      ints.push_back(std::to_string(p.integer()));
      values[i] = ints.back().c_str();
      lengths[i] = static_cast<int>(ints.back().size());
    } else if (p.kind() == SqlParam::Kind::text) {
      texts.emplace_back(p.text());
      values[i] = texts.back().c_str();
      lengths[i] = static_cast<int>(texts.back().size());
    }
  }
  ResultPtr r(PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()), values.data(), lengths.data(),
                             nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return pg_error(conn_, r.get(), "PostgreSQL statement \"" + std::string(std::string_view(sql).substr(0, 120)) + "\"");
  }
  if (row != nullptr) {
    const int n = PQntuples(r.get());
    for (int i = 0; i < n; ++i) {
      PgRow v(r.get(), i);
      (*row)(v);
    }
  }
  return {};
}

Status PgSession::exec(const char* sql, std::span<const SqlParam> params) { return execute(sql, params, nullptr); }

Status PgSession::query(const char* sql, std::span<const SqlParam> params, const RowFn& row) {
  return execute(sql, params, &row);
}

}  // namespace scanedge::ledger
