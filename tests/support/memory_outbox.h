// MemoryOutbox: an in-memory Outbox (edge/core/outbox.h) for unit tests, faithful to the
// seam's contract:
// - commit(): validates every draft first (body is a JSON object with string "id" and
//   "type"; known stream; serialisable) and every state write (non-empty key); on any
//   violation returns Error "bad_event"/"bad_state" and stores nothing, consuming no seq.
//   Otherwise assigns each event the next gapless seq of its stream (from 1, never reused
//   after acks), stores the body with "seq" and "stream" set, and applies the state writes,
//   all under one lock (atomic for every reader).
// - read_page(): events with seq > after_seq in order, at most max_events and max_bytes of
//   JSON (one event always returned when any exists).
// - apply_ack(): deletes seq <= acked_through; at or below the current ack: no-op (returns
//   0); beyond last seq: Error "bad_ack", nothing changed.
// Test hooks: fail_commits(code) makes the next commits fail with that code (nothing
// stored) until cleared with fail_commits(""); counters of calls for assertions.
// Threading: every method is safe from any thread (one mutex).
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>

#include "edge/core/outbox.h"

namespace scanedge::testing {

class MemoryOutbox final : public Outbox {
 public:
  Result<std::vector<Committed>> commit(std::span<const EventDraft> events,
                                        std::span<const StateWrite> state) override;
  Result<std::vector<StoredEvent>> read_page(Stream stream, std::int64_t after_seq, std::size_t max_events,
                                             std::size_t max_bytes) override;
  Result<std::int64_t> apply_ack(Stream stream, std::int64_t acked_through) override;
  Result<StreamStats> stats(Stream stream) override;
  Result<std::vector<std::pair<std::string, std::string>>> load_state(const std::string& prefix) override;

  // Convenience for tests: commits `n` events of type `type` on `stream`, in groups of
  // `group` per transaction. Returns the last seq assigned.
  std::int64_t append(Stream stream, std::int64_t n, const std::string& type = "test.event", std::size_t group = 100);

  void fail_commits(std::string code);
  std::int64_t page_reads() const { return page_reads_.load(); }
  std::int64_t ack_calls() const { return ack_calls_.load(); }

 private:
  struct StreamData {
    std::map<std::int64_t, std::string> events;  // seq -> JSON
    std::int64_t last_seq = 0;
    std::int64_t acked_through = 0;
    std::int64_t bytes = 0;
  };
  static std::size_t index(Stream s) { return s == Stream::exec ? 0 : 1; }

  mutable std::mutex mu_;
  std::array<StreamData, 2> streams_{};
  std::map<std::string, std::string> state_;
  std::string fail_code_;
  std::int64_t next_id_ = 1;
  std::atomic<std::int64_t> page_reads_{0};
  std::atomic<std::int64_t> ack_calls_{0};
};

}  // namespace scanedge::testing
