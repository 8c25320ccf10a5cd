// ReadFilter: turns a stream of raw RFID tag reads into scans and presence events.
//
// A fixed reader reports the same tag on every inventory round and every antenna (700-1500
// reads/s), and also catches stray reads of nearby items. The filter, per EPC:
//   1. ignores reads weaker than `rssi_min_dbm` (counted; NaN RSSI counts as weaker);
//   2. collects reads in a qualification window that starts at the tag's first read: a tag
//      qualifies when it has `min_reads` reads within [first, first + window) (half-open: a
//      read exactly `window` after the first starts a new window with a count of 1);
//   3. on qualifying emits `appear` — the one scan of that tag; later reads of a present tag
//      are duplicates (folded into its statistics, counted, no event);
//   4. emits `disappear` once the tag has not been read for `absence_timeout` (a read exactly
//      `absence_timeout` after the last one comes too late: the tag disappears first and the
//      read starts a new session), when it is evicted, or on flush(); reading it again after
//      that is a new appear.
// Statistics kept per tag: first seen, last seen, read count, peak RSSI, antenna of the peak
// (see presence_event.h).
//
// Time: every read carries Clock::monotonic() (TagRead::time); poll(now) lets time pass
//   without reads. The filter's time is the latest time it was given; a read stamped earlier
//   is treated as taken at the filter's time and counted in `out_of_order`. Timeouts are
//   evaluated at every feed() and poll(), and a timed-out tag's disappear is stamped
//   last_seen + absence_timeout, so the events (kinds, order, stamps) do not depend on how
//   often poll() runs. No threads, no sleeping, no reading of clocks by the filter itself.
// Memory: at most `max_tags` tags are tracked (pending + present). All storage is reserved
//   by create(); feed()/poll() do not allocate, except that the event buffer grows when one
//   call yields more events than any call before. When a new tag arrives at a full table the
//   least recently read pending (not yet qualified) tag is dropped; if there is none, the
//   least recently read present tag is evicted with a `disappear` (reason evicted). Both are
//   counted in `evicted`. Pending tags whose window has passed (last read + window <= now)
//   are dropped (counted in `strays`).
// Results: feed(), poll() and flush() return the events the call produced, in time order,
//   as a view into a buffer owned by the filter, valid until the next call on it.
// Counters: every read lands in exactly one of invalid, below_threshold, pending_reads,
//   qualified, duplicates_suppressed (their sum is reads_in); appears == qualified.
// Threading: NOT thread-safe. One filter is owned and driven by one thread (the reader's
//   driver thread); counters() is a plain read for that same thread.
// Errors: create() validates the settings (filter_settings.h) and returns
//   `rfid_settings_invalid` naming the key; a read with an empty EPC is counted as invalid.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "edge/core/clock.h"
#include "edge/core/result.h"
#include "edge/rfid/filter_settings.h"
#include "edge/rfid/presence_event.h"
#include "edge/rfid/tag_read.h"
#include "edge/rfid/tag_table.h"

namespace scanedge::rfid {

struct ReadFilterCounters {
  std::uint64_t reads_in = 0;               // every feed()
  std::uint64_t invalid = 0;                // empty EPC
  std::uint64_t below_threshold = 0;        // RSSI < rssi_min_dbm (or NaN)
  std::uint64_t pending_reads = 0;          // accepted reads of a tag not (yet) qualified
  std::uint64_t qualified = 0;              // reads that made their tag qualify (= appears)
  std::uint64_t duplicates_suppressed = 0;  // accepted reads of an already present tag
  std::uint64_t out_of_order = 0;           // reads stamped before the filter's time
  std::uint64_t appears = 0;
  std::uint64_t disappears = 0;             // all reasons
  std::uint64_t evicted = 0;                // tags pushed out of a full table (pending or present)
  std::uint64_t strays = 0;                 // pending tags dropped without qualifying
};

class ReadFilter {
 public:
  static Result<ReadFilter> create(const RfidFilterSettings& settings);

  std::span<const PresenceEvent> feed(const TagRead& read);
  std::span<const PresenceEvent> poll(std::chrono::nanoseconds now);
  std::span<const PresenceEvent> poll(const Clock& clock) { return poll(clock.monotonic()); }
  // Ends every session at `now` (e.g. the reader went away): timed-out tags disappear as
  // usual, the remaining present tags disappear with reason flushed, pending tags are dropped.
  std::span<const PresenceEvent> flush(std::chrono::nanoseconds now);

  const ReadFilterCounters& counters() const { return counters_; }
  const RfidFilterSettings& settings() const { return settings_; }
  std::size_t tracked() const { return table_.size(); }
  std::size_t present() const { return table_.list_size(TagList::present); }

 private:
  explicit ReadFilter(const RfidFilterSettings& settings);

  std::chrono::nanoseconds advance(std::chrono::nanoseconds t, bool is_read);
  void expire(std::chrono::nanoseconds now);
  void evict_one(std::chrono::nanoseconds now);
  void emit(const TrackedTag& tag, PresenceKind kind, DisappearReason reason, std::chrono::nanoseconds at);

  RfidFilterSettings settings_;
  std::chrono::nanoseconds window_;
  std::chrono::nanoseconds absence_;
  TagTable table_;
  std::vector<PresenceEvent> events_;
  ReadFilterCounters counters_;
  std::chrono::nanoseconds now_{0};
  bool has_time_ = false;
};

}  // namespace scanedge::rfid
