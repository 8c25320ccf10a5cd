// The apply rules of LedgerStore (ledger_store.h: duplicates, gaps, shed_through, the
// projection of newly applied events), written once over the backend's primitives inside
// the backend's open write transaction. Internal to sync/ledger.
//
// Order of work in run_apply():
//   1. the cursor of every (site, device, stream) of the call is loaded with
//      ApplyTxn::lock_cursor(), in ascending (site, device, stream) order (bytewise): a
//      backend that locks rows there (PostgreSQL) always locks in the same order;
//   2. ApplyTxn::lock_sites() with the sites whose exec batches will apply something (the
//      projection's serialisation point on PostgreSQL), ascending;
//   3. the batches, in order: events inserted, projected, cursors advanced in memory;
//   4. the projection's pending changes written (InventoryProjection::flush());
//   5. the changed cursors written with ApplyTxn::store_cursor().
// The caller commits when `changed`, and otherwise rolls back (nothing to write).
// Errors: the primitives' and the projection's, unchanged; the caller rolls back.
// Threading: the calling thread only.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "edge/core/result.h"
#include "sync/ledger/inventory_projection.h"
#include "sync/ledger/ledger_store.h"

namespace scanedge::ledger {

struct CursorRow {
  std::int64_t key = 0;  // 0: no row yet (create_cursor() makes one)
  std::int64_t last_seq = 0;
  std::int64_t applied = 0;
  std::int64_t shed = 0;
};

class ApplyTxn {
 public:
  virtual ~ApplyTxn() = default;
  virtual Result<CursorRow> lock_cursor(const sync::DeviceAddress& address, Stream stream) = 0;
  virtual Status lock_sites(const std::set<std::string>& sites) = 0;
  virtual Result<std::int64_t> create_cursor(const sync::DeviceAddress& address, Stream stream) = 0;
  virtual Status insert_event(std::int64_t key, const sync::BatchEvent& event) = 0;
  virtual Status store_cursor(const CursorRow& row) = 0;
};

struct ApplyRun {
  std::vector<ApplyOutcome> outcomes;  // one per batch
  bool changed = false;                // something to commit
};

Result<ApplyRun> run_apply(ApplyTxn& txn, InventoryProjection& projection, std::span<const sync::Batch* const> batches);

}  // namespace scanedge::ledger
