#include "edge/ctl/devices_cmd.h"

#include "drivers/serial/serial_port_source.h"
#include "edge/bus/bus_client.h"
#include "edge/devices/device_report.h"
#include "edge/devices/platform/usb_device_source.h"
#include "edge/profiles/profile.h"

namespace scanedge::ctl {

DeviceListing list_devices(const std::string& bus_endpoint, const std::string& profiles_dir,
                           std::chrono::milliseconds agent_timeout, std::ostream& err) {
  DeviceListing listing;
  std::vector<AttachedDevice> attached;
  devices::UsbDeviceSource usb_src;
  serial::SerialPortSource serial_src;
  for (DeviceSource* src : std::initializer_list<DeviceSource*>{&usb_src, &serial_src}) {
    auto l = src->list();
    if (!l) {
      err << "scanedgectl devices: " << src->name() << " enumeration failed: " << l.error().message << "\n";
      continue;
    }
    ++listing.usable_sources;
    attached.insert(attached.end(), l->begin(), l->end());
  }
  std::vector<Profile> profiles;
  auto names = list_profiles(profiles_dir);
  if (!names) {
    err << "scanedgectl devices: " << names.error().message << " (profiles are not matched)\n";
  } else {
    for (const auto& n : *names) {
      auto p = find_profile(profiles_dir, n);
      if (p) {
        profiles.push_back(*p);
      } else {
        err << "scanedgectl devices: profile skipped: " << p.error().message << "\n";
      }
    }
  }
  bus::BusClient client(bus_endpoint);
  auto st = client.request({{"v", 1}, {"op", "status"}}, agent_timeout);
  nlohmann::json agent_scanners;
  if (st && st->contains("scanners")) agent_scanners = (*st)["scanners"];
  listing.agent_reachable = st.ok();
  if (!st) listing.agent_error = st.error().message;
  listing.rows = devices::build_device_report(attached, profiles, agent_scanners, st.ok());
  return listing;
}

int devices_cmd(const std::string& bus_endpoint, const std::string& profiles_dir, bool json,
                std::chrono::milliseconds agent_timeout, std::ostream& out, std::ostream& err) {
  const DeviceListing listing = list_devices(bus_endpoint, profiles_dir, agent_timeout, err);
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : listing.rows) arr.push_back(devices::to_json(r));
    out << arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out << devices::format_device_table(listing.rows);
    if (!listing.agent_reachable) {
      out << "(agent not reachable at " << bus_endpoint << ": " << listing.agent_error << ")\n";
    }
  }
  return listing.usable_sources == 0 ? 1 : 0;
}

}  // namespace scanedge::ctl
