#include "edge/outbox/schema.h"

#include <array>
#include <string>

#include "edge/storage/migrations.h"

namespace scanedge::outbox {

namespace {

constexpr std::array<Migration, 2> kMigrations{{
    {1, "events per stream, stream counters, key/value state",
     "CREATE TABLE events ("
     " stream TEXT NOT NULL,"
     " seq INTEGER NOT NULL,"
     " id TEXT NOT NULL,"
     " body TEXT NOT NULL,"
     " PRIMARY KEY (stream, seq)"
     ") WITHOUT ROWID;"
     "CREATE TABLE streams ("
     " stream TEXT PRIMARY KEY,"
     " last_seq INTEGER NOT NULL DEFAULT 0,"
     " acked_through INTEGER NOT NULL DEFAULT 0,"
     " depth INTEGER NOT NULL DEFAULT 0,"
     " bytes INTEGER NOT NULL DEFAULT 0"
     ");"
     "CREATE TABLE state ("
     " key TEXT PRIMARY KEY,"
     " value TEXT NOT NULL"
     ");"},
    {2, "telemetry shedding at the size cap: shed_through and shed per stream",
     "ALTER TABLE streams ADD COLUMN shed_through INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE streams ADD COLUMN shed INTEGER NOT NULL DEFAULT 0;"},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

std::int64_t latest_schema_version() { return kMigrations.back().version; }

Result<std::int64_t> migrate(storage::Database& db) { return storage::migrate(db, "outbox", kMigrations); }

}  // namespace scanedge::outbox
