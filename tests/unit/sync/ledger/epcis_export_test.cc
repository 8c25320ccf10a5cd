#include "sync/ledger/epcis_export.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "sync/ledger/ledger_store.h"
#include "tests/support/process.h"

namespace scanedge::ledger::epcis {
namespace {

using nlohmann::json;
using scanedge::testing::TempDir;

const sync::DeviceAddress kA{"s1", "d1"};

// A pick.confirmed body as edge/confirm/confirmer.cc builds it.
json pick(const std::string& id, json item, int qty = 1) {
  return json{{"id", id},
              {"type", "pick.confirmed"},
              {"time", "2026-11-26T17:00:00.123Z"},
              {"clock", "synced"},
              {"mono_ms", 5},
              {"site", "s1"},
              {"device", "d1"},
              {"operator", nullptr},
              {"scan", {{"raw", "x"}, {"symbology", "gs1-128"}, {"scanner", "sc1"}}},
              {"task", "T1"},
              {"task_type", "pick"},
              {"task_state", "in_progress"},
              {"channel", "web"},
              {"line", 1},
              {"location", "A-01"},
              {"item", std::move(item)},
              {"qty", qty}};
}

json item(const char* gtin, const char* lot, const char* serial) {
  auto opt = [](const char* s) { return s ? json(s) : json(nullptr); };
  return {{"gtin", opt(gtin)}, {"lot", opt(lot)}, {"serial", opt(serial)}, {"expiry", nullptr}, {"sscc", nullptr}, {"epc", nullptr}};
}

constexpr const char* kId1 = "0190b6a0-0000-7000-8000-000000000001";

TEST(EpcisExport, SerialisedItemBecomesOneDigitalLinkEpc) {
  auto m = map_event(kA, pick(kId1, item("09506000134352", "L1", "S/1 2")).dump());
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->kind, Mapped::Kind::epcis_event);
  const json& e = m->event;
  EXPECT_EQ(e["type"], "ObjectEvent");
  EXPECT_EQ(e["action"], "OBSERVE");
  EXPECT_EQ(e["eventID"], std::string("urn:uuid:") + kId1);
  EXPECT_EQ(e["eventTime"], "2026-11-26T17:00:00.123Z");
  EXPECT_EQ(e["eventTimeZoneOffset"], "+00:00");
  EXPECT_EQ(e["epcList"], json::array({"https://id.gs1.org/01/09506000134352/21/S%2F1%202"}));
  EXPECT_FALSE(e.contains("quantityList"));
  EXPECT_EQ(e["bizStep"], "picking");
  EXPECT_EQ(e["disposition"], "in_progress");
  EXPECT_EQ(e["readPoint"], (json{{"id", "urn:scanedge:site:s1:device:d1"}}));
  EXPECT_EQ(e["bizLocation"], (json{{"id", "urn:scanedge:site:s1"}}));
  EXPECT_FALSE(e.contains("bizTransactionList"));
}

TEST(EpcisExport, LotOnlyItemBecomesAQuantityOfTheLotClass) {
  auto m = map_event(kA, pick(kId1, item("9506000134352", "LOT-7", nullptr), 3).dump());
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->kind, Mapped::Kind::epcis_event);
  EXPECT_FALSE(m->event.contains("epcList"));
  // 13-digit GTIN zero-padded to 14.
  EXPECT_EQ(m->event["quantityList"],
            json::array({{{"epcClass", "https://id.gs1.org/01/09506000134352/10/LOT-7"}, {"quantity", 3}}}));
}

TEST(EpcisExport, GtinOnlyItemBecomesAQuantityOfTheGtinClass) {
  auto m = map_event(kA, pick(kId1, item("09506000134352", nullptr, nullptr)).dump());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->event["quantityList"], json::array({{{"epcClass", "https://id.gs1.org/01/09506000134352"}, {"quantity", 1}}}));
}

TEST(EpcisExport, RejectedScanIsNotABusinessEventAndUnknownTypesAreSkipped) {
  json rejected = pick(kId1, nullptr);
  rejected["type"] = "scan.rejected";
  auto m = map_event(kA, rejected.dump());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->kind, Mapped::Kind::not_business);
  json other = pick(kId1, item("09506000134352", nullptr, nullptr));
  other["type"] = "device.rebooted";
  auto u = map_event(kA, other.dump());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, Mapped::Kind::unknown_type);
}

TEST(EpcisExport, UnusablePickEventsAreErrorsNamingTheField) {
  auto expect_bad = [](const std::string& body, const std::string& needle) {
    auto m = map_event(kA, body);
    ASSERT_FALSE(m) << body;
    EXPECT_EQ(m.error().code, "bad_event");
    EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
  };
  expect_bad("{not json", "not a JSON object");
  expect_bad("[1]", "not a JSON object");
  expect_bad(R"({"id":1})", "type");
  expect_bad(pick("ev-1", item("09506000134352", nullptr, nullptr)).dump(), "id is not a UUID");
  json no_time = pick(kId1, item("09506000134352", nullptr, nullptr));
  no_time.erase("time");
  expect_bad(no_time.dump(), "time");
  json bad_time = pick(kId1, item("09506000134352", nullptr, nullptr));
  bad_time["time"] = "yesterday";
  expect_bad(bad_time.dump(), "time");
  expect_bad(pick(kId1, item(nullptr, "L", nullptr)).dump(), "item.gtin is missing");
  expect_bad(pick(kId1, item("12345", nullptr, nullptr)).dump(), "item.gtin");
  expect_bad(pick(kId1, item("09506000134352", nullptr, nullptr), 0).dump(), "qty");
  expect_bad(pick(kId1, json(nullptr)).dump(), "item");
}

sync::Batch batch(const sync::DeviceAddress& a, Stream s, std::int64_t first, const std::vector<json>& bodies) {
  sync::Batch b{a, s, {}};
  std::int64_t seq = first;
  for (json body : bodies) {
    body["seq"] = seq;
    body["stream"] = std::string(to_string(s));
    b.events.push_back({seq, body["id"].get<std::string>(), body["type"].get<std::string>(), body.dump()});
    ++seq;
  }
  return b;
}

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190b6a0-0000-7000-8000-%012d", n);
  return buf;
}

TEST(EpcisExport, DocumentIsOrderedByDeviceStreamSeqAndCountsWhatItSkipped) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store) << store.error().message;
  const json it = item("09506000134352", nullptr, nullptr);
  json rejected = pick(uuid(99), nullptr);
  rejected["type"] = "scan.rejected";
  json broken = pick(uuid(98), it);
  broken.erase("time");
  json other = pick(uuid(97), it);
  other["type"] = "task.started";
  // Applied in an order different from the export order.
  ASSERT_TRUE((*store)->apply(batch({"s2", "d1"}, Stream::exec, 1, {pick(uuid(5), it)})));
  ASSERT_TRUE((*store)->apply(batch({"s1", "d2"}, Stream::exec, 1, {pick(uuid(4), it)})));
  ASSERT_TRUE((*store)->apply(batch({"s1", "d1"}, Stream::telemetry, 1, {rejected})));
  ASSERT_TRUE((*store)->apply(batch({"s1", "d1"}, Stream::exec, 1, {pick(uuid(1), it), broken, other, pick(uuid(3), it)})));

  std::ostringstream out;
  auto stats = write_document(**store, ExportOptions{std::nullopt, "2026-11-27T00:00:00.000Z"}, out);
  ASSERT_TRUE(stats) << stats.error().message;
  const json doc = json::parse(out.str());
  EXPECT_EQ(doc["@context"], json::array({std::string(kContext)}));
  EXPECT_EQ(doc["type"], "EPCISDocument");
  EXPECT_EQ(doc["schemaVersion"], "2.0");
  EXPECT_EQ(doc["creationDate"], "2026-11-27T00:00:00.000Z");
  std::vector<std::string> ids;
  for (const json& e : doc["epcisBody"]["eventList"]) ids.push_back(e["eventID"].get<std::string>());
  EXPECT_EQ(ids, (std::vector<std::string>{"urn:uuid:" + uuid(1), "urn:uuid:" + uuid(3), "urn:uuid:" + uuid(4),
                                           "urn:uuid:" + uuid(5)}));
  EXPECT_EQ(doc["epcisBody"]["eventList"][3]["bizLocation"]["id"], "urn:scanedge:site:s2");
  EXPECT_EQ(stats->exported, 4);
  EXPECT_EQ(stats->exported_kinds, (std::map<std::string, std::int64_t>{{"ObjectEvent", 4}}));
  EXPECT_EQ(stats->not_exported, (std::map<std::string, std::int64_t>{{"scan.rejected", 1}}));
  EXPECT_EQ(stats->problem_count, 1);
  ASSERT_EQ(stats->problems.size(), 1u);
  EXPECT_NE(stats->problems[0].find("site s1 device d1 stream exec seq 2 (pick.confirmed): time"), std::string::npos)
      << stats->problems[0];
  EXPECT_EQ(stats->unknown_types, (std::map<std::string, std::int64_t>{{"task.started", 1}}));

  // --site filter.
  std::ostringstream only_s2;
  auto s2 = write_document(**store, ExportOptions{std::string("s2"), ""}, only_s2);
  ASSERT_TRUE(s2);
  const json d2 = json::parse(only_s2.str());
  ASSERT_EQ(d2["epcisBody"]["eventList"].size(), 1u);
  EXPECT_EQ(d2["epcisBody"]["eventList"][0]["eventID"], "urn:uuid:" + uuid(5));
  EXPECT_FALSE(d2["creationDate"].get<std::string>().empty());
}

TEST(EpcisExport, DocumentMixesObjectAndAggregationEventsAndCountsEachSkippedType) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store) << store.error().message;
  const json it = item("09506000134352", nullptr, "S1");
  json packed = pick(uuid(2), it);
  packed["type"] = "pack.item";
  packed["carton"] = 1;
  json closed = pick(uuid(3), nullptr);
  closed["type"] = "pack.carton_closed";
  closed.erase("item");
  closed["sscc"] = "106141411234567897";
  closed["contents"] = json::array({{{"gtin", "09506000134352"}, {"lot", nullptr}, {"serial", "S1"}, {"qty", 1}}});
  json short_pack = pick(uuid(4), nullptr);
  short_pack["type"] = "pack.short";
  short_pack["lines"] = json::array({{{"line", 2}, {"gtin", "09506000134352"}, {"qty", 1}}});
  json short_pick = short_pack;
  short_pick["id"] = uuid(5);
  short_pick["type"] = "pick.short";
  json received = pick(uuid(6), nullptr);
  received["type"] = "task.received";
  json bad_carton = closed;
  bad_carton["id"] = uuid(7);
  bad_carton["sscc"] = "1234";
  json bad_inspection = pick(uuid(8), it);
  bad_inspection["type"] = "return.inspected";
  bad_inspection["disposition"] = "sell";
  json login = pick(uuid(9), nullptr);
  login["type"] = "operator.login";
  ASSERT_TRUE((*store)->apply(batch({"s1", "d1"}, Stream::exec, 1,
                                    {received, pick(uuid(1), it), packed, closed, short_pack, short_pick, bad_carton,
                                     bad_inspection, login, short_pack})));

  std::ostringstream out;
  auto stats = write_document(**store, ExportOptions{std::nullopt, "2026-11-27T00:00:00.000Z"}, out);
  ASSERT_TRUE(stats) << stats.error().message;
  const json events = json::parse(out.str())["epcisBody"]["eventList"];
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["bizStep"], "picking");
  EXPECT_EQ(events[1]["bizStep"], "packing");
  EXPECT_EQ(events[2]["type"], "AggregationEvent");
  EXPECT_EQ(events[2]["parentID"], "https://id.gs1.org/00/106141411234567897");
  EXPECT_EQ(stats->exported, 3);
  EXPECT_EQ(stats->exported_kinds, (std::map<std::string, std::int64_t>{{"AggregationEvent", 1}, {"ObjectEvent", 2}}));
  EXPECT_EQ(stats->not_exported, (std::map<std::string, std::int64_t>{
                                     {"operator.login", 1}, {"pack.short", 2}, {"pick.short", 1}, {"task.received", 1}}));
  EXPECT_TRUE(stats->unknown_types.empty());
  EXPECT_EQ(stats->problem_count, 2);
  EXPECT_EQ(stats->problems, (std::vector<std::string>{
                                 "site s1 device d1 stream exec seq 7 (pack.carton_closed): sscc '1234' is not an 18-digit SSCC",
                                 "site s1 device d1 stream exec seq 8 (return.inspected): disposition is not one of restock, "
                                 "damaged, dispose, refurbish"}));
}

TEST(EpcisExport, EmptyLedgerGivesAnEmptyEventList) {
  TempDir dir;
  auto store = LedgerStore::open(LedgerOptions{dir.file("l.db"), "full", nullptr});
  ASSERT_TRUE(store);
  std::ostringstream out;
  auto stats = write_document(**store, ExportOptions{}, out);
  ASSERT_TRUE(stats);
  EXPECT_EQ(json::parse(out.str())["epcisBody"]["eventList"], json::array());
}

}  // namespace
}  // namespace scanedge::ledger::epcis
