#include "edge/agent/metrics_file.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <spdlog/spdlog.h>

#include "edge/config/atomic_file.h"

namespace scanedge::agent {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A JSON number at `ptr` inside `j`, or nothing.
const nlohmann::json* num_at(const nlohmann::json& j, const char* ptr) {
  const nlohmann::json::json_pointer p(ptr);
  if (!j.contains(p)) return nullptr;
  const auto& v = j.at(p);
  return v.is_number() || v.is_boolean() ? &v : nullptr;
}

double as_double(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return v.get<double>();
}

class Family {
 public:
  Family(std::ostringstream& os, const char* name, const char* type, const char* help) : os_(os), name_(name) {
    os_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  void sample(const std::string& labels, double v) {
    os_ << name_ << (labels.empty() ? "" : "{" + labels + "}") << " " << number(v) << "\n";
  }
  void sample_at(const nlohmann::json& j, const char* ptr, const std::string& labels = {}, double scale = 1) {
    if (const auto* v = num_at(j, ptr)) sample(labels, as_double(*v) * scale);
  }

 private:
  std::ostringstream& os_;
  const char* name_;
};

std::string stream_label(const char* s) { return std::string("stream=\"") + s + "\""; }

}  // namespace

std::string format_metrics(const nlohmann::json& status) {
  std::ostringstream os;
  const char* streams[] = {"exec", "telemetry"};
  {
    Family f(os, "scanedge_outbox_backlog", "gauge", "Events stored on the device and not yet acknowledged by the ledger.");
    for (const char* s : streams) f.sample_at(status, (std::string("/outbox/") + s + "/depth").c_str(), stream_label(s));
  }
  {
    Family f(os, "scanedge_outbox_bytes", "gauge", "JSON bytes of the events in the outbox backlog.");
    for (const char* s : streams) f.sample_at(status, (std::string("/outbox/") + s + "/bytes").c_str(), stream_label(s));
  }
  {
    Family f(os, "scanedge_outbox_last_seq", "gauge", "Highest sequence number assigned in the stream.");
    for (const char* s : streams) {
      f.sample_at(status, (std::string("/outbox/") + s + "/last_seq").c_str(), stream_label(s));
    }
  }
  {
    Family f(os, "scanedge_outbox_acked_seq", "gauge", "Highest sequence number acknowledged by the ledger.");
    for (const char* s : streams) {
      f.sample_at(status, (std::string("/outbox/") + s + "/acked_through").c_str(), stream_label(s));
    }
  }
  {
    Family f(os, "scanedge_events_confirmed_total", "counter", "Scans and actions confirmed and stored since the agent started.");
    f.sample_at(status, "/counters/confirmed");
  }
  {
    Family f(os, "scanedge_events_rejected_total", "counter", "Scans and actions rejected (stored as telemetry) since the agent started.");
    f.sample_at(status, "/counters/rejected");
  }
  {
    Family f(os, "scanedge_events_not_stored_total", "counter",
             "Scans and actions that could not be stored (storage full, I/O error) since the agent started.");
    f.sample_at(status, "/counters/not_stored");
  }
  {
    Family f(os, "scanedge_telemetry_shed_total", "counter",
             "Telemetry events deleted unsent at the outbox size cap (storage.max_mb), over the outbox's life.");
    f.sample_at(status, "/outbox/telemetry/shed");
  }
  {
    Family f(os, "scanedge_sync_latency_seconds", "gauge",
             "Age of the oldest event the ledger has not acknowledged yet (0 when the backlog is empty).");
    for (const char* s : streams) {
      f.sample_at(status, (std::string("/sync/") + s + "/oldest_unacked_age_ms").c_str(), stream_label(s), 0.001);
    }
  }
  {
    Family f(os, "scanedge_sync_last_ack_age_seconds", "gauge",
             "Time since the agent last applied a ledger acknowledgement (absent before the first since start).");
    for (const char* s : streams) {
      f.sample_at(status, (std::string("/sync/") + s + "/last_ack_age_ms").c_str(), stream_label(s), 0.001);
    }
  }
  {
    Family f(os, "scanedge_mqtt_connected", "gauge", "1 while the agent is connected to the MQTT broker.");
    f.sample_at(status, "/broker/connected");
  }
  {
    Family f(os, "scanedge_mqtt_reconnects_total", "counter",
             "Successful connects to the broker after the first one since the agent started.");
    if (const auto* c = num_at(status, "/broker/connects")) f.sample({}, std::max(0.0, as_double(*c) - 1));
  }
  {
    Family f(os, "scanedge_scanner_state", "gauge", "1 for each scanner the agent serves, labelled with its state.");
    if (status.contains("scanners") && status["scanners"].is_array()) {
      for (const auto& sc : status["scanners"]) {
        if (!sc.is_object()) continue;
        auto str = [&](const char* k) { return sc.contains(k) && sc[k].is_string() ? sc[k].get<std::string>() : ""; };
        f.sample("scanner=\"" + escape_label(str("id")) + "\",profile=\"" + escape_label(str("profile")) +
                     "\",state=\"" + escape_label(str("state")) + "\"",
                 1);
      }
    }
  }
  return os.str();
}

MetricsFileWriter::MetricsFileWriter(std::string path, std::chrono::milliseconds interval,
                                     std::function<nlohmann::json()> status)
    : path_(std::move(path)), interval_(interval), status_(std::move(status)) {}

MetricsFileWriter::~MetricsFileWriter() { stop(); }

Status MetricsFileWriter::write_once() { return config::write_file_atomic(path_, format_metrics(status_()), 0644); }

void MetricsFileWriter::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void MetricsFileWriter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MetricsFileWriter::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    if (auto s = write_once(); !s) {
      if (s.error().message != last_error_) {
        spdlog::warn("metrics: cannot write {}: {} (retrying every {} s)", path_, s.error().message,
                     std::chrono::duration_cast<std::chrono::seconds>(interval_).count());
        last_error_ = s.error().message;
      }
    } else if (!last_error_.empty()) {
      spdlog::info("metrics: {} written again", path_);
      last_error_.clear();
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace scanedge::agent
