#include "drivers/usb/usb_device_info.h"

#include <libusb.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "drivers/usb/usb_identity.h"

namespace scanedge::usb {
namespace {

// One sysfs attribute as text without the trailing newline; "" when absent/unreadable.
std::string read_sysfs_attr(const std::string& sysname, const char* attr) {
  std::ifstream in("/sys/bus/usb/devices/" + sysname + "/" + attr, std::ios::binary);
  if (!in) return {};
  std::array<char, 512> buf{};
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  std::string s(buf.data(), static_cast<std::size_t>(in.gcount()));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == '\0')) s.pop_back();
  if (s.size() > 255) s.resize(255);
  return s;
}

std::string read_string_descriptor(libusb_device_handle* h, std::uint8_t index) {
  if (index == 0) return {};
  std::array<unsigned char, 256> buf{};
  int n = libusb_get_string_descriptor_ascii(h, index, buf.data(), static_cast<int>(buf.size()));
  if (n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
}

}  // namespace

const char* to_string(UsbAccess a) {
  switch (a) {
    case UsbAccess::ok: return "ok";
    case UsbAccess::permission_denied: return "permission_denied";
    case UsbAccess::not_openable: return "not_openable";
    case UsbAccess::not_checked: return "not_checked";
  }
  return "unknown";
}

std::string usb_permission_fix(std::uint16_t vid, std::uint16_t pid) {
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", static_cast<unsigned>(vid), static_cast<unsigned>(pid));
  std::string v(ids, 4);
  std::string p(ids + 5, 4);
  return std::string("add a udev rule giving group scanedge rw on ") + ids + " (SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"" +
         v + "\", ATTRS{idProduct}==\"" + p +
         "\", GROUP=\"scanedge\", MODE=\"0660\") in /etc/udev/rules.d/70-scanedge.rules, run `udevadm control "
         "--reload && udevadm trigger`, and run the agent in group scanedge";
}

std::string format_bcd_version(std::uint16_t bcd) {
  unsigned major = bcd >> 8;
  unsigned minor = bcd & 0xff;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x.%02x", major, minor);
  return buf;
}

Error usb_error(int rc, const std::string& what) {
  std::string msg = what + ": " + libusb_strerror(rc);
  switch (rc) {
    case LIBUSB_ERROR_ACCESS: return make_error("permission_denied", msg);
    case LIBUSB_ERROR_NO_DEVICE: return make_error("device_disconnected", msg);
    case LIBUSB_ERROR_NOT_FOUND: return make_error("device_not_found", msg);
    case LIBUSB_ERROR_BUSY: return make_error("device_busy", msg);
    case LIBUSB_ERROR_TIMEOUT: return make_error("device_timeout", msg);
    default: return make_error("device_io", msg);
  }
}

UsbDeviceInfo read_usb_device_info(libusb_device* dev, bool probe_access) {
  UsbDeviceInfo info;
  libusb_device_descriptor desc{};
  libusb_get_device_descriptor(dev, &desc);  // cached by libusb; cannot fail on Linux
  info.vid = desc.idVendor;
  info.pid = desc.idProduct;
  info.device_class = desc.bDeviceClass;
  info.bcd_device = format_bcd_version(desc.bcdDevice);
  info.bus = libusb_get_bus_number(dev);
  info.address = libusb_get_device_address(dev);
  std::array<std::uint8_t, 8> ports{};
  int np = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
  if (np > 0) info.ports.assign(ports.begin(), ports.begin() + np);
  info.port_path = format_port_path(info.bus, info.ports);
  char node[32];
  std::snprintf(node, sizeof node, "/dev/bus/usb/%03u/%03u", static_cast<unsigned>(info.bus),
                static_cast<unsigned>(info.address));
  info.devnode = node;

  libusb_config_descriptor* cfg = nullptr;
  if (libusb_get_active_config_descriptor(dev, &cfg) != LIBUSB_SUCCESS) {
    cfg = nullptr;
    if (libusb_get_config_descriptor(dev, 0, &cfg) != LIBUSB_SUCCESS) cfg = nullptr;
  }
  if (cfg != nullptr) {
    for (int i = 0; i < cfg->bNumInterfaces; ++i) {
      const libusb_interface& itf = cfg->interface[i];
      if (itf.num_altsetting > 0) info.interface_classes.push_back(itf.altsetting[0].bInterfaceClass);
    }
    libusb_free_config_descriptor(cfg);
  }

  const std::string sysname = info.ports.empty() ? "usb" + std::to_string(info.bus) : info.port_path;
  info.serial = read_sysfs_attr(sysname, "serial");
  info.manufacturer = read_sysfs_attr(sysname, "manufacturer");
  info.product = read_sysfs_attr(sysname, "product");

  if (probe_access) {
    libusb_device_handle* h = nullptr;
    int rc = libusb_open(dev, &h);
    if (rc == LIBUSB_SUCCESS) {
      info.access = UsbAccess::ok;
      if (info.serial.empty()) info.serial = read_string_descriptor(h, desc.iSerialNumber);
      if (info.manufacturer.empty()) info.manufacturer = read_string_descriptor(h, desc.iManufacturer);
      if (info.product.empty()) info.product = read_string_descriptor(h, desc.iProduct);
      libusb_close(h);
    } else if (rc == LIBUSB_ERROR_ACCESS) {
      info.access = UsbAccess::permission_denied;
      info.access_message = "cannot open " + info.devnode + " (permission denied): " + usb_permission_fix(info.vid, info.pid);
    } else {
      info.access = UsbAccess::not_openable;
      info.access_message = "cannot open " + info.devnode + ": " + libusb_strerror(rc);
    }
  }
  info.identity = usb_identity(info.vid, info.pid, info.serial, info.bus, info.ports);
  return info;
}

}  // namespace scanedge::usb
