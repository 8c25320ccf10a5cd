// UsbDeviceSource: the USB devices attached now, through libusb (drivers/usb UsbContext), as
// a DeviceSource. Hubs (class 9) and root hubs are left out. A libusb hotplug watch (or its
// polling fallback) calls the change callback, so the device manager rescans at once.
// Threading: list() from one thread at a time; set_change_callback() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edge/core/device_source.h"

namespace scanedge::usb {
class UsbContext;
class HotplugWatch;
}  // namespace scanedge::usb

namespace scanedge::devices {

class UsbDeviceSource final : public DeviceSource {
 public:
  // ctx: the libusb context to use (nullptr: the process-wide shared one, created lazily).
  explicit UsbDeviceSource(std::shared_ptr<usb::UsbContext> ctx = nullptr);
  ~UsbDeviceSource() override;
  Result<std::vector<AttachedDevice>> list() override;
  void set_change_callback(std::function<void()> cb) override;
  std::string name() const override { return "usb"; }

 private:
  Result<std::shared_ptr<usb::UsbContext>> context();

  std::shared_ptr<usb::UsbContext> ctx_;
  std::mutex mu_;  // guards ctx_, cb_, watch_
  std::shared_ptr<std::function<void()>> cb_;
  std::unique_ptr<usb::HotplugWatch> watch_;
};

}  // namespace scanedge::devices
