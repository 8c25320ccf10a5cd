// Channel policy of the availability report: per sales channel, a priority and a safety
// stock, read from a TOML file at query time (not compiled in).
//
//   [channels.web]
//   priority = 1        # required, integer 1..1000000000 (1 = served first; informational)
//   safety_stock = 2    # optional, integer 0..1000000000 (default 0)
//
// The only top-level key is `channels` (a table of channel tables); a channel name is 1-32
// of [a-z0-9_-] (the work model's channel syntax). Anything else is refused.
//
// Errors (code "bad_policy"): every problem of the file, one per line, as
// `file:line:column: what is wrong` (positions from toml++, 1-based; control characters
// quoted as \xNN so a problem stays on one line). An unreadable file: code "io",
// `file: cannot read ...`.
//
// Threading: pure functions, no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "edge/core/result.h"

namespace scanedge::ledger {

struct ChannelRule {
  std::int64_t priority = 1;
  std::int64_t safety_stock = 0;
};

struct ChannelPolicy {
  std::map<std::string, ChannelRule> channels;  // by channel name
};

// True for a work-model channel name: 1-32 of [a-z0-9_-].
bool valid_channel_name(std::string_view name);

// Parses policy text; `source` names it in messages (usually the file path).
Result<ChannelPolicy> parse_channel_policy(std::string_view text, const std::string& source);
// Reads and parses the file at `path`.
Result<ChannelPolicy> load_channel_policy(const std::string& path);

}  // namespace scanedge::ledger
