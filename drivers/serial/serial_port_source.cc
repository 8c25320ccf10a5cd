#include "drivers/serial/serial_port_source.h"

#include <libserialport.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "drivers/usb/usb_identity.h"

namespace scanedge::serial {
namespace {

struct PortListFree {
  void operator()(sp_port** l) const { sp_free_port_list(l); }
};

std::string str_or_empty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// A USB device directory name in sysfs: "1-2", "1-2.4.1" (not an interface "1-2:1.0").
bool is_usb_device_dir(const std::string& name) {
  const auto dash = name.find('-');
  if (dash == std::string::npos || dash == 0) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (i == dash) continue;
    if (!(std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.')) return false;
  }
  return true;
}

// Port path of the USB device owning tty `name` ("ttyUSB0"), from its sysfs device link.
bool usb_port_path(const std::string& name, std::uint8_t& bus, std::vector<std::uint8_t>& ports) {
  std::error_code ec;
  const std::filesystem::path link = "/sys/class/tty/" + name + "/device";
  auto target = std::filesystem::canonical(link, ec);
  if (ec) return false;
  for (auto p = target; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    const std::string leaf = p.filename().string();
    if (is_usb_device_dir(leaf)) return usb::parse_port_path(leaf, bus, ports).ok();
  }
  return false;
}

// Whether a native port (ttyS*) is backed by hardware: its sysfs entry has a driver link
// that is not the legacy 8250 platform placeholder used for absent UARTs.
bool native_port_present(const std::string& name) {
  std::error_code ec;
  const auto drv = std::filesystem::canonical("/sys/class/tty/" + name + "/device/driver", ec);
  if (ec) return false;
  return drv.filename().string() != "serial8250";
}

AttachedDevice describe_port(sp_port* port) {
  AttachedDevice d;
  d.kind = AttachedDevice::Kind::serial;
  const std::string node = str_or_empty(sp_get_port_name(port));
  d.node = node;
  d.description = str_or_empty(sp_get_port_description(port));
  const std::string base = std::filesystem::path(node).filename().string();
  if (sp_get_port_transport(port) == SP_TRANSPORT_USB) {
    int vid = -1, pid = -1;
    if (sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK) {
      d.vid = vid;
      d.pid = pid;
    }
    d.serial_number = str_or_empty(sp_get_port_usb_serial(port));
    d.manufacturer = str_or_empty(sp_get_port_usb_manufacturer(port));
    d.product = str_or_empty(sp_get_port_usb_product(port));
    std::uint8_t bus = 0;
    std::vector<std::uint8_t> ports;
    const bool have_path = usb_port_path(base, bus, ports);
    if (d.vid >= 0 && (!d.serial_number.empty() || have_path)) {
      d.identity = usb::usb_identity(static_cast<std::uint16_t>(d.vid), static_cast<std::uint16_t>(d.pid),
                                     d.serial_number, bus, ports);
    }
  }
  if (d.identity.empty()) d.identity = "serial:" + node;
  if (::access(node.c_str(), R_OK | W_OK) == 0) {
    d.access = AttachedDevice::Access::ok;
  } else if (errno == EACCES || errno == EPERM) {
    d.access = AttachedDevice::Access::permission_denied;
    d.access_fix = "add the service user to the 'dialout' group, or install the scanedge udev rule that gives "
                   "group 'scanedge' read-write access to " + node;
  }
  return d;
}

}  // namespace

Result<std::vector<AttachedDevice>> SerialPortSource::list() {
  sp_port** raw = nullptr;
  if (sp_list_ports(&raw) != SP_OK) {
    char* msg = sp_last_error_message();
    std::string m = msg == nullptr ? "unknown error" : msg;
    sp_free_error_message(msg);
    return make_error("device_io", "cannot enumerate serial ports: " + m);
  }
  std::unique_ptr<sp_port*, PortListFree> ports(raw);
  std::vector<AttachedDevice> out;
  for (sp_port** p = ports.get(); *p != nullptr; ++p) {
    const auto transport = sp_get_port_transport(*p);
    const std::string base = std::filesystem::path(str_or_empty(sp_get_port_name(*p))).filename().string();
    if (!include_all_ && transport == SP_TRANSPORT_NATIVE && !native_port_present(base)) continue;
    out.push_back(describe_port(*p));
  }
  return out;
}

Result<std::string> find_port_for_identity(const std::string& identity) {
  if (identity.rfind("serial:", 0) == 0) return identity.substr(7);
  if (identity.rfind("usb:", 0) != 0) return identity;  // a plain path
  SerialPortSource src(true);
  auto ports = src.list();
  if (!ports) return ports.error();
  std::string seen;
  for (const auto& d : *ports) {
    if (d.identity == identity) return d.node;
    seen += (seen.empty() ? "" : ", ") + d.identity + " (" + d.node + ")";
  }
  return make_error("device_not_found", "no serial port of " + identity + " is attached (attached: " +
                                            (seen.empty() ? "none" : seen) + ")");
}

}  // namespace scanedge::serial
