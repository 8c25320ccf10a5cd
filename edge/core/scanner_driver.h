// ScannerDriver seam: one attached scanner, opened with a firmware profile.
//
// start(): opens the device and begins delivering complete scans to `on_scan`, on a thread
//   the driver owns. When the device cannot be opened now, start() returns that Error (the
//   message says why, e.g. permission denied on /dev/ttyUSB0) but the driver still runs and
//   keeps trying, so a scanner plugged in later comes into service by itself. A driver that
//   loses its device likewise keeps trying to reopen it until stop(); state() tells where
//   it is. Only a misuse (started twice, no handler) returns an Error without running.
// on_scan: called once per complete scan, never concurrently with itself for one driver.
//   It must not block for long (it only queues the scan).
// feedback(): asks the scanner to give the operator a good/bad/warning/storage-full signal.
//   Thread-safe; best effort (an Error is logged by the caller, never fatal).
// stop(): stops delivery and closes the device; after it returns on_scan is not called.
#pragma once

#include <functional>
#include <string>

#include "edge/core/raw_scan.h"
#include "edge/core/result.h"

namespace scanedge {

enum class Feedback { good, bad, warning, storage_full };

enum class DriverState { stopped, opening, in_service, disconnected };

inline const char* to_string(DriverState s) {
  switch (s) {
    case DriverState::stopped: return "stopped";
    case DriverState::opening: return "opening";
    case DriverState::in_service: return "in_service";
    case DriverState::disconnected: return "disconnected";
  }
  return "unknown";
}

class ScannerDriver {
 public:
  using ScanHandler = std::function<void(RawScan)>;
  virtual ~ScannerDriver() = default;
  virtual Status start(ScanHandler on_scan) = 0;
  virtual void stop() = 0;
  virtual Status feedback(Feedback kind) = 0;
  virtual std::string id() const = 0;  // stable identity, used as RawScan::scanner
  virtual DriverState state() const = 0;
};

}  // namespace scanedge
