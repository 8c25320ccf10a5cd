#include "edge/agent/bus_api.h"

namespace scanedge::agent {

nlohmann::json error_json(const std::string& code, const std::string& message) {
  return {{"v", 1}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

nlohmann::json scan_reply_json(const RawScan& scan, const pipeline::ScanReply& r) {
  if (!r.committed) {
    nlohmann::json j = error_json(r.error.code, r.error.message);
    j["decision"] = "not_confirmed";
    j["scanner"] = scan.scanner;
    return j;
  }
  const auto& d = r.decision;
  const bool ok = d.outcome == confirm::Outcome::confirmed;
  nlohmann::json j{{"v", 1},
                   {"ok", true},
                   {"decision", ok ? "confirmed" : "rejected"},
                   {"stream", to_string(r.stored.stream)},
                   {"seq", r.stored.seq},
                   {"id", d.event.body.value("id", "")},
                   {"type", d.event.body.value("type", "")},
                   {"symbology", d.symbology},
                   {"item", d.item},
                   {"scanner", scan.scanner}};
  if (ok) {
    j["task"] = d.task_id;
    j["line"] = d.line;
    j["remaining"] = d.remaining;
  } else {
    j["reason"] = {{"code", d.reason.code}, {"message", d.reason.message}};
  }
  return j;
}

BusApi::BusApi(pipeline::ConfirmPipeline& pipeline, StatusFn status)
    : pipeline_(pipeline), status_(std::move(status)) {}

void BusApi::handle(const nlohmann::json& req, const Bus::Replier& reply) {
  const auto v = req.find("v");
  if (v != req.end() && (!v->is_number_integer() || v->get<std::int64_t>() != 1)) {
    reply(error_json("unsupported_version", "this agent speaks bus protocol v 1"));
    return;
  }
  const auto op_it = req.find("op");
  if (op_it == req.end() || !op_it->is_string()) {
    reply(error_json("bad_request", "missing \"op\" (a string: status, scan.inject, task.put)"));
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
    pipeline_.submit_scan(std::move(scan), [reply, copy](const pipeline::ScanReply& r) {
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
    const std::string id = task->value("task_id", "");
    pipeline_.submit_task(*task, [reply, id](const Result<std::string>& r) {
      if (!r) {
        reply(error_json(r.error().code, r.error().message));
        return;
      }
      reply({{"v", 1}, {"ok", true}, {"task_id", id}, {"outcome", *r}});
    });
    return;
  }
  reply(error_json("unknown_op", "unknown op \"" + op + "\" (known: status, scan.inject, task.put)"));
}

}  // namespace scanedge::agent
