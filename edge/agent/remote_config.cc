#include "edge/agent/remote_config.h"

#include <spdlog/spdlog.h>

namespace scanedge::agent {

namespace {

nlohmann::json keys_of(const nlohmann::json& set) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [k, v] : set.items()) keys.push_back(k);
  return keys;
}

tasks::ExecutorOptions executor_options(const config::AgentConfig& c) {
  tasks::ExecutorOptions eo;
  eo.badge_prefix = c.badge_prefix;
  eo.operator_required = c.operator_required;
  eo.keep_finished = std::chrono::hours(c.keep_finished_hours);
  return eo;
}

}  // namespace

RemoteConfig::RemoteConfig(config::AgentConfig file_config, const Clock& clock, EventIdGenerator& ids)
    : file_(std::move(file_config)), clock_(clock), ids_(ids), effective_(file_) {}

void RemoteConfig::set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

config::AgentConfig RemoteConfig::restore(const std::optional<std::string>& stored) {
  std::lock_guard lock(mu_);
  effective_ = file_;
  in_force_.reset();
  if (!stored) return effective_;
  auto doc = parse_config_document(*stored);
  Result<config::AgentConfig> merged = doc ? config::apply_remote_overlay(file_, doc->set) : doc.error();
  if (!doc || !merged) {
    const std::string reason = "the stored remote config no longer applies (" + merged.error().message +
                               "); running on the config file alone";
    spdlog::error("{}", reason);
    last_ = {{"config_id", doc ? nlohmann::json(doc->config_id) : nlohmann::json(nullptr)},
             {"version", doc ? nlohmann::json(doc->version) : nlohmann::json(nullptr)},
             {"outcome", "rejected"},
             {"reason", reason},
             {"time", format_time_utc(clock_.wall())}};
    if (doc) newest_version_ = doc->version;  // a redelivery of it must not look newer
    return effective_;
  }
  effective_ = *merged;
  in_force_ = *doc;
  newest_version_ = doc->version;
  spdlog::info("remote config {} version {} in force ({} key(s))", doc->config_id, doc->version, doc->set.size());
  return effective_;
}

void RemoteConfig::handle(const std::string& payload) {
  auto doc = parse_config_document(payload);
  if (!doc) {
    spdlog::warn("{}", doc.error().message);
    finish({{"config_id", nullptr},
            {"version", nullptr},
            {"outcome", "rejected"},
            {"reason", doc.error().message}});
    return;
  }
  // By value: the commit callback runs later, on the pipeline thread.
  auto outcome = [id = doc->config_id, version = doc->version](const char* what, const std::string& reason) {
    nlohmann::json last{{"config_id", id}, {"version", version}, {"outcome", what}};
    if (!reason.empty()) last["reason"] = reason;
    return last;
  };
  {
    std::unique_lock lock(mu_);
    if (in_force_ && in_force_->version == doc->version && in_force_->config_id == doc->config_id) {
      lock.unlock();
      spdlog::info("remote config {} version {} is already in force", doc->config_id, doc->version);
      finish(outcome("unchanged", ""));
      return;
    }
    if (doc->version <= newest_version_) {
      const std::string reason = "stale: version " + std::to_string(doc->version) +
                                 " is not newer than version " + std::to_string(newest_version_) +
                                 " already received";
      lock.unlock();
      spdlog::warn("remote config {} rejected: {}", doc->config_id, reason);
      finish(outcome("rejected", reason));
      return;
    }
  }
  auto merged = config::apply_remote_overlay(file_, doc->set);
  if (!merged) {
    spdlog::warn("remote config {} version {} rejected: {}", doc->config_id, doc->version, merged.error().message);
    finish(outcome("rejected", merged.error().message));
    return;
  }
  {
    std::lock_guard lock(mu_);
    newest_version_ = doc->version;
  }

  pipeline::ConfirmPipeline::ConfigChange change;
  change.options = executor_options(*merged);
  change.write = StateWrite{kRemoteConfigStateKey,
                            nlohmann::json{{"v", 1}, {"config_id", doc->config_id}, {"version", doc->version},
                                           {"set", doc->set}}
                                .dump()};
  const auto now = clock_.wall();
  nlohmann::json ev;
  ev["id"] = ids_.next(now);
  ev["type"] = "config.applied";
  ev["time"] = format_time_utc(now);
  ev["clock"] = clock_.wall_synced() ? "synced" : "unsynced";
  ev["mono_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic()).count();
  ev["boot"] = clock_.boot_id();
  ev["site"] = file_.site;
  ev["device"] = file_.device;
  ev["config_id"] = doc->config_id;
  ev["version"] = doc->version;
  ev["set"] = doc->set;
  change.event = EventDraft{Stream::telemetry, std::move(ev)};

  auto committed = [this, d = *doc, cfg = *merged, outcome](Status st) {
    if (!st) {
      spdlog::error("remote config {} version {} NOT applied: {}", d.config_id, d.version, st.error().message);
      {
        std::lock_guard lock(mu_);
        // The previous config stays in force; a resend of this version may try again.
        newest_version_ = in_force_ ? in_force_->version : 0;
      }
      finish(outcome("rejected", "not stored: " + st.error().message));
      return;
    }
    {
      std::lock_guard lock(mu_);
      effective_ = cfg;
      in_force_ = d;
    }
    if (hooks_.apply_live) hooks_.apply_live(cfg);
    spdlog::info("remote config {} version {} applied ({} key(s))", d.config_id, d.version, d.set.size());
    finish(outcome("applied", ""));
  };
  if (!hooks_.commit) {
    committed(make_error("not_ready", "the agent is not running"));
    return;
  }
  hooks_.commit(std::move(change), std::move(committed));
}

void RemoteConfig::finish(nlohmann::json last) {
  last["time"] = format_time_utc(clock_.wall());
  {
    std::lock_guard lock(mu_);
    last_ = std::move(last);
  }
  if (hooks_.report) hooks_.report(report());
}

nlohmann::json RemoteConfig::report() const {
  std::lock_guard lock(mu_);
  nlohmann::json in_force = nullptr;
  if (in_force_) {
    in_force = {{"config_id", in_force_->config_id}, {"version", in_force_->version}, {"keys", keys_of(in_force_->set)}};
  }
  return {{"in_force", in_force}, {"last", last_}};
}

config::AgentConfig RemoteConfig::effective() const {
  std::lock_guard lock(mu_);
  return effective_;
}

}  // namespace scanedge::agent
