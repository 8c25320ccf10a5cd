#include "sync/ledger/schema.h"

#include <array>
#include <string>
#include <string_view>

#include "edge/storage/migrations.h"

namespace scanedge::ledger {

namespace {

using storage::Migration;

constexpr std::array<Migration, 1> kMigrations{{
    {1, "per-(site, device, stream) state, applied events keyed by (stream_key, seq), a joined view",
     "CREATE TABLE streams ("
     " stream_key INTEGER PRIMARY KEY,"
     " site TEXT NOT NULL,"
     " device TEXT NOT NULL,"
     " stream TEXT NOT NULL,"
     " last_seq INTEGER NOT NULL DEFAULT 0,"
     " applied INTEGER NOT NULL DEFAULT 0,"
     " UNIQUE (site, device, stream)"
     ");"
     "CREATE TABLE applied_events ("
     " stream_key INTEGER NOT NULL REFERENCES streams(stream_key),"
     " seq INTEGER NOT NULL,"
     " id TEXT NOT NULL,"
     " type TEXT NOT NULL,"
     " body TEXT NOT NULL,"
     " applied_at TEXT NOT NULL,"
     " PRIMARY KEY (stream_key, seq)"
     ");"
     "CREATE VIEW applied_events_view AS"
     " SELECT s.site, s.device, s.stream, e.seq, e.id, e.type, e.body, e.applied_at"
     " FROM applied_events e JOIN streams s ON s.stream_key = e.stream_key;"},
}};

}  // namespace

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<std::int64_t> migrate(storage::Database& db) { return storage::migrate(db, "ledger", kMigrations); }

}  // namespace scanedge::ledger
