// `scanedgectl outbox` against an outbox filled through the real SqliteOutbox, while that
// outbox (the "agent") stays open: read-only, consistent, and the agent's file untouched.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "edge/ctl/outbox_cmd.h"
#include "edge/outbox/outbox_reader.h"
#include "edge/outbox/sqlite_outbox.h"
#include "tests/support/process.h"

namespace scanedge::ctl {
namespace {

struct Run {
  int status;
  std::string out, err;
};

Run run(std::vector<std::string> args, const std::string& config = "/nonexistent.toml") {
  CLI::App app;
  OutboxCommand cmd;
  add_outbox_command(app, cmd);
  std::vector<const char*> argv{"scanedgectl"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  std::ostringstream out, err;
  const int st = run_outbox_command(cmd, config, out, err);
  return {st, out.str(), err.str()};
}

EventDraft ev(Stream s, int i, const char* type) {
  return EventDraft{s, {{"id", "ev-" + std::to_string(i)}, {"type", type}, {"time", "2026-12-05T10:00:00.000Z"},
                        {"task", "PICK-1"}, {"line", i}}};
}

class OutboxCmd : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("outbox.db");
    auto o = outbox::SqliteOutbox::open(outbox::OutboxOptions{db});
    ASSERT_TRUE(o) << o.error().message;
    box = std::move(*o);
    std::vector<EventDraft> drafts;
    for (int i = 1; i <= 5; ++i) drafts.push_back(ev(Stream::exec, i, "pick.confirmed"));
    for (int i = 1; i <= 3; ++i) drafts.push_back(ev(Stream::telemetry, i, "scan.rejected"));
    ASSERT_TRUE(box->commit(drafts, {}));
    ASSERT_TRUE(box->apply_ack(Stream::exec, 2));  // seq 1, 2 acked and deleted
  }
  testing::TempDir dir;
  std::string db;
  std::unique_ptr<outbox::SqliteOutbox> box;
};

TEST_F(OutboxCmd, StatsJsonShowsCountsSeqRangeAckAndBytes) {
  auto r = run({"outbox", "--db", db, "stats", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& e = j["streams"]["exec"];
  EXPECT_EQ(e["stored"], 3);
  EXPECT_EQ(e["first_seq"], 3);
  EXPECT_EQ(e["last_seq"], 5);
  EXPECT_EQ(e["acked_through"], 2);
  EXPECT_GT(e["bytes"].get<int>(), 0);
  EXPECT_EQ(e["shed"], 0);
  EXPECT_EQ(j["streams"]["telemetry"]["stored"], 3);
  EXPECT_EQ(j["streams"]["telemetry"]["first_seq"], 1);
  auto stats = box->stats(Stream::exec);
  EXPECT_EQ(e["bytes"], stats->bytes) << "the same figure the agent reports";

  auto text = run({"outbox", "--db", db, "stats"});
  ASSERT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("STREAM"), std::string::npos);
  EXPECT_NE(text.out.find("exec"), std::string::npos);
}

TEST_F(OutboxCmd, ListAndRangeAndLimit) {
  auto all = run({"outbox", "--db", db, "list"});
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_NE(all.out.find("exec 3 2026-12-05T10:00:00.000Z pick.confirmed ev-3 task PICK-1 line 3\n"), std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("telemetry 1 2026-12-05T10:00:00.000Z scan.rejected ev-1"), std::string::npos);
  EXPECT_EQ(all.out.find("exec 2 "), std::string::npos) << "acked events are gone";

  auto range = run({"outbox", "--db", db, "list", "--stream", "exec", "--from", "4", "--to", "4"});
  ASSERT_EQ(range.status, 0);
  EXPECT_EQ(range.out, "exec 4 2026-12-05T10:00:00.000Z pick.confirmed ev-4 task PICK-1 line 4\n");
  auto limited = run({"outbox", "--db", db, "list", "--stream", "telemetry", "--limit", "2"});
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 2);
}

TEST_F(OutboxCmd, ExportIsExactlyTheStoredJsonOnePerLine) {
  auto r = run({"outbox", "--db", db, "export"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> lines;
  std::stringstream ss(r.out);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 6u);
  auto page = box->read_page(Stream::exec, 2, 10, 1 << 20);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(lines[i], (*page)[i].json);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["stream"], "telemetry");

  const std::string file = dir.file("support.jsonl");
  auto to_file = run({"outbox", "--db", db, "export", "--stream", "telemetry", "--out", file});
  ASSERT_EQ(to_file.status, 0) << to_file.err;
  std::ifstream f(file);
  std::stringstream got;
  got << f.rdbuf();
  const std::string text = got.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST_F(OutboxCmd, ReadingNeverChangesTheDatabaseAndTheAgentKeepsWriting) {
  auto before = box->stats(Stream::exec);
  ASSERT_TRUE(run({"outbox", "--db", db, "export"}).status == 0);
  auto reader = outbox::OutboxReader::open(db);
  ASSERT_TRUE(reader) << reader.error().message;
  // The writer commits while the reader is open; the reader sees it on its next call.
  std::vector<EventDraft> more{ev(Stream::exec, 6, "pick.confirmed")};
  ASSERT_TRUE(box->commit(more, {}));
  auto sum = (*reader)->summary(Stream::exec);
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->stats.last_seq, 6);
  auto after = box->stats(Stream::exec);
  EXPECT_EQ(after->last_seq, before->last_seq + 1);
}

TEST_F(OutboxCmd, MissingFileNotAnOutboxAndBadConfigExitOne) {
  auto missing = run({"outbox", "--db", dir.file("none.db"), "stats"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  struct stat sb{};
  EXPECT_NE(::stat(dir.file("none.db").c_str(), &sb), 0) << "nothing created";

  const std::string other = dir.file("other.db");
  std::ofstream(other) << "";
  auto not_outbox = run({"outbox", "--db", other, "stats"});
  EXPECT_EQ(not_outbox.status, 1);
  EXPECT_NE(not_outbox.err.find("not a scanedge outbox"), std::string::npos) << not_outbox.err;

  auto no_config = run({"outbox", "stats"}, dir.file("missing.toml"));
  EXPECT_EQ(no_config.status, 1);
  EXPECT_NE(no_config.err.find("give --db PATH"), std::string::npos);

  const std::string cfg = dir.file("a.toml");
  std::ofstream(cfg) << "[device]\nsite = \"s\"\nid = \"d\"\n[storage]\npath = \"" << db << "\"\n";
  auto via_config = run({"outbox", "stats", "--json"}, cfg);
  ASSERT_EQ(via_config.status, 0) << via_config.err;
  EXPECT_EQ(nlohmann::json::parse(via_config.out)["db"], db);
}

}  // namespace
}  // namespace scanedge::ctl
