// Behaviour of the durable outbox: seq assignment, atomic groups, storage failures, acks,
// page reads, state, concurrency.
#include "edge/outbox/sqlite_outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "edge/storage/sqlite_db.h"
#include "tests/unit/outbox/outbox_test_support.h"

namespace scanedge::outbox {
namespace {

using testing::draft;
using testing::drafts;
using testing::TempDir;
using json = nlohmann::json;

class SqliteOutboxTest : public ::testing::Test {
 protected:
  OutboxOptions options(const std::string& sync = "normal") const {
    OutboxOptions o;
    o.path = dir_.file("outbox.db");
    o.synchronous = sync;
    return o;
  }
  std::unique_ptr<SqliteOutbox> open_box(OutboxOptions o) {
    auto r = SqliteOutbox::open(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    if (!r.ok()) return nullptr;
    return std::move(*r);
  }
  std::unique_ptr<SqliteOutbox> open_box() { return open_box(options()); }

  static std::vector<std::int64_t> commit_seqs(SqliteOutbox& box, const std::vector<EventDraft>& ds,
                                               const std::vector<StateWrite>& state = {}) {
    auto r = box.commit(ds, state);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    std::vector<std::int64_t> seqs;
    if (r.ok()) {
      for (const Committed& c : *r) seqs.push_back(c.seq);
    }
    return seqs;
  }
  static std::vector<StoredEvent> read_all(SqliteOutbox& box, Stream s, std::int64_t after = 0) {
    auto r = box.read_page(s, after, 1'000'000, 1u << 30);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::vector<StoredEvent>{};
  }
  static StreamStats stats_of(SqliteOutbox& box, Stream s) {
    auto r = box.stats(s);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : StreamStats{};
  }

  TempDir dir_;
};

TEST_F(SqliteOutboxTest, SeqStartsAtOneGaplessAndIndependentPerStream) {
  auto box = open_box();
  ASSERT_TRUE(box);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, 3, "a")), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::telemetry, 2, "t")), (std::vector<std::int64_t>{1, 2}));
  // A mixed group: each stream continues its own sequence, results in draft order.
  std::vector<EventDraft> mixed{draft(Stream::exec, "m1"), draft(Stream::telemetry, "m2"), draft(Stream::exec, "m3")};
  auto r = box->commit(mixed, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].stream, Stream::exec);
  EXPECT_EQ((*r)[0].seq, 4);
  EXPECT_EQ((*r)[1].stream, Stream::telemetry);
  EXPECT_EQ((*r)[1].seq, 3);
  EXPECT_EQ((*r)[2].seq, 5);

  auto exec = read_all(*box, Stream::exec);
  ASSERT_EQ(exec.size(), 5u);
  for (std::size_t i = 0; i < exec.size(); ++i) {
    EXPECT_EQ(exec[i].seq, static_cast<std::int64_t>(i + 1));
    const json body = json::parse(exec[i].json);
    EXPECT_EQ(body["seq"], exec[i].seq);
    EXPECT_EQ(body["stream"], "exec");
    EXPECT_TRUE(body["id"].is_string());
    EXPECT_EQ(body["type"], "pick.confirmed");
    EXPECT_EQ(exec[i].json, body.dump()) << "stored JSON must be compact";
  }
  EXPECT_EQ(json::parse(exec[3].json)["id"], "m1");
  auto tel = read_all(*box, Stream::telemetry);
  ASSERT_EQ(tel.size(), 3u);
  EXPECT_EQ(json::parse(tel[2].json)["stream"], "telemetry");
  EXPECT_EQ(json::parse(tel[2].json)["id"], "m2");

  const StreamStats es = stats_of(*box, Stream::exec);
  EXPECT_EQ(es.last_seq, 5);
  EXPECT_EQ(es.acked_through, 0);
  EXPECT_EQ(es.depth, 5);
  std::int64_t bytes = 0;
  for (const auto& e : exec) bytes += static_cast<std::int64_t>(e.json.size());
  EXPECT_EQ(es.bytes, bytes);
}

TEST_F(SqliteOutboxTest, OutboxSetsSeqAndStreamEvenIfDraftCarriesThem) {
  auto box = open_box();
  ASSERT_TRUE(box);
  auto d = draft(Stream::exec, "x", "pick.confirmed", json{{"seq", 999}, {"stream", "telemetry"}, {"qty", 2}});
  auto seqs = commit_seqs(*box, {d});
  ASSERT_EQ(seqs, (std::vector<std::int64_t>{1}));
  const json body = json::parse(read_all(*box, Stream::exec).at(0).json);
  EXPECT_EQ(body["seq"], 1);
  EXPECT_EQ(body["stream"], "exec");
  EXPECT_EQ(body["qty"], 2);
}

TEST_F(SqliteOutboxTest, SeqSurvivesCloseAndReopen) {
  {
    auto box = open_box();
    ASSERT_TRUE(box);
    commit_seqs(*box, drafts(Stream::exec, 4));
    commit_seqs(*box, drafts(Stream::telemetry, 1));
  }
  {
    auto box = open_box();
    ASSERT_TRUE(box);
    EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, 2)), (std::vector<std::int64_t>{5, 6}));
    EXPECT_EQ(commit_seqs(*box, drafts(Stream::telemetry, 1)), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(read_all(*box, Stream::exec).size(), 6u);
  }
}

TEST_F(SqliteOutboxTest, SeqNeverRestartsAfterEverythingWasAckedAndDeleted) {
  {
    auto box = open_box();
    ASSERT_TRUE(box);
    commit_seqs(*box, drafts(Stream::exec, 3));
    auto acked = box->apply_ack(Stream::exec, 3);
    ASSERT_TRUE(acked.ok());
    EXPECT_EQ(*acked, 3);
    EXPECT_TRUE(read_all(*box, Stream::exec).empty());
  }
  {
    // Check the raw file too: no event rows remain, yet the sequence continues.
    auto db = storage::Database::open(options().path);
    ASSERT_TRUE(db.ok());
    auto rows = (*db)->query_int("SELECT count(*) FROM events");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->value_or(-1), 0);
  }
  auto box = open_box();
  ASSERT_TRUE(box);
  const StreamStats s = stats_of(*box, Stream::exec);
  EXPECT_EQ(s.last_seq, 3);
  EXPECT_EQ(s.acked_through, 3);
  EXPECT_EQ(s.depth, 0);
  EXPECT_EQ(s.bytes, 0);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, 1)), (std::vector<std::int64_t>{4}));
  // A stale ack after the restart is still a no-op.
  auto stale = box->apply_ack(Stream::exec, 2);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(*stale, 0);
  EXPECT_EQ(read_all(*box, Stream::exec).size(), 1u);
}

TEST_F(SqliteOutboxTest, BadDraftInTheMiddleStoresNothingAndConsumesNoSeq) {
  auto box = open_box();
  ASSERT_TRUE(box);
  commit_seqs(*box, drafts(Stream::exec, 2));

  const std::vector<json> bad_bodies{
      json{{"type", "pick.confirmed"}},                         // no id
      json{{"id", 7}, {"type", "pick.confirmed"}},              // id not a string
      json{{"id", ""}, {"type", "pick.confirmed"}},             // empty id
      json{{"id", "x"}},                                        // no type
      json{{"id", "x"}, {"type", nullptr}},                     // type not a string
      json::array({1, 2}),                                      // not an object
      json("just a string"),                                    // not an object
      json{{"id", "x"}, {"type", "t"}, {"raw", "\xff\xfe"}},    // invalid UTF-8: cannot serialise
  };
  for (const json& bad : bad_bodies) {
    std::vector<EventDraft> group = drafts(Stream::exec, 3, "g");
    group.insert(group.begin() + 1, EventDraft{Stream::exec, bad});
    const std::vector<StateWrite> state{{"task/T1", std::string("should-not-exist")}};
    auto r = box->commit(group, state);
    ASSERT_FALSE(r.ok()) << bad.dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_EQ(r.error().code, "bad_event");
    EXPECT_NE(r.error().message.find("event 1 of 4"), std::string::npos) << r.error().message;
  }
  // An unknown stream value is also a bad event.
  {
    std::vector<EventDraft> group{draft(static_cast<Stream>(7), "s")};
    auto r = box->commit(group, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad_event");
  }
  EXPECT_EQ(read_all(*box, Stream::exec).size(), 2u);
  auto st = box->load_state("");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->empty());
  EXPECT_EQ(stats_of(*box, Stream::exec).last_seq, 2);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, 1)), (std::vector<std::int64_t>{3}));
}

TEST_F(SqliteOutboxTest, EmptyStateKeyIsRejected) {
  auto box = open_box();
  ASSERT_TRUE(box);
  const std::vector<StateWrite> state{{"ok", std::string("1")}, {"", std::string("2")}};
  auto r = box->commit(drafts(Stream::exec, 1), state);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_state");
  EXPECT_EQ(stats_of(*box, Stream::exec).last_seq, 0);
  EXPECT_TRUE(box->load_state("")->empty());
}

TEST_F(SqliteOutboxTest, StorageFullStoresNothingAndRecoversOnceSpaceIsFreed) {
  OutboxOptions o = options();
  o.max_page_count = 48;  // 192 KiB: a few hundred 1 KiB events
  auto box = open_box(o);
  ASSERT_TRUE(box);

  constexpr int kGroup = 10;
  int committed_groups = 0;
  Error full;
  for (int i = 0; i < 10'000; ++i) {
    std::vector<StateWrite> state{{"progress/" + std::to_string(i), std::string(200, 'p')}};
    auto r = box->commit(drafts(Stream::exec, kGroup, "g" + std::to_string(i), 1000), state);
    if (!r.ok()) {
      full = r.error();
      break;
    }
    ++committed_groups;
  }
  ASSERT_EQ(full.code, "storage_full") << full.message;
  ASSERT_GT(committed_groups, 0);
  const std::int64_t stored = std::int64_t{committed_groups} * kGroup;

  // Nothing of the failed group: seq, rows, and its state write are all absent.
  StreamStats s = stats_of(*box, Stream::exec);
  EXPECT_EQ(s.last_seq, stored);
  EXPECT_EQ(s.depth, stored);
  auto all = read_all(*box, Stream::exec);
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), stored);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
  auto failed_state = box->load_state("progress/" + std::to_string(committed_groups));
  ASSERT_TRUE(failed_state.ok());
  for (const auto& [k, v] : *failed_state) EXPECT_NE(k, "progress/" + std::to_string(committed_groups));

  // Still full: a retry fails the same way and still consumes no seq.
  auto retry = box->commit(drafts(Stream::exec, kGroup, "retry", 1000), {});
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code, "storage_full");
  EXPECT_EQ(stats_of(*box, Stream::exec).last_seq, stored);

  // The ledger acks everything: pages are freed and commits work again, continuing the seq.
  auto acked = box->apply_ack(Stream::exec, stored);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_EQ(*acked, stored);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, kGroup, "after", 1000)).front(), stored + 1);

  // Reopening with a larger cap also works and keeps the sequence.
  box.reset();
  o.max_page_count = 4096;
  box = open_box(o);
  ASSERT_TRUE(box);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::exec, 1)).front(), stored + kGroup + 1);
}

// Invariant 6 at the size cap: the oldest telemetry is shed (counted, recorded), exec never.
TEST_F(SqliteOutboxTest, AtTheCapOldestTelemetryIsShedAndExecIsNeverShed) {
  OutboxOptions o = options();
  o.max_page_count = 64;  // 256 KiB
  auto box = open_box(o);
  ASSERT_TRUE(box);
  // Fill a good part of the cap with telemetry (e.g. raw RFID reads), then keep confirming
  // exec events far beyond what would fit next to it.
  int telemetry = 0;
  for (; telemetry < 100; ++telemetry) {
    ASSERT_TRUE(box->commit(drafts(Stream::telemetry, 1, "t" + std::to_string(telemetry), 1000), {}).ok());
  }
  int exec_groups = 0;
  Error full;
  for (int i = 0; i < 10'000; ++i) {
    auto r = box->commit(drafts(Stream::exec, 5, "x" + std::to_string(i), 1000), {});
    if (!r.ok()) {
      full = r.error();
      break;
    }
    ++exec_groups;
  }
  // Exec kept being confirmed while telemetry existed; only when all of it was shed did the
  // outbox refuse, naming the reason.
  ASSERT_EQ(full.code, "storage_full") << full.message;
  EXPECT_NE(full.message.find("no telemetry is left to shed"), std::string::npos) << full.message;
  const StreamStats t = stats_of(*box, Stream::telemetry);
  EXPECT_EQ(t.last_seq, 100);
  EXPECT_EQ(t.shed, 100);
  EXPECT_EQ(t.shed_through, 100);
  EXPECT_EQ(t.depth, 0);
  EXPECT_EQ(t.bytes, 0);
  EXPECT_TRUE(read_all(*box, Stream::telemetry).empty());
  // Every confirmed exec event is there, gapless.
  const StreamStats x = stats_of(*box, Stream::exec);
  EXPECT_EQ(x.last_seq, std::int64_t{exec_groups} * 5);
  EXPECT_EQ(x.shed, 0);
  EXPECT_EQ(x.shed_through, 0);
  auto all = read_all(*box, Stream::exec);
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), x.last_seq);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
}

TEST_F(SqliteOutboxTest, SheddingTakesTheOldestFirstAndSeqsContinueAfterReopen) {
  OutboxOptions o = options();
  o.max_page_count = 64;
  auto box = open_box(o);
  ASSERT_TRUE(box);
  // Telemetry only: the stream sheds its own oldest events to make room for new ones.
  int n = 0;
  for (; n < 2000; ++n) {
    auto r = box->commit(drafts(Stream::telemetry, 1, "t" + std::to_string(n), 1000), {});
    ASSERT_TRUE(r.ok()) << n << ": " << r.error().message;
    ASSERT_EQ(r->front().seq, n + 1);
  }
  const StreamStats t = stats_of(*box, Stream::telemetry);
  EXPECT_EQ(t.last_seq, 2000);
  EXPECT_GT(t.shed, 0);
  EXPECT_EQ(t.depth + t.shed, 2000);
  // What remains is the newest, contiguous block right after shed_through.
  auto rest = read_all(*box, Stream::telemetry);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front().seq, t.shed_through + 1);
  EXPECT_EQ(rest.back().seq, 2000);
  EXPECT_EQ(static_cast<std::int64_t>(rest.size()), t.depth);
  // The shed counters and the sequence survive a restart.
  box.reset();
  box = open_box(o);
  ASSERT_TRUE(box);
  const StreamStats again = stats_of(*box, Stream::telemetry);
  EXPECT_EQ(again.shed, t.shed);
  EXPECT_EQ(again.shed_through, t.shed_through);
  EXPECT_EQ(commit_seqs(*box, drafts(Stream::telemetry, 1, "after")).front(), 2001);
  // An ack covering shed seqs is fine and deletes only what is stored.
  auto acked = box->apply_ack(Stream::telemetry, 2001);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_EQ(*acked, t.depth + 1);
  EXPECT_EQ(stats_of(*box, Stream::telemetry).depth, 0);
}

TEST_F(SqliteOutboxTest, AckPrunesRowsAndCounters) {
  auto box = open_box();
  ASSERT_TRUE(box);
  commit_seqs(*box, drafts(Stream::exec, 10, "e", 50));
  commit_seqs(*box, drafts(Stream::telemetry, 4));
  const StreamStats before = stats_of(*box, Stream::exec);
  EXPECT_EQ(before.depth, 10);
  const auto events = read_all(*box, Stream::exec);
  std::int64_t first_six = 0;
  for (int i = 0; i < 6; ++i) first_six += static_cast<std::int64_t>(events[static_cast<std::size_t>(i)].json.size());

  auto acked = box->apply_ack(Stream::exec, 6);
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(*acked, 6);
  const StreamStats after = stats_of(*box, Stream::exec);
  EXPECT_EQ(after.last_seq, 10);
  EXPECT_EQ(after.acked_through, 6);
  EXPECT_EQ(after.depth, 4);
  EXPECT_EQ(after.bytes, before.bytes - first_six);

  // Reading from the start now begins after the ack.
  auto rest = read_all(*box, Stream::exec);
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_EQ(rest.front().seq, 7);
  EXPECT_EQ(rest.back().seq, 10);
  // Rows are really gone from the file.
  auto db = storage::Database::open(options().path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->query_int("SELECT count(*) FROM events WHERE stream='exec' AND seq<=6")->value_or(-1), 0);
  // The other stream is untouched.
  EXPECT_EQ(stats_of(*box, Stream::telemetry).depth, 4);
  EXPECT_EQ(read_all(*box, Stream::telemetry).size(), 4u);
}

TEST_F(SqliteOutboxTest, StaleAckIsANoOp) {
  auto box = open_box();
  ASSERT_TRUE(box);
  commit_seqs(*box, drafts(Stream::exec, 5));
  ASSERT_EQ(*box->apply_ack(Stream::exec, 3), 3);
  for (std::int64_t n : {3, 2, 0, -5}) {
    auto r = box->apply_ack(Stream::exec, n);
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_EQ(*r, 0) << n;
  }
  const StreamStats s = stats_of(*box, Stream::exec);
  EXPECT_EQ(s.acked_through, 3);
  EXPECT_EQ(s.depth, 2);
}

TEST_F(SqliteOutboxTest, AckBeyondLastSeqIsRejectedAndChangesNothing) {
  auto box = open_box();
  ASSERT_TRUE(box);
  // Nothing committed yet: any positive ack is beyond.
  auto early = box->apply_ack(Stream::exec, 1);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, "bad_ack");

  commit_seqs(*box, drafts(Stream::exec, 5));
  const StreamStats before = stats_of(*box, Stream::exec);
  auto r = box->apply_ack(Stream::exec, 6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_ack");
  EXPECT_NE(r.error().message.find('6'), std::string::npos);
  EXPECT_NE(r.error().message.find('5'), std::string::npos);
  const StreamStats after = stats_of(*box, Stream::exec);
  EXPECT_EQ(after.acked_through, before.acked_through);
  EXPECT_EQ(after.depth, before.depth);
  EXPECT_EQ(after.bytes, before.bytes);
  EXPECT_EQ(read_all(*box, Stream::exec).size(), 5u);
  // The exact last seq is fine.
  EXPECT_EQ(*box->apply_ack(Stream::exec, 5), 5);
}

TEST_F(SqliteOutboxTest, ReadPageHonoursEventAndByteLimits) {
  auto box = open_box();
  ASSERT_TRUE(box);
  commit_seqs(*box, drafts(Stream::exec, 9, "e", 100));
  const auto all = read_all(*box, Stream::exec);
  ASSERT_EQ(all.size(), 9u);
  const std::size_t one = all[0].json.size();
  for (const auto& e : all) ASSERT_EQ(e.json.size(), one);  // same-size bodies (seqs 1..9, ids e-0..e-8)

  auto by_count = box->read_page(Stream::exec, 0, 3, 1u << 20);
  ASSERT_TRUE(by_count.ok());
  ASSERT_EQ(by_count->size(), 3u);
  EXPECT_EQ(by_count->front().seq, 1);
  EXPECT_EQ(by_count->back().seq, 3);

  // Exactly two events' worth of bytes -> two; one byte less -> one.
  auto two = box->read_page(Stream::exec, 0, 100, 2 * one);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  auto just_under = box->read_page(Stream::exec, 0, 100, 2 * one - 1);
  ASSERT_TRUE(just_under.ok());
  EXPECT_EQ(just_under->size(), 1u);

  // The first event is always returned, even when it alone exceeds max_bytes.
  auto tiny = box->read_page(Stream::exec, 4, 100, 1);
  ASSERT_TRUE(tiny.ok());
  ASSERT_EQ(tiny->size(), 1u);
  EXPECT_EQ(tiny->front().seq, 5);
  auto zero_bytes = box->read_page(Stream::exec, 4, 100, 0);
  ASSERT_TRUE(zero_bytes.ok());
  EXPECT_EQ(zero_bytes->size(), 1u);

  // After a cursor in the middle, past the end, and with max_events 0.
  auto middle = box->read_page(Stream::exec, 7, 100, 1u << 20);
  ASSERT_TRUE(middle.ok());
  ASSERT_EQ(middle->size(), 2u);
  EXPECT_EQ(middle->front().seq, 8);
  EXPECT_EQ(middle->back().seq, 9);
  EXPECT_TRUE(box->read_page(Stream::exec, 9, 100, 1u << 20)->empty());
  EXPECT_TRUE(box->read_page(Stream::exec, 0, 0, 1u << 20)->empty());
  EXPECT_TRUE(box->read_page(Stream::telemetry, 0, 100, 1u << 20)->empty());
}

TEST_F(SqliteOutboxTest, StateWritesAndDeletesCommitWithEvents) {
  auto box = open_box();
  ASSERT_TRUE(box);
  const std::vector<StateWrite> first{{"task/PICK-2", std::string("{\"v\":1}")},
                                      {"task/PICK-1", std::string("{\"v\":1}")},
                                      {"taskx", std::string("other")},
                                      {"progress/PICK-1", std::string("0")}};
  commit_seqs(*box, drafts(Stream::exec, 1), first);
  auto tasks = box->load_state("task/");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].first, "task/PICK-1");  // ordered by key
  EXPECT_EQ((*tasks)[1].first, "task/PICK-2");
  EXPECT_EQ(box->load_state("task")->size(), 3u);
  EXPECT_EQ(box->load_state("")->size(), 4u);
  EXPECT_TRUE(box->load_state("zzz")->empty());

  // Overwrite and delete in the same transaction as an event.
  const std::vector<StateWrite> second{{"progress/PICK-1", std::string("1")}, {"task/PICK-2", std::nullopt}};
  commit_seqs(*box, drafts(Stream::exec, 1, "b"), second);
  auto now = box->load_state("");
  ASSERT_TRUE(now.ok());
  std::map<std::string, std::string> m(now->begin(), now->end());
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m["progress/PICK-1"], "1");
  EXPECT_EQ(m.count("task/PICK-2"), 0u);

  // A failing group takes its state writes with it.
  std::vector<EventDraft> bad{draft(Stream::exec, "ok"), EventDraft{Stream::exec, json{{"id", "no-type"}}}};
  const std::vector<StateWrite> third{{"progress/PICK-1", std::string("2")}, {"task/PICK-1", std::nullopt}};
  ASSERT_FALSE(box->commit(bad, third).ok());
  auto unchanged = box->load_state("");
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, *now);

  // State-only commit works and persists across reopen.
  commit_seqs(*box, {}, {{"config/x", std::string("y")}});
  box.reset();
  box = open_box();
  ASSERT_TRUE(box);
  auto cfg = box->load_state("config/");
  ASSERT_TRUE(cfg.ok());
  ASSERT_EQ(cfg->size(), 1u);
  EXPECT_EQ((*cfg)[0].second, "y");
  EXPECT_EQ(stats_of(*box, Stream::exec).last_seq, 2);
}

TEST_F(SqliteOutboxTest, ConcurrentReaderSeesOrderedGaplessPagesWhileWriterCommits) {
  auto box = open_box();
  ASSERT_TRUE(box);
  constexpr int kTotal = 10'000;
  constexpr int kGroup = 50;
  std::atomic<bool> writer_done{false};
  std::atomic<int> reader_errors{0};
  std::string reader_problem;
  std::int64_t reader_seen = 0;

  std::thread reader([&] {
    std::int64_t cursor = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (cursor < kTotal && std::chrono::steady_clock::now() < deadline) {
      const bool done_before_read = writer_done;
      auto page = box->read_page(Stream::exec, cursor, 256, 64 * 1024);
      if (!page.ok()) {
        ++reader_errors;
        reader_problem = page.error().message;
        return;
      }
      for (const StoredEvent& e : *page) {
        if (e.seq != cursor + 1 || json::parse(e.json)["seq"] != e.seq) {
          ++reader_errors;
          reader_problem = "expected seq " + std::to_string(cursor + 1) + ", got " + std::to_string(e.seq);
          return;
        }
        cursor = e.seq;
      }
      auto st = box->stats(Stream::exec);
      if (!st.ok() || st->last_seq < cursor) {
        ++reader_errors;
        reader_problem = "stats behind the pages";
        return;
      }
      if (page->empty() && done_before_read) break;
    }
    reader_seen = cursor;
  });

  for (int g = 0; g < kTotal / kGroup; ++g) {
    auto r = box->commit(drafts(Stream::exec, kGroup, "c" + std::to_string(g), 80), {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->back().seq, std::int64_t{g + 1} * kGroup);
  }
  writer_done = true;
  reader.join();
  EXPECT_EQ(reader_errors.load(), 0) << reader_problem;
  EXPECT_EQ(reader_seen, kTotal);
  EXPECT_EQ(stats_of(*box, Stream::exec).depth, kTotal);
}

TEST_F(SqliteOutboxTest, ConcurrentCommittersGetDistinctGaplessSeqs) {
  auto box = open_box();
  ASSERT_TRUE(box);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = box->commit(drafts(Stream::exec, 1, "t" + std::to_string(t) + "-" + std::to_string(i)), {});
        if (r.ok()) got[static_cast<std::size_t>(t)].push_back(r->front().seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::int64_t> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
}

TEST_F(SqliteOutboxTest, BadSynchronousValueIsRejectedByName) {
  OutboxOptions o = options("sometimes");
  auto r = SqliteOutbox::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_option");
  EXPECT_NE(r.error().message.find("sometimes"), std::string::npos);
  EXPECT_NE(r.error().message.find("synchronous"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(o.path)) << "a rejected option must not create the database";

  for (const char* ok : {"off", "normal", "full", "extra", "FULL"}) {
    auto b = SqliteOutbox::open(options(ok));
    EXPECT_TRUE(b.ok()) << ok << ": " << (b.ok() ? "" : b.error().message);
  }
}

TEST_F(SqliteOutboxTest, DatabaseIsInWalModeWithTheConfiguredSchema) {
  { ASSERT_TRUE(open_box()); }
  auto db = storage::Database::open(options().path);
  ASSERT_TRUE(db.ok());
  auto mode = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
}

TEST_F(SqliteOutboxTest, UnopenablePathIsAnError) {
  OutboxOptions o = options();
  o.path = dir_.file("no-such-dir/outbox.db");
  auto r = SqliteOutbox::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no-such-dir"), std::string::npos);
}

}  // namespace
}  // namespace scanedge::outbox
