#include "edge/agent/bus_api.h"

namespace scanedge::agent {

namespace {

constexpr const char* kKnownOps =
    "status, outbox.stats, scan.inject, task.put, task.list, task.start, task.complete, task.cancel, "
    "operator.login, operator.logout, exception.report, return.inspect";

// Adds the primary event's identity to a reply.
void add_stored(nlohmann::json& j, const pipeline::WorkReply& r) {
  if (!r.stored) return;
  const auto& body = r.decision.events.front().body;
  j["stream"] = to_string(r.stored->stream);
  j["seq"] = r.stored->seq;
  j["id"] = body.value("id", "");
  j["type"] = body.value("type", "");
}

}  // namespace

nlohmann::json error_json(const std::string& code, const std::string& message) {
  return {{"v", 1}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

nlohmann::json scan_reply_json(const RawScan& scan, const pipeline::WorkReply& r) {
  if (!r.committed) {
    nlohmann::json j = error_json(r.error.code, r.error.message);
    j["decision"] = "not_confirmed";
    j["scanner"] = scan.scanner;
    return j;
  }
  nlohmann::json j = r.decision.reply.is_object() ? r.decision.reply : nlohmann::json::object();
  j["v"] = 1;
  j["ok"] = true;
  if (!j.contains("decision")) j["decision"] = r.decision.accepted ? "confirmed" : "rejected";
  add_stored(j, r);
  j["scanner"] = scan.scanner;
  if (!r.decision.accepted && !j.contains("reason")) {
    j["reason"] = {{"code", r.decision.reason.code}, {"message", r.decision.reason.message}};
  }
  return j;
}

nlohmann::json action_reply_json(const pipeline::WorkReply& r) {
  if (!r.committed) return error_json(r.error.code, r.error.message);
  if (!r.decision.accepted) return error_json(r.decision.reason.code, r.decision.reason.message);
  nlohmann::json j = r.decision.reply.is_object() ? r.decision.reply : nlohmann::json::object();
  j["v"] = 1;
  j["ok"] = true;
  add_stored(j, r);
  return j;
}

BusApi::BusApi(pipeline::ConfirmPipeline& pipeline, JsonFn status, JsonFn outbox)
    : pipeline_(pipeline), status_(std::move(status)), outbox_(std::move(outbox)) {}

void BusApi::handle(const nlohmann::json& req, const Bus::Replier& reply) {
  if (!req.is_object()) {
    reply(error_json("bad_request", "a request is a JSON object {\"v\":1,\"op\":...}"));
    return;
  }
  const auto v = req.find("v");
  if (v != req.end() && (!v->is_number_integer() || v->get<std::int64_t>() != 1)) {
    reply(error_json("unsupported_version", "this agent speaks bus protocol v 1"));
    return;
  }
  const auto op_it = req.find("op");
  if (op_it == req.end() || !op_it->is_string()) {
    reply(error_json("bad_request", std::string("missing \"op\" (a string: ") + kKnownOps + ")"));
    return;
  }
  const std::string op = op_it->get<std::string>();
  if (op == "status") {
    nlohmann::json s = status_();
    s["v"] = 1;
    s["ok"] = true;
    reply(std::move(s));
    return;
  }
  if (op == "outbox.stats") {
    reply({{"v", 1}, {"ok", true}, {"outbox", outbox_()}});
    return;
  }
  if (op == "scan.inject") {
    const auto data = req.find("data");
    if (data == req.end() || !data->is_string()) {
      reply(error_json("bad_request", "scan.inject: \"data\" must be a string (the scan exactly as delivered)"));
      return;
    }
    const std::string& bytes = data->get_ref<const std::string&>();
    if (bytes.empty() || bytes.size() > kMaxInjectedScanBytes) {
      reply(error_json("bad_request", "scan.inject: \"data\" must be 1.." + std::to_string(kMaxInjectedScanBytes) +
                                          " bytes, got " + std::to_string(bytes.size())));
      return;
    }
    std::string scanner = "bus";
    if (const auto sc = req.find("scanner"); sc != req.end()) {
      if (!sc->is_string() || sc->get_ref<const std::string&>().empty() || sc->get_ref<const std::string&>().size() > 64) {
        reply(error_json("bad_request", "scan.inject: \"scanner\" must be a string of 1..64 characters"));
        return;
      }
      scanner = "bus:" + sc->get<std::string>();
    }
    RawScan scan{bytes, scanner, {}};
    RawScan copy = scan;
    pipeline_.submit_scan(std::move(scan), [reply, copy](const pipeline::WorkReply& r) {
      reply(scan_reply_json(copy, r));
    });
    return;
  }
  if (op == "task.put") {
    const auto task = req.find("task");
    if (task == req.end() || !task->is_object()) {
      reply(error_json("bad_request", "task.put: \"task\" must be a task document object"));
      return;
    }
    pipeline_.submit_task(*task, [reply](const pipeline::WorkReply& r) { reply(action_reply_json(r)); });
    return;
  }
  if (tasks::WorkExecutor::handles(op)) {
    pipeline_.submit_action(req, [reply](const pipeline::WorkReply& r) { reply(action_reply_json(r)); });
    return;
  }
  reply(error_json("unknown_op", "unknown op \"" + op + "\" (known: " + kKnownOps + ")"));
}

}  // namespace scanedge::agent
