// ConfirmPipeline: scans, task documents and operator actions in; committed decisions out,
// with group commit.
//
// One thread owns the WorkState and the WorkExecutor. It takes every item queued at that
// moment (up to max_group), decides each in queue order against a working copy of the
// WorkState, commits all their events and the changed state entries in ONE outbox
// transaction, and only then (invariant 1) calls each item's completion callback, which
// releases operator feedback and bus replies. If the commit fails (disk full, I/O error)
// nothing of the group is stored, the WorkState stays as it was, and every callback gets
// committed=false with the storage error: the operator gets bad (storage-full) feedback and a
// reason. Items are decided in the order they were submitted, so a scan submitted before a
// task cancel is part of the cancelled task's put-back and one submitted after it is refused.
//
// Time: about once a second (also when idle) the executor's tick() runs in the same way
// (pickup windows that passed, finished tasks dropped); its events commit like any other.
//
// Threading: submit_*() are thread-safe and never block on I/O. Callbacks and hooks run on
// the pipeline thread; they must be quick (queue a reply, poke a driver). stop() finishes
// everything already queued, then joins; items submitted after stop() are answered at once
// with code "shutting_down".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include "edge/core/outbox.h"
#include "edge/core/raw_scan.h"
#include "edge/tasks/work_executor.h"
#include "edge/tasks/work_state.h"

namespace scanedge::pipeline {

// The outcome of one submitted item.
struct WorkReply {
  bool committed = false;           // the decision's events and state are durable
  Error error;                      // when !committed: why nothing was stored
  tasks::WorkDecision decision;     // what the executor decided (also when not committed)
  std::optional<Committed> stored;  // stream and seq of the primary event, when it has one
};
using ScanReply = WorkReply;

struct PipelineStats {
  std::uint64_t confirmed = 0;  // scans accepted
  std::uint64_t rejected = 0;   // scans refused (stored as scan.rejected)
  std::uint64_t failed = 0;     // scans not committed (storage errors)
  std::uint64_t actions = 0;    // documents and actions decided and committed
  std::uint64_t groups = 0;     // transactions committed
  std::uint64_t largest_group = 0;
};

class ConfirmPipeline {
 public:
  using Done = std::function<void(const WorkReply&)>;
  struct Hooks {
    std::function<void()> committed;  // after every commit that stored events (wakes the uplink)
    std::function<void(const RawScan&, const WorkReply&)> decided;  // every scan, after commit
    // After a commit, once per task whose stored state changed: the task as task.list shows
    // it ({"task_id":..,"state":"dropped"} once it was removed), and the type of the event
    // that changed it ("document" when a task document did without an event).
    std::function<void(const nlohmann::json& task, const std::string& cause)> task_changed;
  };

  ConfirmPipeline(Outbox& outbox, tasks::WorkExecutor& executor, tasks::WorkState state, Hooks hooks,
                  std::size_t max_group = 512);
  ~ConfirmPipeline();
  ConfirmPipeline(const ConfirmPipeline&) = delete;
  ConfirmPipeline& operator=(const ConfirmPipeline&) = delete;

  void start();
  void stop();

  void submit_scan(RawScan scan, Done done);
  // A task document (downlink or bus task.put).
  void submit_task(nlohmann::json doc, Done done);
  // A bus action (WorkExecutor::act()).
  void submit_action(nlohmann::json request, Done done);
  // A configuration change (remote config): `write` and `event` are committed like any
  // decision, in submission order with scans, and the executor's rules become `options`
  // for every item after it. If the commit fails the previous rules stay in force and the
  // reply carries the error (committed false).
  struct ConfigChange {
    tasks::ExecutorOptions options;
    StateWrite write;
    EventDraft event;
  };
  void submit_config(ConfigChange change, Done done);

  PipelineStats stats() const;
  // The tasks as of the last commit (WorkState::tasks_json()) and the logged-in operator.
  nlohmann::json tasks() const;
  std::optional<std::string> operator_id() const;
  // How long the current group has been in progress (0 when idle): a stuck commit shows here
  // and stops the watchdog pings.
  std::chrono::milliseconds busy_for() const;

 private:
  enum class Kind { scan, document, action, config };
  struct Item {
    Kind kind = Kind::scan;
    RawScan scan;
    nlohmann::json doc;
    Done done;
    std::shared_ptr<ConfigChange> config{};
  };

  void submit(Item item);
  void run();
  void process(std::vector<Item>& group, bool tick);
  // Re-renders the snapshot entries of `keys` (all tasks when `keys` is null) from state_.
  void publish_snapshot(const std::set<std::string>* keys);

  Outbox& outbox_;
  tasks::WorkExecutor& executor_;
  tasks::WorkState state_;
  Hooks hooks_;
  std::size_t max_group_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;

  mutable std::mutex stats_mu_;
  PipelineStats stats_;
  std::map<std::string, nlohmann::json> tasks_snapshot_;  // task id -> task.list entry
  std::optional<std::string> operator_snapshot_;
  std::chrono::steady_clock::time_point last_turn_ = std::chrono::steady_clock::now();
  bool busy_ = false;
};

}  // namespace scanedge::pipeline
