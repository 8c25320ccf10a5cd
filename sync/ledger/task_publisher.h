// Publishing a task document to one device (the ledger -> device `tasks` topic), used by
// `scanedge-ledger publish-task`.
//
// validate_task_document(): the text must be a JSON object with a string "task_id"
//   (non-empty) and an integer "version"; Error "bad_task" naming what is wrong otherwise.
//   On success returns the document re-serialised compactly (the payload to publish).
// publish_task(): connects to the broker (clean session, a one-off client id), publishes
//   the payload QoS 1 on tasks_topic(address) and returns only once the broker confirmed
//   delivery (PUBACK), then disconnects. Errors: "bad_uri", "connect_failed",
//   "publish_failed", "timeout" (the whole operation is bounded by `timeout`).
// Threading: blocking calls, no shared state.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "edge/core/result.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

Result<std::string> validate_task_document(std::string_view text);

Status publish_task(const std::string& broker_uri, const sync::DeviceAddress& address, const std::string& payload,
                    bool retained, std::chrono::milliseconds timeout);

}  // namespace scanedge::ledger
