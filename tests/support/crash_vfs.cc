#include "tests/support/crash_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

namespace scanedge::testing {

const char* to_string(CrashVfs::OpKind k) {
  switch (k) {
    case CrashVfs::OpKind::write: return "write";
    case CrashVfs::OpKind::truncate: return "truncate";
    case CrashVfs::OpKind::sync: return "sync";
    case CrashVfs::OpKind::create: return "create";
    case CrashVfs::OpKind::remove: return "delete";
  }
  return "?";
}

// One file's data: what survives a power loss (durable) and what would be lost (pending).
struct CrashVfs::Inode {
  struct Pending {
    bool truncate = false;
    std::int64_t offset = 0;  // write: where; truncate: the new size
    std::string data;         // write: the bytes
  };
  std::string durable;
  std::vector<Pending> pending;
};

struct CrashVfs::Impl {
  sqlite3_vfs vfs{};
  sqlite3_vfs* base = nullptr;
  bool real_sync = false;

  mutable std::mutex mu;
  std::uint64_t crash_at = 0;  // 0: never
  bool crash_after = false;    // the crash op reaches the disk before the power fails
  std::uint64_t count = 0;     // ops that reached the disk
  bool crashed = false;
  bool trace_on = false;
  std::vector<Op> trace;
  int open_files = 0;
  // Live and durable directory listings (full path -> inode), and every main database seen.
  std::map<std::string, std::shared_ptr<Inode>> live;
  std::map<std::string, std::shared_ptr<Inode>> durable;
  std::set<std::string> databases;

  enum class Gate {
    go,            // the op reaches the disk
    refuse,        // the power is (or has just gone) out: fail without touching the disk
    go_then_fail,  // the op reaches the disk, then the power fails: report the failure
  };
  // Called with mu held: may the next counted op reach the disk?
  Gate begin_op(OpKind kind, const std::string& path, std::int64_t offset, std::int64_t size) {
    if (crashed) return Gate::refuse;
    Gate gate = Gate::go;
    if (crash_at != 0 && count + 1 == crash_at) {
      crashed = true;
      if (!crash_after) return Gate::refuse;
      gate = Gate::go_then_fail;
    }
    ++count;
    if (trace_on) trace.push_back(Op{kind, label_for(path), offset, size});
    return gate;
  }

  static std::string label_for(const std::string& path) {
    auto ends_with = [&](std::string_view s) { return path.size() >= s.size() && path.ends_with(s); };
    if (ends_with("-wal")) return "wal";
    if (ends_with("-journal")) return "journal";
    if (path.find("-mj") != std::string::npos) return "super";
    return "db";
  }

  static std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  }

  // The directory of `path` is fsynced: its durable listing becomes the live one.
  void sync_directory(const std::string& path) {
    const std::string dir = parent_of(path);
    for (auto it = durable.begin(); it != durable.end();) {
      if (parent_of(it->first) == dir && !live.contains(it->first)) {
        it = durable.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [name, inode] : live) {
      if (parent_of(name) == dir) durable[name] = inode;
    }
  }

  // A file the VFS has not seen yet but that exists: durable as it is.
  std::shared_ptr<Inode> adopt_existing(const std::string& path) {
    auto inode = std::make_shared<Inode>();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      inode->durable.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    live[path] = inode;
    durable[path] = inode;
    return inode;
  }

  void reset_locked() {
    crash_at = 0;
    crash_after = false;
    count = 0;
    crashed = false;
    trace.clear();
    live.clear();
    durable.clear();
    databases.clear();
  }
};

namespace {

using Impl = CrashVfs::Impl;
using Inode = CrashVfs::Inode;

struct CrashFile {
  sqlite3_file base;  // first: SQLite sees this
  Impl* impl;
  std::shared_ptr<Inode> inode;  // null: an untracked file (temp files)
  std::string path;
  bool dirsync_pending;  // the unix VFS fsyncs the directory at this handle's first sync
};

constexpr std::size_t kRealOffset = (sizeof(CrashFile) + 15) & ~std::size_t{15};

// kRealOffset is a multiple of 16 and SQLite allocates szOsFile 8-byte aligned, so the real
// file is aligned; through void* because armhf's -Wcast-align cannot see that.
sqlite3_file* real_of(sqlite3_file* f) {
  return static_cast<sqlite3_file*>(static_cast<void*>(reinterpret_cast<char*>(f) + kRealOffset));
}
CrashFile* crash_of(sqlite3_file* f) { return reinterpret_cast<CrashFile*>(f); }
Impl* impl_of(sqlite3_vfs* vfs) { return static_cast<Impl*>(vfs->pAppData); }

// --- file methods ---------------------------------------------------------------------

int x_close(sqlite3_file* f) {
  CrashFile* cf = crash_of(f);
  sqlite3_file* real = real_of(f);
  const int rc = real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
  Impl* impl = cf->impl;
  {
    std::lock_guard lock(impl->mu);
    --impl->open_files;
  }
  cf->~CrashFile();
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xRead(real, buf, amt, off);
}

int x_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  CrashFile* cf = crash_of(f);
  sqlite3_file* real = real_of(f);
  std::lock_guard lock(cf->impl->mu);
  if (!cf->inode) {
    if (cf->impl->crashed) return SQLITE_IOERR_WRITE;
    return real->pMethods->xWrite(real, buf, amt, off);
  }
  const Impl::Gate gate = cf->impl->begin_op(CrashVfs::OpKind::write, cf->path, off, amt);
  if (gate == Impl::Gate::refuse) return SQLITE_IOERR_WRITE;
  const int rc = real->pMethods->xWrite(real, buf, amt, off);
  if (rc == SQLITE_OK) {
    cf->inode->pending.push_back(Inode::Pending{false, off, std::string(static_cast<const char*>(buf), static_cast<std::size_t>(amt))});
  }
  return gate == Impl::Gate::go_then_fail ? SQLITE_IOERR_WRITE : rc;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  CrashFile* cf = crash_of(f);
  sqlite3_file* real = real_of(f);
  std::lock_guard lock(cf->impl->mu);
  if (!cf->inode) {
    if (cf->impl->crashed) return SQLITE_IOERR_TRUNCATE;
    return real->pMethods->xTruncate(real, size);
  }
  const Impl::Gate gate = cf->impl->begin_op(CrashVfs::OpKind::truncate, cf->path, size, 0);
  if (gate == Impl::Gate::refuse) return SQLITE_IOERR_TRUNCATE;
  const int rc = real->pMethods->xTruncate(real, size);
  if (rc == SQLITE_OK) cf->inode->pending.push_back(Inode::Pending{true, size, {}});
  return gate == Impl::Gate::go_then_fail ? SQLITE_IOERR_TRUNCATE : rc;
}

void apply_pending(std::string& image, const Inode::Pending& p) {
  if (p.truncate) {
    image.resize(static_cast<std::size_t>(p.offset));
    return;
  }
  const auto off = static_cast<std::size_t>(p.offset);
  if (image.size() < off + p.data.size()) image.resize(off + p.data.size(), '\0');
  image.replace(off, p.data.size(), p.data);
}

int x_sync(sqlite3_file* f, int flags) {
  CrashFile* cf = crash_of(f);
  sqlite3_file* real = real_of(f);
  Impl* impl = cf->impl;
  std::lock_guard lock(impl->mu);
  if (!cf->inode) {
    if (impl->crashed) return SQLITE_IOERR_FSYNC;
    return impl->real_sync ? real->pMethods->xSync(real, flags) : SQLITE_OK;
  }
  const Impl::Gate gate = impl->begin_op(CrashVfs::OpKind::sync, cf->path, 0, 0);
  if (gate == Impl::Gate::refuse) return SQLITE_IOERR_FSYNC;
  if (impl->real_sync) {
    if (const int rc = real->pMethods->xSync(real, flags); rc != SQLITE_OK) return rc;
  }
  for (const Inode::Pending& p : cf->inode->pending) apply_pending(cf->inode->durable, p);
  cf->inode->pending.clear();
  if (cf->dirsync_pending) {
    cf->dirsync_pending = false;
    impl->sync_directory(cf->path);
  }
  return gate == Impl::Gate::go_then_fail ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xFileSize(real, size);
}
int x_lock(sqlite3_file* f, int level) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xLock(real, level);
}
int x_unlock(sqlite3_file* f, int level) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xUnlock(real, level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xCheckReservedLock(real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xFileControl(real, op, arg);
}
int x_sector_size(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xSectorSize(real);
}
int x_device_characteristics(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xDeviceCharacteristics(real);
}
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmMap(real, region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmLock(real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  real->pMethods->xShmBarrier(real);
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  sqlite3_file* real = real_of(f);
  return real->pMethods->xShmUnmap(real, delete_flag);
}

// Version 2: shared memory, but no xFetch/xUnfetch, so SQLite never memory-maps a file
// behind the model's back.
const sqlite3_io_methods kIoMethods = {
    2,           x_close,       x_read,           x_write,           x_truncate,   x_sync,
    x_file_size, x_lock,        x_unlock,         x_check_reserved_lock, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, nullptr, nullptr};

// --- VFS methods ----------------------------------------------------------------------

constexpr int kTrackedTypes = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL;
constexpr int kDirSyncTypes = SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL | SQLITE_OPEN_WAL;

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  Impl* impl = impl_of(vfs);
  auto* cf = new (f) CrashFile{{nullptr}, impl, nullptr, {}, false};
  sqlite3_file* real = real_of(f);
  real->pMethods = nullptr;
  auto fail = [&](int rc) {
    if (real->pMethods != nullptr) real->pMethods->xClose(real);
    cf->~CrashFile();
    f->pMethods = nullptr;
    return rc;
  };
  const bool tracked = name != nullptr && (flags & kTrackedTypes) != 0 && (flags & SQLITE_OPEN_DELETEONCLOSE) == 0;

  std::lock_guard lock(impl->mu);
  std::shared_ptr<Inode> inode;
  bool creating = false;
  Impl::Gate gate = Impl::Gate::go;
  if (tracked) {
    cf->path = name;
    if (auto it = impl->live.find(cf->path); it != impl->live.end()) {
      inode = it->second;
    } else if (::access(name, F_OK) == 0) {
      inode = impl->adopt_existing(cf->path);
      if (!inode) return fail(SQLITE_CANTOPEN);
    } else if ((flags & SQLITE_OPEN_CREATE) != 0) {
      creating = true;
      gate = impl->begin_op(CrashVfs::OpKind::create, cf->path, 0, 0);
      if (gate == Impl::Gate::refuse) return fail(SQLITE_CANTOPEN);
    }
  } else if (impl->crashed && (flags & SQLITE_OPEN_CREATE) != 0 && name != nullptr && ::access(name, F_OK) != 0) {
    return fail(SQLITE_CANTOPEN);
  }
  const int rc = impl->base->xOpen(impl->base, name, real, flags, out_flags);
  if (rc != SQLITE_OK) return fail(rc);
  if (creating) {
    inode = std::make_shared<Inode>();
    impl->live[cf->path] = inode;
    if (gate == Impl::Gate::go_then_fail) return fail(SQLITE_CANTOPEN);  // created, then the power failed
  }
  cf->inode = std::move(inode);
  if (cf->inode) {
    if ((flags & SQLITE_OPEN_MAIN_DB) != 0) impl->databases.insert(cf->path);
    cf->dirsync_pending = (flags & SQLITE_OPEN_CREATE) != 0 && (flags & kDirSyncTypes) != 0;
  }
  ++impl->open_files;
  f->pMethods = &kIoMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int dir_sync) {
  Impl* impl = impl_of(vfs);
  std::lock_guard lock(impl->mu);
  const std::string path(name);
  const Impl::Gate gate = impl->begin_op(CrashVfs::OpKind::remove, path, 0, 0);
  if (gate == Impl::Gate::refuse) return SQLITE_IOERR_DELETE;
  if (!impl->live.contains(path) && ::access(name, F_OK) == 0) (void)impl->adopt_existing(path);
  const int rc = impl->base->xDelete(impl->base, name, impl->real_sync ? dir_sync : 0);
  if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT) {
    impl->live.erase(path);
    if (dir_sync != 0) impl->sync_directory(path);
  }
  return gate == Impl::Gate::go_then_fail ? SQLITE_IOERR_DELETE : rc;
}

int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xAccess(b, name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xFullPathname(b, name, n, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xDlOpen(b, name);
}
void x_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  b->xDlError(b, n, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* sym))(void) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xDlSym(b, handle, sym);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  b->xDlClose(b, handle);
}
int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xRandomness(b, n, out);
}
int x_sleep(sqlite3_vfs* vfs, int us) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xSleep(b, us);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xCurrentTime(b, out);
}
int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xGetLastError != nullptr ? b->xGetLastError(b, n, out) : 0;
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xCurrentTimeInt64(b, out);
}
int x_set_system_call(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr p) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xSetSystemCall(b, name, p);
}
sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xGetSystemCall(b, name);
}
const char* x_next_system_call(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* b = impl_of(vfs)->base;
  return b->xNextSystemCall(b, name);
}

bool write_file(const std::string& path, const std::string& content, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot rewrite " + path + ": " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot rewrite " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

CrashVfs& CrashVfs::install(const Options& options) {
  static std::mutex install_mu;
  static CrashVfs* instance = nullptr;
  std::lock_guard lock(install_mu);
  if (instance != nullptr) {
    if (instance->name_ != options.name) throw std::logic_error("CrashVfs already installed as " + instance->name_);
    return *instance;
  }
  if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) throw std::runtime_error("no default SQLite VFS");
  auto* self = new CrashVfs();  // lives as long as the process: SQLite keeps the pointer
  self->name_ = options.name;
  self->impl_ = std::make_unique<Impl>();
  Impl& impl = *self->impl_;
  impl.base = base;
  impl.real_sync = options.real_sync;
  sqlite3_vfs& v = impl.vfs;
  v.iVersion = 3;
  v.szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = self->name_.c_str();
  v.pAppData = &impl;
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  v.xSetSystemCall = x_set_system_call;
  v.xGetSystemCall = x_get_system_call;
  v.xNextSystemCall = x_next_system_call;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) throw std::runtime_error("sqlite3_vfs_register failed");
  instance = self;
  return *instance;
}

void CrashVfs::make_default(bool on) {
  if (on) {
    sqlite3_vfs_register(&impl_->vfs, 1);
  } else {
    sqlite3_vfs_register(impl_->base, 1);
  }
}

void CrashVfs::arm(std::uint64_t n, CrashAt when) {
  std::lock_guard lock(impl_->mu);
  impl_->crash_at = n;
  impl_->crash_after = when == CrashAt::after_op;
}

std::uint64_t CrashVfs::ops() const {
  std::lock_guard lock(impl_->mu);
  return impl_->count;
}

bool CrashVfs::crashed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->crashed;
}

void CrashVfs::set_trace(bool on) {
  std::lock_guard lock(impl_->mu);
  impl_->trace_on = on;
}

std::vector<CrashVfs::Op> CrashVfs::trace() const {
  std::lock_guard lock(impl_->mu);
  return impl_->trace;
}

void CrashVfs::reset() {
  std::lock_guard lock(impl_->mu);
  impl_->reset_locked();
}

bool CrashVfs::restore(const RestoreOptions& options, RestoreReport* report, std::string* error) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  RestoreReport local;
  RestoreReport& out = report != nullptr ? *report : local;
  out = {};
  std::string ignored;
  std::string& err = error != nullptr ? *error : ignored;
  if (impl.open_files != 0) {
    err = "CrashVfs::restore: " + std::to_string(impl.open_files) + " file(s) still open";
    return false;
  }
  if (options.torn && (options.sector <= 0 || options.keep_probability < 0 || options.keep_probability > 1)) {
    err = "CrashVfs::restore: bad torn-write options";
    return false;
  }
  std::mt19937_64 rng(options.seed);
  auto keep = [&] {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    return u < options.keep_probability;
  };

  std::set<std::string> names;
  for (const auto& [name, inode] : impl.live) names.insert(name);
  for (const auto& [name, inode] : impl.durable) names.insert(name);
  // Unsynced writes of every inode the crash forgets, counted once per inode.
  std::set<const Inode*> counted;
  auto count_lost = [&](const std::shared_ptr<Inode>& inode) {
    if (inode && counted.insert(inode.get()).second) {
      out.writes_discarded += static_cast<std::int64_t>(inode->pending.size());
    }
  };
  for (const std::string& name : names) {
    const auto d = impl.durable.find(name);
    const auto l = impl.live.find(name);
    if (l != impl.live.end() && (d == impl.durable.end() || d->second != l->second)) count_lost(l->second);
    if (d == impl.durable.end()) {
      if (::unlink(name.c_str()) != 0 && errno != ENOENT) {
        err = "CrashVfs::restore: cannot remove " + name + ": " + std::strerror(errno);
        return false;
      }
      ++out.files_removed;
      continue;
    }
    const std::shared_ptr<Inode>& inode = d->second;
    std::string image = inode->durable;
    if (options.torn) {
      counted.insert(inode.get());
      for (const Inode::Pending& p : inode->pending) {
        if (p.truncate) {
          if (keep()) {
            apply_pending(image, p);
            ++out.torn_pieces_kept;
          } else {
            ++out.writes_discarded;
          }
          continue;
        }
        bool lost_any = false;
        const std::int64_t end = p.offset + static_cast<std::int64_t>(p.data.size());
        for (std::int64_t pos = p.offset; pos < end;) {
          const std::int64_t next = std::min(end, (pos / options.sector + 1) * options.sector);
          if (keep()) {
            apply_pending(image, Inode::Pending{false, pos,
                                        p.data.substr(static_cast<std::size_t>(pos - p.offset),
                                                      static_cast<std::size_t>(next - pos))});
            ++out.torn_pieces_kept;
          } else {
            lost_any = true;
          }
          pos = next;
        }
        if (lost_any) ++out.writes_discarded;
      }
    } else {
      count_lost(inode);
    }
    if (!write_file(name, image, &err)) return false;
    ++out.files_rewritten;
    if (l == impl.live.end()) ++out.files_resurrected;
  }
  for (const std::string& db : impl.databases) {
    const std::string shm = db + "-shm";
    if (::unlink(shm.c_str()) != 0 && errno != ENOENT) {
      err = "CrashVfs::restore: cannot remove " + shm + ": " + std::strerror(errno);
      return false;
    }
  }
  impl.reset_locked();
  return true;
}

}  // namespace scanedge::testing
