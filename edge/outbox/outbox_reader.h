// OutboxReader: read-only inspection of a device outbox database (schema.h) by another
// process, e.g. `scanedgectl outbox` and `scanedgectl doctor` while the agent runs.
//
// open(): opens the file with SQLITE_OPEN_READONLY and PRAGMA query_only (this class never
// writes, never migrates, never changes the journal mode); WAL lets it read the last
// committed state while the agent writes. Errors: "not_found" (no such file), "not_an_outbox"
// (no outbox schema: another file, or an empty one), "schema_too_new" (written by a newer
// build: this build may misread it), or a storage code with SQLite's message (e.g. no read
// permission on the file or its directory: SQLite must be able to open or create the -shm
// file next to a WAL database).
// summary(): the stream's counters (as SqliteOutbox::stats) plus the lowest stored seq.
// range(): stored events with from_seq <= seq <= to_seq in seq order, at most `limit`;
// bounded memory per call. Shed or acked seqs are simply absent.
// Each call is one read transaction (consistent within the call, not across calls).
// Threading: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edge/core/outbox.h"
#include "edge/core/result.h"
#include "edge/core/stream.h"
#include "edge/storage/sqlite_db.h"

namespace scanedge::outbox {

struct StreamSummary {
  StreamStats stats;
  std::int64_t first_seq = 0;  // lowest stored (unacked) seq; 0 when nothing is stored
};

class OutboxReader {
 public:
  static Result<std::unique_ptr<OutboxReader>> open(const std::string& path);
  Result<StreamSummary> summary(Stream stream);
  Result<std::vector<StoredEvent>> range(Stream stream, std::int64_t from_seq, std::int64_t to_seq,
                                         std::size_t limit);
  std::int64_t schema_version() const { return version_; }
  const std::string& path() const { return path_; }

 private:
  OutboxReader(std::string path, std::unique_ptr<storage::Database> db, std::int64_t version)
      : path_(std::move(path)), db_(std::move(db)), version_(version) {}
  std::string path_;
  std::unique_ptr<storage::Database> db_;
  std::int64_t version_ = 0;
};

}  // namespace scanedge::outbox
