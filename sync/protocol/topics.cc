#include "sync/protocol/topics.h"

#include <array>
#include <vector>

namespace scanedge::sync {

namespace {

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxQuoted = 80;  // bytes of untrusted input quoted in a message

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, kMaxQuoted)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (s.size() > kMaxQuoted) out += "...";
  out += '"';
  return out;
}

Error bad_topic(std::string_view topic, const std::string& why) {
  return make_error("bad_topic", "topic " + quote(topic) + ": " + why);
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string topic_root(const DeviceAddress& a) { return std::string(kTopicPrefix) + a.site + "/" + a.device + "/"; }

std::string events_topic(const DeviceAddress& a, Stream s) {
  return topic_root(a) + "events/" + std::string(to_string(s));
}

std::string ack_topic(const DeviceAddress& a, Stream s) { return topic_root(a) + "ack/" + std::string(to_string(s)); }

std::string tasks_topic(const DeviceAddress& a) { return topic_root(a) + "tasks"; }

std::string config_topic(const DeviceAddress& a) { return topic_root(a) + "config"; }

std::string status_topic(const DeviceAddress& a) { return topic_root(a) + "status"; }

Result<ParsedTopic> parse_topic(std::string_view topic) {
  const std::vector<std::string_view> parts = split(topic);
  if (parts.size() < 2 || parts[0] != "scanedge") {
    return bad_topic(topic, "does not start with \"scanedge/\"");
  }
  if (parts[1] != "v1") {
    return bad_topic(topic, "unsupported protocol version segment " + quote(parts[1]) + " (expected \"v1\")");
  }
  if (parts.size() < 5) return bad_topic(topic, "too few segments (expected scanedge/v1/{site}/{device}/{kind})");
  if (!valid_id(parts[2])) {
    return bad_topic(topic, "invalid site id " + quote(parts[2]) + " (1..64 chars of [A-Za-z0-9._-])");
  }
  if (!valid_id(parts[3])) {
    return bad_topic(topic, "invalid device id " + quote(parts[3]) + " (1..64 chars of [A-Za-z0-9._-])");
  }
  ParsedTopic out;
  out.address.site = std::string(parts[2]);
  out.address.device = std::string(parts[3]);
  const std::string_view kind = parts[4];
  if (kind == "events" || kind == "ack") {
    out.kind = kind == "events" ? TopicKind::events : TopicKind::ack;
    if (parts.size() != 6) {
      return bad_topic(topic, "\"" + std::string(kind) + "\" must be followed by exactly one stream segment");
    }
    const auto stream = stream_from_string(parts[5]);
    if (!stream) return bad_topic(topic, "unknown stream " + quote(parts[5]) + " (expected exec or telemetry)");
    out.stream = *stream;
    return out;
  }
  static constexpr std::array<std::pair<std::string_view, TopicKind>, 3> kPlain{{
      {"tasks", TopicKind::tasks},
      {"config", TopicKind::config},
      {"status", TopicKind::status},
  }};
  for (const auto& [name, k] : kPlain) {
    if (kind != name) continue;
    if (parts.size() != 5) return bad_topic(topic, "unexpected segments after \"" + std::string(name) + "\"");
    out.kind = k;
    return out;
  }
  return bad_topic(topic, "unknown topic suffix " + quote(kind) + " (expected events, ack, tasks, config or status)");
}

}  // namespace scanedge::sync
