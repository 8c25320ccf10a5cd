#include "edge/core/clock.h"

#include <sys/timex.h>
#include <time.h>

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
  return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

}  // namespace scanedge
