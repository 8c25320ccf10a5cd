// UsbContext: owns one libusb context and the thread that handles its events (transfer
// completions, hotplug), so that every USB user in the process (HID streams, hotplug
// watches, `scanedgectl devices`) shares one context and nobody else has to pump libusb.
//
// create(): a new context (tests create one per testbed). shared(): the process-wide one,
//   created on first use and destroyed when the last holder lets go (streams keep it alive).
// enumerate(): every attached device (root hubs included), see usb_device_info.h. With
//   probe_access each device is opened and closed once to report access (ok /
//   permission_denied with the fix / not_openable) and to read strings sysfs lacks.
// watch(cb): hotplug. cb(arrived|left, info) first reports `arrived` for every device present
//   when watch() is called, then each change, on the watch's own dispatcher thread (never on
//   the libusb event thread, so cb may call enumerate() or open streams), one call at a time,
//   in order. `left` carries the info reported at arrival. A replug is `left` then `arrived`
//   (the bus address changes; the identity does not).
//   Mechanism: libusb_hotplug_register_callback when libusb_has_capability(
//   LIBUSB_CAP_HAS_HOTPLUG) (Linux: udev/netlink uevents); otherwise, or with
//   WatchOptions::force_polling, the documented fallback: re-enumerate every poll_interval
//   and diff by (bus, address, vid, pid), so a change is seen within one interval.
//   Destroying the HotplugWatch stops it; once the destructor returns cb is never called
//   again. Destroy every watch before its context.
// Errors are values (code usb_init / device_io, see usb_error()). Threading: all methods are
// thread-safe; the destructor must not run on the event thread or inside a watch callback.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "drivers/usb/usb_device_info.h"
#include "edge/core/result.h"

struct libusb_context;

namespace scanedge::usb {

enum class HotplugEvent { arrived, left };
const char* to_string(HotplugEvent e);
using HotplugCallback = std::function<void(HotplugEvent, const UsbDeviceInfo&)>;

struct WatchOptions {
  bool force_polling = false;                        // use the fallback even with libusb hotplug
  std::chrono::milliseconds poll_interval{1000};     // fallback re-enumeration period
};

class HotplugWatch {
 public:
  virtual ~HotplugWatch() = default;
  // True when events come from libusb hotplug callbacks, false for the polling fallback.
  virtual bool uses_libusb_hotplug() const = 0;
};

class UsbContext {
 public:
  static Result<std::shared_ptr<UsbContext>> create();
  static Result<std::shared_ptr<UsbContext>> shared();

  ~UsbContext();
  UsbContext(const UsbContext&) = delete;
  UsbContext& operator=(const UsbContext&) = delete;

  libusb_context* raw() const { return ctx_; }
  bool has_hotplug() const;

  Result<std::vector<UsbDeviceInfo>> enumerate(bool probe_access = true);
  Result<std::unique_ptr<HotplugWatch>> watch(HotplugCallback cb, WatchOptions options = {});

  // Internal to the USB layer: storage for libusb hotplug callback sinks, which must outlive
  // their registration (libusb may still be inside a callback while a watch is destroyed).
  struct Sink;
  std::shared_ptr<Sink> new_sink();

 private:
  explicit UsbContext(libusb_context* ctx);
  void event_loop();

  libusb_context* ctx_;
  std::atomic<bool> stop_{false};
  std::thread events_;
  std::mutex sinks_mu_;
  std::list<std::shared_ptr<Sink>> sinks_;
};

}  // namespace scanedge::usb
