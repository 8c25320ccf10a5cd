// InventoryProjection: the ledger's inventory, derived ONLY from applied events (the
// "inventory outcome (ledger)" column of edge/tasks/WORK_MODEL.md), written inside the
// LedgerStore's apply transaction so that it is exactly-once with the events themselves.
//
// Tables (schema migration 2, sync/ledger/schema.h):
// - stock(site, gtin, lot, on_hand, staged, returned_uninspected, damaged, disposed,
//   refurbish, shipped, handed_over, written_off): per (site, GTIN-14, lot) buckets. An
//   unknown lot (null, absent or "") is stored as "" everywhere and reported as null.
// - reservations(site, device, task, line, gtin, lot, channel, task_type, remaining): the
//   open reservations of pick / pickup / ship_from_store task lines.
// - task_progress(site, device, task, line, done): units consumed or shorted per task line
//   (a newer task version reserves qty - done).
// - last_consumer(site, gtin, ...): the last consuming event of a GTIN at a site.
// - oversells(...): one row per consuming event that found the site's on_hand of its GTIN
//   (all lots) below its qty, with the previous consumer.
// - projection_skipped(site, device, stream, seq, event_id, type, problem): applied events
//   the projection could not use (bad or missing fields).
// - projection_meta(key, value): "replay_pending" = 1 until the events applied before
//   migration 2 have been projected (replay_applied_events()).
//
// Rules per event (stream exec only; telemetry and unknown types are ignored):
//   task.received (pick, pickup, ship_from_store)  the task's reservations are replaced by
//       its lines, remaining = qty - done of that line (never below 0);
//   pick.confirmed / pick.substituted  on_hand -qty, staged +qty of item (gtin, lot); the
//       line's reservation -qty (pick.substituted: the ordered line); oversell check;
//   pickup.handed_over  on_hand -qty, handed_over +qty; reservation -qty; oversell check;
//   pick.short  per line: reservation -qty; written off from on_hand (the reserved lot when
//       the line has one, otherwise the unknown lot first, then lots in order), never
//       below 0 per bucket, written_off += what was taken;
//   pickup.partial / pickup.missed / task.cancelled  the task's reservations released;
//   receive.confirmed / receive.over  on_hand +qty; receive.pallet on_hand += contents;
//   receive.damaged  damaged +qty; return.received  returned_uninspected +qty;
//   return.inspected  returned_uninspected -qty, then on_hand | damaged | disposed |
//       refurbish +qty by disposition (restock | damaged | dispose | refurbish);
//   ship.confirmed / ship.partial  staged -qty, shipped +qty per content;
//   putback.confirmed  staged -qty, on_hand +qty; exception.damage on_hand -qty, damaged +qty;
//   then any task event whose task_state is final (picked, short, packed, received,
//   inspected, picked_up, partial, missed, shipped, done, cancelled) releases the task's
//   remaining reservations. Reservations are keyed by (site, device, task, line): a task
//   lives on the device it was sent to.
// An event with a bad or missing field changes nothing: apply() reports it as skipped
// (and records it in projection_skipped); it never fails the ledger's apply.
//
// The SQL runs over the SqlSession seam (sql_session.h): the same code projects into SQLite
// and PostgreSQL. On PostgreSQL with several ledger processes, the caller serialises the
// projection of one site (the store takes a per-site advisory lock in its apply
// transaction), so the read-then-write steps (oversell check, write-offs) see every
// earlier commit.
//
// Errors: storage codes only (the caller's transaction must then be rolled back).
// Threading: one InventoryProjection per session, used by the thread that owns it; it
// must not outlive the session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "edge/core/result.h"
#include "edge/core/stream.h"
#include "edge/storage/sqlite_db.h"
#include "sync/ledger/sql_session.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

struct ProjectionResult {
  enum class Kind { projected, ignored, skipped };
  Kind kind = Kind::ignored;
  std::string problem;  // skipped: "field: what is wrong"
};

class InventoryProjection {
 public:
  explicit InventoryProjection(SqlSession& db);
  ~InventoryProjection();
  InventoryProjection(const InventoryProjection&) = delete;
  InventoryProjection& operator=(const InventoryProjection&) = delete;

  // Projects one newly applied event. Must be called inside the transaction that applied
  // it, exactly once per applied event, in apply order. A skipped event is recorded in
  // projection_skipped and logged (the caller may throttle: `log` false suppresses it).
  // Write-behind: the additive row changes (stock, task_progress, reservations.remaining,
  // last_consumer) of the events projected since the last flush() are kept in memory and
  // coalesced, one statement per changed row at flush(); what the projection itself reads
  // meanwhile (on_hand for the oversell check, a task's progress, the last consumer) already
  // includes them.
  Result<ProjectionResult> apply(const sync::DeviceAddress& address, Stream stream, std::int64_t seq,
                                 std::string_view id, std::string_view type, std::string_view body, bool log = true);

  // Writes the pending changes. Must be called before the transaction that applied the
  // events commits (nothing is written otherwise). After it, pending state and caches are
  // empty, success or not; on failure the caller rolls back.
  Status flush();
  // Forgets pending changes and caches without writing: after a rollback, or before a new
  // transaction (the caches are only valid inside one).
  void discard();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Projects every applied exec event in apply order (applied_events rowid) when
// projection_meta.replay_pending is 1, then clears it; all inside ONE transaction opened
// here (the caller must not hold one). Returns how many events were projected (0 when no
// replay was pending).
Result<std::int64_t> replay_applied_events(storage::Database& db);

}  // namespace scanedge::ledger
