#include "sync/ledger/ledger_store.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <map>
#include <tuple>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>

#include "edge/core/event_id.h"
#include "sync/ledger/inventory_projection.h"
#include "sync/ledger/schema.h"

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

}  // namespace

struct LedgerStore::Impl {
  std::unique_ptr<storage::Database> db;
  const Clock* clock = nullptr;
  bool read_only = false;
  storage::Statement select_state;
  storage::Statement insert_stream;
  storage::Statement update_state;
  storage::Statement insert_event;
  storage::Statement all_states;
  storage::Statement page;
  std::unique_ptr<InventoryProjection> projection;  // read-write stores only

  Status prepare_all() {
    struct Item {
      storage::Statement* st;
      const char* sql;
    };
    const Item items[] = {
        {&select_state,
         "SELECT stream_key, last_seq, applied FROM streams WHERE site = ? AND device = ? AND stream = ?"},
        {&all_states, "SELECT site, device, stream, last_seq, applied FROM streams ORDER BY site, device, stream"},
        {&page,
         "SELECT e.seq, e.id, e.type, e.body, e.applied_at FROM applied_events e"
         " JOIN streams s ON s.stream_key = e.stream_key"
         " WHERE s.site = ? AND s.device = ? AND s.stream = ? AND e.seq > ? ORDER BY e.seq LIMIT ?"},
    };
    for (const Item& i : items) {
      auto st = db->prepare(i.sql);
      if (!st) return st.error();
      *i.st = std::move(*st);
    }
    if (read_only) return {};
    const Item writes[] = {
        {&insert_stream, "INSERT INTO streams(site, device, stream) VALUES (?, ?, ?) RETURNING stream_key"},
        {&update_state, "UPDATE streams SET last_seq = ?, applied = ? WHERE stream_key = ?"},
        {&insert_event,
         "INSERT INTO applied_events(stream_key, seq, id, type, body, applied_at) VALUES (?, ?, ?, ?, ?, ?)"},
    };
    for (const Item& i : writes) {
      auto st = db->prepare(i.sql);
      if (!st) return st.error();
      *i.st = std::move(*st);
    }
    return {};
  }

  struct Row {
    std::int64_t key = 0;  // 0: no row yet
    std::int64_t last_seq = 0;
    std::int64_t applied = 0;
  };

  Result<Row> load_state(const sync::DeviceAddress& a, Stream s) {
    select_state.reset();
    select_state.bind(1, a.site).bind(2, a.device).bind(3, to_string(s));
    auto row = select_state.step();
    if (!row) return row.error();
    Row out;
    if (*row) out = {select_state.column_int(0), select_state.column_int(1), select_state.column_int(2)};
    select_state.reset();
    return out;
  }

  // Creates the streams row of a (device, stream) and returns its key.
  Result<std::int64_t> create_stream(const sync::DeviceAddress& a, Stream s) {
    insert_stream.reset();
    insert_stream.bind(1, a.site).bind(2, a.device).bind(3, to_string(s));
    auto row = insert_stream.step();
    if (!row) return row.error();
    if (!*row) return make_error("storage", "creating the ledger state row returned no key");
    const std::int64_t key = insert_stream.column_int(0);
    insert_stream.reset();
    return key;
  }
};

LedgerStore::LedgerStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerStore::~LedgerStore() = default;

const std::string& LedgerStore::path() const { return impl_->db->path(); }

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
  if (auto m = migrate(**db); !m) return with_context(m.error(), doing);
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->clock = options.clock != nullptr ? options.clock : &system_clock();
  if (auto s = impl->prepare_all(); !s) return with_context(s.error(), doing);
  impl->projection = std::make_unique<InventoryProjection>(*impl->db);
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(impl)));
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
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->clock = &system_clock();
  impl->read_only = true;
  if (auto s = impl->prepare_all(); !s) return with_context(s.error(), doing);
  return std::unique_ptr<LedgerStore>(new LedgerStore(std::move(impl)));
}

Result<ApplyOutcome> LedgerStore::apply(const sync::Batch& batch) {
  const sync::Batch* one[] = {&batch};
  auto r = apply_all(one);
  if (!r) return r.error();
  return r->front();
}

Result<std::vector<ApplyOutcome>> LedgerStore::apply_all(std::span<const sync::Batch* const> batches) {
  if (impl_->read_only) return make_error("read_only", "ledger database " + path() + " was opened read-only");
  std::vector<ApplyOutcome> outcomes;
  outcomes.reserve(batches.size());
  if (batches.empty()) return outcomes;

  auto tx = storage::Transaction::begin(*impl_->db);
  if (!tx) return with_context(tx.error(), "applying batches");

  struct Cursor {
    Impl::Row row;
    bool changed;
  };
  std::map<std::tuple<std::string_view, std::string_view, Stream>, Cursor> cursors;
  const std::string applied_at = format_time_utc(impl_->clock->wall());
  storage::Statement& ins = impl_->insert_event;
  bool any_change = false;
  constexpr int kMaxProjectionWarnings = 20;
  int unprojected_logged = 0;

  for (const sync::Batch* batch : batches) {
    const auto key = std::make_tuple(std::string_view(batch->address.site), std::string_view(batch->address.device),
                                     batch->stream);
    auto it = cursors.find(key);
    if (it == cursors.end()) {
      auto st = impl_->load_state(batch->address, batch->stream);
      if (!st) return with_context(st.error(), "reading ledger state");
      it = cursors.emplace(key, Cursor{*st, false}).first;
    }
    Cursor& c = it->second;
    ApplyOutcome out;
    for (const sync::BatchEvent& e : batch->events) {
      if (e.seq <= c.row.last_seq) {
        ++out.duplicates;
        continue;
      }
      if (e.seq != c.row.last_seq + 1) {
        out.expect = c.row.last_seq + 1;
        break;
      }
      if (c.row.key == 0) {
        auto k = impl_->create_stream(batch->address, batch->stream);
        if (!k) return with_context(k.error(), "creating ledger state");
        c.row.key = *k;
      }
      ins.reset();
      ins.bind(1, c.row.key).bind(2, e.seq).bind(3, e.id).bind(4, e.type).bind(5, e.json).bind(6, applied_at);
      if (auto s = ins.run(); !s) {
        ins.reset();
        return with_context(s.error(), "storing event seq " + std::to_string(e.seq));
      }
      auto projected = impl_->projection->apply(batch->address, batch->stream, e.seq, e.id, e.type, e.json,
                                                unprojected_logged < kMaxProjectionWarnings);
      if (!projected) return with_context(projected.error(), "projecting event seq " + std::to_string(e.seq));
      if (projected->kind == ProjectionResult::Kind::skipped) {
        ++out.unprojected;
        if (++unprojected_logged == kMaxProjectionWarnings) {
          spdlog::warn("ledger: inventory projection: further skipped events of this apply are not logged "
                       "(see table projection_skipped)");
        }
      }
      c.row.last_seq = e.seq;
      ++c.row.applied;
      ++out.applied;
      c.changed = true;
      any_change = true;
    }
    out.acked_through = c.row.last_seq;
    outcomes.push_back(out);
  }
  ins.reset();
  if (!any_change) return outcomes;  // nothing to write: the transaction rolls back, no fsync

  storage::Statement& up = impl_->update_state;
  for (auto& [key, c] : cursors) {
    if (!c.changed) continue;
    up.reset();
    up.bind(1, c.row.last_seq).bind(2, c.row.applied).bind(3, c.row.key);
    if (auto s = up.run(); !s) {
      up.reset();
      return with_context(s.error(), "updating ledger state");
    }
  }
  up.reset();
  if (auto s = tx->commit(); !s) return with_context(s.error(), "committing applied events");
  return outcomes;
}

Result<StreamState> LedgerStore::state(const sync::DeviceAddress& address, Stream stream) {
  auto st = impl_->load_state(address, stream);
  if (!st) return st.error();
  return StreamState{address, stream, st->last_seq, st->applied};
}

Result<std::vector<StreamState>> LedgerStore::states() {
  storage::Statement& q = impl_->all_states;
  q.reset();
  std::vector<StreamState> out;
  for (;;) {
    auto row = q.step();
    if (!row) {
      q.reset();
      return row.error();
    }
    if (!*row) break;
    const auto stream = stream_from_string(q.column_text(2));
    if (!stream) continue;  // not written by this build: skip rather than misreport
    out.push_back(StreamState{{std::string(q.column_text(0)), std::string(q.column_text(1))},
                              *stream,
                              q.column_int(3),
                              q.column_int(4)});
  }
  q.reset();
  return out;
}

Result<std::vector<AppliedEvent>> LedgerStore::events(const sync::DeviceAddress& address, Stream stream,
                                                      std::int64_t after_seq, std::size_t limit) {
  storage::Statement& q = impl_->page;
  q.reset();
  const auto lim = static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
  q.bind(1, address.site).bind(2, address.device).bind(3, to_string(stream)).bind(4, after_seq).bind(5, lim);
  std::vector<AppliedEvent> out;
  for (;;) {
    auto row = q.step();
    if (!row) {
      q.reset();
      return row.error();
    }
    if (!*row) break;
    out.push_back(AppliedEvent{q.column_int(0), std::string(q.column_text(1)), std::string(q.column_text(2)),
                               std::string(q.column_text(3)), std::string(q.column_text(4))});
  }
  q.reset();
  return out;
}

Result<InventorySnapshot> LedgerStore::inventory(const InventoryFilter& filter) {
  return read_inventory(*impl_->db, filter);
}

}  // namespace scanedge::ledger
