// LedgerStore: what both backends share (ledger_store.h), and opening by location.
#include "sync/ledger/ledger_store.h"

#include "sync/ledger/pg_ledger_store.h"

namespace scanedge::ledger {

Result<ApplyOutcome> LedgerStore::apply(const sync::Batch& batch) {
  const sync::Batch* one[] = {&batch};
  auto r = apply_all(one);
  if (!r) return r.error();
  return r->front();
}

bool is_postgres_location(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<LedgerStore>> open_ledger(const std::string& location, LedgerOptions options) {
  if (is_postgres_location(location)) return PgLedgerStore::open(location, options);
  options.path = location;
  return LedgerStore::open(options);
}

Result<std::unique_ptr<LedgerStore>> open_ledger_read_only(const std::string& location) {
  if (is_postgres_location(location)) return PgLedgerStore::open_read_only(location);
  return LedgerStore::open_read_only(location);
}

}  // namespace scanedge::ledger
