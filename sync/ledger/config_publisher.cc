#include "sync/ledger/config_publisher.h"

#include <condition_variable>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

#include "edge/config/agent_config.h"
#include "sync/ledger/oneoff_client.h"

namespace scanedge::ledger {

Result<ValidatedConfig> validate_config_document(std::string_view text) {
  auto doc = config::parse_config_document(text);
  if (!doc) return make_error("bad_config", doc.error().message);
  // The agent checks the overlay against its file config; the checks of a value do not
  // depend on the other keys, so the defaults stand in for the device's file.
  config::AgentConfig base;
  base.site = "site";
  base.device = "device";
  if (auto applied = config::apply_remote_overlay(base, doc->set); !applied) {
    return make_error("bad_config", "the agent would reject this overlay: " + applied.error().message);
  }
  nlohmann::json payload{{"v", 1}, {"config_id", doc->config_id}, {"version", doc->version}, {"set", doc->set}};
  return ValidatedConfig{std::move(*doc), payload.dump()};
}

namespace {

// The outcome in a status payload when its config.last is (config_id, version).
std::optional<ConfigReport> report_for(const std::string& payload, const config::ConfigDocument& doc) {
  const auto s = nlohmann::json::parse(payload, nullptr, false);
  if (s.is_discarded() || !s.is_object()) return std::nullopt;
  const nlohmann::json::json_pointer last("/config/last");
  if (!s.contains(last) || !s.at(last).is_object()) return std::nullopt;
  const auto& l = s.at(last);
  if (l.value("config_id", nlohmann::json()) != doc.config_id || l.value("version", nlohmann::json()) != doc.version) {
    return std::nullopt;
  }
  ConfigReport r;
  r.waited = true;
  r.outcome = l.value("outcome", std::string());
  if (l.contains("reason") && l["reason"].is_string()) r.reason = l["reason"].get<std::string>();
  return r;
}

}  // namespace

Result<ConfigReport> publish_config(const std::string& broker_uri, const sync::DeviceAddress& address,
                                    const ValidatedConfig& config, std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds wait) {
  const std::string topic = sync::config_topic(address);
  const std::string status = sync::status_topic(address);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ConfigReport> report;
  auto client = OneOffClient::connect(broker_uri, "scanedge-ledger-config", timeout,
                                      [&](const std::string& t, const std::string& payload) {
                                        if (t != status) return;
                                        auto r = report_for(payload, config.document);
                                        if (!r) return;
                                        std::lock_guard lock(mu);
                                        report = std::move(r);
                                        cv.notify_all();
                                      });
  if (!client) return client.error();
  if (wait.count() > 0) {
    if (auto s = (*client)->subscribe(status, timeout); !s) return s.error();
  }
  if (auto s = (*client)->publish(topic, config.payload, true, timeout); !s) return s.error();
  ConfigReport out;
  if (wait.count() > 0) {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, wait, [&] { return report.has_value(); })) {
      return make_error("no_report", "device " + address.site + "/" + address.device + " did not report config " +
                                         config.document.config_id + " version " +
                                         std::to_string(config.document.version) + " within " +
                                         std::to_string(wait.count() / 1000) +
                                         " s; it may be offline (the overlay stays retained on " + topic +
                                         " and applies when it connects)");
    }
    out = *report;
  }
  return out;
}

}  // namespace scanedge::ledger
