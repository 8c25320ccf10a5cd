// Test helper: builds protocol batches (as decoded Batch values and as payloads).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/outbox.h"
#include "sync/protocol/envelope.h"

namespace scanedge::ledger::testing {

inline std::string event_json(Stream s, std::int64_t seq) {
  return nlohmann::json{{"id", "ev-" + std::string(to_string(s)) + "-" + std::to_string(seq)},
                        {"seq", seq},
                        {"stream", std::string(to_string(s))},
                        {"type", "pick.confirmed"},
                        {"qty", 1}}
      .dump();
}

inline std::vector<StoredEvent> stored_events(Stream s, std::int64_t first, std::int64_t last) {
  std::vector<StoredEvent> out;
  for (std::int64_t q = first; q <= last; ++q) out.push_back({q, event_json(s, q)});
  return out;
}

inline std::string payload(const sync::DeviceAddress& a, Stream s, std::int64_t first, std::int64_t last) {
  return sync::encode_batch(a, s, stored_events(s, first, last));
}

inline sync::Batch batch(const sync::DeviceAddress& a, Stream s, std::int64_t first, std::int64_t last) {
  auto r = sync::decode_batch(payload(a, s, first, last), 1 << 30);
  return std::move(r).value();
}

}  // namespace scanedge::ledger::testing
