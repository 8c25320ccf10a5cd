// WorkExecutor: decides what a scan, a task document, an operator action or the passing of
// time means for the work a device holds (edge/tasks/WORK_MODEL.md is the contract).
//
// Every input yields a WorkDecision: whether it was accepted, the events to commit (the
// first one is the "primary" event whose seq a bus reply reports), the reply fields for the
// bus, and the WorkState it changed. Nothing is stored here: the confirm pipeline commits the
// events together with state_writes() of the changed keys in ONE outbox transaction and only
// then releases feedback and replies (invariant 1). Callers work on a COPY of WorkState per
// commit group and keep it only when the commit succeeded.
//
// Refusals: a refused scan still yields one `scan.rejected` event (telemetry) so the
// refusal is on record; a refused action or task document yields no event at all and an
// Error naming what was wrong (bad input never changes state, invariant 7).
//
// Threading: not thread-safe; owned by the pipeline thread. Never throws on input.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/core/outbox.h"
#include "edge/core/raw_scan.h"
#include "edge/core/result.h"
#include "edge/core/scanner_driver.h"
#include "edge/tasks/work_state.h"

namespace scanedge::tasks {

struct DeviceIdentity {
  std::string site;
  std::string device;
};

struct ExecutorOptions {
  std::string badge_prefix = "BADGE:";  // a scan starting with this is an operator badge
  bool operator_required = false;         // refuse item scans (no_operator) while nobody is logged in
  std::chrono::hours keep_finished{24};   // finished/cancelled tasks are dropped this long after finishing
};

struct WorkDecision {
  bool accepted = false;             // scan confirmed / action done / document applied
  Error reason;                      // when !accepted: code + message for the operator
  std::vector<EventDraft> events;    // to commit, primary first (may be empty)
  Feedback feedback = Feedback::bad; // for scans
  // Bus reply fields (without "v"/"ok"); for scans at least: "decision" ("confirmed" |
  // "rejected"), "type", "symbology", "item", and when a task took it "task", "task_type",
  // "task_state", "line", "remaining" (units still wanted on that line); rejected scans add
  // "reason":{"code","message"}. For actions the op's documented fields (e.g. task.list's
  // "tasks", task.put's "task_id" + "outcome").
  nlohmann::json reply = nlohmann::json::object();
  std::vector<std::string> changed_keys;  // WorkState keys whose state_write() must be committed
};

class WorkExecutor {
 public:
  WorkExecutor(const Clock& clock, EventIdGenerator& ids, DeviceIdentity device, ExecutorOptions options = {});

  // A scan from a driver or bus scan.inject.
  WorkDecision scan(const RawScan& scan, WorkState& state);
  // A task document (downlink or bus task.put): reply {"task_id","outcome"}.
  WorkDecision put_task(const nlohmann::json& doc, WorkState& state);
  // A bus action: request {"op":..., ...} for the ops of WORK_MODEL.md (operator.login,
  // operator.logout, task.list, task.start, task.complete, task.cancel, exception.report,
  // return.inspect). Error code "unknown_op" for anything else.
  WorkDecision act(const nlohmann::json& request, WorkState& state);
  // Time passing: pickup windows that passed, finished tasks to drop. Called about once a
  // second; returns nothing when nothing changed.
  std::vector<WorkDecision> tick(WorkState& state);

  // The rules in force. set_options() changes them for every later call (remote config);
  // like every other method, call it on the thread that owns this executor.
  const ExecutorOptions& options() const { return options_; }
  void set_options(ExecutorOptions options) { options_ = std::move(options); }

  // True when `op` is one of the actions act() handles.
  static bool handles(const std::string& op);

 private:
  struct Impl;
  const Clock& clock_;
  EventIdGenerator& ids_;
  DeviceIdentity device_;
  ExecutorOptions options_;
};

}  // namespace scanedge::tasks
