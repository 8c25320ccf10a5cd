// SqliteOutbox: the device's durable outbox (edge/core/outbox.h) on one SQLite database.
//
// Storage: one database file in WAL mode, `PRAGMA synchronous` from the options (FULL by
// default: a successful commit() has been fsynced to the WAL). Schema and migrations are in
// schema.h. One SqliteOutbox must own a database file: the per-stream counters are cached in
// memory, so two writers (two processes, or two SqliteOutbox objects) on one file are not
// supported. Other processes may read the file (e.g. for inspection).
//
// Contract: exactly the Outbox contract (gapless per-stream seq starting at 1 and surviving
// restarts, one transaction per commit() group, nothing stored and no seq consumed on
// failure, page reads bounded by events and bytes, cumulative acks). Error codes:
// - "bad_event": a draft without a string "id" or "type", a body that is not a JSON object,
//   an unknown stream, or a body that cannot be serialised (invalid UTF-8). Nothing stored.
// - "bad_state": a state write with an empty key. Nothing stored.
// - "bad_ack": an ack beyond the stream's last assigned seq. Nothing changed.
// - Size cap: when a group does not fit (max_page_count reached, or the disk is full),
//   commit() sheds the oldest telemetry in chunks (each chunk its own transaction, logged,
//   counted in StreamStats::shed / shed_through) and retries, never touching exec.
// - "storage_full": SQLite reported SQLITE_FULL (disk full, or the max_page_count cap was
//   reached). Nothing of the group stored, no seq consumed; commits succeed again once
//   space is available (e.g. after acks deleted events).
// - "storage", "storage_busy": other SQLite failures, with SQLite's message.
// - open(): "bad_option" (invalid synchronous / max_page_count), "schema_too_new" (the
//   file was written by a newer build; never downgraded), or a storage code.
//
// Threading: all methods may be called from any thread. Two connections: a writer (commit,
// apply_ack) and a reader (read_page, stats, load_state), each guarded by its own mutex, so
// page reads proceed while a commit is in flight (WAL readers see the last committed state).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "edge/core/outbox.h"
#include "edge/storage/sqlite_db.h"

namespace scanedge::outbox {

struct OutboxOptions {
  std::string path;                  // database file; created (with its schema) if missing
  std::string synchronous = "full";  // off | normal | full | extra (case-insensitive)
  // Upper bound on the database size in pages (PRAGMA max_page_count on the writer; the
  // page size is SQLite's default, 4096 bytes). 0: no cap beyond SQLite's default. When the
  // cap is reached the oldest telemetry is shed; when no telemetry is left, commit() fails
  // with "storage_full" until acks free pages.
  std::int64_t max_page_count = 0;
  // SQLite VFS for both connections (storage::OpenOptions::vfs); empty: the default.
  std::string vfs;
};

class SqliteOutbox final : public Outbox {
 public:
  static Result<std::unique_ptr<SqliteOutbox>> open(const OutboxOptions& options);
  ~SqliteOutbox() override;
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  Result<std::vector<Committed>> commit(std::span<const EventDraft> events,
                                        std::span<const StateWrite> state) override;
  Result<std::vector<StoredEvent>> read_page(Stream stream, std::int64_t after_seq, std::size_t max_events,
                                             std::size_t max_bytes) override;
  Result<std::int64_t> apply_ack(Stream stream, std::int64_t acked_through) override;
  Result<StreamStats> stats(Stream stream) override;
  Result<std::vector<std::pair<std::string, std::string>>> load_state(const std::string& prefix) override;

  const std::string& path() const { return path_; }
  // Changes the size cap while running (remote config): pages as in OutboxOptions; 0 lifts
  // the cap to SQLite's default maximum. A cap below the file's current size holds it at
  // that size (SQLite never shrinks the file for it): later commits shed telemetry or fail
  // with "storage_full" until acks free pages. Errors: "bad_option" (< 0), storage codes.
  Status set_max_page_count(std::int64_t pages);

 private:
  struct Counters {
    std::int64_t last_seq = 0;
    std::int64_t acked_through = 0;
  };
  struct WriterStatements {
    storage::Statement insert_event;
    storage::Statement upsert_state;
    storage::Statement delete_state;
    storage::Statement add_to_stream;
    storage::Statement measure_acked;
    storage::Statement delete_acked;
    storage::Statement record_ack;
    storage::Statement measure_oldest;
    storage::Statement record_shed;
  };
  struct ReaderStatements {
    storage::Statement page;
    storage::Statement stream_stats;
    storage::Statement state_from;
  };

  explicit SqliteOutbox(std::string path) : path_(std::move(path)) {}
  // Re-reads the cached per-stream counters from the database (writer connection).
  Status load_counters();
  // Deletes the oldest chunk of telemetry in its own transaction and records it as shed.
  // Returns how many events were shed (0: no telemetry stored). Caller holds writer_mu_.
  Result<std::int64_t> shed_oldest_telemetry();

  std::string path_;

  std::mutex writer_mu_;
  std::unique_ptr<storage::Database> writer_;  // guarded by writer_mu_
  WriterStatements w_;                         // guarded by writer_mu_
  std::array<Counters, 2> counters_{};         // guarded by writer_mu_; indexed by Stream
  bool counters_valid_ = false;                // guarded by writer_mu_
  std::string synchronous_ = "full";           // as configured (lower case)

  std::mutex reader_mu_;
  std::unique_ptr<storage::Database> reader_;  // guarded by reader_mu_
  ReaderStatements r_;                         // guarded by reader_mu_
};

}  // namespace scanedge::outbox
