#include "edge/core/clock.h"

#include <sys/timex.h>
#include <time.h>

#include <fstream>

namespace scanedge {

std::chrono::nanoseconds SystemClock::monotonic() const {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::chrono::system_clock::time_point SystemClock::wall() const { return std::chrono::system_clock::now(); }

bool SystemClock::wall_synced() const {
  timex tx{};
  const int state = adjtimex(&tx);
  // -1: the call failed (e.g. refused by a seccomp filter): unknown counts as unsynced,
  // never as synced (tx.status is still zero then).
  return state >= 0 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

const std::string& SystemClock::boot_id() const {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string s;
    std::getline(in, s);
    return s.empty() ? std::string("unknown-boot") : s;
  }();
  return id;
}

}  // namespace scanedge
