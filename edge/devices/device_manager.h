// DeviceManager: keeps one driver per scanner in service — the scanners named in the config
// and, with autodetect on, every attached device that a firmware profile recognises —
// across hotplug, replugging and port renumbering.
//
// Life of a scanner:
//   - configured ([[scanner]] port + profile): its driver is created and started at start(),
//     present or not (drivers keep retrying their device; see ScannerDriver::start);
//   - autodetected: when a source lists a device that match_profile() gives a profile for,
//     whose identity is not served yet, and that this process may open, a driver is created
//     with the device's stable identity as its port and started. A device that matches but
//     cannot be opened (permission denied) is not served: it is listed in unserved() with
//     the fix, logged once, and retried on every rescan (so fixing the udev rule is enough);
//   - unplugged: the driver stays (state disconnected) and reopens by identity when the
//     device comes back, on whatever bus address or tty name: the scanner is back in
//     service without a restart and keeps its identity. Drivers are only destroyed by stop().
// Scans: every driver's scans go to `on_scan(scan, driver)`. Before that, a scan whose AIM
//   symbology is not in its profile's [symbology] enabled list gets RawScan::refusal_code
//   "symbology_disabled" (the confirmer then rejects it with that reason).
// Rescans: every options.rescan, and at once when a source reports a change (libusb hotplug).
// Threading: start()/stop() from one controlling thread; snapshot(), unserved() and
//   rescan_now() from any thread. on_scan runs on driver threads (one per scanner).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edge/core/device_source.h"
#include "edge/core/result.h"
#include "edge/core/scanner_driver.h"
#include "edge/profiles/profile.h"

namespace scanedge::devices {

// Creates (does not start) the driver of `profile.driver` for `port` (an identity or path).
using DriverFactory =
    std::function<Result<std::unique_ptr<ScannerDriver>>(const std::string& port, const Profile& profile)>;

struct ConfiguredScanner {
  std::string port;
  Profile profile;
};

struct ManagerOptions {
  bool autodetect = true;
  std::chrono::milliseconds rescan{1000};
};

struct ScannerView {
  std::string id;        // the driver's identity
  std::string profile;
  std::string driver;    // family
  std::string origin;    // "config" | "autodetect"
  std::string node;      // where it was last seen (/dev/ttyUSB1, /dev/bus/usb/001/007), may be empty
  DriverState state = DriverState::stopped;
};

struct UnservedDevice {
  AttachedDevice device;
  std::string profile;   // matched profile (empty: no profile matches)
  std::string reason;    // "no_profile" | "permission_denied" | "ambiguous" | "driver_error"
  std::string detail;    // fix or error text
};

class DeviceManager {
 public:
  using ScanHandler = std::function<void(RawScan, ScannerDriver&)>;

  // `sources` must outlive the manager.
  DeviceManager(std::vector<Profile> profiles, std::vector<ConfiguredScanner> configured,
                std::vector<DeviceSource*> sources, DriverFactory factory, ManagerOptions options);
  ~DeviceManager();
  DeviceManager(const DeviceManager&) = delete;
  DeviceManager& operator=(const DeviceManager&) = delete;

  // Creates and starts the configured scanners, runs a first scan of the sources, then
  // keeps rescanning on a thread. An Error only when a configured scanner's driver cannot
  // be created (unknown family): nothing is left running then.
  Status start(ScanHandler on_scan);
  void stop();

  std::vector<ScannerView> snapshot() const;
  std::vector<UnservedDevice> unserved() const;
  void rescan_now();

 private:
  struct Entry {
    std::unique_ptr<ScannerDriver> driver;
    Profile profile;
    std::string origin;
    std::string node;
  };
  void run();
  void rescan();
  Status start_entry(Entry& e);
  bool served(const AttachedDevice& d) const;  // mu_ held

  const std::vector<Profile> profiles_;
  const std::vector<ConfiguredScanner> configured_;
  const std::vector<DeviceSource*> sources_;
  DriverFactory factory_;
  const ManagerOptions options_;
  ScanHandler on_scan_;

  mutable std::mutex mu_;  // guards entries_, unserved_, logged_, wake_, stopping_
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<UnservedDevice> unserved_;
  std::map<std::string, std::string> logged_;  // identity -> last reason logged (log once)
  bool wake_ = false;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace scanedge::devices
