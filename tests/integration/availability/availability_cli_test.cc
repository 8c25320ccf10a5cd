// scanedge-ledger availability end to end: a ledger built through LedgerStore::apply, then
// the command's stdout (one JSON object), stderr and exit status.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/storage/sqlite_db.h"
#include "sync/ledger/ledger_store.h"
#include "tests/support/process.h"
#include "tests/unit/sync/ledger/work_events.h"

namespace scanedge::ledger {
namespace {

using scanedge::testing::run_capture;
using scanedge::testing::TempDir;
using testing::Device;
using testing::item;
using testing::Line;
using nlohmann::json;

const std::string kG1 = "09506000134352";
const std::string kG2 = "04006381333931";

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs scanedge-ledger with `args`, stdout and stderr apart.
CliRun ledger(const std::vector<std::string>& args, const TempDir& dir) {
  const std::string err_file = dir.file("stderr.txt");
  std::string cmd = "exec \"$0\"";
  for (std::size_t i = 0; i < args.size(); ++i) cmd += " \"$" + std::to_string(i + 1) + "\"";
  cmd += " 2>" + err_file;
  std::vector<std::string> argv{"/bin/sh", "-c", cmd, SCANEDGE_LEDGER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_capture(argv);
  std::ifstream in(err_file);
  std::ostringstream err;
  err << in.rdbuf();
  return {r.status, r.out, err.str()};
}

json parse_one(const std::string& out) {
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "more than one line: " << out;
  return json::parse(out);
}

// s1: 3 of G1 lot ABC and 2 of G1 with no lot received; a web pick of 2 (1 picked) and a
// store pickup of 1; 1 return received and not inspected (not on hand); one staged.
// s2: G2 oversold by two devices.
void build_ledger(const std::string& path) {
  auto store = LedgerStore::open(LedgerOptions{path, "normal", nullptr});
  ASSERT_TRUE(store) << store.error().message;
  Device d1("s1", "d1"), d2("s1", "d2"), e1("s2", "e1"), e2("s2", "e2");
  d1.received("RCV-1", "receive", "default", {Line{1, kG1, 5, std::nullopt}});
  for (int k = 0; k < 3; ++k) d1.receipt("RCV-1", 1, item(kG1, "ABC"));
  d1.receipt("RCV-1", 1, item(kG1));
  d1.receipt("RCV-1", 1, item(kG1), "received");
  d1.received("PICK-1", "pick", "web", {Line{1, kG1, 2, std::nullopt}});
  d1.picked("PICK-1", "web", 1, item(kG1, "ABC"));
  d1.task_event("return.received", "RET-1", "return", "in_progress", "web",
                {{"line", 1}, {"rma", "RMA-1"}, {"item", item(kG1, "ABC")}, {"qty", 1}});
  d2.received("PU-1", "pickup", "store", {Line{1, kG1, 1, std::nullopt}});
  e1.received("PICK-9", "pick", "web", {Line{1, kG2, 1, std::nullopt}});
  e1.picked("PICK-9", "web", 1, item(kG2), "picked");
  e2.received("PU-9", "pickup", "store", {Line{1, kG2, 1, std::nullopt}});
  e2.handed_over("PU-9", "store", 1, item(kG2), "picked_up");
  for (Device* d : {&d1, &d2, &e1, &e2}) ASSERT_TRUE((*store)->apply(d->take()));
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(AvailabilityCli, PrintsStockReservationsChannelsAndOversells) {
  TempDir dir;
  const std::string db = dir.file("ledger.db");
  build_ledger(db);
  const std::string policy = dir.file("channels.toml");
  write(policy, "[channels.web]\npriority = 1\nsafety_stock = 2\n\n[channels.store]\npriority = 2\nsafety_stock = 0\n");
  const CliRun r = ledger({"availability", "--db", db, "--policy", policy}, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const json out = parse_one(r.out);
  ASSERT_EQ(out["items"].size(), 2u);
  const json& g1 = out["items"][0];
  EXPECT_EQ(g1["site"], "s1");
  EXPECT_EQ(g1["gtin"], kG1);
  EXPECT_EQ(g1["on_hand"], 4);
  EXPECT_EQ(g1["staged"], 1);
  EXPECT_EQ(g1["returned_uninspected"], 1);
  EXPECT_EQ(g1["written_off"], 0);
  EXPECT_EQ(g1["reserved"], 2);
  EXPECT_EQ(g1["available"], 2);
  ASSERT_EQ(g1["lots"].size(), 2u);
  EXPECT_EQ(g1["lots"][0]["lot"], "ABC");
  EXPECT_EQ(g1["lots"][0]["on_hand"], 2);
  EXPECT_EQ(g1["lots"][0]["returned_uninspected"], 1);
  EXPECT_TRUE(g1["lots"][1]["lot"].is_null());
  EXPECT_EQ(g1["lots"][1]["on_hand"], 2);
  EXPECT_EQ(g1["channels"]["web"], (json{{"priority", 1}, {"safety_stock", 2}, {"reserved", 1}, {"available", 0}}));
  EXPECT_EQ(g1["channels"]["store"], (json{{"priority", 2}, {"safety_stock", 0}, {"reserved", 1}, {"available", 2}}));

  const json& g2 = out["items"][1];
  EXPECT_EQ(g2["site"], "s2");
  EXPECT_EQ(g2["on_hand"], -2);
  EXPECT_EQ(g2["available"], -2);
  ASSERT_EQ(out["oversells"].size(), 2u);
  const json& second = out["oversells"][1];
  EXPECT_EQ(second["site"], "s2");
  EXPECT_EQ(second["gtin"], kG2);
  EXPECT_TRUE(second["lot"].is_null());
  EXPECT_EQ(second["short"], 1);
  EXPECT_EQ(second["event"]["device"], "e2");
  EXPECT_EQ(second["event"]["seq"], 2);
  EXPECT_EQ(second["event"]["id"], "e2-2");
  EXPECT_EQ(second["event"]["task"], "PU-9");
  EXPECT_EQ(second["event"]["channel"], "store");
  EXPECT_TRUE(second["event"]["time"].is_string());
  EXPECT_EQ(second["previous"], (json{{"device", "e1"}, {"task", "PICK-9"}, {"channel", "web"}, {"id", "e1-2"}}));
  EXPECT_TRUE(out["oversells"][0]["previous"].is_null());

  // Without a policy: only the channels seen in reservations (s2 has none left).
  const CliRun plain = ledger({"availability", "--db", db}, dir);
  ASSERT_EQ(plain.status, 0) << plain.err;
  const json p = parse_one(plain.out);
  EXPECT_EQ(p["items"][0]["channels"]["web"]["priority"], nullptr);
  EXPECT_EQ(p["items"][0]["channels"]["web"]["available"], 2);
  EXPECT_EQ(p["items"][1]["channels"], json::object());
}

TEST(AvailabilityCli, SiteAndGtinFilter) {
  TempDir dir;
  const std::string db = dir.file("ledger.db");
  build_ledger(db);
  CliRun r = ledger({"availability", "--db", db, "--site", "s2"}, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  json out = parse_one(r.out);
  ASSERT_EQ(out["items"].size(), 1u);
  EXPECT_EQ(out["items"][0]["site"], "s2");
  EXPECT_EQ(out["oversells"].size(), 2u);
  // A 13-digit GTIN is compared as GTIN-14.
  r = ledger({"availability", "--db", db, "--gtin", kG1.substr(1)}, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  out = parse_one(r.out);
  ASSERT_EQ(out["items"].size(), 1u);
  EXPECT_EQ(out["items"][0]["gtin"], kG1);
  EXPECT_EQ(out["oversells"].size(), 0u);
  r = ledger({"availability", "--db", db, "--site", "s9"}, dir);
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "{\"items\":[],\"oversells\":[]}\n");
}

TEST(AvailabilityCli, BadPolicyIsExit2WithFileLineColumn) {
  TempDir dir;
  const std::string db = dir.file("ledger.db");
  build_ledger(db);
  const std::string policy = dir.file("channels.toml");
  write(policy, "[channels.web]\npriority = 0\nsafety_stock = \"2\"\ncolour = 1\n");
  CliRun r = ledger({"availability", "--db", db, "--policy", policy}, dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, policy + ":2:12: channels.web.priority: 0 is out of range 1..1000000000\n" + policy +
                       ":3:16: channels.web.safety_stock: expected an integer, got the string \"2\"\n" + policy +
                       ":4:1: channels.web: unknown key \"colour\" (known: priority, safety_stock)\n");
  write(policy, "[channels.web\npriority = 1\n");
  r = ledger({"availability", "--db", db, "--policy", policy}, dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind(policy + ":1:", 0), 0u) << r.err;
  r = ledger({"availability", "--db", db, "--policy", dir.file("missing.toml")}, dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing.toml"), std::string::npos);
}

TEST(AvailabilityCli, UsageErrorsAreExit2AndDatabaseProblemsExit1) {
  TempDir dir;
  EXPECT_EQ(ledger({"availability"}, dir).status, 2);
  EXPECT_EQ(ledger({"availability", "--db", dir.file("x.db"), "--gtin", "12345"}, dir).status, 2);
  EXPECT_EQ(ledger({"availability", "--db", dir.file("x.db"), "--gtin", "0950600013435A"}, dir).status, 2);
  EXPECT_EQ(ledger({"availability", "--db", dir.file("x.db"), "--site", "bad site"}, dir).status, 2);
  CliRun r = ledger({"availability", "--db", dir.file("missing.db")}, dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not_found"), std::string::npos) << r.err;
  write(dir.file("notes.txt"), "not a database");
  EXPECT_EQ(ledger({"availability", "--db", dir.file("notes.txt")}, dir).status, 1);
  // A v1 ledger never opened read-write by this build has no projection: exit 1, and the
  // read-only query leaves it at v1.
  const std::string v1 = dir.file("v1.db");
  {
    auto db = storage::Database::open(v1);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);"
                            "INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00.000Z');"
                            "CREATE TABLE streams (stream_key INTEGER PRIMARY KEY, site TEXT NOT NULL,"
                            " device TEXT NOT NULL, stream TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,"
                            " applied INTEGER NOT NULL DEFAULT 0, UNIQUE (site, device, stream));"
                            "CREATE TABLE applied_events (stream_key INTEGER NOT NULL REFERENCES streams(stream_key),"
                            " seq INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,"
                            " applied_at TEXT NOT NULL, PRIMARY KEY (stream_key, seq));"));
  }
  r = ledger({"availability", "--db", v1}, dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("schema_too_old"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace scanedge::ledger
