#include "edge/outbox/sqlite_outbox.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include <spdlog/spdlog.h>

#include "edge/outbox/schema.h"

namespace scanedge::outbox {

namespace {

using storage::Statement;

// Resets a cached statement when leaving a scope, so that a read that stopped early does
// not keep its read transaction (and the WAL snapshot) open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& st) : st_(st) {}
  ~ResetOnExit() { st_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& st_;
};

bool valid_stream(Stream s) { return s == Stream::exec || s == Stream::telemetry; }

std::size_t index_of(Stream s) { return static_cast<std::size_t>(s); }

Error with_context(Error e, const std::string& doing) {
  e.message = doing + ": " + e.message;
  return e;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Checks a draft; empty string when it is acceptable, otherwise what is wrong.
std::string draft_problem(const EventDraft& d) {
  if (!valid_stream(d.stream)) {
    return "unknown stream " + std::to_string(static_cast<int>(d.stream));
  }
  if (!d.body.is_object()) return std::string("body must be a JSON object, got ") + d.body.type_name();
  const auto id = d.body.find("id");
  if (id == d.body.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return "\"id\" must be a non-empty string";
  }
  const auto type = d.body.find("type");
  if (type == d.body.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    return "\"type\" must be a non-empty string";
  }
  return {};
}

struct PreparedEvent {
  Stream stream = Stream::exec;
  std::int64_t seq = 0;
  std::string id;
  std::string json;
};

Result<Statement> prepare(storage::Database& db, std::string_view sql) { return db.prepare(sql); }

}  // namespace

Result<std::unique_ptr<SqliteOutbox>> SqliteOutbox::open(const OutboxOptions& options) {
  const std::string sync = lower(options.synchronous);
  if (sync != "off" && sync != "normal" && sync != "full" && sync != "extra") {
    return make_error("bad_option", "outbox synchronous must be one of off, normal, full, extra; got \"" +
                                        options.synchronous + "\"");
  }
  if (options.max_page_count < 0) {
    return make_error("bad_option",
                      "outbox max_page_count must be >= 0 (0: no cap); got " + std::to_string(options.max_page_count));
  }
  if (options.path.empty()) return make_error("bad_option", "outbox path is empty");

  std::unique_ptr<SqliteOutbox> box(new SqliteOutbox(options.path));
  const std::string doing = "opening outbox " + options.path;

  // Writer connection: journal mode, durability, size cap, schema.
  storage::OpenOptions rw;
  rw.vfs = options.vfs;
  auto writer = storage::Database::open(options.path, rw);
  if (!writer) return writer.error();
  box->writer_ = std::move(*writer);
  storage::Database& w = *box->writer_;
  if (auto s = w.exec("PRAGMA synchronous=" + sync); !s) return with_context(s.error(), doing);
  box->synchronous_ = sync;
  if (options.max_page_count > 0) {
    auto cap = w.query_int("PRAGMA max_page_count=" + std::to_string(options.max_page_count));
    if (!cap) return with_context(cap.error(), doing);
  }
  // Schema first (refusing a newer one before anything about the file changes), then WAL.
  if (auto v = migrate(w); !v) return v.error();
  {
    auto mode = prepare(w, "PRAGMA journal_mode=WAL");
    if (!mode) return with_context(mode.error(), doing);
    auto row = mode->step();
    if (!row) return with_context(row.error(), doing);
    const std::string got = *row ? lower(std::string(mode->column_text(0))) : std::string("(none)");
    if (got != "wal") {
      return make_error("storage", doing + ": could not switch to WAL journal mode (got \"" + got + "\")");
    }
  }

  WriterStatements& ws = box->w_;
  const std::pair<Statement*, std::string_view> writer_sql[] = {
      {&ws.insert_event, "INSERT INTO events(stream, seq, id, body) VALUES (?1, ?2, ?3, ?4)"},
      {&ws.upsert_state,
       "INSERT INTO state(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
      {&ws.delete_state, "DELETE FROM state WHERE key = ?1"},
      {&ws.add_to_stream,
       "INSERT INTO streams(stream, last_seq, depth, bytes) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT(stream) DO UPDATE SET last_seq = excluded.last_seq, depth = depth + excluded.depth, "
       "bytes = bytes + excluded.bytes"},
      {&ws.measure_acked,
       "SELECT count(*), coalesce(sum(length(CAST(body AS BLOB))), 0) FROM events WHERE stream = ?1 AND seq <= ?2"},
      {&ws.delete_acked, "DELETE FROM events WHERE stream = ?1 AND seq <= ?2"},
      {&ws.record_ack,
       "UPDATE streams SET acked_through = ?2, depth = depth - ?3, bytes = bytes - ?4 WHERE stream = ?1"},
      {&ws.measure_oldest,
       "SELECT max(seq), count(*), coalesce(sum(length(CAST(body AS BLOB))), 0) FROM "
       "(SELECT seq, body FROM events WHERE stream = ?1 ORDER BY seq LIMIT ?2)"},
      {&ws.record_shed,
       "UPDATE streams SET shed_through = max(shed_through, ?2), shed = shed + ?3, depth = depth - ?3, "
       "bytes = bytes - ?4 WHERE stream = ?1"},
  };
  for (const auto& [st, sql] : writer_sql) {
    auto p = prepare(w, sql);
    if (!p) return with_context(p.error(), doing);
    *st = std::move(*p);
  }
  if (auto s = box->load_counters(); !s) return with_context(s.error(), doing);

  // Reader connection: sees the last committed state while the writer works (WAL).
  storage::OpenOptions ro;
  ro.create = false;
  ro.vfs = options.vfs;
  auto reader = storage::Database::open(options.path, ro);
  if (!reader) return reader.error();
  box->reader_ = std::move(*reader);
  storage::Database& r = *box->reader_;
  if (auto s = r.exec("PRAGMA query_only=1"); !s) return with_context(s.error(), doing);
  ReaderStatements& rs = box->r_;
  const std::pair<Statement*, std::string_view> reader_sql[] = {
      {&rs.page, "SELECT seq, body FROM events WHERE stream = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"},
      {&rs.stream_stats,
       "SELECT last_seq, acked_through, depth, bytes, shed_through, shed FROM streams WHERE stream = ?1"},
      {&rs.state_from, "SELECT key, value FROM state WHERE key >= ?1 ORDER BY key"},
  };
  for (const auto& [st, sql] : reader_sql) {
    auto p = prepare(r, sql);
    if (!p) return with_context(p.error(), doing);
    *st = std::move(*p);
  }
  return box;
}

SqliteOutbox::~SqliteOutbox() = default;

Status SqliteOutbox::load_counters() {
  counters_valid_ = false;
  auto st = writer_->prepare("SELECT stream, last_seq, acked_through FROM streams");
  if (!st) return st.error();
  std::array<Counters, 2> loaded{};
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto s = stream_from_string(st->column_text(0));
    if (!s) continue;  // a stream this build does not know: not ours to touch
    loaded[index_of(*s)] = Counters{st->column_int(1), st->column_int(2)};
  }
  counters_ = loaded;
  counters_valid_ = true;
  return {};
}

Result<std::vector<Committed>> SqliteOutbox::commit(std::span<const EventDraft> events,
                                                    std::span<const StateWrite> state) {
  // Validate everything before touching the database.
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::string problem = draft_problem(events[i]); !problem.empty()) {
      return make_error("bad_event", "outbox commit: event " + std::to_string(i) + " of " +
                                         std::to_string(events.size()) + ": " + problem + "; nothing stored");
    }
  }
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (state[i].key.empty()) {
      return make_error("bad_state", "outbox commit: state write " + std::to_string(i) + " of " +
                                         std::to_string(state.size()) + " has an empty key; nothing stored");
    }
  }
  if (events.empty() && state.empty()) return std::vector<Committed>{};

  std::lock_guard lock(writer_mu_);
  if (!counters_valid_) {
    if (auto s = load_counters(); !s) return with_context(s.error(), "outbox commit: reading stream counters");
  }

  // Assign seqs on a copy of the counters and serialise the bodies, still outside the
  // transaction; the copy becomes the truth only once COMMIT succeeded.
  std::array<Counters, 2> next = counters_;
  std::array<std::int64_t, 2> added_events{};
  std::array<std::int64_t, 2> added_bytes{};
  std::vector<PreparedEvent> prepared;
  prepared.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const EventDraft& d = events[i];
    const std::size_t k = index_of(d.stream);
    PreparedEvent p;
    p.stream = d.stream;
    p.seq = ++next[k].last_seq;
    p.id = d.body.at("id").get<std::string>();
    nlohmann::json body = d.body;
    body["seq"] = p.seq;
    body["stream"] = to_string(d.stream);
    try {
      p.json = body.dump();
    } catch (const nlohmann::json::exception& e) {
      return make_error("bad_event", "outbox commit: event " + std::to_string(i) + " of " +
                                         std::to_string(events.size()) + " cannot be serialised (" + e.what() +
                                         "); nothing stored");
    }
    added_events[k] += 1;
    added_bytes[k] += static_cast<std::int64_t>(p.json.size());
    prepared.push_back(std::move(p));
  }

  auto write_group = [&]() -> Status {
    auto tx = storage::Transaction::begin(*writer_);
    if (!tx) return tx.error();
    Statement& ins = w_.insert_event;
    for (const PreparedEvent& p : prepared) {
      ins.reset();
      if (auto s = ins.bind(1, to_string(p.stream)).bind(2, p.seq).bind(3, p.id).bind(4, p.json).run(); !s) {
        return s.error();
      }
    }
    for (const StateWrite& sw : state) {
      Statement& st = sw.value ? w_.upsert_state : w_.delete_state;
      st.reset();
      st.bind(1, sw.key);
      if (sw.value) st.bind(2, *sw.value);
      if (auto s = st.run(); !s) return s.error();
    }
    for (Stream s : kAllStreams) {
      const std::size_t k = index_of(s);
      if (added_events[k] == 0) continue;
      Statement& up = w_.add_to_stream;
      up.reset();
      if (auto r = up.bind(1, to_string(s)).bind(2, next[k].last_seq).bind(3, added_events[k]).bind(4, added_bytes[k]).run();
          !r) {
        return r.error();
      }
    }
    return tx->commit();
  };

  Status written = write_group();
  // At the size cap (or on a full disk) shed the oldest telemetry and try again, as long as
  // there is telemetry to shed; exec is never shed (invariant 6).
  std::int64_t shed_now = 0;
  while (!written && written.error().code == "storage_full") {
    auto shed = shed_oldest_telemetry();
    if (!shed || *shed == 0) break;  // nothing left to shed, or the delete itself failed
    shed_now += *shed;
    written = write_group();
  }
  if (shed_now > 0) {
    spdlog::warn("outbox {}: size cap reached; shed the {} oldest telemetry events (execution events are never shed)",
                 path_, shed_now);
  }
  if (Status s = written; !s) {
    // The transaction has been rolled back; re-read the counters from the database so the
    // cache can never drift from what is stored (a later commit retries if this fails).
    (void)load_counters();
    std::string why = "outbox commit of " + std::to_string(events.size()) + " events and " +
                      std::to_string(state.size()) + " state writes failed, nothing stored";
    if (s.error().code == "storage_full") {
      why += " (the outbox is at its size cap or the disk is full, and no telemetry is left to shed: " +
             std::to_string(counters_[index_of(Stream::exec)].last_seq -
                            counters_[index_of(Stream::exec)].acked_through) +
             " execution events wait for the ledger's ack)";
    }
    return with_context(s.error(), why);
  }
  counters_ = next;

  std::vector<Committed> out;
  out.reserve(prepared.size());
  for (const PreparedEvent& p : prepared) out.push_back(Committed{p.stream, p.seq});
  return out;
}

Status SqliteOutbox::set_max_page_count(std::int64_t pages) {
  if (pages < 0) return make_error("bad_option", "outbox max_page_count must be >= 0; got " + std::to_string(pages));
  std::lock_guard lock(writer_mu_);
  // 0 means "no cap": SQLite's largest page count.
  const std::int64_t value = pages == 0 ? std::int64_t{4294967294} : pages;
  auto r = writer_->query_int("PRAGMA max_page_count=" + std::to_string(value));
  if (!r) return with_context(r.error(), "outbox set_max_page_count");
  return {};
}

Result<std::int64_t> SqliteOutbox::shed_oldest_telemetry() {
  const std::string name(to_string(Stream::telemetry));
  std::int64_t depth = 0;
  {
    auto st = writer_->prepare("SELECT depth FROM streams WHERE stream = ?1");
    if (!st) return st.error();
    auto row = st->bind(1, name).step();
    if (!row) return row.error();
    if (*row) depth = st->column_int(0);
  }
  if (depth <= 0) return std::int64_t{0};
  // A sixteenth of the backlog (at least 64 events) per round: a few rounds free room for any
  // group, and a burst at the cap does not pay one delete transaction per scan.
  const std::int64_t chunk = std::max<std::int64_t>(64, depth / 16);
  std::int64_t shed = 0;
  auto tx = storage::Transaction::begin(*writer_);
  if (!tx) return tx.error();
  std::int64_t through = 0, bytes = 0;
  {
    Statement& m = w_.measure_oldest;
    m.reset();
    ResetOnExit guard(m);
    auto row = m.bind(1, name).bind(2, chunk).step();
    if (!row) return row.error();
    if (!*row || m.column_int(1) == 0) return std::int64_t{0};
    through = m.column_int(0);
    shed = m.column_int(1);
    bytes = m.column_int(2);
  }
  Statement& del = w_.delete_acked;
  del.reset();
  if (auto r = del.bind(1, name).bind(2, through).run(); !r) return r.error();
  Statement& rec = w_.record_shed;
  rec.reset();
  if (auto r = rec.bind(1, name).bind(2, through).bind(3, shed).bind(4, bytes).run(); !r) return r.error();
  if (auto r = tx->commit(); !r) return r.error();
  return shed;
}

Result<std::vector<StoredEvent>> SqliteOutbox::read_page(Stream stream, std::int64_t after_seq,
                                                         std::size_t max_events, std::size_t max_bytes) {
  if (!valid_stream(stream)) {
    return make_error("bad_stream", "outbox read_page: unknown stream " + std::to_string(static_cast<int>(stream)));
  }
  std::vector<StoredEvent> out;
  if (max_events == 0) return out;
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(max_events, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));

  std::lock_guard lock(reader_mu_);
  Statement& st = r_.page;
  st.reset();
  ResetOnExit guard(st);
  st.bind(1, to_string(stream)).bind(2, after_seq).bind(3, limit);
  std::size_t bytes = 0;
  for (;;) {
    auto row = st.step();
    if (!row) return with_context(row.error(), "outbox read_page " + std::string(to_string(stream)));
    if (!*row) break;
    const std::string_view json = st.column_text(1);
    if (!out.empty() && bytes + json.size() > max_bytes) break;
    bytes += json.size();
    out.push_back(StoredEvent{st.column_int(0), std::string(json)});
  }
  return out;
}

Result<std::int64_t> SqliteOutbox::apply_ack(Stream stream, std::int64_t acked_through) {
  if (!valid_stream(stream)) {
    return make_error("bad_stream", "outbox apply_ack: unknown stream " + std::to_string(static_cast<int>(stream)));
  }
  const std::string name(to_string(stream));
  const std::size_t k = index_of(stream);

  std::lock_guard lock(writer_mu_);
  if (!counters_valid_) {
    if (auto s = load_counters(); !s) return with_context(s.error(), "outbox apply_ack: reading stream counters");
  }
  const Counters c = counters_[k];
  if (acked_through <= c.acked_through) return std::int64_t{0};
  if (acked_through > c.last_seq) {
    return make_error("bad_ack", "outbox apply_ack: ack of " + name + " through " + std::to_string(acked_through) +
                                     " is beyond the last assigned seq " + std::to_string(c.last_seq) +
                                     "; nothing changed");
  }

  std::int64_t deleted = 0;
  auto prune = [&]() -> Status {
    auto tx = storage::Transaction::begin(*writer_);
    if (!tx) return tx.error();
    std::int64_t bytes = 0;
    {
      Statement& m = w_.measure_acked;
      m.reset();
      ResetOnExit guard(m);
      auto row = m.bind(1, name).bind(2, acked_through).step();
      if (!row) return row.error();
      if (*row) {
        deleted = m.column_int(0);
        bytes = m.column_int(1);
      }
    }
    Statement& del = w_.delete_acked;
    del.reset();
    if (auto s = del.bind(1, name).bind(2, acked_through).run(); !s) return s.error();
    Statement& rec = w_.record_ack;
    rec.reset();
    if (auto s = rec.bind(1, name).bind(2, acked_through).bind(3, deleted).bind(4, bytes).run(); !s) return s;
    return tx->commit();
  };
  // An ack need not be fsynced on its own: if power fails before the next durable commit
  // makes it stick, the device merely resends events the ledger already applied, and the
  // ledger acks them again as duplicates. Skipping that fsync keeps the writer lock short, so
  // a scan's commit never waits behind an ack's disk flush. (WAL mode: the database stays
  // consistent either way; the next synchronous=FULL commit syncs these frames too.)
  const bool durable = synchronous_ == "full" || synchronous_ == "extra";
  if (durable) (void)writer_->exec("PRAGMA synchronous=NORMAL");
  Status pruned = prune();
  if (durable) (void)writer_->exec("PRAGMA synchronous=" + synchronous_);
  if (Status s = pruned; !s) {
    (void)load_counters();
    return with_context(s.error(), "outbox apply_ack of " + name + " through " + std::to_string(acked_through) +
                                       " failed, nothing changed");
  }
  counters_[k].acked_through = acked_through;
  return deleted;
}

Result<StreamStats> SqliteOutbox::stats(Stream stream) {
  if (!valid_stream(stream)) {
    return make_error("bad_stream", "outbox stats: unknown stream " + std::to_string(static_cast<int>(stream)));
  }
  std::lock_guard lock(reader_mu_);
  Statement& st = r_.stream_stats;
  st.reset();
  ResetOnExit guard(st);
  auto row = st.bind(1, to_string(stream)).step();
  if (!row) return with_context(row.error(), "outbox stats " + std::string(to_string(stream)));
  StreamStats out;
  if (*row) {
    out.last_seq = st.column_int(0);
    out.acked_through = st.column_int(1);
    out.depth = st.column_int(2);
    out.bytes = st.column_int(3);
    out.shed_through = st.column_int(4);
    out.shed = st.column_int(5);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteOutbox::load_state(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  std::lock_guard lock(reader_mu_);
  Statement& st = r_.state_from;
  st.reset();
  ResetOnExit guard(st);
  // Keys compare bytewise (BINARY collation), so all keys with the prefix follow `prefix`
  // contiguously: scan from there and stop at the first key without it.
  st.bind(1, prefix);
  for (;;) {
    auto row = st.step();
    if (!row) return with_context(row.error(), "outbox load_state \"" + prefix + "\"");
    if (!*row) break;
    const std::string_view key = st.column_text(0);
    if (!key.starts_with(prefix)) break;
    out.emplace_back(std::string(key), std::string(st.column_text(1)));
  }
  return out;
}

}  // namespace scanedge::outbox
