// `scanedgectl devices [--json]`: lists the attached USB devices (libusb) and serial ports
// (libserialport) with the profile that recognises each and its state, asking the agent
// (bus `status`, short timeout) which scanners it serves; see edge/devices/device_report.h
// for the states. Table on stdout, or with --json one JSON array of rows. Exit 0 when the
// listing worked (whatever the states), 1 when enumeration failed.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

namespace scanedge::ctl {

int devices_cmd(const std::string& bus_endpoint, const std::string& profiles_dir, bool json,
                std::chrono::milliseconds agent_timeout, std::ostream& out, std::ostream& err);

}  // namespace scanedge::ctl
