// What `scanedgectl devices` shows: every attached USB device and serial port, the profile
// that recognises it and its state, plus scanners the agent serves that are not attached.
//
// build_device_report(attached, profiles, agent_scanners, agent_reachable): pure. States:
//   in_service | opening | disconnected | stopped  the agent serves it (agent's own state)
//   permission_denied   a profile matches but this process cannot open the device; `fix`
//                       says which udev rule / group fixes it
//   not_served          a profile matches, the agent runs but does not serve it (for
//                       example profiles.autodetect = false and no [[scanner]] entry)
//   agent_not_running   a profile matches; the agent did not answer, so its state is unknown
//   no_profile          no shipped profile recognises the device (hubs, keyboards, ...)
//   not_attached        the agent has a scanner configured whose device is not plugged in
// agent_scanners: the "scanners" array of the agent's status ({id, profile, state}).
// Rows are sorted: scanners first (by identity), then devices with no profile.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/device_source.h"
#include "edge/profiles/profile.h"

namespace scanedge::devices {

struct DeviceRow {
  std::string identity;
  std::string kind;      // usb | serial | "" (not attached)
  std::string node;
  int vid = -1;
  int pid = -1;
  std::string product;   // "manufacturer product" or port description
  std::string profile;   // matched (or configured) profile, "" when none
  std::string driver;
  std::string state;
  std::string fix;       // what to do, for permission_denied / not_served / agent_not_running
};

std::vector<DeviceRow> build_device_report(const std::vector<AttachedDevice>& attached,
                                           const std::vector<Profile>& profiles,
                                           const nlohmann::json& agent_scanners, bool agent_reachable);

nlohmann::json to_json(const DeviceRow& r);
// A fixed-width table for terminals, one row per device, fixes on indented lines.
std::string format_device_table(const std::vector<DeviceRow>& rows);

}  // namespace scanedge::devices
