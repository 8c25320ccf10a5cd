#include "edge/devices/device_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "edge/devices/profile_matcher.h"

namespace scanedge::devices {
namespace {

std::string hex4(int v) {
  if (v < 0) return "";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>(v) & 0xFFFFu);
  return buf;
}

}  // namespace

std::vector<DeviceRow> build_device_report(const std::vector<AttachedDevice>& attached,
                                           const std::vector<Profile>& profiles,
                                           const nlohmann::json& agent_scanners, bool agent_reachable) {
  std::vector<DeviceRow> rows;
  std::vector<std::string> agent_ids_seen;
  auto agent_entry = [&](const AttachedDevice& d) -> const nlohmann::json* {
    if (!agent_scanners.is_array()) return nullptr;
    for (const auto& s : agent_scanners) {
      if (!s.is_object()) continue;
      const std::string id = s.value("id", "");
      if (id == d.identity || id == "serial:" + d.node) return &s;
    }
    return nullptr;
  };
  for (const auto& d : attached) {
    DeviceRow r;
    r.identity = d.identity;
    r.kind = to_string(d.kind);
    r.node = d.node;
    r.vid = d.vid;
    r.pid = d.pid;
    r.product = d.description.empty() ? d.product : d.description;
    const nlohmann::json* served = agent_entry(d);
    const Profile* p = match_profile(d, profiles);
    if (served != nullptr) {
      r.profile = served->value("profile", "");
      r.state = served->value("state", "unknown");
      agent_ids_seen.push_back(served->value("id", ""));
      for (const auto& pr : profiles) {
        if (pr.name == r.profile) r.driver = pr.driver;
      }
    } else if (p != nullptr) {
      r.profile = p->name;
      r.driver = p->driver;
      if (d.access == AttachedDevice::Access::permission_denied) {
        r.state = "permission_denied";
        r.fix = d.access_fix;
      } else if (!agent_reachable) {
        r.state = "agent_not_running";
        r.fix = "start the agent: systemctl start scanedged (or check --bus / --config)";
      } else {
        r.state = "not_served";
        r.fix = "the agent does not serve it: set profiles.autodetect = true, or add [[scanner]] profile = \"" +
                p->name + "\" port = \"" + d.identity + "\" to scanedged.toml";
      }
    } else {
      r.state = "no_profile";
    }
    rows.push_back(std::move(r));
  }
  if (agent_scanners.is_array()) {
    for (const auto& s : agent_scanners) {
      if (!s.is_object()) continue;
      const std::string id = s.value("id", "");
      if (std::find(agent_ids_seen.begin(), agent_ids_seen.end(), id) != agent_ids_seen.end()) continue;
      DeviceRow r;
      r.identity = id;
      r.profile = s.value("profile", "");
      r.state = "not_attached";
      r.fix = "the agent waits for this scanner (state " + s.value("state", "unknown") +
              "): plug it in, or check the cable / port name";
      rows.push_back(std::move(r));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const DeviceRow& a, const DeviceRow& b) {
    const bool ap = !a.profile.empty(), bp = !b.profile.empty();
    if (ap != bp) return ap;
    return a.identity < b.identity;
  });
  return rows;
}

nlohmann::json to_json(const DeviceRow& r) {
  return {{"identity", r.identity}, {"kind", r.kind},       {"node", r.node},
          {"vid", r.vid < 0 ? nlohmann::json(nullptr) : nlohmann::json(hex4(r.vid))},
          {"pid", r.pid < 0 ? nlohmann::json(nullptr) : nlohmann::json(hex4(r.pid))},
          {"product", r.product},   {"profile", r.profile.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.profile)},
          {"driver", r.driver.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.driver)},
          {"state", r.state},       {"fix", r.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.fix)}};
}

std::string format_device_table(const std::vector<DeviceRow>& rows) {
  std::size_t wid = 8, wnode = 4, wprof = 7;
  for (const auto& r : rows) {
    wid = std::max(wid, r.identity.size());
    wnode = std::max(wnode, r.node.size());
    wprof = std::max(wprof, r.profile.size());
  }
  auto pad = [](std::string s, std::size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  std::ostringstream os;
  os << pad("IDENTITY", wid) << "  " << pad("NODE", wnode) << "  " << pad("PROFILE", wprof) << "  STATE\n";
  for (const auto& r : rows) {
    os << pad(r.identity, wid) << "  " << pad(r.node.empty() ? "-" : r.node, wnode) << "  "
       << pad(r.profile.empty() ? "-" : r.profile, wprof) << "  " << r.state;
    if (!r.product.empty()) os << "  (" << r.product << ")";
    os << "\n";
    if (!r.fix.empty()) os << "    fix: " << r.fix << "\n";
  }
  if (rows.empty()) os << "(no USB devices or serial ports found)\n";
  return os.str();
}

}  // namespace scanedge::devices
