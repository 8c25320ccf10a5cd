#include "edge/ctl/profiles_check.h"

#include <filesystem>

#include "edge/profiles/profile.h"

namespace scanedge::ctl {

int profiles_check(const std::vector<std::string>& files, const std::string& dir, std::ostream& out) {
  std::vector<std::string> paths = files;
  if (paths.empty()) {
    auto names = list_profiles(dir);
    if (!names) {
      out << names.error().message << "\n";
      return 1;
    }
    for (const auto& n : *names) paths.push_back((std::filesystem::path(dir) / (n + ".toml")).string());
    if (paths.empty()) {
      out << dir << ": no profiles (*.toml) found\n";
      return 1;
    }
  }
  int invalid = 0;
  for (const auto& path : paths) {
    auto p = load_profile_file(path);
    if (p) {
      out << "ok   " << path << " (driver " << p->driver << (p->description.empty() ? "" : ": " + p->description)
          << ")\n";
    } else {
      ++invalid;
      out << p.error().message << "\n";
    }
  }
  out << paths.size() << " profile(s) checked, " << invalid << " invalid\n";
  return invalid == 0 ? 0 : 1;
}

}  // namespace scanedge::ctl
