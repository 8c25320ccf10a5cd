#include "edge/rfid/filter_settings.h"

#include <cmath>
#include <sstream>
#include <string>

namespace scanedge::rfid {
namespace {

Error invalid(const std::string& key, const std::string& value, const std::string& allowed) {
  return make_error("rfid_settings_invalid", "rfid." + key + " = " + value + " is out of range: " + allowed);
}

std::string fmt_double(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

Status validate_filter_settings(const RfidFilterSettings& s) {
  const auto window_ms = s.window.count();
  if (window_ms < 1 || window_ms > 600000) {
    return invalid("window_ms", std::to_string(window_ms), "must be 1..600000 ms");
  }
  if (s.min_reads < 1 || s.min_reads > 10000) {
    return invalid("min_reads", std::to_string(s.min_reads), "must be 1..10000");
  }
  if (!std::isfinite(s.rssi_min_dbm) || s.rssi_min_dbm < -150.0 || s.rssi_min_dbm > 30.0) {
    return invalid("rssi_min_dbm", fmt_double(s.rssi_min_dbm), "must be a finite number of dBm in -150..30");
  }
  const auto absence_ms = s.absence_timeout.count();
  if (absence_ms < window_ms || absence_ms > 86400000) {
    return invalid("absence_timeout_ms", std::to_string(absence_ms),
                   "must be at least rfid.window_ms (" + std::to_string(window_ms) + ") and at most 86400000 ms");
  }
  if (s.max_tags < 1 || s.max_tags > 1000000) {
    return invalid("max_tags", std::to_string(s.max_tags), "must be 1..1000000");
  }
  return ok_status();
}

}  // namespace scanedge::rfid
