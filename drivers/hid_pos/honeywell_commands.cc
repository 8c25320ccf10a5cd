#include "drivers/hid_pos/honeywell_commands.h"

#include <algorithm>

namespace scanedge::hid_pos {
namespace {

const std::string kMenuHeader = std::string{kSyn, 'M', '\r'};

bool tag_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

Result<std::string> menu_command(std::string_view tag, std::string_view subtag, std::string_view data,
                                 MenuStorage storage) {
  auto bad = [](const std::string& what) { return make_error("invalid_menu_command", what); };
  if (tag.size() != 3 || !std::all_of(tag.begin(), tag.end(), tag_char))
    return bad("menu tag '" + std::string(tag) + "' must be 3 characters A-Z/0-9");
  if (subtag.size() != 3 || !std::all_of(subtag.begin(), subtag.end(), tag_char))
    return bad("menu subtag '" + std::string(subtag) + "' must be 3 characters A-Z/0-9");
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x20 || c > 0x7E || c == ';' || c == ',' || c == '.' || c == '!')
      return bad("menu data '" + std::string(data) + "': byte " + std::to_string(i) +
                 " is not allowed (printable ASCII except ; , . !)");
  }
  std::string cmd = kMenuHeader;
  cmd.append(tag).append(subtag).append(data);
  cmd.push_back(static_cast<char>(storage));
  return cmd;
}

std::string serial_command(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.front() == kSyn) return std::string(bytes);
  return kMenuHeader + std::string(bytes);
}

bool expects_reply(std::string_view command) {
  return command.size() > kMenuHeader.size() && command.substr(0, kMenuHeader.size()) == kMenuHeader;
}

std::vector<std::vector<std::uint8_t>> command_reports(std::string_view command, std::size_t report_size) {
  const std::size_t chunk = std::min<std::size_t>(std::max<std::size_t>(report_size, 3) - 2, 255);
  std::vector<std::vector<std::uint8_t>> reports;
  for (std::size_t off = 0; off < command.size(); off += chunk) {
    const std::size_t n = std::min(chunk, command.size() - off);
    std::vector<std::uint8_t> r;
    r.reserve(n + 2);
    r.push_back(kCommandReportId);
    r.push_back(static_cast<std::uint8_t>(n));
    for (std::size_t i = 0; i < n; ++i) r.push_back(static_cast<std::uint8_t>(command[off + i]));
    reports.push_back(std::move(r));
  }
  return reports;
}

std::array<std::uint8_t, 2> route_feature_report() { return {kRouteFeatureId, kRouteToHidPos}; }

}  // namespace scanedge::hid_pos
