// `scanedgectl devices [--json]`: lists the attached USB devices (libusb) and serial ports
// (libserialport) with the profile that recognises each and its state, asking the agent
// (bus `status`, short timeout) which scanners it serves; see edge/devices/device_report.h
// for the states. Table on stdout, or with --json one JSON array of rows. Exit 0 when the
// listing worked (whatever the states), 1 when enumeration failed.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "edge/devices/device_report.h"

namespace scanedge::ctl {

// The rows devices_cmd prints, for other commands (provision, doctor). Enumeration and
// profile problems are written to `err`; `usable_sources` counts the enumerations that
// worked (0..2), `agent_reachable` whether the agent answered `status`.
struct DeviceListing {
  std::vector<devices::DeviceRow> rows;
  int usable_sources = 0;
  bool agent_reachable = false;
  std::string agent_error;  // why the agent did not answer
};
DeviceListing list_devices(const std::string& bus_endpoint, const std::string& profiles_dir,
                           std::chrono::milliseconds agent_timeout, std::ostream& err);

int devices_cmd(const std::string& bus_endpoint, const std::string& profiles_dir, bool json,
                std::chrono::milliseconds agent_timeout, std::ostream& out, std::ostream& err);

}  // namespace scanedge::ctl
