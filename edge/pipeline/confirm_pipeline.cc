#include "edge/pipeline/confirm_pipeline.h"

#include <set>

namespace scanedge::pipeline {

namespace {
constexpr auto kTickInterval = std::chrono::seconds(1);
}  // namespace

ConfirmPipeline::ConfirmPipeline(Outbox& outbox, tasks::WorkExecutor& executor, tasks::WorkState state, Hooks hooks,
                                 std::size_t max_group)
    : outbox_(outbox), executor_(executor), state_(std::move(state)), hooks_(std::move(hooks)), max_group_(max_group) {
  publish_snapshot(nullptr);
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

void ConfirmPipeline::submit_scan(RawScan scan, Done done) {
  submit(Item{Kind::scan, std::move(scan), nullptr, std::move(done)});
}

void ConfirmPipeline::submit_task(nlohmann::json doc, Done done) {
  submit(Item{Kind::document, {}, std::move(doc), std::move(done)});
}

void ConfirmPipeline::submit_action(nlohmann::json request, Done done) {
  submit(Item{Kind::action, {}, std::move(request), std::move(done)});
}

void ConfirmPipeline::submit_config(ConfigChange change, Done done) {
  Item item{Kind::config, {}, nullptr, std::move(done)};
  item.config = std::make_shared<ConfigChange>(std::move(change));
  submit(std::move(item));
}

void ConfirmPipeline::submit(Item item) {
  {
    std::lock_guard lock(mu_);
    if (running_ && !stopping_) {
      queue_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  WorkReply r;
  r.error = make_error("shutting_down", "the agent is stopping; try again in a moment");
  r.decision.feedback = Feedback::bad;
  if (item.done) item.done(r);
}

void ConfirmPipeline::run() {
  std::vector<Item> group;
  auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_tick, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const auto now = std::chrono::steady_clock::now();
    const bool tick = now >= next_tick;
    if (tick) next_tick = now + kTickInterval;
    if (group.empty() && !tick) continue;
    {
      std::lock_guard lock(stats_mu_);
      busy_ = true;
      last_turn_ = std::chrono::steady_clock::now();
    }
    process(group, tick);
    group.clear();
    std::lock_guard lock(stats_mu_);
    busy_ = false;
    last_turn_ = std::chrono::steady_clock::now();
  }
}

void ConfirmPipeline::process(std::vector<Item>& group, bool tick) {
  tasks::WorkState working = state_;
  std::vector<EventDraft> drafts;
  std::vector<tasks::WorkDecision> decisions;
  decisions.reserve(group.size());
  std::vector<std::size_t> first_draft;  // per decision: index of its primary event in drafts
  first_draft.reserve(group.size() + 1);
  std::set<std::string> dirty;
  std::map<std::string, std::string> cause;  // task key -> what changed it
  std::vector<StateWrite> extra_writes;        // config changes: not WorkState keys
  std::optional<tasks::ExecutorOptions> previous_options;  // set when a config item changed the rules

  auto take = [&](tasks::WorkDecision d) {
    first_draft.push_back(d.events.empty() ? SIZE_MAX : drafts.size());
    const std::string why = d.events.empty() ? std::string("document") : d.events.front().body.value("type", "");
    for (const auto& k : d.changed_keys) {
      dirty.insert(k);
      cause[k] = why;
    }
    for (const auto& e : d.events) drafts.push_back(e);
    decisions.push_back(std::move(d));
  };

  for (auto& item : group) {
    switch (item.kind) {
      case Kind::scan: take(executor_.scan(item.scan, working)); break;
      case Kind::document: take(executor_.put_task(item.doc, working)); break;
      case Kind::action: take(executor_.act(item.doc, working)); break;
      case Kind::config: {
        if (!previous_options) previous_options = executor_.options();
        executor_.set_options(item.config->options);
        extra_writes.push_back(item.config->write);
        tasks::WorkDecision d;
        d.accepted = true;
        d.feedback = Feedback::good;
        d.events.push_back(item.config->event);
        take(std::move(d));
        break;
      }
    }
  }
  std::size_t tick_decisions = 0;
  if (tick) {
    for (auto& d : executor_.tick(working)) {
      take(std::move(d));
      ++tick_decisions;
    }
  }

  std::vector<StateWrite> writes;
  writes.reserve(dirty.size());
  for (const auto& key : dirty) writes.push_back(working.state_write(key));

  for (auto& w : extra_writes) writes.push_back(std::move(w));
  Result<std::vector<Committed>> committed = std::vector<Committed>{};
  if (!drafts.empty() || !writes.empty()) committed = outbox_.commit(drafts, writes);
  if (committed) state_ = std::move(working);
  if (!committed && previous_options) executor_.set_options(*previous_options);  // the change did not happen

  // Counters and the snapshot come before the replies: whoever gets a reply and then asks
  // for status sees its item counted.
  {
    std::uint64_t confirmed = 0, rejected = 0, scans = 0;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (group[i].kind != Kind::scan) continue;
      ++scans;
      (decisions[i].accepted ? confirmed : rejected) += 1;
    }
    std::lock_guard lock(stats_mu_);
    if (committed) {
      stats_.confirmed += confirmed;
      stats_.rejected += rejected;
      stats_.actions += group.size() - scans + tick_decisions;
      if (!drafts.empty() || !writes.empty()) ++stats_.groups;
      stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, drafts.size());
    } else {
      stats_.failed += scans;
    }
  }
  if (committed && !dirty.empty()) publish_snapshot(&dirty);

  for (std::size_t i = 0; i < group.size(); ++i) {
    Item& item = group[i];
    WorkReply r;
    r.decision = std::move(decisions[i]);
    if (committed) {
      r.committed = true;
      if (first_draft[i] != SIZE_MAX) r.stored = (*committed)[first_draft[i]];
    } else {
      r.error = committed.error();
      r.decision.feedback = Feedback::storage_full;
    }
    if (item.done) item.done(r);
    if (item.kind == Kind::scan && hooks_.decided) hooks_.decided(item.scan, r);
  }
  if (committed && hooks_.task_changed) {
    for (const auto& key : dirty) {
      if (key.rfind(tasks::kTaskKeyPrefix, 0) != 0) continue;
      const std::string id = key.substr(std::char_traits<char>::length(tasks::kTaskKeyPrefix));
      const auto it = state_.tasks().find(id);
      if (it != state_.tasks().end() && it->second.tombstone) continue;  // a cancel for a task never held
      hooks_.task_changed(it == state_.tasks().end() ? nlohmann::json{{"task_id", id}, {"state", "dropped"}}
                                                     : tasks::task_summary_json(it->second),
                          cause[key]);
    }
  }
  // Wake the uplink only after the replies are out: the operator's feedback must not queue
  // behind the sync work (page read, publish) on a small CPU.
  if (committed && !drafts.empty() && hooks_.committed) hooks_.committed();
}

void ConfirmPipeline::publish_snapshot(const std::set<std::string>* keys) {
  // Only the tasks a group changed are rendered again: a device holding many tasks pays for
  // what changed, not for everything it holds, on every commit.
  std::map<std::string, std::optional<nlohmann::json>> changed;
  auto render = [&](const std::string& id) {
    const auto it = state_.tasks().find(id);
    if (it == state_.tasks().end() || it->second.tombstone) {
      changed[id] = std::nullopt;
    } else {
      changed[id] = tasks::task_summary_json(it->second);
    }
  };
  if (keys == nullptr) {
    for (const auto& [id, t] : state_.tasks()) render(id);
  } else {
    for (const auto& key : *keys) {
      if (key.rfind(tasks::kTaskKeyPrefix, 0) == 0) render(key.substr(std::char_traits<char>::length(tasks::kTaskKeyPrefix)));
    }
  }
  std::optional<std::string> op = state_.operator_id();
  std::lock_guard lock(stats_mu_);
  for (auto& [id, j] : changed) {
    if (j) {
      tasks_snapshot_[id] = std::move(*j);
    } else {
      tasks_snapshot_.erase(id);
    }
  }
  operator_snapshot_ = std::move(op);
}

PipelineStats ConfirmPipeline::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

nlohmann::json ConfirmPipeline::tasks() const {
  std::lock_guard lock(stats_mu_);
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [id, t] : tasks_snapshot_) a.push_back(t);
  return a;
}

std::optional<std::string> ConfirmPipeline::operator_id() const {
  std::lock_guard lock(stats_mu_);
  return operator_snapshot_;
}

std::chrono::milliseconds ConfirmPipeline::busy_for() const {
  std::lock_guard lock(stats_mu_);
  if (!busy_) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - last_turn_);
}

}  // namespace scanedge::pipeline
