// BusApi: the local request/reply API of scanedged (protocol "v":1), independent of ZeroMQ.
//
// Requests: {"v":1,"op":OP,...} ("v" may be left out; any other value is refused). Every
// request gets exactly one reply:
//   success  {"v":1,"ok":true,...}
//   failure  {"v":1,"ok":false,"error":{"code":CODE,"message":TEXT}}
// Ops (edge/tasks/WORK_MODEL.md and the README's "Local bus API" are the contract):
//   status          -> {"v":1,"ok":true, ...the agent's status object...}
//   outbox.stats    -> {"v":1,"ok":true,"outbox":{"exec":{...},"telemetry":{...}}}
//   scan.inject     {"data":STRING,"scanner"?:STRING} -> the decision, sent only after the
//                   event was committed (see scan_reply_json()).
//   task.put        {"task":{task document}} -> {"v":1,"ok":true,"task_id":ID,"outcome":...}
//   operator.login, operator.logout, task.list, task.start, task.complete, task.cancel,
//   exception.report, return.inspect: decided by the WorkExecutor in the pipeline, replied
//   after their events committed: {"v":1,"ok":true,...the op's fields...,"stream","seq",
//   "id","type" (of the op's event, when it made one)}.
// Error codes: bad_request (malformed field), unknown_op, unsupported_version, bad_task,
// unknown_task, not_allowed, storage_full / storage (not stored), shutting_down, and the
// executor's own codes.
// Threading: handle() is called on the bus thread; replies may go out from the pipeline
// thread.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "edge/core/bus.h"
#include "edge/pipeline/confirm_pipeline.h"

namespace scanedge::agent {

inline constexpr std::size_t kMaxInjectedScanBytes = 4096;

class BusApi {
 public:
  using JsonFn = std::function<nlohmann::json()>;
  // `status` builds the status object, `outbox` the per-stream outbox statistics.
  BusApi(pipeline::ConfirmPipeline& pipeline, JsonFn status, JsonFn outbox);
  void handle(const nlohmann::json& request, const Bus::Replier& reply);

 private:
  pipeline::ConfirmPipeline& pipeline_;
  JsonFn status_;
  JsonFn outbox_;
};

nlohmann::json error_json(const std::string& code, const std::string& message);

// The decision as the bus reports it (reply to scan.inject, and the "decision" publication):
//   {"v":1,"ok":true,"decision":"confirmed"|"rejected","stream":..,"seq":..,"id":..,
//    "type":..,"symbology":..,"item":{..},"scanner":..,"operator":..,
//    "task":..,"task_type":..,"task_state":..,"line":..,"remaining":.. (when a task took it),
//    "reason":{"code","message"} (rejected only)}
//   not stored: {"v":1,"ok":false,"decision":"not_confirmed","error":{"code","message"}}
nlohmann::json scan_reply_json(const RawScan& scan, const pipeline::WorkReply& reply);

// The reply to a task document or an action (see above).
nlohmann::json action_reply_json(const pipeline::WorkReply& reply);

}  // namespace scanedge::agent
