// The pipeline is where invariant 1 lives: no confirmation without durability.
#include "edge/pipeline/confirm_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "edge/outbox/sqlite_outbox.h"
#include "tests/support/process.h"

namespace scanedge::pipeline {
namespace {

using scanedge::testing::TempDir;

// Fault-injecting wrapper: delegates to a real outbox; fails commits while `fail` is set,
// and records what the outbox held at the moment each commit returned.
class FaultyOutbox final : public Outbox {
 public:
  explicit FaultyOutbox(Outbox& inner) : inner_(inner) {}
  std::atomic<bool> fail{false};
  std::atomic<int> commits{0};
  Result<std::vector<Committed>> commit(std::span<const EventDraft> e, std::span<const StateWrite> s) override {
    ++commits;
    if (fail) return make_error("storage_full", "database or disk is full (injected)");
    return inner_.commit(e, s);
  }
  Result<std::vector<StoredEvent>> read_page(Stream s, std::int64_t a, std::size_t m, std::size_t b) override {
    return inner_.read_page(s, a, m, b);
  }
  Result<std::int64_t> apply_ack(Stream s, std::int64_t n) override { return inner_.apply_ack(s, n); }
  Result<StreamStats> stats(Stream s) override { return inner_.stats(s); }
  Result<std::vector<std::pair<std::string, std::string>>> load_state(const std::string& p) override {
    return inner_.load_state(p);
  }

 private:
  Outbox& inner_;
};

const nlohmann::json kTask = {
    {"task_id", "PICK-1"},
    {"version", 1},
    {"lines", {{{"line", 1}, {"gtin", "09506000134352"}, {"qty", 3}, {"location", "A-01"}}}}};
const std::string kGood = "]C10109506000134352";

struct PipelineTest : ::testing::Test {
  TempDir dir;
  std::unique_ptr<outbox::SqliteOutbox> real = *outbox::SqliteOutbox::open(outbox::OutboxOptions{dir.file("o.db")});
  FaultyOutbox outbox{*real};
  FakeClock clock;
  EventIdGenerator ids;
  tasks::WorkExecutor executor{clock, ids, {"s1", "d1"}};
  std::atomic<int> wakeups{0};
  std::mutex changes_mu;
  std::vector<std::pair<nlohmann::json, std::string>> changes;  // task_changed hook calls
  std::unique_ptr<ConfirmPipeline> p;

  void make(std::size_t max_group = 512) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const char* prefix : tasks::kStatePrefixes) {
      auto state = outbox.load_state(prefix);
      entries.insert(entries.end(), state->begin(), state->end());
    }
    ConfirmPipeline::Hooks hooks;
    hooks.committed = [&] { ++wakeups; };
    hooks.task_changed = [&](const nlohmann::json& t, const std::string& cause) {
      std::lock_guard g(changes_mu);
      changes.emplace_back(t, cause);
    };
    p = std::make_unique<ConfirmPipeline>(outbox, executor, tasks::WorkState::from_state(entries), hooks, max_group);
    p->start();
  }
  WorkReply put_task(const nlohmann::json& d) {
    std::promise<WorkReply> pr;
    p->submit_task(d, [&](const WorkReply& r) { pr.set_value(r); });
    return pr.get_future().get();
  }
  WorkReply act(const nlohmann::json& req) {
    std::promise<WorkReply> pr;
    p->submit_action(req, [&](const WorkReply& r) { pr.set_value(r); });
    return pr.get_future().get();
  }
  ScanReply scan(const std::string& data) {
    std::promise<ScanReply> pr;
    p->submit_scan(RawScan{data, "test", {}}, [&](const ScanReply& r) { pr.set_value(r); });
    return pr.get_future().get();
  }
  // Every stored event of `stream` in seq order.
  std::vector<nlohmann::json> stored(Stream stream) {
    std::vector<nlohmann::json> out;
    const auto page = real->read_page(stream, 0, 100000, 1 << 30);
    for (const auto& e : *page) out.push_back(nlohmann::json::parse(e.json));
    return out;
  }
};

TEST_F(PipelineTest, ReplyComesOnlyAfterTheEventIsStored) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  std::promise<std::pair<std::int64_t, std::int64_t>> at_reply;  // stored last seq, the reply's seq
  p->submit_scan(RawScan{kGood, "test", {}}, [&](const ScanReply& r) {
    // Inside the callback the event must already be readable from storage.
    at_reply.set_value({real->stats(Stream::exec)->last_seq, r.committed && r.stored ? r.stored->seq : -1});
  });
  const auto [last, seq] = at_reply.get_future().get();
  EXPECT_EQ(seq, 2) << "exec seq 1 is the task (task.received)";
  EXPECT_EQ(last, seq);
  // The uplink is woken right after the replies are out.
  EXPECT_TRUE(scanedge::testing::eventually([&] { return wakeups.load() >= 1; }, std::chrono::seconds(2)));
}

TEST_F(PipelineTest, StorageFailureGivesStorageFeedbackAndStoresNothing) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  const std::int64_t before = real->stats(Stream::exec)->last_seq;  // the task.received event
  outbox.fail = true;
  auto r = scan(kGood);
  EXPECT_FALSE(r.committed);
  EXPECT_EQ(r.error.code, "storage_full");
  EXPECT_EQ(r.decision.feedback, Feedback::storage_full);
  EXPECT_EQ(real->stats(Stream::exec)->last_seq, before);
  EXPECT_EQ(p->stats().failed, 1u);
  // The in-memory task did not advance: after recovery three picks still fit, the fourth not.
  outbox.fail = false;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(scan(kGood).decision.accepted) << i;
  auto over = scan(kGood);
  EXPECT_TRUE(over.committed);
  EXPECT_EQ(over.decision.reason.code, "over_pick");
}

TEST_F(PipelineTest, ProgressSurvivesARestart) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  const std::int64_t first = scan(kGood).stored->seq;
  EXPECT_EQ(scan(kGood).stored->seq, first + 1);
  p->stop();
  make();
  EXPECT_EQ(p->tasks().at(0).at("picked"), 2);
  EXPECT_EQ(scan(kGood).stored->seq, first + 2);
  EXPECT_EQ(scan(kGood).decision.reason.code, "over_pick");
}

TEST_F(PipelineTest, ConcurrentScansAreGroupCommitted) {
  make();
  nlohmann::json big = kTask;
  big["lines"][0]["qty"] = 100000;
  ASSERT_TRUE(put_task(big).decision.accepted);
  const int before = outbox.commits;
  constexpr int kN = 2000;
  std::atomic<int> done{0};
  std::mutex mu;
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < kN; ++i) {
    p->submit_scan(RawScan{kGood, "test", {}}, [&](const ScanReply& r) {
      std::lock_guard g(mu);
      if (r.committed && r.decision.accepted) seqs.push_back(r.stored->seq);
      ++done;
    });
  }
  ASSERT_TRUE(scanedge::testing::eventually([&] { return done == kN; }, std::chrono::seconds(60)));
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kN));
  for (int i = 1; i < kN; ++i) ASSERT_EQ(seqs[i], seqs[0] + i);
  EXPECT_LT(outbox.commits - before, kN / 4) << "scans queued together must share transactions";
  EXPECT_GT(p->stats().largest_group, 1u);
}

TEST_F(PipelineTest, BadTaskIsRejectedAndAfterStopScansAreRefused) {
  make();
  auto r = put_task({{"task_id", "X"}});
  ASSERT_TRUE(r.committed);
  ASSERT_FALSE(r.decision.accepted);
  EXPECT_EQ(r.decision.reason.code, "bad_task");
  EXPECT_TRUE(r.decision.events.empty());
  p->stop();
  auto s = scan(kGood);
  EXPECT_FALSE(s.committed);
  EXPECT_EQ(s.error.code, "shutting_down");
}

// Late cancellation race: items are decided in the order they were submitted, even inside
// one commit group. The scan submitted before the cancel is in the put-back task; the one
// after is refused.
TEST_F(PipelineTest, ScanBeforeCancelIsPutBackScanAfterIsRefused) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  ASSERT_TRUE(scan(kGood).decision.accepted);
  std::promise<WorkReply> before, cancel, after;
  p->submit_scan(RawScan{kGood, "test", {}}, [&](const WorkReply& r) { before.set_value(r); });
  p->submit_task({{"task_id", "PICK-1"}, {"version", 2}, {"cancel", true}, {"reason", "customer"}},
                 [&](const WorkReply& r) { cancel.set_value(r); });
  p->submit_scan(RawScan{kGood, "test", {}}, [&](const WorkReply& r) { after.set_value(r); });
  EXPECT_TRUE(before.get_future().get().decision.accepted);
  const WorkReply c = cancel.get_future().get();
  ASSERT_TRUE(c.committed);
  EXPECT_EQ(c.decision.reply.value("outcome", ""), "cancelled");
  const WorkReply a = after.get_future().get();
  EXPECT_FALSE(a.decision.accepted);
  EXPECT_EQ(a.decision.reason.code, "task_cancelled");

  nlohmann::json put_back;
  for (const auto& t : p->tasks()) {
    if (t.value("task_id", "") == "PB-PICK-1") put_back = t;
  }
  ASSERT_TRUE(put_back.is_object()) << p->tasks().dump();
  EXPECT_EQ(put_back.value("qty", 0), 2) << "both units picked before the cancel go back";
  // The cancellation event is on exec, after both picks.
  std::vector<std::string> types;
  for (const auto& e : stored(Stream::exec)) types.push_back(e.value("type", ""));
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(types[types.size() - 1], "task.cancelled");
  EXPECT_EQ(types[types.size() - 2], "pick.confirmed");
  EXPECT_EQ(types[types.size() - 3], "pick.confirmed");
  // The put-back survives a restart.
  p->stop();
  make();
  bool found = false;
  for (const auto& t : p->tasks()) found = found || t.value("task_id", "") == "PB-PICK-1";
  EXPECT_TRUE(found);
}

TEST_F(PipelineTest, TaskChangesAreReportedAfterTheCommit) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  ASSERT_TRUE(scan(kGood).decision.accepted);
  // The hook runs after the replies went out (feedback first).
  ASSERT_TRUE(scanedge::testing::eventually(
      [&] {
        std::lock_guard g(changes_mu);
        return changes.size() >= 2;
      },
      std::chrono::seconds(2)));
  std::lock_guard g(changes_mu);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].second, "task.received");
  EXPECT_EQ(changes[1].second, "pick.confirmed");
  EXPECT_EQ(changes[1].first.value("state", ""), "in_progress");
  EXPECT_EQ(changes[1].first.value("picked", 0), 1);
}

TEST_F(PipelineTest, RefusedActionStoresNothingAndFailedCommitChangesNothing) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  const auto last = real->stats(Stream::exec)->last_seq;
  auto bad = act({{"op", "task.start"}, {"task_id", "NOPE"}});
  ASSERT_TRUE(bad.committed);
  EXPECT_FALSE(bad.decision.accepted);
  EXPECT_EQ(bad.decision.reason.code, "unknown_task");
  EXPECT_EQ(real->stats(Stream::exec)->last_seq, last);
  // A login whose commit fails leaves nobody logged in.
  outbox.fail = true;
  auto login = act({{"op", "operator.login"}, {"badge", "op-7"}});
  EXPECT_FALSE(login.committed);
  outbox.fail = false;
  EXPECT_FALSE(p->operator_id().has_value());
  ASSERT_TRUE(act({{"op", "operator.login"}, {"badge", "op-7"}}).decision.accepted);
  EXPECT_EQ(p->operator_id().value_or(""), "op-7");
  // Every later event carries the operator.
  ASSERT_TRUE(scan(kGood).decision.accepted);
  EXPECT_EQ(stored(Stream::exec).back().value("operator", ""), "op-7");
}

// Remote config through the pipeline: committed with its event, the rules switch for the
// scans after it; a failed commit leaves the previous rules in force.
TEST_F(PipelineTest, ConfigChangeIsCommittedInOrderAndRevertedWhenNotStored) {
  make();
  ASSERT_TRUE(put_task(kTask).decision.accepted);
  auto change = [&](bool required, const std::string& id) {
    ConfirmPipeline::ConfigChange c;
    c.options.operator_required = required;
    c.write = StateWrite{"config/remote", "{\"config_id\":\"" + id + "\"}"};
    c.event = EventDraft{Stream::telemetry, {{"id", id}, {"type", "config.applied"}}};
    return c;
  };
  auto submit = [&](ConfirmPipeline::ConfigChange c) {
    std::promise<WorkReply> pr;
    p->submit_config(std::move(c), [&](const WorkReply& r) { pr.set_value(r); });
    return pr.get_future().get();
  };
  // Fails to store: nothing changes, scans are still accepted without an operator.
  outbox.fail = true;
  EXPECT_FALSE(submit(change(true, "c1")).committed);
  outbox.fail = false;
  EXPECT_TRUE(real->load_state("config/")->empty());
  EXPECT_TRUE(scan(kGood).decision.accepted);
  // Stored: the state write and the telemetry event are there, and the next scan needs an operator.
  auto ok = submit(change(true, "c2"));
  ASSERT_TRUE(ok.committed);
  ASSERT_EQ(real->load_state("config/")->size(), 1u);
  EXPECT_EQ(stored(Stream::telemetry).back().value("type", ""), "config.applied");
  auto refused = scan(kGood);
  EXPECT_FALSE(refused.decision.accepted);
  EXPECT_EQ(refused.decision.reason.code, "no_operator");
}

}  // namespace
}  // namespace scanedge::pipeline
