#include "edge/outbox/outbox_reader.h"

#include <sys/stat.h>

#include "edge/outbox/schema.h"

namespace scanedge::outbox {

Result<std::unique_ptr<OutboxReader>> OutboxReader::open(const std::string& path) {
  struct stat sb{};
  if (::stat(path.c_str(), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    return make_error("not_found", "outbox " + path + ": no such file (is storage.path right?)");
  }
  storage::OpenOptions o;
  o.create = false;
  o.read_only = true;
  auto db = storage::Database::open(path, o);
  if (!db) return db.error();
  if (auto s = (*db)->exec("PRAGMA query_only=1"); !s) return s.error();
  auto tables = (*db)->query_int(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'streams', "
      "'schema_migrations')");
  if (!tables) return tables.error();
  if (tables->value_or(0) != 3) {
    return make_error("not_an_outbox", "outbox " + path + ": not a scanedge outbox database (no outbox tables)");
  }
  auto v = storage::schema_version(**db);
  if (!v) return v.error();
  if (*v > latest_schema_version()) {
    return make_error("schema_too_new", "outbox " + path + ": schema version " + std::to_string(*v) +
                                            " is newer than this build knows (" +
                                            std::to_string(latest_schema_version()) + "): use the matching scanedgectl");
  }
  return std::unique_ptr<OutboxReader>(new OutboxReader(path, std::move(*db), *v));
}

Result<StreamSummary> OutboxReader::summary(Stream stream) {
  if (auto s = db_->exec("BEGIN"); !s) return s.error();
  auto finish = [&] { (void)db_->exec("COMMIT"); };
  StreamSummary out;
  {
    // shed columns exist from schema version 2 on.
    auto st = db_->prepare(version_ >= 2
                               ? "SELECT last_seq, acked_through, depth, bytes, shed_through, shed FROM streams "
                                 "WHERE stream = ?1"
                               : "SELECT last_seq, acked_through, depth, bytes, 0, 0 FROM streams WHERE stream = ?1");
    if (!st) return finish(), Result<StreamSummary>(st.error());
    st->bind(1, to_string(stream));
    auto row = st->step();
    if (!row) return finish(), Result<StreamSummary>(row.error());
    if (*row) {
      out.stats = StreamStats{st->column_int(0), st->column_int(1), st->column_int(2),
                              st->column_int(3), st->column_int(4), st->column_int(5)};
    }
  }
  {
    auto st = db_->prepare("SELECT min(seq) FROM events WHERE stream = ?1");
    if (!st) return finish(), Result<StreamSummary>(st.error());
    st->bind(1, to_string(stream));
    auto row = st->step();
    if (!row) return finish(), Result<StreamSummary>(row.error());
    if (*row && !st->column_is_null(0)) out.first_seq = st->column_int(0);
  }
  finish();
  return out;
}

Result<std::vector<StoredEvent>> OutboxReader::range(Stream stream, std::int64_t from_seq, std::int64_t to_seq,
                                                     std::size_t limit) {
  std::vector<StoredEvent> out;
  if (limit == 0 || to_seq < from_seq) return out;
  auto st = db_->prepare("SELECT seq, body FROM events WHERE stream = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4");
  if (!st) return st.error();
  st->bind(1, to_string(stream)).bind(2, from_seq).bind(3, to_seq).bind(4, static_cast<std::int64_t>(limit));
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(StoredEvent{st->column_int(0), std::string(st->column_text(1))});
  }
  return out;
}

}  // namespace scanedge::outbox
