// `scanedgectl watch`: a live terminal view of the agent's PUB stream (decisions, sync state)
// for store staff and field techs.
//
// watch_cmd() subscribes to `pub_endpoint` and waits up to `connect_timeout` for the
// connection (exit 3 with a message on `err` when it cannot connect: wrong endpoint, agent not
// running). It then prints one line per message on `out`: a human-readable line (see
// format_watch_line) or, with `json`, one JSON object per line {"topic":..., "message":...}.
// A malformed message (not two frames, body not a JSON object, a decision without a decision
// value) prints a warning line on `err` and watching goes on; it does not count. It stops
// after `count` well-formed messages, after `seconds`, or on SIGINT/SIGTERM, and then
// returns 0. Losing the agent after the first connection prints a warning on `err` and
// keeps waiting (ZeroMQ reconnects by itself).
// Threading: call from the main thread; installs SIGINT/SIGTERM handlers for its duration.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::ctl {

struct WatchOptions {
  std::string pub_endpoint;
  std::vector<std::string> topics;       // topic filters; empty: every topic
  bool json = false;
  std::optional<std::int64_t> count;     // stop after this many well-formed messages
  std::optional<double> seconds;         // stop after this long
  std::chrono::milliseconds connect_timeout{5000};
};

int watch_cmd(const WatchOptions& options, std::ostream& out, std::ostream& err);

// One human-readable line (no newline) for a message, e.g.
//   "CONFIRMED  ctl  task PICK-1 line 1 (remaining 0)  seq 7"
//   "REJECTED   ctl  over_pick: task PICK-1 line 1 is complete  seq 8"
//   "NOT STORED ctl  storage_full: ..."
//   "sync: online, backlog exec 0 telemetry 3; last seq exec 7 telemetry 9"
// Other topics print as "<topic>: <compact JSON>". Error (code bad_message, naming what is
// missing) when a decision or sync message lacks the field its line needs.
Result<std::string> format_watch_line(const std::string& topic, const nlohmann::json& message);

}  // namespace scanedge::ctl
