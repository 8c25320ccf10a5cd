// CrashVfs: an SQLite VFS for power-loss tests. It wraps the default (unix) VFS, so real
// files, real POSIX locks and the real -shm shared memory are used, and models what a disk
// keeps when power fails at a chosen I/O operation.
//
// Contract:
// - install() registers the VFS once per process under its name (default "scanedge-crash",
//   never the default VFS). Open databases with that name (sqlite3_open_v2's zVfs,
//   storage::OpenOptions::vfs, outbox::OutboxOptions::vfs).
// - Counted operations ("ops"): xWrite, xTruncate, xSync on tracked files, the creation of a
//   tracked file (xOpen with SQLITE_OPEN_CREATE of a name that does not exist) and xDelete.
//   Tracked files are main databases, rollback journals, super-journals and WAL files
//   opened by name; temp files, the -shm file and reads are not counted. Ops are numbered
//   1, 2, ... from the last reset().
// - arm(n): op number n "loses power": it and every later counted op (of any file) fail
//   without touching the disk (xWrite -> SQLITE_IOERR_WRITE, xSync -> SQLITE_IOERR_FSYNC,
//   xTruncate -> SQLITE_IOERR_TRUNCATE, xDelete -> SQLITE_IOERR_DELETE, creation ->
//   SQLITE_CANTOPEN; any write to an untracked file fails too). arm(0) never crashes. Reads,
//   locks and shared memory keep working so the process can fail its calls cleanly.
//   arm(n, CrashAt::after_op): op n still reaches the disk (a sync makes its data durable, a
//   create or delete happens) and the power fails right after; op n reports the failure and
//   later ops fail as above. This is the "fsync returned on the disk, but the process never
//   heard back" case, which makes a failed commit durable.
// - restore(): call once every connection using the VFS is closed. Rewrites the directories
//   the VFS touched to what a disk would hold after the power loss (model below), deletes
//   the -shm file of every database seen, then forgets everything (like reset()).
//   Works whether or not the crash point was reached.
//
// Power-loss model (state per file name and per "inode", i.e. per created file):
// - Data: each inode keeps a durable image (its contents as of its last successful xSync)
//   and the ordered list of writes/truncates since then. xSync of any handle makes the
//   inode's whole contents and size durable; SQLITE_SYNC_DATAONLY is treated like a full
//   sync (fdatasync persists the size needed to read the data back). By default restore()
//   discards every unsynced write. With RestoreOptions::torn, each unsynced write is split
//   into `sector`-byte pieces (aligned to file offsets) and each piece independently
//   survives with probability keep_probability, applied in write order (a later kept piece
//   wins); each unsynced truncate survives with the same probability. Seeded, so a failure
//   reproduces from (crash point, seed). Bytes outside the written ranges are never damaged
//   (the unix VFS claims SQLITE_IOCAP_POWERSAFE_OVERWRITE).
// - Names: creating or deleting a file changes only the live directory. The directory's
//   durable listing (name -> inode) becomes equal to the live one when SQLite syncs the
//   directory: xDelete with dirSync=1, and the first xSync of a handle opened with
//   SQLITE_OPEN_CREATE as a main journal, super-journal or WAL (exactly when the unix VFS
//   fsyncs the directory). A directory sync persists every entry of that directory (POSIX
//   semantics), so the main database file, which the unix VFS never dir-syncs, becomes
//   durable with the first journal or WAL sync beside it. After restore() a file whose
//   creation was never dir-synced is gone, and a file deleted without a dir sync is back
//   with its inode's durable image (e.g. a rollback journal deleted at commit under
//   synchronous=FULL, which SQLite documents as a risk that EXTRA removes).
// - Files that exist before the VFS first opens them are taken as durable (image read at
//   open). The -shm file and untracked files are not modelled (shm never survives).
// Not modelled: reordering across a sync (syncs are barriers), corruption of bytes outside
// a write's range, lying disks that ignore fsync, media errors before the crash point,
// metadata other than names and sizes, rename (SQLite does not use it), mmap (the VFS
// reports iVersion 2, so SQLite never memory-maps the database).
// Real fsyncs: by default xSync does not call the real fsync (the model decides what
// survives, and tests run 1000s of crashes); Options::real_sync passes syncs through.
//
// Threading: every VFS method may be called from any thread; the counter and the model are
// guarded by one mutex held across each counted op (so ops are numbered in the order they
// reach the disk). arm(), reset(), restore(), ops(), crashed() and trace() are thread-safe,
// but restore() must not run while a file of the VFS is open (it then fails).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct sqlite3_vfs;

namespace scanedge::testing {

class CrashVfs {
 public:
  enum class OpKind { write, truncate, sync, create, remove };
  // One counted op, as recorded by the trace (when enabled).
  struct Op {
    OpKind kind = OpKind::write;
    std::string file;  // which file: "db", "wal", "journal", "super" (super-journal)
    std::int64_t offset = 0;
    std::int64_t size = 0;
  };
  struct Options {
    std::string name = "scanedge-crash";
    bool real_sync = false;  // also call the real fsync on xSync
  };
  struct RestoreOptions {
    bool torn = false;  // keep a random subset of unsynced sector writes
    std::uint64_t seed = 0;
    double keep_probability = 0.5;
    std::int64_t sector = 512;
  };
  struct RestoreReport {
    int files_rewritten = 0;        // written back to their durable image
    int files_removed = 0;          // created (or recreated) but never dir-synced
    int files_resurrected = 0;      // deleted without a dir sync, back after the crash
    std::int64_t writes_discarded = 0;  // unsynced writes/truncates (wholly or partly) lost
    std::int64_t torn_pieces_kept = 0;  // torn mode: unsynced pieces that reached the disk
  };

  // Registers the VFS (first call) and returns it. Later calls return the same object; their
  // options must name the same VFS.
  static CrashVfs& install(const Options& options);
  static CrashVfs& install() { return install(Options{}); }

  const std::string& name() const { return name_; }

  // Makes this VFS SQLite's default (for code that opens databases without naming a VFS),
  // or gives the default back to the wrapped VFS.
  void make_default(bool on);

  enum class CrashAt { before_op, after_op };
  // Crash at counted op n (1-based); 0: never.
  void arm(std::uint64_t n, CrashAt when = CrashAt::before_op);
  // Counted ops that reached the disk since the last reset() (an after_op crash op included).
  std::uint64_t ops() const;
  bool crashed() const;
  // Records every counted op (for coverage reports); cleared by reset().
  void set_trace(bool on);
  std::vector<Op> trace() const;

  // Forgets all files and counters and disarms; the files on disk are left as they are.
  void reset();
  // Applies the power-loss model to the disk (see above) and resets. Fails (returns false,
  // `error` set, nothing changed) when a file of the VFS is still open.
  bool restore(const RestoreOptions& options, RestoreReport* report, std::string* error);

  // Implementation detail, public for the C callbacks.
  struct Inode;
  struct Impl;

 private:
  CrashVfs() = default;
  std::string name_;
  std::unique_ptr<Impl> impl_;
};

const char* to_string(CrashVfs::OpKind k);

}  // namespace scanedge::testing
