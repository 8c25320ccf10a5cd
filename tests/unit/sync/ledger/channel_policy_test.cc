// Channel policy parsing (file:line:column problems) and the availability report's JSON:
// channel availability with safety stock, channels from reservations, filters.
#include "sync/ledger/channel_policy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sync/ledger/availability_report.h"
#include "tests/support/process.h"

namespace scanedge::ledger {
namespace {

using scanedge::testing::TempDir;
using json = nlohmann::ordered_json;

Error policy_error(const std::string& text) {
  auto p = parse_channel_policy(text, "policy.toml");
  EXPECT_FALSE(p) << "accepted: " << text;
  return p ? Error{} : p.error();
}

TEST(ChannelPolicy, ParsesPriorityAndSafetyStockWithDefault) {
  auto p = parse_channel_policy(
      "# channels\n"
      "[channels.web]\n"
      "priority = 1\n"
      "safety_stock = 2\n"
      "\n"
      "[channels.store]\n"
      "priority = 2\n"
      "[channels.click_collect-2]\n"
      "priority = 3\n"
      "safety_stock = 0\n",
      "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->channels.size(), 3u);
  EXPECT_EQ(p->channels.at("web").priority, 1);
  EXPECT_EQ(p->channels.at("web").safety_stock, 2);
  EXPECT_EQ(p->channels.at("store").priority, 2);
  EXPECT_EQ(p->channels.at("store").safety_stock, 0);
  EXPECT_EQ(p->channels.at("click_collect-2").priority, 3);
  // An empty file is an empty policy.
  auto empty = parse_channel_policy("", "e.toml");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->channels.empty());
}

TEST(ChannelPolicy, WrongTypesAreReportedAtTheValue) {
  Error e = policy_error("[channels.web]\npriority = \"1\"\n");
  EXPECT_EQ(e.code, "bad_policy");
  EXPECT_EQ(e.message, "policy.toml:2:12: channels.web.priority: expected an integer, got the string \"1\"");
  e = policy_error("[channels.web]\npriority = 1\nsafety_stock = 1.5\n");
  EXPECT_EQ(e.message, "policy.toml:3:16: channels.web.safety_stock: expected an integer, got a float");
  e = policy_error("channels = 3\n");
  EXPECT_EQ(e.message, "policy.toml:1:12: channels: expected a table ([channels.NAME]), got the integer 3");
  e = policy_error("[channels]\nweb = 1\n");
  EXPECT_EQ(e.message, "policy.toml:2:7: channels.web: expected a table ([channels.web]), got the integer 1");
}

TEST(ChannelPolicy, RangesAreChecked) {
  EXPECT_EQ(policy_error("[channels.web]\npriority = 0\n").message,
            "policy.toml:2:12: channels.web.priority: 0 is out of range 1..1000000000");
  EXPECT_EQ(policy_error("[channels.web]\npriority = 1\nsafety_stock = -1\n").message,
            "policy.toml:3:16: channels.web.safety_stock: -1 is out of range 0..1000000000");
}

TEST(ChannelPolicy, UnknownKeysBadNamesAndMissingPriorityAreRefused) {
  EXPECT_EQ(policy_error("[channel.web]\npriority = 1\n").message,
            "policy.toml:1:2: unknown key \"channel\" (known: channels)");
  EXPECT_EQ(policy_error("[channels.web]\npriority = 1\nsafety = 2\n").message,
            "policy.toml:3:1: channels.web: unknown key \"safety\" (known: priority, safety_stock)");
  EXPECT_EQ(policy_error("[channels.Web]\npriority = 1\n").message,
            "policy.toml:1:11: channels.Web: channel name must be 1-32 of [a-z0-9_-]");
  EXPECT_EQ(policy_error("[channels.\"\"]\npriority = 1\n").message,
            "policy.toml:1:11: channels.: channel name must be 1-32 of [a-z0-9_-]");
  EXPECT_NE(policy_error("[channels." + std::string(33, 'a') + "]\npriority = 1\n").message.find("1-32"), std::string::npos);
  EXPECT_EQ(policy_error("[channels.web]\nsafety_stock = 1\n").message,
            "policy.toml:1:1: channels.web: missing key \"priority\" (an integer >= 1)");
}

TEST(ChannelPolicy, EveryProblemIsOneLine) {
  const Error e = policy_error("x = 1\n[channels.web]\npriority = 0\n[channels.store]\npriority = 1\nsafety_stock = \"a\\nb\"\n");
  EXPECT_EQ(e.message,
            "policy.toml:1:1: unknown key \"x\" (known: channels)\n"
            "policy.toml:3:12: channels.web.priority: 0 is out of range 1..1000000000\n"
            "policy.toml:6:16: channels.store.safety_stock: expected an integer, got the string \"a\\x0ab\"");
}

TEST(ChannelPolicy, SyntaxErrorsCarryLineAndColumn) {
  const Error e = policy_error("[channels.web]\npriority = = 1\n");
  EXPECT_EQ(e.code, "bad_policy");
  EXPECT_EQ(e.message.rfind("policy.toml:2:", 0), 0u) << e.message;
  EXPECT_EQ(policy_error("[channels.web]\npriority = 1\npriority = 2\n").message.rfind("policy.toml:3:", 0), 0u);
}

TEST(ChannelPolicy, LoadReadsTheFileAndNamesItInProblems) {
  TempDir dir;
  const std::string path = dir.file("channels.toml");
  {
    std::ofstream(path) << "[channels.web]\npriority = -4\n";
  }
  auto p = load_channel_policy(path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, path + ":2:12: channels.web.priority: -4 is out of range 1..1000000000");
  auto missing = load_channel_policy(dir.file("nope.toml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "io");
}

ItemStock item(std::int64_t on_hand, std::map<std::string, std::int64_t> by_channel) {
  ItemStock i;
  i.site = "s1";
  i.gtin = "09506000134352";
  i.total[0] = on_hand;
  i.lots.push_back(LotStock{"ABC", {}});
  i.lots.back().buckets[0] = on_hand;
  i.lots.push_back(LotStock{"", {}});
  for (const auto& [c, n] : by_channel) i.reserved += n;
  i.by_channel = std::move(by_channel);
  return i;
}

TEST(AvailabilityJson, ChannelAvailabilityIsAvailableMinusSafetyStockNeverNegative) {
  InventorySnapshot snap;
  snap.items.push_back(item(5, {{"web", 1}, {"marketplace", 1}}));
  ChannelPolicy policy;
  policy.channels["web"] = {1, 2};
  policy.channels["store"] = {2, 0};
  policy.channels["outlet"] = {1, 10};
  const json out = availability_json(snap, &policy);
  const json& i = out["items"][0];
  EXPECT_EQ(i["on_hand"], 5);
  EXPECT_EQ(i["reserved"], 2);
  EXPECT_EQ(i["available"], 3);
  EXPECT_EQ(i["channels"]["web"], (json{{"priority", 1}, {"safety_stock", 2}, {"reserved", 1}, {"available", 1}}));
  EXPECT_EQ(i["channels"]["store"], (json{{"priority", 2}, {"safety_stock", 0}, {"reserved", 0}, {"available", 3}}));
  EXPECT_EQ(i["channels"]["outlet"]["available"], 0);
  // Seen only in reservations: priority null, no safety stock.
  EXPECT_EQ(i["channels"]["marketplace"], (json{{"priority", nullptr}, {"safety_stock", 0}, {"reserved", 1}, {"available", 3}}));
  // Order: the policy's by priority then name, then the others by name.
  std::vector<std::string> names;
  for (auto it = i["channels"].begin(); it != i["channels"].end(); ++it) names.push_back(it.key());
  EXPECT_EQ(names, (std::vector<std::string>{"outlet", "web", "store", "marketplace"}));
  // Lots: the unknown lot is null.
  EXPECT_EQ(i["lots"][0]["lot"], "ABC");
  EXPECT_TRUE(i["lots"][1]["lot"].is_null());
  EXPECT_EQ(i["lots"][0]["on_hand"], 5);
}

TEST(AvailabilityJson, OverCommittedIsNegativeAndWithoutPolicyOnlySeenChannelsAreListed) {
  InventorySnapshot snap;
  snap.items.push_back(item(1, {{"web", 3}}));
  const json out = availability_json(snap, nullptr);
  const json& i = out["items"][0];
  EXPECT_EQ(i["available"], -2);
  ASSERT_EQ(i["channels"].size(), 1u);
  EXPECT_EQ(i["channels"]["web"], (json{{"priority", nullptr}, {"safety_stock", 0}, {"reserved", 3}, {"available", 0}}));
  // Exact key order of an item.
  std::vector<std::string> keys;
  for (auto it = i.begin(); it != i.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"site", "gtin", "on_hand", "staged", "returned_uninspected", "damaged",
                                            "disposed", "refurbish", "shipped", "handed_over", "written_off", "reserved",
                                            "available", "lots", "channels"}));
  EXPECT_EQ(out["oversells"], json::array());
}

TEST(AvailabilityJson, OversellRecordShape) {
  InventorySnapshot snap;
  OversellRecord r;
  r.site = "s1";
  r.gtin = "09506000134352";
  r.short_qty = 1;
  r.device = "d2";
  r.seq = 7;
  r.event_id = "e7";
  r.task = "T2";
  r.channel = "store";
  r.time = "2026-11-26T17:00:07.000Z";
  r.previous = OversellRecord::Previous{"d1", "T1", "web", "e3"};
  snap.oversells.push_back(r);
  r.previous.reset();
  r.lot = "L";
  r.time.reset();
  snap.oversells.push_back(r);
  const json out = availability_json(snap, nullptr);
  EXPECT_EQ(out.dump(),
            "{\"items\":[],\"oversells\":["
            "{\"site\":\"s1\",\"gtin\":\"09506000134352\",\"lot\":null,\"short\":1,"
            "\"event\":{\"device\":\"d2\",\"seq\":7,\"id\":\"e7\",\"task\":\"T2\",\"channel\":\"store\","
            "\"time\":\"2026-11-26T17:00:07.000Z\"},\"previous\":{\"device\":\"d1\",\"task\":\"T1\",\"channel\":\"web\",\"id\":\"e3\"}},"
            "{\"site\":\"s1\",\"gtin\":\"09506000134352\",\"lot\":\"L\",\"short\":1,"
            "\"event\":{\"device\":\"d2\",\"seq\":7,\"id\":\"e7\",\"task\":\"T2\",\"channel\":\"store\",\"time\":null},"
            "\"previous\":null}]}");
}

}  // namespace
}  // namespace scanedge::ledger
