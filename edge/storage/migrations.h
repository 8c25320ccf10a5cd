// Ordered schema migrations for a SQLite database, shared by the device outbox and the ledger.
//
// The applied versions are recorded in `schema_migrations(version, applied_at)`; a database's
// version is the highest recorded one (0 for a new file). migrate() runs every missing
// migration, in order, in ONE transaction together with its version rows: a crash leaves
// the database either before or after the whole upgrade. A database newer than the code
// (version above the last migration) is refused with "schema_too_new" and left untouched:
// never downgraded.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "edge/core/result.h"
#include "edge/storage/sqlite_db.h"

namespace scanedge::storage {

struct Migration {
  std::int64_t version = 0;
  std::string_view description;
  std::string_view sql;  // one or more statements, run inside the migration transaction
};

// Highest recorded version; 0 when the table does not exist yet.
Result<std::int64_t> schema_version(Database& db);

// `what` names the database in messages ("outbox", "ledger"). `migrations` are ordered by
// version, starting at 1. Returns the version the database is at afterwards.
Result<std::int64_t> migrate(Database& db, std::string_view what, std::span<const Migration> migrations);

}  // namespace scanedge::storage
