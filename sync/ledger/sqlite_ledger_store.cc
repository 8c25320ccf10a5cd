// The SQLite backend of LedgerStore (ledger_store.h): one database file in WAL mode, schema
// and migrations in schema.h. One process writes at a time (BEGIN IMMEDIATE); the cursor
// state is read inside that write transaction, so a second writer process is safe (it
// waits for SQLite's lock and then sees the first one's commits).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "edge/core/event_id.h"
#include "edge/storage/migrations.h"
#include "edge/storage/sqlite_db.h"
#include "sync/ledger/apply_engine.h"
#include "sync/ledger/inventory_projection.h"
#include "sync/ledger/ledger_store.h"
#include "sync/ledger/schema.h"
#include "sync/ledger/sqlite_session.h"

namespace scanedge::ledger {

namespace {

Error with_context(Error e, const std::string& doing) {
  e.message = doing + ": " + e.message;
  return e;
}

const SystemClock& system_clock() {
  static const SystemClock clock;
  return clock;
}

// Ends a read transaction whatever happens.
class ReadTransaction {
 public:
  explicit ReadTransaction(storage::Database& db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) (void)db_.exec("COMMIT");
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Status begin() {
    if (auto s = db_.exec("BEGIN"); !s) return s;
    open_ = true;
    return {};
  }

 private:
  storage::Database& db_;
  bool open_ = false;
};

class SqliteLedgerStore final : public LedgerStore, private ApplyTxn {
 public:
  SqliteLedgerStore(std::unique_ptr<storage::Database> db, const Clock* clock, bool read_only, std::string instance,
                    std::int64_t version)
      : db_(std::move(db)),
        session_(*db_),
        clock_(clock),
        read_only_(read_only),
        instance_(std::move(instance)),
        v3_(version >= 3) {
    if (!read_only_) projection_ = std::make_unique<InventoryProjection>(session_);
  }

  Result<std::vector<ApplyOutcome>> apply_all(std::span<const sync::Batch* const> batches) override {
    if (read_only_) return make_error("read_only", "ledger database " + path() + " was opened read-only");
    if (batches.empty()) return std::vector<ApplyOutcome>{};
    auto tx = storage::Transaction::begin(*db_);
    if (!tx) return with_context(tx.error(), "applying batches");
    applied_at_ = format_time_utc(clock_->wall());
    auto run = run_apply(*this, *projection_, batches);
    if (!run) return run.error();
    if (!run->changed) return std::move(run->outcomes);  // rolls back: nothing to write, no fsync
    if (auto s = tx->commit(); !s) return with_context(s.error(), "committing applied events");
    return std::move(run->outcomes);
  }

  Result<StreamState> state(const sync::DeviceAddress& address, Stream stream) override {
    auto row = lock_cursor(address, stream);
    if (!row) return row.error();
    return StreamState{address, stream, row->last_seq, row->applied, row->shed};
  }

  Result<std::vector<StreamState>> states() override {
    std::vector<StreamState> out;
    // A read-only file written before schema v3 has no shed column: 0.
    auto s = session_.each(
        v3_ ? "SELECT site, device, stream, last_seq, applied, shed FROM streams WHERE last_seq > 0"
              " ORDER BY site, device, stream"
            : "SELECT site, device, stream, last_seq, applied, 0 FROM streams WHERE last_seq > 0"
              " ORDER BY site, device, stream",
        [&](const SqlRow& r) {
          const auto stream = stream_from_string(r.text_at(2));
          if (!stream) return;  // not written by this build: skip rather than misreport
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
    const auto lim = static_cast<std::int64_t>(
        std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
    std::vector<AppliedEvent> out;
    auto s = session_.each(
        v3_ ? "SELECT e.seq, e.id, e.type, e.body, e.applied_at, e.rowid, e.applied_by FROM applied_events e"
              " JOIN streams s ON s.stream_key = e.stream_key"
              " WHERE s.site = ? AND s.device = ? AND s.stream = ? AND e.seq > ? ORDER BY e.seq LIMIT ?"
            : "SELECT e.seq, e.id, e.type, e.body, e.applied_at, e.rowid, '' FROM applied_events e"
              " JOIN streams s ON s.stream_key = e.stream_key"
              " WHERE s.site = ? AND s.device = ? AND s.stream = ? AND e.seq > ? ORDER BY e.seq LIMIT ?",
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
    ReadTransaction tx(*db_);
    if (auto s = tx.begin(); !s) return s.error();
    auto version = storage::schema_version(*db_);
    if (!version) return version.error();
    if (*version < 2) {
      return make_error("schema_too_old", "ledger database " + path() + " has schema version " +
                                              std::to_string(*version) +
                                              " and no inventory projection yet; open it read-write once (e.g. "
                                              "scanedge-ledger run) to migrate it");
    }
    auto pending = db_->query_int("SELECT value FROM projection_meta WHERE key = 'replay_pending'");
    if (!pending) return pending.error();
    if (pending->value_or(0) != 0) {
      return make_error("projection_pending", "ledger database " + path() +
                                                  " has not finished building its inventory projection; open it "
                                                  "read-write once (e.g. scanedge-ledger run) to complete the migration");
    }
    return read_inventory(session_, filter);
  }

  Result<std::vector<Skipped>> projection_skipped(const sync::DeviceAddress& address) override {
    std::vector<Skipped> out;
    auto s = session_.each(
        "SELECT stream, seq, problem FROM projection_skipped WHERE site = ? AND device = ? ORDER BY stream, seq",
        [&](const SqlRow& r) { out.push_back(Skipped{std::string(r.text_at(0)), r.int_at(1), std::string(r.text_at(2))}); },
        address.site, address.device);
    if (!s) return s.error();
    return out;
  }

  const std::string& path() const override { return db_->path(); }
  std::string_view backend() const override { return "sqlite"; }

 private:
  // ApplyTxn: inside the BEGIN IMMEDIATE transaction of apply_all (SQLite's write lock
  // already serialises writers: no row locks needed).
  Result<CursorRow> lock_cursor(const sync::DeviceAddress& a, Stream s) override {
    CursorRow out;
    auto st = session_.each(
        v3_ ? "SELECT stream_key, last_seq, applied, shed FROM streams WHERE site = ? AND device = ? AND stream = ?"
            : "SELECT stream_key, last_seq, applied, 0 FROM streams WHERE site = ? AND device = ? AND stream = ?",
        [&](const SqlRow& r) { out = CursorRow{r.int_at(0), r.int_at(1), r.int_at(2), r.int_at(3)}; }, a.site, a.device,
        to_string(s));
    if (!st) return st.error();
    return out;
  }
  Status lock_sites(const std::set<std::string>&) override { return {}; }
  Result<std::int64_t> create_cursor(const sync::DeviceAddress& a, Stream s) override {
    auto key = session_.query_int("INSERT INTO streams(site, device, stream) VALUES (?, ?, ?) RETURNING stream_key",
                                  a.site, a.device, to_string(s));
    if (!key) return key.error();
    if (!key->has_value()) return make_error("storage", "creating the ledger state row returned no key");
    return **key;
  }
  Status insert_event(std::int64_t key, const sync::BatchEvent& e) override {
    return session_.run(
        "INSERT INTO applied_events(stream_key, seq, id, type, body, applied_at, applied_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        key, e.seq, e.id, e.type, e.json, applied_at_, instance_);
  }
  Status store_cursor(const CursorRow& row) override {
    return session_.run("UPDATE streams SET last_seq = ?, applied = ?, shed = ? WHERE stream_key = ?", row.last_seq,
                        row.applied, row.shed, row.key);
  }

  std::unique_ptr<storage::Database> db_;
  SqliteSession session_;
  const Clock* clock_;
  bool read_only_;
  std::string instance_;
  bool v3_;  // schema v3 or later (shed, applied_by); a read-only older file has neither
  std::unique_ptr<InventoryProjection> projection_;  // read-write stores only
  std::string applied_at_;                           // of the current apply_all
};

}  // namespace

Result<std::unique_ptr<LedgerStore>> LedgerStore::open(const LedgerOptions& options) {
  std::string sync = options.synchronous;
  std::transform(sync.begin(), sync.end(), sync.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (sync != "off" && sync != "normal" && sync != "full" && sync != "extra") {
    return make_error("bad_option",
                      "ledger synchronous must be one of off, normal, full, extra; got \"" + options.synchronous + "\"");
  }
  const std::string doing = "opening ledger database " + options.path;
  auto db = storage::Database::open(options.path);
  if (!db) return with_context(db.error(), doing);
  // Refuse a newer schema before touching the journal mode.
  auto version = schema_version(**db);
  if (!version) return with_context(version.error(), doing);
  if (*version > latest_schema_version()) {
    return make_error("schema_too_new", "ledger database " + options.path + " has schema version " +
                                            std::to_string(*version) + " but this build knows only up to version " +
                                            std::to_string(latest_schema_version()) + "; refusing to open it");
  }
  {
    auto mode = (*db)->prepare("PRAGMA journal_mode=WAL");
    if (!mode) return with_context(mode.error(), doing);
    auto row = mode->step();
    if (!row) return with_context(row.error(), doing);
    const std::string got = *row ? std::string(mode->column_text(0)) : std::string();
    if (got != "wal") return make_error("storage", doing + ": could not switch to WAL journal mode (got \"" + got + "\")");
  }
  if (auto s = (*db)->exec("PRAGMA synchronous=" + sync); !s) return with_context(s.error(), doing);
  // Checkpoint less often than SQLite's default 1000 pages: fewer, larger checkpoints keep
  // the apply path fast (measured); the WAL stays bounded (about 32 MiB between them).
  if (auto s = (*db)->exec("PRAGMA wal_autocheckpoint=8192"); !s) return with_context(s.error(), doing);
  auto migrated = migrate(**db);
  if (!migrated) return with_context(migrated.error(), doing);
  const Clock* clock = options.clock != nullptr ? options.clock : &system_clock();
  return std::unique_ptr<LedgerStore>(new SqliteLedgerStore(std::move(*db), clock, false, options.instance, *migrated));
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::open_read_only(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error("not_found", "ledger database " + path + " does not exist (or is not a regular file)");
  }
  const std::string doing = "opening ledger database " + path + " read-only";
  storage::OpenOptions o;
  o.create = false;
  o.read_only = true;
  auto db = storage::Database::open(path, o);
  if (!db) return with_context(db.error(), doing);
  auto version = schema_version(**db);
  if (!version) return with_context(version.error(), doing);
  if (*version == 0) return make_error("not_a_ledger", path + " is not a scanedge ledger database (no ledger schema)");
  if (*version > latest_schema_version()) {
    return make_error("schema_too_new", "ledger database " + path + " has schema version " + std::to_string(*version) +
                                            " but this build knows only up to version " +
                                            std::to_string(latest_schema_version()));
  }
  return std::unique_ptr<LedgerStore>(new SqliteLedgerStore(std::move(*db), &system_clock(), true, {}, *version));
}

}  // namespace scanedge::ledger
