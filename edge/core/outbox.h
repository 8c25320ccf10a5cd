// Outbox seam: the device's durable store of confirmed events, per stream.
//
// Contract (invariants 1, 2, 3 and 5 of the architecture):
// - commit() stores a group of events and key/value state writes in ONE transaction. On
//   success every event has been assigned the next gapless `seq` of its stream (starting at
//   1, surviving restarts, never reused even after acked rows are deleted), its JSON body has
//   been stored with "seq" set, and the transaction is durable per the configured
//   synchronous mode. On failure nothing of the group is stored and no seq is consumed.
// - read_page() returns stored events of a stream with seq > after_seq, in seq order, at
//   most max_events and (except that one event is always returned when any exists) at most
//   max_bytes of JSON. Memory is bounded by the page, never by the backlog.
// - apply_ack() deletes events with seq <= acked_through (a cumulative end-to-end ack from
//   the ledger) and remembers acked_through. An ack at or below the current one is a no-op;
//   an ack beyond the last assigned seq is rejected with an Error and changes nothing.
// - Size cap (invariant 6): an implementation with a size cap that cannot store a group
//   sheds the OLDEST telemetry events (never exec) until the group fits, records the highest
//   shed seq in StreamStats::shed_through and counts them, then stores the group. Only when
//   nothing is left to shed does commit() fail ("storage_full"). Shed seqs stay consumed:
//   read_page() simply skips them, and the uplink tells the ledger they will never come.
// - state: small key/value documents (tasks and their progress) written atomically with
//   events so that a decision and what it changed commit together.
// Threading: all methods are safe to call from several threads; implementations serialise
// writers and let readers proceed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"
#include "edge/core/stream.h"

namespace scanedge {

struct EventDraft {
  Stream stream = Stream::exec;
  // The event without "seq" (and without "stream": the outbox sets both). Must hold "id"
  // and "type".
  nlohmann::json body;
};

struct StateWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

struct Committed {
  Stream stream = Stream::exec;
  std::int64_t seq = 0;
};

struct StoredEvent {
  std::int64_t seq = 0;
  std::string json;  // the complete event object as stored, UTF-8
};

struct StreamStats {
  std::int64_t last_seq = 0;       // highest seq assigned so far (0: none)
  std::int64_t acked_through = 0;  // highest seq covered by a ledger ack
  std::int64_t depth = 0;          // events stored and not yet acked
  std::int64_t bytes = 0;          // JSON bytes stored for them
  std::int64_t shed_through = 0;   // telemetry: highest seq shed at the size cap (0: none)
  std::int64_t shed = 0;           // telemetry: events shed at the size cap, in all
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Returns one Committed per draft, in the drafts' order.
  virtual Result<std::vector<Committed>> commit(std::span<const EventDraft> events,
                                                std::span<const StateWrite> state) = 0;
  virtual Result<std::vector<StoredEvent>> read_page(Stream stream, std::int64_t after_seq,
                                                     std::size_t max_events, std::size_t max_bytes) = 0;
  // Returns the number of events deleted.
  virtual Result<std::int64_t> apply_ack(Stream stream, std::int64_t acked_through) = 0;
  virtual Result<StreamStats> stats(Stream stream) = 0;
  // All state entries whose key starts with `prefix`, ordered by key.
  virtual Result<std::vector<std::pair<std::string, std::string>>> load_state(const std::string& prefix) = 0;
};

}  // namespace scanedge
