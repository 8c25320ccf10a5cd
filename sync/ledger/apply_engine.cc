#include "sync/ledger/apply_engine.h"

#include <map>
#include <string_view>
#include <tuple>

#include <spdlog/spdlog.h>

namespace scanedge::ledger {

namespace {

Error with_context(Error e, const std::string& doing) {
  e.message = doing + ": " + e.message;
  return e;
}

}  // namespace

Result<ApplyRun> run_apply(ApplyTxn& txn, InventoryProjection& projection,
                           std::span<const sync::Batch* const> batches) {
  struct Cursor {
    const sync::Batch* first = nullptr;  // for the address
    CursorRow row;
    bool changed = false;
  };
  // Ordered by (site, device, stream), bytewise: the lock order.
  std::map<std::tuple<std::string_view, std::string_view, Stream>, Cursor> cursors;
  for (const sync::Batch* b : batches) {
    const auto key = std::make_tuple(std::string_view(b->address.site), std::string_view(b->address.device), b->stream);
    cursors.try_emplace(key, Cursor{b, {}, false});
  }
  for (auto& [key, c] : cursors) {
    auto row = txn.lock_cursor(c.first->address, c.first->stream);
    if (!row) return with_context(row.error(), "reading ledger state");
    c.row = *row;
  }
  // Sites whose exec batches apply something new: the projection writes there.
  {
    std::set<std::string> sites;
    std::map<std::tuple<std::string_view, std::string_view, Stream>, std::int64_t> reach;  // simulated last_seq
    for (const sync::Batch* b : batches) {
      if (b->stream != Stream::exec || b->events.empty()) continue;
      const auto key = std::make_tuple(std::string_view(b->address.site), std::string_view(b->address.device), b->stream);
      auto [it, fresh] = reach.try_emplace(key, cursors.at(key).row.last_seq);
      (void)fresh;
      if (b->events.back().seq > it->second) sites.insert(b->address.site);
      it->second = std::max(it->second, b->events.back().seq);
    }
    if (!sites.empty()) {
      if (auto s = txn.lock_sites(sites); !s) return with_context(s.error(), "locking sites for the inventory projection");
    }
  }

  // Whatever an earlier run left pending (it failed and was rolled back) is void.
  projection.discard();
  ApplyRun run;
  run.outcomes.reserve(batches.size());
  constexpr int kMaxProjectionWarnings = 20;
  int unprojected_logged = 0;
  for (const sync::Batch* batch : batches) {
    Cursor& c = cursors.at(
        std::make_tuple(std::string_view(batch->address.site), std::string_view(batch->address.device), batch->stream));
    ApplyOutcome out;
    auto ensure_row = [&]() -> Status {
      if (c.row.key != 0) return {};
      auto k = txn.create_cursor(batch->address, batch->stream);
      if (!k) return with_context(k.error(), "creating ledger state");
      c.row.key = *k;
      return {};
    };
    // Telemetry the device shed at its outbox cap: those seqs never come.
    if (batch->stream == Stream::telemetry && batch->shed_through && *batch->shed_through > c.row.last_seq) {
      if (auto s = ensure_row(); !s) return s.error();
      out.shed = *batch->shed_through - c.row.last_seq;
      c.row.shed += out.shed;
      c.row.last_seq = *batch->shed_through;
      c.changed = true;
      run.changed = true;
    }
    for (const sync::BatchEvent& e : batch->events) {
      if (e.seq <= c.row.last_seq) {
        ++out.duplicates;
        continue;
      }
      if (e.seq != c.row.last_seq + 1) {
        out.expect = c.row.last_seq + 1;
        break;
      }
      if (auto s = ensure_row(); !s) return s.error();
      if (auto s = txn.insert_event(c.row.key, e); !s) {
        return with_context(s.error(), "storing event seq " + std::to_string(e.seq));
      }
      auto projected = projection.apply(batch->address, batch->stream, e.seq, e.id, e.type, e.json,
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
      run.changed = true;
    }
    out.acked_through = c.row.last_seq;
    run.outcomes.push_back(out);
  }
  if (!run.changed) return run;
  if (auto s = projection.flush(); !s) return with_context(s.error(), "writing the inventory projection");
  for (auto& [key, c] : cursors) {
    if (!c.changed) continue;
    if (auto s = txn.store_cursor(c.row); !s) return with_context(s.error(), "updating ledger state");
  }
  return run;
}

}  // namespace scanedge::ledger
