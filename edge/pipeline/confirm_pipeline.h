// ConfirmPipeline: scans in, committed decisions out, with group commit.
//
// One thread owns the task book and the Confirmer. It takes every item queued at that moment
// (up to max_group), decides each against a working copy of the task book, commits all their
// events and the changed tasks in ONE outbox transaction, and only then (invariant 1) calls
// each item's completion callback, which releases operator feedback and bus replies. If the
// commit fails (disk full, I/O error) nothing of the group is stored, the task book stays as
// it was, and every callback gets committed=false with the storage error: the operator gets
// bad (storage-full) feedback and a reason.
//
// Threading: submit_*() are thread-safe and never block on I/O. Callbacks run on the pipeline
// thread; they must be quick (queue a reply, poke a driver). stop() finishes everything
// already queued, then joins; items submitted after stop() are answered at once with
// code "shutting_down".
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "edge/confirm/confirmer.h"
#include "edge/confirm/task_book.h"
#include "edge/core/outbox.h"
#include "edge/core/raw_scan.h"

namespace scanedge::pipeline {

struct ScanReply {
  bool committed = false;
  Error error;                      // when !committed
  confirm::Decision decision;       // when committed
  Committed stored;                 // stream and seq of the committed event
};

struct TaskSummary {
  std::string task_id;
  std::int64_t version = 0;
  std::string state;
  std::int64_t picked = 0;
  std::int64_t qty = 0;
};

struct PipelineStats {
  std::uint64_t confirmed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t failed = 0;  // not committed (storage errors)
  std::uint64_t groups = 0;  // transactions committed
  std::uint64_t largest_group = 0;
};

class ConfirmPipeline {
 public:
  using ScanDone = std::function<void(const ScanReply&)>;
  // Result value: "added", "updated", "unchanged" or "stale".
  using TaskDone = std::function<void(const Result<std::string>&)>;
  struct Hooks {
    std::function<void()> committed;  // after every successful commit (wakes the uplink)
    std::function<void(const RawScan&, const ScanReply&)> decided;  // every scan, after commit
  };

  ConfirmPipeline(Outbox& outbox, confirm::Confirmer& confirmer, confirm::TaskBook book, Hooks hooks,
                  std::size_t max_group = 512);
  ~ConfirmPipeline();
  ConfirmPipeline(const ConfirmPipeline&) = delete;
  ConfirmPipeline& operator=(const ConfirmPipeline&) = delete;

  void start();
  void stop();

  void submit_scan(RawScan scan, ScanDone done);
  void submit_task(nlohmann::json doc, TaskDone done);

  PipelineStats stats() const;
  std::vector<TaskSummary> tasks() const;
  // How long the current group has been in progress (0 when idle): a stuck commit shows here
  // and stops the watchdog pings.
  std::chrono::milliseconds busy_for() const;

 private:
  struct ScanItem {
    RawScan scan;
    ScanDone done;
  };
  struct TaskItem {
    nlohmann::json doc;
    TaskDone done;
  };
  using Item = std::variant<ScanItem, TaskItem>;

  void run();
  void process(std::vector<Item>& group);
  void publish_summary();

  Outbox& outbox_;
  confirm::Confirmer& confirmer_;
  confirm::TaskBook book_;
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
  std::vector<TaskSummary> summary_;
  std::chrono::steady_clock::time_point last_turn_ = std::chrono::steady_clock::now();
  bool busy_ = false;
};

}  // namespace scanedge::pipeline
