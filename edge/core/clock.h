// Clock seam: every module reads time through a Clock so that tests can drive it.
//
// monotonic(): boot-relative time that never goes backwards and keeps counting in suspend
//   (CLOCK_BOOTTIME on the system clock). Used for timeouts, latencies and for the event's
//   `mono_ms` field, which lets the ledger place events from a device whose wall clock was
//   wrong.
// wall(): UTC wall-clock time; may jump.
// wall_synced(): whether the kernel believes the wall clock is disciplined (NTP/PTP).
// boot_id(): identifies the boot that monotonic() counts from (the kernel's random boot_id):
//   two `mono_ms` values are comparable only within one boot. Never empty.
// Threading: implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace scanedge {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::nanoseconds monotonic() const = 0;
  virtual std::chrono::system_clock::time_point wall() const = 0;
  virtual bool wall_synced() const = 0;
  virtual const std::string& boot_id() const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  std::chrono::nanoseconds monotonic() const override;
  std::chrono::system_clock::time_point wall() const override;
  // Asks the kernel (adjtimex): false when the clock is flagged unsynchronised.
  bool wall_synced() const override;
  // /proc/sys/kernel/random/boot_id, read once; "unknown-boot" where it is unreadable.
  const std::string& boot_id() const override;
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  FakeClock() = default;
  std::chrono::nanoseconds monotonic() const override { return std::chrono::nanoseconds(mono_ns_.load()); }
  std::chrono::system_clock::time_point wall() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  bool wall_synced() const override { return synced_.load(); }
  const std::string& boot_id() const override { return boot_id_; }
  void set_boot_id(std::string id) { boot_id_ = std::move(id); }  // call before sharing the clock

  void advance(std::chrono::nanoseconds d) {
    mono_ns_ += d.count();
    std::lock_guard lock(mu_);
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  void set_wall(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }
  void set_synced(bool s) { synced_ = s; }

 private:
  std::atomic<std::int64_t> mono_ns_{1000LL * 1000 * 1000 * 1000};
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_{std::chrono::sys_days{std::chrono::year{2026} / 11 / 26}};
  std::atomic<bool> synced_{true};
  std::string boot_id_ = "00000000-0000-4000-8000-000000000001";
};

}  // namespace scanedge
