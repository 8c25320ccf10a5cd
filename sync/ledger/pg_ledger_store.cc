#include "sync/ledger/pg_ledger_store.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "edge/core/event_id.h"
#include "sync/ledger/apply_engine.h"
#include "sync/ledger/inventory_projection.h"
#include "sync/ledger/pg_session.h"

namespace scanedge::ledger {

namespace {

// Advisory lock keys (first int4 of pg_advisory_xact_lock(int4, int4)).
constexpr int kSchemaLock = 73100;  // schema creation
// 73110: per-site projection lock (in the SQL below).

constexpr const char* kSchemaV1 =
    "CREATE TABLE schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " applied_at TEXT NOT NULL"
    ");"
    "CREATE TABLE streams ("
    " stream_key BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " site TEXT COLLATE \"C\" NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " stream TEXT COLLATE \"C\" NOT NULL,"
    " last_seq BIGINT NOT NULL DEFAULT 0,"
    " applied BIGINT NOT NULL DEFAULT 0,"
    " shed BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (site, device, stream)"
    ");"
    "CREATE TABLE applied_events ("
    " apply_order BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,"
    " stream_key BIGINT NOT NULL REFERENCES streams(stream_key),"
    " seq BIGINT NOT NULL,"
    " id TEXT COLLATE \"C\" NOT NULL,"
    " type TEXT COLLATE \"C\" NOT NULL,"
    " body TEXT NOT NULL,"
    " applied_at TEXT COLLATE \"C\" NOT NULL,"
    " applied_by TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    " PRIMARY KEY (stream_key, seq)"
    ");"
    "CREATE VIEW applied_events_view AS"
    " SELECT s.site, s.device, s.stream, e.seq, e.id, e.type, e.body, e.applied_at, e.applied_by, e.apply_order"
    " FROM applied_events e JOIN streams s ON s.stream_key = e.stream_key;"
    "CREATE TABLE stock ("
    " site TEXT COLLATE \"C\" NOT NULL,"
    " gtin TEXT COLLATE \"C\" NOT NULL,"
    " lot TEXT COLLATE \"C\" NOT NULL,"
    " on_hand BIGINT NOT NULL DEFAULT 0,"
    " staged BIGINT NOT NULL DEFAULT 0,"
    " returned_uninspected BIGINT NOT NULL DEFAULT 0,"
    " damaged BIGINT NOT NULL DEFAULT 0,"
    " disposed BIGINT NOT NULL DEFAULT 0,"
    " refurbish BIGINT NOT NULL DEFAULT 0,"
    " shipped BIGINT NOT NULL DEFAULT 0,"
    " handed_over BIGINT NOT NULL DEFAULT 0,"
    " written_off BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (site, gtin, lot)"
    ");"
    "CREATE TABLE reservations ("
    " site TEXT COLLATE \"C\" NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " task TEXT COLLATE \"C\" NOT NULL,"
    " line BIGINT NOT NULL,"
    " gtin TEXT COLLATE \"C\" NOT NULL,"
    " lot TEXT COLLATE \"C\" NOT NULL,"
    " channel TEXT COLLATE \"C\" NOT NULL,"
    " task_type TEXT COLLATE \"C\" NOT NULL,"
    " remaining BIGINT NOT NULL,"
    " PRIMARY KEY (site, device, task, line)"
    ");"
    "CREATE INDEX reservations_by_item ON reservations(site, gtin);"
    "CREATE TABLE task_progress ("
    " site TEXT COLLATE \"C\" NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " task TEXT COLLATE \"C\" NOT NULL,"
    " line BIGINT NOT NULL,"
    " done BIGINT NOT NULL,"
    " PRIMARY KEY (site, device, task, line)"
    ");"
    "CREATE TABLE last_consumer ("
    " site TEXT COLLATE \"C\" NOT NULL,"
    " gtin TEXT COLLATE \"C\" NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " task TEXT COLLATE \"C\" NOT NULL,"
    " channel TEXT COLLATE \"C\" NOT NULL,"
    " event_id TEXT COLLATE \"C\" NOT NULL,"
    " PRIMARY KEY (site, gtin)"
    ");"
    "CREATE TABLE oversells ("
    " oversell_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " site TEXT COLLATE \"C\" NOT NULL,"
    " gtin TEXT COLLATE \"C\" NOT NULL,"
    " lot TEXT COLLATE \"C\" NOT NULL,"
    " short BIGINT NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " seq BIGINT NOT NULL,"
    " event_id TEXT COLLATE \"C\" NOT NULL,"
    " task TEXT COLLATE \"C\" NOT NULL,"
    " channel TEXT COLLATE \"C\" NOT NULL,"
    " time TEXT COLLATE \"C\","
    " prev_device TEXT COLLATE \"C\","
    " prev_task TEXT COLLATE \"C\","
    " prev_channel TEXT COLLATE \"C\","
    " prev_event_id TEXT COLLATE \"C\""
    ");"
    "CREATE INDEX oversells_by_item ON oversells(site, gtin);"
    "CREATE TABLE projection_skipped ("
    " site TEXT COLLATE \"C\" NOT NULL,"
    " device TEXT COLLATE \"C\" NOT NULL,"
    " stream TEXT COLLATE \"C\" NOT NULL,"
    " seq BIGINT NOT NULL,"
    " event_id TEXT COLLATE \"C\" NOT NULL,"
    " type TEXT COLLATE \"C\" NOT NULL,"
    " problem TEXT NOT NULL,"
    " PRIMARY KEY (site, device, stream, seq)"
    ");"
    "CREATE TABLE projection_meta ("
    " key TEXT COLLATE \"C\" PRIMARY KEY,"
    " value BIGINT NOT NULL"
    ");"
    "INSERT INTO projection_meta(key, value) VALUES ('replay_pending', 0);";

Error with_context(Error e, const std::string& doing) {
  e.message = doing + ": " + e.message;
  return e;
}

const SystemClock& system_clock() {
  static const SystemClock clock;
  return clock;
}

// Is the error one the server asks us to retry (deadlock, serialization failure)?
bool retryable(const Error& e) {
  return e.code == "storage_busy" && (e.message.find("40P01") != std::string::npos ||
                                      e.message.find("40001") != std::string::npos);
}

// The recorded schema version; 0 when the database has no ledger schema.
Result<std::int64_t> read_version(PgSession& s) {
  auto exists = s.query_int("SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END");
  if (!exists) return exists.error();
  if (exists->value_or(0) == 0) return std::int64_t{0};
  auto v = s.query_int("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!v) return v.error();
  return v->value_or(0);
}

class PgStore final : public LedgerStore, private ApplyTxn {
 public:
  PgStore(std::unique_ptr<PgSession> session, const Clock* clock, bool read_only, std::string instance)
      : session_(std::move(session)), clock_(clock), read_only_(read_only), instance_(std::move(instance)) {
    if (!read_only_) projection_ = std::make_unique<InventoryProjection>(*session_);
  }

  Result<std::vector<ApplyOutcome>> apply_all(std::span<const sync::Batch* const> batches) override {
    if (read_only_) return make_error("read_only", "ledger database " + path() + " was opened read-only");
    if (batches.empty()) return std::vector<ApplyOutcome>{};
    constexpr int kAttempts = 4;
    for (int attempt = 1;; ++attempt) {
      auto r = apply_once(batches);
      if (r || !retryable(r.error()) || attempt == kAttempts) return r;
      spdlog::info("ledger: PostgreSQL asked to retry the apply transaction (attempt {}): {}", attempt, r.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }

  Result<StreamState> state(const sync::DeviceAddress& address, Stream stream) override {
    if (auto c = session_->reconnect(); !c) return c.error();
    StreamState out{address, stream, 0, 0, 0};
    auto s = session_->each(
        "SELECT last_seq, applied, shed FROM streams WHERE site = ? AND device = ? AND stream = ?",
        [&](const SqlRow& r) {
          out.last_seq = r.int_at(0);
          out.applied = r.int_at(1);
          out.shed = r.int_at(2);
        },
        address.site, address.device, to_string(stream));
    if (!s) return s.error();
    return out;
  }

  Result<std::vector<StreamState>> states() override {
    if (auto c = session_->reconnect(); !c) return c.error();
    std::vector<StreamState> out;
    auto s = session_->each(
        "SELECT site, device, stream, last_seq, applied, shed FROM streams WHERE last_seq > 0"
        " ORDER BY site, device, stream",
        [&](const SqlRow& r) {
          const auto stream = stream_from_string(r.text_at(2));
          if (!stream) return;
          out.push_back(StreamState{{std::string(r.text_at(0)), std::string(r.text_at(1))},
                                    *stream,
                                    r.int_at(3),
                                    r.int_at(4),
                                    r.int_at(5)});
        });
    if (!s) return s.error();
    return out;
  }

  Result<std::vector<AppliedEvent>> events(const sync::DeviceAddress& address, Stream stream, std::int64_t after_seq,
                                           std::size_t limit) override {
    if (auto c = session_->reconnect(); !c) return c.error();
    const auto lim = static_cast<std::int64_t>(
        std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    std::vector<AppliedEvent> out;
    auto s = session_->each(
        "SELECT e.seq, e.id, e.type, e.body, e.applied_at, e.apply_order, e.applied_by FROM applied_events e"
        " JOIN streams s ON s.stream_key = e.stream_key"
        " WHERE s.site = ? AND s.device = ? AND s.stream = ? AND e.seq > CAST(? AS BIGINT)"
        " ORDER BY e.seq LIMIT CAST(? AS BIGINT)",
        [&](const SqlRow& r) {
          out.push_back(AppliedEvent{r.int_at(0), std::string(r.text_at(1)), std::string(r.text_at(2)),
                                     std::string(r.text_at(3)), std::string(r.text_at(4)), r.int_at(5),
                                     std::string(r.text_at(6))});
        },
        address.site, address.device, to_string(stream), after_seq, lim);
    if (!s) return s.error();
    return out;
  }

  Result<InventorySnapshot> inventory(const InventoryFilter& filter) override {
    if (auto c = session_->reconnect(); !c) return c.error();
    if (auto s = session_->script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s.error();
    auto snap = read_inventory(*session_, filter);
    (void)session_->script(snap ? "COMMIT" : "ROLLBACK");
    return snap;
  }

  Result<std::vector<Skipped>> projection_skipped(const sync::DeviceAddress& address) override {
    if (auto c = session_->reconnect(); !c) return c.error();
    std::vector<Skipped> out;
    auto s = session_->each(
        "SELECT stream, seq, problem FROM projection_skipped WHERE site = ? AND device = ? ORDER BY stream, seq",
        [&](const SqlRow& r) { out.push_back(Skipped{std::string(r.text_at(0)), r.int_at(1), std::string(r.text_at(2))}); },
        address.site, address.device);
    if (!s) return s.error();
    return out;
  }

  const std::string& path() const override { return session_->location(); }
  std::string_view backend() const override { return "postgresql"; }

 private:
  Result<std::vector<ApplyOutcome>> apply_once(std::span<const sync::Batch* const> batches) {
    if (auto c = session_->reconnect(); !c) return with_context(c.error(), "applying batches");
    if (auto s = session_->script("BEGIN"); !s) return with_context(s.error(), "applying batches");
    applied_at_ = format_time_utc(clock_->wall());
    auto run = run_apply(*this, *projection_, batches);
    if (!run || !run->changed) {
      (void)session_->script("ROLLBACK");  // nothing to write, or failed: nothing stored
      if (!run) return run.error();
      return std::move(run->outcomes);
    }
    if (auto s = session_->script("COMMIT"); !s) {
      (void)session_->script("ROLLBACK");
      return with_context(s.error(), "committing applied events");
    }
    return std::move(run->outcomes);
  }

  // ApplyTxn, inside apply_once's transaction.
  Result<CursorRow> lock_cursor(const sync::DeviceAddress& a, Stream s) override {
    const std::string_view stream = to_string(s);
    for (int pass = 0; pass < 2; ++pass) {
      std::optional<CursorRow> row;
      auto st = session_->each(
          "SELECT stream_key, last_seq, applied, shed FROM streams WHERE site = ? AND device = ? AND stream = ?"
          " FOR UPDATE",
          [&](const SqlRow& r) { row = CursorRow{r.int_at(0), r.int_at(1), r.int_at(2), r.int_at(3)}; }, a.site,
          a.device, stream);
      if (!st) return st.error();
      if (row) return *row;
      if (pass == 1) break;
      // First event of this (device, stream): create the row (a concurrent creator wins the
      // race harmlessly: ON CONFLICT waits for it and does nothing), then lock it.
      if (auto ins = session_->run(
              "INSERT INTO streams(site, device, stream) VALUES (?, ?, ?) ON CONFLICT (site, device, stream) DO NOTHING",
              a.site, a.device, stream);
          !ins) {
        return ins.error();
      }
    }
    return make_error("storage", "the ledger state row of " + a.site + "/" + a.device + " vanished");
  }
  Status lock_sites(const std::set<std::string>& sites) override {
    for (const std::string& site : sites) {  // std::set: ascending, the lock order
      if (auto s = session_->run("SELECT pg_advisory_xact_lock(73110, hashtext(CAST(? AS TEXT)))", site); !s) return s;
    }
    return {};
  }
  Result<std::int64_t> create_cursor(const sync::DeviceAddress& a, Stream s) override {
    auto row = lock_cursor(a, s);  // never reached: lock_cursor creates the row
    if (!row) return row.error();
    return row->key;
  }
  Status insert_event(std::int64_t key, const sync::BatchEvent& e) override {
    return session_->run(
        "INSERT INTO applied_events(stream_key, seq, id, type, body, applied_at, applied_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        key, e.seq, e.id, e.type, e.json, applied_at_, instance_);
  }
  Status store_cursor(const CursorRow& row) override {
    return session_->run("UPDATE streams SET last_seq = ?, applied = ?, shed = ? WHERE stream_key = ?", row.last_seq,
                         row.applied, row.shed, row.key);
  }

  std::unique_ptr<PgSession> session_;
  const Clock* clock_;
  bool read_only_;
  std::string instance_;
  std::unique_ptr<InventoryProjection> projection_;
  std::string applied_at_;
};

Result<std::unique_ptr<PgSession>> connect(const std::string& uri, const std::string& application) {
  auto s = PgSession::open(uri);
  if (!s) return s.error();
  // application_name shows which ledger is which in pg_stat_activity.
  std::string app = application;
  std::replace_if(app.begin(), app.end(), [](char c) { return c == '\'' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }, '_');
  if (auto a = (*s)->script("SET application_name = '" + app.substr(0, 60) + "'"); !a) return a.error();
  return s;
}

}  // namespace

std::int64_t pg_schema_version() { return 1; }

Result<std::unique_ptr<LedgerStore>> PgLedgerStore::open(const std::string& uri, const LedgerOptions& options) {
  auto session = connect(uri, options.instance.empty() ? "scanedge-ledger" : "scanedge-ledger " + options.instance);
  if (!session) return session.error();
  PgSession& s = **session;
  const std::string doing = "opening ledger database " + s.location();
  // Create the schema once, whoever comes first.
  if (auto b = s.script("BEGIN"); !b) return with_context(b.error(), doing);
  auto done = [&]() -> Status {
    if (auto l = s.script("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLock) + ", 0)"); !l) return l;
    auto version = read_version(s);
    if (!version) return version.error();
    if (*version > pg_schema_version()) {
      return make_error("schema_too_new", "ledger database " + s.location() + " has schema version " +
                                              std::to_string(*version) + " but this build knows only up to version " +
                                              std::to_string(pg_schema_version()) + "; refusing to open it");
    }
    if (*version == 0) {
      if (auto c = s.script(kSchemaV1); !c) return c;
      const std::string now = format_time_utc(std::chrono::system_clock::now());
      if (auto c = s.run("INSERT INTO schema_migrations(version, applied_at) VALUES (1, ?)", now); !c) return c;
      spdlog::info("ledger: created the ledger schema (version {}) in {}", pg_schema_version(), s.location());
    }
    return s.script("COMMIT");
  }();
  if (!done) {
    (void)s.script("ROLLBACK");
    return with_context(done.error(), doing);
  }
  const Clock* clock = options.clock != nullptr ? options.clock : &system_clock();
  return std::unique_ptr<LedgerStore>(new PgStore(std::move(*session), clock, false, options.instance));
}

Result<std::unique_ptr<LedgerStore>> PgLedgerStore::open_read_only(const std::string& uri) {
  auto session = connect(uri, "scanedge-ledger (read-only)");
  if (!session) return session.error();
  PgSession& s = **session;
  if (auto r = s.script("SET default_transaction_read_only = on"); !r) return r.error();
  auto version = read_version(s);
  if (!version) return with_context(version.error(), "opening ledger database " + s.location() + " read-only");
  if (*version == 0) {
    return make_error("not_a_ledger", "PostgreSQL database " + s.location() + " has no scanedge ledger schema");
  }
  if (*version > pg_schema_version()) {
    return make_error("schema_too_new", "ledger database " + s.location() + " has schema version " +
                                            std::to_string(*version) + " but this build knows only up to version " +
                                            std::to_string(pg_schema_version()));
  }
  return std::unique_ptr<LedgerStore>(new PgStore(std::move(*session), &system_clock(), true, {}));
}

}  // namespace scanedge::ledger
