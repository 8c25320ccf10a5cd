// BusApi: the local request/reply API of scanedged (protocol "v":1), independent of ZeroMQ.
//
// Requests: {"v":1,"op":OP,...}. Every request gets exactly one reply:
//   success  {"v":1,"ok":true,...}
//   failure  {"v":1,"ok":false,"error":{"code":CODE,"message":TEXT}}
// Ops:
//   status       -> {"v":1,"ok":true, ...the agent's status object...}
//   scan.inject  {"data":STRING,"scanner"?:STRING} -> the decision, sent only after the
//                event was committed (see scan_reply_json()).
//   task.put     {"task":{task document}} -> {"v":1,"ok":true,"task_id":ID,"outcome":"added"|
//                "updated"|"unchanged"|"stale"}
// Error codes: bad_request (malformed field), unknown_op, unsupported_version, bad_task,
// storage_full / storage (not stored), shutting_down.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "edge/core/bus.h"
#include "edge/pipeline/confirm_pipeline.h"

namespace scanedge::agent {

inline constexpr std::size_t kMaxInjectedScanBytes = 4096;

class BusApi {
 public:
  using StatusFn = std::function<nlohmann::json()>;
  BusApi(pipeline::ConfirmPipeline& pipeline, StatusFn status);
  void handle(const nlohmann::json& request, const Bus::Replier& reply);

 private:
  pipeline::ConfirmPipeline& pipeline_;
  StatusFn status_;
};

nlohmann::json error_json(const std::string& code, const std::string& message);

// The decision as the bus reports it (reply to scan.inject, and the "decision" publication):
//   {"v":1,"ok":true,"decision":"confirmed"|"rejected","stream":..,"seq":..,"id":..,
//    "type":..,"task":..,"line":..,"remaining":..,"symbology":..,"item":{..},"scanner":..,
//    "reason":{"code","message"} (rejected only)}
//   not stored: {"v":1,"ok":false,"decision":"not_confirmed","error":{"code","message"}}
nlohmann::json scan_reply_json(const RawScan& scan, const pipeline::ScanReply& reply);

}  // namespace scanedge::agent
