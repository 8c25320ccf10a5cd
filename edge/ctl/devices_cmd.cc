#include "edge/ctl/devices_cmd.h"

#include "drivers/serial/serial_port_source.h"
#include "edge/bus/bus_client.h"
#include "edge/devices/device_report.h"
#include "edge/devices/platform/usb_device_source.h"
#include "edge/profiles/profile.h"

namespace scanedge::ctl {

int devices_cmd(const std::string& bus_endpoint, const std::string& profiles_dir, bool json,
                std::chrono::milliseconds agent_timeout, std::ostream& out, std::ostream& err) {
  std::vector<AttachedDevice> attached;
  int failures = 0;
  devices::UsbDeviceSource usb_src;
  serial::SerialPortSource serial_src;
  for (DeviceSource* src : std::initializer_list<DeviceSource*>{&usb_src, &serial_src}) {
    auto l = src->list();
    if (!l) {
      err << "scanedgectl devices: " << src->name() << " enumeration failed: " << l.error().message << "\n";
      ++failures;
      continue;
    }
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
  const auto rows = devices::build_device_report(attached, profiles, agent_scanners, st.ok());
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows) arr.push_back(devices::to_json(r));
    out << arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out << devices::format_device_table(rows);
    if (!st) out << "(agent not reachable at " << bus_endpoint << ": " << st.error().message << ")\n";
  }
  return failures == 2 ? 1 : 0;
}

}  // namespace scanedge::ctl
