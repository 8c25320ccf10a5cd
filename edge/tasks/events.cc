// Event envelopes and task fields (WORK_MODEL.md "Events"), and the bookkeeping every rule
// shares (changed keys, finishing a task).
#include <algorithm>

#include "edge/tasks/executor_impl.h"

namespace scanedge::tasks {

using nlohmann::json;

namespace {
json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

json item_json(const decode::Identity& id) {
  return {{"gtin", opt(id.gtin)},     {"lot", opt(id.lot)},   {"serial", opt(id.serial)},
          {"expiry", opt(id.expiry)}, {"sscc", opt(id.sscc)}, {"epc", opt(id.epc)}};
}

json WorkExecutor::Impl::envelope(const char* type, std::chrono::nanoseconds mono) const {
  const auto now = ex.clock_.wall();
  json e;
  e["id"] = ex.ids_.next(now);
  e["type"] = type;
  e["time"] = format_time_utc(now);
  e["clock"] = ex.clock_.wall_synced() ? "synced" : "unsynced";
  e["mono_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(mono).count();
  e["boot"] = ex.clock_.boot_id();
  e["site"] = ex.device_.site;
  e["device"] = ex.device_.device;
  e["operator"] = opt(st.operator_);
  return e;
}

json WorkExecutor::Impl::task_event(const char* type, const Task& t) const {
  json e = envelope(type, ex.clock_.monotonic());
  e["task"] = t.task_id;
  e["task_type"] = to_string(t.type);
  e["task_state"] = to_string(t.state);
  e["channel"] = t.channel;
  if (t.order) e["order"] = *t.order;
  if (t.po) e["po"] = *t.po;
  if (t.asn) e["asn"] = *t.asn;
  if (t.rma) e["rma"] = *t.rma;
  return e;
}

json WorkExecutor::Impl::scan_event(const char* type, const Task& t, const ScanInput& s) const {
  json e = task_event(type, t);
  e["mono_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(s.safe.mono).count();
  e["scan"] = {{"raw", s.safe.data}, {"symbology", s.symbology}, {"scanner", s.safe.scanner}};
  e["item"] = s.item;
  return e;
}

void WorkExecutor::Impl::emit(json body, Stream stream) { d.events.push_back(EventDraft{stream, std::move(body)}); }

void WorkExecutor::Impl::touch(const std::string& task_id) {
  const std::string key = std::string(kTaskKeyPrefix) + task_id;
  if (std::find(d.changed_keys.begin(), d.changed_keys.end(), key) == d.changed_keys.end()) {
    d.changed_keys.push_back(key);
  }
}

void WorkExecutor::Impl::touch_session() {
  if (std::find(d.changed_keys.begin(), d.changed_keys.end(), kSessionKey) == d.changed_keys.end()) {
    d.changed_keys.emplace_back(kSessionKey);
  }
}

void WorkExecutor::Impl::settle(Task& t) {
  touch(t.task_id);
  if (!is_final(t)) return;
  if (!t.finished_at) t.finished_at = now_text();
  if (st.active_task_ && *st.active_task_ == t.task_id) {
    st.active_task_.reset();
    touch_session();
  }
}

Task* WorkExecutor::Impl::find(const std::string& task_id) {
  const auto it = st.tasks_.find(task_id);
  if (it == st.tasks_.end() || it->second.tombstone) return nullptr;
  return &it->second;
}

std::string WorkExecutor::Impl::now_text() const { return format_time_utc(ex.clock_.wall()); }

void WorkExecutor::Impl::fail(std::string code, std::string message) {
  d.accepted = false;
  d.reason = make_error(std::move(code), std::move(message));
  d.events.clear();
  d.changed_keys.clear();
  d.reply = json::object();
}

}  // namespace scanedge::tasks
