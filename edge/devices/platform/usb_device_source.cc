#include "edge/devices/platform/usb_device_source.h"

#include <spdlog/spdlog.h>

#include "drivers/usb/usb_context.h"

namespace scanedge::devices {

UsbDeviceSource::UsbDeviceSource(std::shared_ptr<usb::UsbContext> ctx) : ctx_(std::move(ctx)) {}

UsbDeviceSource::~UsbDeviceSource() { set_change_callback(nullptr); }

Result<std::shared_ptr<usb::UsbContext>> UsbDeviceSource::context() {
  std::lock_guard lock(mu_);
  if (!ctx_) {
    auto c = usb::UsbContext::shared();
    if (!c) return c.error();
    ctx_ = *c;
  }
  return ctx_;
}

Result<std::vector<AttachedDevice>> UsbDeviceSource::list() {
  auto ctx = context();
  if (!ctx) return ctx.error();
  auto infos = (*ctx)->enumerate(/*probe_access=*/true);
  if (!infos) return infos.error();
  std::vector<AttachedDevice> out;
  for (const auto& i : *infos) {
    if (i.ports.empty() || i.device_class == 9) continue;  // root hubs and hubs
    AttachedDevice d;
    d.kind = AttachedDevice::Kind::usb;
    d.identity = i.identity;
    d.node = i.devnode;
    d.vid = i.vid;
    d.pid = i.pid;
    d.interface_classes = i.interface_classes;
    d.serial_number = i.serial;
    d.manufacturer = i.manufacturer;
    d.product = i.product;
    d.description = i.manufacturer.empty() ? i.product : i.manufacturer + " " + i.product;
    d.firmware = i.bcd_device;
    switch (i.access) {
      case usb::UsbAccess::ok: d.access = AttachedDevice::Access::ok; break;
      case usb::UsbAccess::permission_denied: d.access = AttachedDevice::Access::permission_denied; break;
      default: d.access = AttachedDevice::Access::unknown; break;
    }
    d.access_fix = i.access_message;
    out.push_back(std::move(d));
  }
  return out;
}

void UsbDeviceSource::set_change_callback(std::function<void()> cb) {
  std::unique_ptr<usb::HotplugWatch> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(watch_);
  }
  old.reset();  // once destroyed, the previous callback never runs again
  if (!cb) return;
  auto ctx = context();
  if (!ctx) {
    spdlog::warn("USB hotplug unavailable: {}", ctx.error().message);
    return;
  }
  auto shared_cb = std::make_shared<std::function<void()>>(std::move(cb));
  auto w = (*ctx)->watch([shared_cb](usb::HotplugEvent, const usb::UsbDeviceInfo&) { (*shared_cb)(); });
  if (!w) {
    spdlog::warn("USB hotplug unavailable ({}): USB devices are found by periodic rescans", w.error().message);
    return;
  }
  std::lock_guard lock(mu_);
  watch_ = std::move(*w);
}

}  // namespace scanedge::devices
