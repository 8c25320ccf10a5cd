#include "edge/pipeline/confirm_pipeline.h"

#include <set>

namespace scanedge::pipeline {

ConfirmPipeline::ConfirmPipeline(Outbox& outbox, confirm::Confirmer& confirmer, confirm::TaskBook book, Hooks hooks,
                                 std::size_t max_group)
    : outbox_(outbox), confirmer_(confirmer), book_(std::move(book)), hooks_(std::move(hooks)), max_group_(max_group) {
  publish_summary();
}

ConfirmPipeline::~ConfirmPipeline() { stop(); }

void ConfirmPipeline::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ConfirmPipeline::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
}

void ConfirmPipeline::submit_scan(RawScan scan, ScanDone done) {
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_) {
      queue_.emplace_back(ScanItem{std::move(scan), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  ScanReply r;
  r.error = make_error("shutting_down", "the agent is stopping; scan again in a moment");
  if (done) done(r);
}

void ConfirmPipeline::submit_task(nlohmann::json doc, TaskDone done) {
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_) {
      queue_.emplace_back(TaskItem{std::move(doc), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(make_error("shutting_down", "the agent is stopping"));
}

void ConfirmPipeline::run() {
  std::vector<Item> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    {
      std::lock_guard lock(stats_mu_);
      busy_ = true;
      last_turn_ = std::chrono::steady_clock::now();
    }
    process(group);
    group.clear();
    std::lock_guard lock(stats_mu_);
    busy_ = false;
    last_turn_ = std::chrono::steady_clock::now();
  }
}

void ConfirmPipeline::process(std::vector<Item>& group) {
  confirm::TaskBook working = book_;
  std::vector<EventDraft> drafts;
  std::vector<confirm::Decision> decisions;  // parallel to the scan items
  std::vector<std::size_t> draft_of(group.size(), SIZE_MAX);
  std::vector<std::optional<Result<std::string>>> task_result(group.size());
  std::set<std::string> dirty;
  drafts.reserve(group.size());

  for (std::size_t i = 0; i < group.size(); ++i) {
    if (auto* s = std::get_if<ScanItem>(&group[i])) {
      confirm::Decision d = confirmer_.decide(s->scan, working);
      if (d.outcome == confirm::Outcome::confirmed) dirty.insert(d.task_id);
      draft_of[i] = drafts.size();
      drafts.push_back(d.event);
      decisions.push_back(std::move(d));
    } else {
      auto& t = std::get<TaskItem>(group[i]);
      auto task = confirm::parse_task(t.doc);
      if (!task) {
        task_result[i] = task.error();
        continue;
      }
      const std::string id = task->task_id;
      const auto outcome = working.put(std::move(*task));
      static constexpr const char* kNames[] = {"added", "updated", "unchanged", "stale"};
      task_result[i] = std::string(kNames[static_cast<int>(outcome)]);
      if (outcome == confirm::TaskBook::PutOutcome::added || outcome == confirm::TaskBook::PutOutcome::updated) {
        dirty.insert(id);
      }
    }
  }

  std::vector<StateWrite> writes;
  writes.reserve(dirty.size());
  for (const auto& id : dirty) writes.push_back(working.state_write(id));

  Result<std::vector<Committed>> committed = std::vector<Committed>{};
  if (!drafts.empty() || !writes.empty()) committed = outbox_.commit(drafts, writes);

  if (committed) book_ = std::move(working);

  // Counters and the task summary come before the replies: whoever gets a reply and then
  // asks for status sees its scan counted.
  {
    std::uint64_t confirmed = 0;
    for (const auto& d : decisions) confirmed += d.outcome == confirm::Outcome::confirmed ? 1 : 0;
    std::lock_guard lock(stats_mu_);
    if (committed) {
      stats_.confirmed += confirmed;
      stats_.rejected += decisions.size() - confirmed;
      ++stats_.groups;
      stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, drafts.size());
    } else {
      stats_.failed += decisions.size();
    }
  }
  if (committed) publish_summary();

  std::size_t di = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (auto* s = std::get_if<ScanItem>(&group[i])) {
      ScanReply r;
      if (committed) {
        r.committed = true;
        r.decision = std::move(decisions[di]);
        r.stored = (*committed)[draft_of[i]];
      } else {
        r.error = committed.error();
        r.decision = std::move(decisions[di]);
        r.decision.feedback = Feedback::storage_full;
      }
      ++di;
      if (s->done) s->done(r);
      if (hooks_.decided) hooks_.decided(s->scan, r);
    } else {
      auto& t = std::get<TaskItem>(group[i]);
      Result<std::string> res = committed ? *task_result[i] : Result<std::string>(committed.error());
      if (committed && !task_result[i]->ok()) res = *task_result[i];
      if (t.done) t.done(res);
    }
  }
  // Wake the uplink only after the replies are out: the operator's feedback must not queue
  // behind the sync work (page read, publish) on a small CPU.
  if (committed && !drafts.empty() && hooks_.committed) hooks_.committed();
}

void ConfirmPipeline::publish_summary() {
  std::vector<TaskSummary> s;
  for (const auto& [id, t] : book_.tasks()) {
    TaskSummary ts{id, t.version, confirm::to_string(t.state), 0, 0};
    for (const auto& l : t.lines) {
      ts.picked += l.picked;
      ts.qty += l.qty;
    }
    s.push_back(std::move(ts));
  }
  std::lock_guard lock(stats_mu_);
  summary_ = std::move(s);
}

PipelineStats ConfirmPipeline::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

std::vector<TaskSummary> ConfirmPipeline::tasks() const {
  std::lock_guard lock(stats_mu_);
  return summary_;
}

std::chrono::milliseconds ConfirmPipeline::busy_for() const {
  std::lock_guard lock(stats_mu_);
  if (!busy_) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - last_turn_);
}

}  // namespace scanedge::pipeline
