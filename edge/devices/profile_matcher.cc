#include "edge/devices/profile_matcher.h"

#include <algorithm>
#include <cctype>

namespace scanedge::devices {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// 0 = no match; higher = more specific.
int score(const AttachedDevice& d, const Profile& p) {
  const MatchRules& m = p.match;
  if (m.empty()) return 0;
  const bool usb_device = d.kind == AttachedDevice::Kind::usb;
  if (usb_device != is_usb_driver(p.driver)) return 0;
  int s = 0;
  if (m.usb_vid >= 0) {
    if (d.vid != m.usb_vid) return 0;
    s = 10;
    if (!m.usb_pids.empty()) {
      if (std::find(m.usb_pids.begin(), m.usb_pids.end(), d.pid) == m.usb_pids.end()) return 0;
      s += 10;
    }
    if (m.usb_interface_class >= 0) {
      if (std::find(d.interface_classes.begin(), d.interface_classes.end(), m.usb_interface_class) ==
          d.interface_classes.end()) {
        return 0;
      }
      s += 5;
    }
  }
  if (!m.serial_description.empty()) {
    if (usb_device) return 0;
    const std::string want = lower(m.serial_description);
    const bool hit = lower(d.description).find(want) != std::string::npos ||
                     lower(d.product).find(want) != std::string::npos ||
                     lower(d.manufacturer).find(want) != std::string::npos;
    if (!hit) return 0;
    s += 3;
  }
  return s;
}

}  // namespace

bool is_usb_driver(const std::string& driver) { return driver == "hid-keyboard" || driver == "hid-pos"; }

const Profile* match_profile(const AttachedDevice& device, const std::vector<Profile>& profiles,
                             std::vector<std::string>* ambiguous) {
  const Profile* best = nullptr;
  int best_score = 0;
  std::vector<std::string> tied;
  for (const auto& p : profiles) {
    const int s = score(device, p);
    if (s == 0) continue;
    if (s > best_score || (s == best_score && best != nullptr && p.name < best->name)) {
      if (s > best_score) tied.clear();
      best = &p;
      best_score = s;
    }
    if (s == best_score) tied.push_back(p.name);
  }
  if (ambiguous != nullptr) {
    ambiguous->clear();
    if (tied.size() > 1) {
      std::sort(tied.begin(), tied.end());
      *ambiguous = tied;
    }
  }
  return best;
}

}  // namespace scanedge::devices
