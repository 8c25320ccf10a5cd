// The outbox streams of protocol v1.
//
// exec: execution events (confirmations, exceptions). Never shed.
// telemetry: device health, raw observations, rejected scans. May be shed oldest-first.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace scanedge {

enum class Stream { exec = 0, telemetry = 1 };

inline constexpr std::array<Stream, 2> kAllStreams{Stream::exec, Stream::telemetry};

constexpr std::string_view to_string(Stream s) { return s == Stream::exec ? "exec" : "telemetry"; }

constexpr std::optional<Stream> stream_from_string(std::string_view s) {
  if (s == "exec") return Stream::exec;
  if (s == "telemetry") return Stream::telemetry;
  return std::nullopt;
}

}  // namespace scanedge
