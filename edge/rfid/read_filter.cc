#include "edge/rfid/read_filter.h"

#include <limits>

namespace scanedge::rfid {
namespace {

using std::chrono::nanoseconds;

// b - a for b >= a, exact even when the subtraction would overflow int64.
std::uint64_t elapsed(nanoseconds a, nanoseconds b) {
  return static_cast<std::uint64_t>(b.count()) - static_cast<std::uint64_t>(a.count());
}

bool at_least(nanoseconds from, nanoseconds to, nanoseconds span) {
  return to >= from && elapsed(from, to) >= static_cast<std::uint64_t>(span.count());
}

nanoseconds add_saturated(nanoseconds t, nanoseconds d) {
  const auto max = std::numeric_limits<nanoseconds::rep>::max();
  if (t.count() > max - d.count()) return nanoseconds(max);
  return t + d;
}

void record_peak(TrackedTag& t, const TagRead& r) {
  if (r.rssi_dbm > t.peak_rssi_dbm) {
    t.peak_rssi_dbm = r.rssi_dbm;
    t.peak_antenna = r.antenna;
  }
}

void start_window(TrackedTag& t, const TagRead& r, nanoseconds now) {
  t.first_seen = now;
  t.last_seen = now;
  t.reads = 1;
  t.peak_rssi_dbm = r.rssi_dbm;
  t.peak_antenna = r.antenna;
}

}  // namespace

Result<ReadFilter> ReadFilter::create(const RfidFilterSettings& settings) {
  if (auto st = validate_filter_settings(settings); !st) return st.error();
  return ReadFilter(settings);
}

ReadFilter::ReadFilter(const RfidFilterSettings& settings)
    : settings_(settings),
      window_(std::chrono::duration_cast<nanoseconds>(settings.window)),
      absence_(std::chrono::duration_cast<nanoseconds>(settings.absence_timeout)),
      table_(settings.max_tags) {
  events_.reserve(64);
}

nanoseconds ReadFilter::advance(nanoseconds t, bool is_read) {
  if (!has_time_) {
    has_time_ = true;
    now_ = t;
  } else if (t < now_) {
    if (is_read) ++counters_.out_of_order;
  } else {
    now_ = t;
  }
  return now_;
}

void ReadFilter::emit(const TrackedTag& tag, PresenceKind kind, DisappearReason reason, nanoseconds at) {
  PresenceEvent& e = events_.emplace_back();
  e.kind = kind;
  e.reason = reason;
  e.epc = tag.epc;
  e.time = at;
  e.first_seen = tag.first_seen;
  e.last_seen = tag.last_seen;
  e.read_count = tag.reads;
  e.peak_rssi_dbm = tag.peak_rssi_dbm;
  e.peak_antenna = tag.peak_antenna;
  if (kind == PresenceKind::appear) {
    ++counters_.appears;
  } else {
    ++counters_.disappears;
  }
}

void ReadFilter::expire(nanoseconds now) {
  // Pending tags whose window is over can no longer qualify with the reads they hold.
  for (auto idx = table_.front(TagList::pending); idx != TagTable::kNone; idx = table_.front(TagList::pending)) {
    if (!at_least(table_.at(idx).last_seen, now, window_)) break;
    table_.erase(idx);
    ++counters_.strays;
  }
  // The present list is ordered by last read, so disappears come out in time order.
  for (auto idx = table_.front(TagList::present); idx != TagTable::kNone; idx = table_.front(TagList::present)) {
    const TrackedTag& t = table_.at(idx);
    if (!at_least(t.last_seen, now, absence_)) break;
    emit(t, PresenceKind::disappear, DisappearReason::timeout, add_saturated(t.last_seen, absence_));
    table_.erase(idx);
  }
}

void ReadFilter::evict_one(nanoseconds now) {
  auto idx = table_.front(TagList::pending);
  if (idx == TagTable::kNone) {
    idx = table_.front(TagList::present);
    emit(table_.at(idx), PresenceKind::disappear, DisappearReason::evicted, now);
  }
  table_.erase(idx);
  ++counters_.evicted;
}

std::span<const PresenceEvent> ReadFilter::feed(const TagRead& read) {
  events_.clear();
  ++counters_.reads_in;
  const nanoseconds now = advance(read.time, true);
  expire(now);
  if (read.epc.empty()) {
    ++counters_.invalid;
    return events_;
  }
  if (!(read.rssi_dbm >= settings_.rssi_min_dbm)) {
    ++counters_.below_threshold;
    return events_;
  }

  const std::uint64_t h = read.epc.hash();
  auto idx = table_.find(read.epc, h);
  if (idx == TagTable::kNone) {
    if (table_.size() == table_.capacity()) evict_one(now);
    idx = table_.insert(read.epc, h, TagList::pending);
    start_window(table_.at(idx), read, now);
  } else {
    TrackedTag& t = table_.at(idx);
    if (t.list == TagList::present) {
      ++t.reads;
      t.last_seen = now;
      record_peak(t, read);
      table_.move_to_back(idx, TagList::present);
      ++counters_.duplicates_suppressed;
      return events_;
    }
    if (at_least(t.first_seen, now, window_)) {
      start_window(t, read, now);  // the old window ended short of min_reads
    } else {
      ++t.reads;
      t.last_seen = now;
      record_peak(t, read);
    }
    table_.move_to_back(idx, TagList::pending);
  }

  TrackedTag& t = table_.at(idx);
  if (t.reads >= static_cast<std::uint32_t>(settings_.min_reads)) {
    table_.move_to_back(idx, TagList::present);
    ++counters_.qualified;
    emit(t, PresenceKind::appear, DisappearReason::none, now);
  } else {
    ++counters_.pending_reads;
  }
  return events_;
}

std::span<const PresenceEvent> ReadFilter::poll(nanoseconds now) {
  events_.clear();
  expire(advance(now, false));
  return events_;
}

std::span<const PresenceEvent> ReadFilter::flush(nanoseconds now) {
  events_.clear();
  const nanoseconds t = advance(now, false);
  expire(t);
  for (auto idx = table_.front(TagList::present); idx != TagTable::kNone; idx = table_.front(TagList::present)) {
    emit(table_.at(idx), PresenceKind::disappear, DisappearReason::flushed, t);
    table_.erase(idx);
  }
  for (auto idx = table_.front(TagList::pending); idx != TagTable::kNone; idx = table_.front(TagList::pending)) {
    table_.erase(idx);
    ++counters_.strays;
  }
  return events_;
}

}  // namespace scanedge::rfid
