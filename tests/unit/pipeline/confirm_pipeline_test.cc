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
  confirm::Confirmer confirmer{clock, ids, {"s1", "d1"}};
  std::atomic<int> wakeups{0};
  std::unique_ptr<ConfirmPipeline> p;

  void make(std::size_t max_group = 512) {
    auto state = outbox.load_state(confirm::kTaskStatePrefix);
    p = std::make_unique<ConfirmPipeline>(outbox, confirmer, confirm::TaskBook::from_state(*state),
                                          ConfirmPipeline::Hooks{[&] { ++wakeups; }, {}}, max_group);
    p->start();
  }
  Result<std::string> put_task(const nlohmann::json& d) {
    std::promise<Result<std::string>> pr;
    p->submit_task(d, [&](const Result<std::string>& r) { pr.set_value(r); });
    return pr.get_future().get();
  }
  ScanReply scan(const std::string& data) {
    std::promise<ScanReply> pr;
    p->submit_scan(RawScan{data, "test", {}}, [&](const ScanReply& r) { pr.set_value(r); });
    return pr.get_future().get();
  }
};

TEST_F(PipelineTest, ReplyComesOnlyAfterTheEventIsStored) {
  make();
  ASSERT_TRUE(put_task(kTask));
  std::promise<std::int64_t> depth_at_reply;
  p->submit_scan(RawScan{kGood, "test", {}}, [&](const ScanReply& r) {
    ASSERT_TRUE(r.committed);
    // Inside the callback the event must already be readable from storage.
    depth_at_reply.set_value(real->stats(Stream::exec)->last_seq);
  });
  EXPECT_EQ(depth_at_reply.get_future().get(), 1);
  // The uplink is woken right after the replies are out.
  EXPECT_TRUE(scanedge::testing::eventually([&] { return wakeups.load() >= 1; }, std::chrono::seconds(2)));
}

TEST_F(PipelineTest, StorageFailureGivesStorageFeedbackAndStoresNothing) {
  make();
  ASSERT_TRUE(put_task(kTask));
  outbox.fail = true;
  auto r = scan(kGood);
  EXPECT_FALSE(r.committed);
  EXPECT_EQ(r.error.code, "storage_full");
  EXPECT_EQ(r.decision.feedback, Feedback::storage_full);
  EXPECT_EQ(real->stats(Stream::exec)->last_seq, 0);
  EXPECT_EQ(p->stats().failed, 1u);
  // The in-memory task did not advance: after recovery three picks still fit, the fourth not.
  outbox.fail = false;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(scan(kGood).decision.outcome, confirm::Outcome::confirmed) << i;
  auto over = scan(kGood);
  EXPECT_TRUE(over.committed);
  EXPECT_EQ(over.decision.reason.code, "over_pick");
}

TEST_F(PipelineTest, ProgressSurvivesARestart) {
  make();
  ASSERT_TRUE(put_task(kTask));
  EXPECT_EQ(scan(kGood).stored.seq, 1);
  EXPECT_EQ(scan(kGood).stored.seq, 2);
  p->stop();
  make();
  EXPECT_EQ(p->tasks().at(0).picked, 2);
  EXPECT_EQ(scan(kGood).stored.seq, 3);
  EXPECT_EQ(scan(kGood).decision.reason.code, "over_pick");
}

TEST_F(PipelineTest, ConcurrentScansAreGroupCommitted) {
  make();
  nlohmann::json big = kTask;
  big["lines"][0]["qty"] = 100000;
  ASSERT_TRUE(put_task(big));
  const int before = outbox.commits;
  constexpr int kN = 2000;
  std::atomic<int> done{0};
  std::mutex mu;
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < kN; ++i) {
    p->submit_scan(RawScan{kGood, "test", {}}, [&](const ScanReply& r) {
      std::lock_guard g(mu);
      if (r.committed && r.decision.outcome == confirm::Outcome::confirmed) seqs.push_back(r.stored.seq);
      ++done;
    });
  }
  ASSERT_TRUE(scanedge::testing::eventually([&] { return done == kN; }, std::chrono::seconds(60)));
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(seqs[i], i + 1);
  EXPECT_LT(outbox.commits - before, kN / 4) << "scans queued together must share transactions";
  EXPECT_GT(p->stats().largest_group, 1u);
}

TEST_F(PipelineTest, BadTaskIsRejectedAndAfterStopScansAreRefused) {
  make();
  auto r = put_task({{"task_id", "X"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "bad_task");
  p->stop();
  auto s = scan(kGood);
  EXPECT_FALSE(s.committed);
  EXPECT_EQ(s.error.code, "shutting_down");
}

}  // namespace
}  // namespace scanedge::pipeline
