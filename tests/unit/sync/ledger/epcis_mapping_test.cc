// One test per exported device event type (edge/tasks/WORK_MODEL.md bodies) -> the exact
// EPCIS event (contract: sync/ledger/epcis_export.h), plus the types not exported and the
// unusable bodies.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sync/ledger/epcis_export.h"

namespace scanedge::ledger::epcis {
namespace {

using nlohmann::json;

const sync::DeviceAddress kA{"s1", "d1"};
constexpr const char* kId = "0190b6a0-0000-7000-8000-000000000042";
constexpr const char* kGtin = "09506000134352";
constexpr const char* kDl = "https://id.gs1.org/01/09506000134352";
constexpr const char* kSscc = "106141411234567897";

json item(const char* gtin, const char* lot, const char* serial) {
  auto opt = [](const char* s) { return s ? json(s) : json(nullptr); };
  return {{"gtin", opt(gtin)}, {"lot", opt(lot)}, {"serial", opt(serial)}, {"expiry", nullptr}, {"sscc", nullptr}, {"epc", nullptr}};
}

// The protocol v1 envelope.
json envelope(const std::string& type) {
  return json{{"id", kId},          {"seq", 7},        {"stream", "exec"}, {"type", type},
              {"time", "2026-11-26T17:00:00.123Z"}, {"clock", "synced"}, {"mono_ms", 5},
              {"site", "s1"},       {"device", "d1"},  {"operator", "op-7"}};
}

// A task event: envelope + task fields + references (an object of the ones present).
json task_event(const std::string& type, const std::string& task_type, const std::string& state, json refs = json::object()) {
  json e = envelope(type);
  e["task"] = "T-1";
  e["task_type"] = task_type;
  e["task_state"] = state;
  e["channel"] = "web";
  for (auto& [k, v] : refs.items()) e[k] = v;
  return e;
}

// A scan-driven task event.
json scanned(const std::string& type, const std::string& task_type, json it, json refs = json::object()) {
  json e = task_event(type, task_type, "in_progress", std::move(refs));
  e["scan"] = {{"raw", "(01)09506000134352"}, {"symbology", "gs1-128"}, {"scanner", "sc1"}};
  e["item"] = std::move(it);
  e["line"] = 1;
  e["qty"] = 1;
  return e;
}

// The fields every exported event has.
json expected(const char* kind, const char* action, const char* step, const char* disposition) {
  return json{{"type", kind},
              {"eventTime", "2026-11-26T17:00:00.123Z"},
              {"eventTimeZoneOffset", "+00:00"},
              {"eventID", std::string("urn:uuid:") + kId},
              {"action", action},
              {"bizStep", step},
              {"disposition", disposition},
              {"readPoint", {{"id", "urn:scanedge:site:s1:device:d1"}}},
              {"bizLocation", {{"id", "urn:scanedge:site:s1"}}}};
}

json mapped(const json& body) {
  auto m = map_event(kA, body.dump());
  if (!m) {
    ADD_FAILURE() << m.error().message;
    return nullptr;
  }
  EXPECT_EQ(m->kind, Mapped::Kind::epcis_event);
  return m->event;
}

void expect_bad(const json& body, const std::string& needle) {
  auto m = map_event(kA, body.dump());
  ASSERT_FALSE(m) << body.dump();
  EXPECT_EQ(m.error().code, "bad_event");
  EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
}

TEST(EpcisMapping, PickConfirmedIsAPickingObjectEventWithTheCustomerOrder) {
  json body = scanned("pick.confirmed", "pick", item(kGtin, "L1", "S/1 2"), {{"order", "ORD-77"}});
  body["location"] = "A-01-03";
  EXPECT_EQ(mapped(body), json::parse(R"({
    "type":"ObjectEvent","eventTime":"2026-11-26T17:00:00.123Z","eventTimeZoneOffset":"+00:00",
    "eventID":"urn:uuid:0190b6a0-0000-7000-8000-000000000042","action":"OBSERVE",
    "epcList":["https://id.gs1.org/01/09506000134352/21/S%2F1%202"],
    "bizStep":"picking","disposition":"in_progress",
    "readPoint":{"id":"urn:scanedge:site:s1:device:d1"},"bizLocation":{"id":"urn:scanedge:site:s1"},
    "bizTransactionList":[{"type":"po","bizTransaction":"urn:scanedge:order:ORD-77"}]})"));
}

TEST(EpcisMapping, PickSubstitutedExportsTheSubstitute) {
  json body = scanned("pick.substituted", "ship_from_store", item("4006381333931", "LOT 9", nullptr), {{"order", "ORD-78"}});
  body["ordered_gtin"] = kGtin;
  body["approved_by"] = "task";
  json want = expected("ObjectEvent", "OBSERVE", "picking", "in_progress");
  want["quantityList"] = json::array({{{"epcClass", "https://id.gs1.org/01/04006381333931/10/LOT%209"}, {"quantity", 1}}});
  want["bizTransactionList"] = json::array({{{"type", "po"}, {"bizTransaction", "urn:scanedge:order:ORD-78"}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, PackItemIsAPackingObservation) {
  json body = scanned("pack.item", "pack", item(kGtin, nullptr, nullptr));
  body["carton"] = 1;
  json want = expected("ObjectEvent", "OBSERVE", "packing", "in_progress");
  want["quantityList"] = json::array({{{"epcClass", kDl}, {"quantity", 1}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, ClosedCartonIsAnAggregationOfSerialisedAndCountedChildren) {
  json body = task_event("pack.carton_closed", "pack", "in_progress", {{"order", "ORD-77"}});
  body["carton"] = 2;
  body["sscc"] = kSscc;
  body["scan"] = {{"raw", "(00)106141411234567897"}, {"symbology", "gs1-128"}, {"scanner", "sc1"}};
  body["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A1"}, {"qty", 1}},
                                  {{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A2"}, {"qty", 1}},
                                  {{"gtin", kGtin}, {"lot", "L7"}, {"serial", nullptr}, {"qty", 4}},
                                  {{"gtin", "4006381333931"}, {"lot", nullptr}, {"serial", nullptr}, {"qty", 2}}});
  EXPECT_EQ(mapped(body), json::parse(R"({
    "type":"AggregationEvent","eventTime":"2026-11-26T17:00:00.123Z","eventTimeZoneOffset":"+00:00",
    "eventID":"urn:uuid:0190b6a0-0000-7000-8000-000000000042","action":"ADD",
    "parentID":"https://id.gs1.org/00/106141411234567897",
    "childEPCs":["https://id.gs1.org/01/09506000134352/21/A1","https://id.gs1.org/01/09506000134352/21/A2"],
    "childQuantityList":[{"epcClass":"https://id.gs1.org/01/09506000134352/10/L7","quantity":4},
                         {"epcClass":"https://id.gs1.org/01/04006381333931","quantity":2}],
    "bizStep":"packing","disposition":"container_closed",
    "readPoint":{"id":"urn:scanedge:site:s1:device:d1"},"bizLocation":{"id":"urn:scanedge:site:s1"},
    "bizTransactionList":[{"type":"po","bizTransaction":"urn:scanedge:order:ORD-77"}]})"));

  // Only one kind of child: the other list is omitted.
  json counted = body;
  counted["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", nullptr}, {"qty", 3}}});
  json c = mapped(counted);
  EXPECT_FALSE(c.contains("childEPCs"));
  EXPECT_EQ(c["childQuantityList"], json::array({{{"epcClass", kDl}, {"quantity", 3}}}));
  json serial = body;
  serial["contents"] = json::array({{{"gtin", kGtin}, {"lot", "L"}, {"serial", "Z"}, {"qty", 1}}});
  json s = mapped(serial);
  EXPECT_FALSE(s.contains("childQuantityList"));
  EXPECT_EQ(s["childEPCs"], json::array({std::string(kDl) + "/21/Z"}));
}

TEST(EpcisMapping, ReceiptsAreSellableButNotAccessibleWithPoAndAsn) {
  const json refs = {{"po", "PO 4711"}, {"asn", "DESADV-9"}};
  json want = expected("ObjectEvent", "OBSERVE", "receiving", "sellable_not_accessible");
  want["epcList"] = json::array({std::string(kDl) + "/21/SN1"});
  want["bizTransactionList"] = json::array({{{"type", "po"}, {"bizTransaction", "urn:scanedge:po:PO%204711"}},
                                            {{"type", "desadv"}, {"bizTransaction", "urn:scanedge:asn:DESADV-9"}}});
  EXPECT_EQ(mapped(scanned("receive.confirmed", "receive", item(kGtin, nullptr, "SN1"), refs)), want);
  json over = scanned("receive.over", "receive", item(kGtin, nullptr, "SN1"), refs);
  over["expected"] = 2;
  over["received"] = 3;
  EXPECT_EQ(mapped(over), want);
}

TEST(EpcisMapping, ReceivedPalletIsItsSsccWithItsContents) {
  json body = task_event("receive.pallet", "receive", "in_progress", {{"asn", "DESADV-9"}});
  body["sscc"] = kSscc;
  body["contents"] = json::array({{{"line", 1}, {"gtin", kGtin}, {"lot", "L1"}, {"qty", 10}},
                                  {{"line", 2}, {"gtin", "4006381333931"}, {"lot", nullptr}, {"qty", 5}}});
  json want = expected("ObjectEvent", "OBSERVE", "receiving", "sellable_not_accessible");
  want["epcList"] = json::array({"https://id.gs1.org/00/106141411234567897"});
  want["quantityList"] = json::array({{{"epcClass", std::string(kDl) + "/10/L1"}, {"quantity", 10}},
                                      {{"epcClass", "https://id.gs1.org/01/04006381333931"}, {"quantity", 5}}});
  want["bizTransactionList"] = json::array({{{"type", "desadv"}, {"bizTransaction", "urn:scanedge:asn:DESADV-9"}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, DamagedOnReceiptIsDamaged) {
  json body = scanned("receive.damaged", "receive", item(kGtin, "L1", nullptr), {{"po", "PO-1"}});
  body["qty"] = 2;
  json want = expected("ObjectEvent", "OBSERVE", "receiving", "damaged");
  want["quantityList"] = json::array({{{"epcClass", std::string(kDl) + "/10/L1"}, {"quantity", 2}}});
  want["bizTransactionList"] = json::array({{{"type", "po"}, {"bizTransaction", "urn:scanedge:po:PO-1"}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, ReturnedItemIsReceivedAsReturnedUnderItsRma) {
  json body = scanned("return.received", "return", item(kGtin, nullptr, nullptr), {{"rma", "RMA-5"}, {"order", "ORD-1"}});
  json want = expected("ObjectEvent", "OBSERVE", "receiving", "returned");
  want["quantityList"] = json::array({{{"epcClass", kDl}, {"quantity", 1}}});
  want["bizTransactionList"] = json::array({{{"type", "rma"}, {"bizTransaction", "urn:scanedge:rma:RMA-5"}},
                                            {{"type", "po"}, {"bizTransaction", "urn:scanedge:order:ORD-1"}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, InspectionDispositionsMapToCbvDispositions) {
  const std::pair<const char*, const char*> cases[] = {{"restock", "sellable_accessible"},
                                                       {"damaged", "damaged"},
                                                       {"dispose", "disposed"},
                                                       {"refurbish", "non_sellable_other"}};
  for (const auto& [inspection, cbv] : cases) {
    json body = task_event("return.inspected", "return", "inspected", {{"rma", "RMA-5"}});
    body["line"] = 1;
    body["item"] = {{"gtin", kGtin}, {"lot", "L2"}};
    body["qty"] = 3;
    body["disposition"] = inspection;
    json want = expected("ObjectEvent", "OBSERVE", "inspecting", cbv);
    want["quantityList"] = json::array({{{"epcClass", std::string(kDl) + "/10/L2"}, {"quantity", 3}}});
    want["bizTransactionList"] = json::array({{{"type", "rma"}, {"bizTransaction", "urn:scanedge:rma:RMA-5"}}});
    EXPECT_EQ(mapped(body), want) << inspection;
  }
  json unknown = task_event("return.inspected", "return", "inspected", {{"rma", "RMA-5"}});
  unknown["item"] = {{"gtin", kGtin}, {"lot", nullptr}};
  unknown["qty"] = 1;
  unknown["disposition"] = "resell";
  expect_bad(unknown, "disposition");
  unknown.erase("disposition");
  expect_bad(unknown, "disposition");
}

TEST(EpcisMapping, PickupHandedOverIsARetailSale) {
  json body = scanned("pickup.handed_over", "pickup", item(kGtin, nullptr, "X9"), {{"order", "ORD-9"}});
  body["task_state"] = "picked_up";
  json want = expected("ObjectEvent", "OBSERVE", "retail_selling", "retail_sold");
  want["epcList"] = json::array({std::string(kDl) + "/21/X9"});
  want["bizTransactionList"] = json::array({{{"type", "po"}, {"bizTransaction", "urn:scanedge:order:ORD-9"}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, ShipmentsListCartonsAndSerialisedItemsAndCountTheRest) {
  for (const char* type : {"ship.confirmed", "ship.partial"}) {
    json body = task_event(type, "ship_from_store", type == std::string("ship.confirmed") ? "shipped" : "partial",
                           {{"order", "ORD-77"}});
    body["carrier_label"] = "1Z999AA10123456784";
    body["cartons"] = json::array({kSscc, "106141411234567880"});
    body["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A1"}, {"qty", 1}},
                                    {{"gtin", kGtin}, {"lot", "L7"}, {"serial", nullptr}, {"qty", 4}}});
    if (type == std::string("ship.partial")) body["short"] = json::array({{{"line", 2}, {"gtin", kGtin}, {"qty", 1}}});
    json want = expected("ObjectEvent", "OBSERVE", "shipping", "in_transit");
    want["epcList"] = json::array({"https://id.gs1.org/00/106141411234567897", "https://id.gs1.org/00/106141411234567880",
                                   std::string(kDl) + "/21/A1"});
    want["quantityList"] = json::array({{{"epcClass", std::string(kDl) + "/10/L7"}, {"quantity", 4}}});
    want["bizTransactionList"] = json::array({{{"type", "po"}, {"bizTransaction", "urn:scanedge:order:ORD-77"}}});
    EXPECT_EQ(mapped(body), want) << type;
  }
}

// A label scanned twice is counted twice by the device (contents aggregated by gtin, lot,
// serial), but it is one instance: one EPC. An EPC named twice is listed once.
TEST(EpcisMapping, AnInstanceIsOneEpcWhateverTheDeviceCounted) {
  json carton = task_event("pack.carton_closed", "pack", "in_progress");
  carton["carton"] = 1;
  carton["sscc"] = kSscc;
  carton["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A1"}, {"qty", 2}},
                                    {{"gtin", kGtin}, {"lot", "L9"}, {"serial", "A1"}, {"qty", 1}}});
  json c = mapped(carton);
  EXPECT_EQ(c["childEPCs"], json::array({std::string(kDl) + "/21/A1"}));
  EXPECT_FALSE(c.contains("childQuantityList"));
  json ship = task_event("ship.confirmed", "ship_from_store", "shipped");
  ship["cartons"] = json::array({kSscc, kSscc});
  ship["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A1"}, {"qty", 2}}});
  EXPECT_EQ(mapped(ship)["epcList"],
            json::array({"https://id.gs1.org/00/106141411234567897", std::string(kDl) + "/21/A1"}));
}

TEST(EpcisMapping, PutBackIsStoredSellableAndAccessible) {
  json body = scanned("putback.confirmed", "put_back", item(kGtin, "L1", nullptr));
  body["origin_task"] = "PICK-1001";
  body["location"] = "A-01-03";
  json want = expected("ObjectEvent", "OBSERVE", "storing", "sellable_accessible");
  want["quantityList"] = json::array({{{"epcClass", std::string(kDl) + "/10/L1"}, {"quantity", 1}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, DamageOutsideATaskIsAnInspectionWithoutTransactions) {
  json body = envelope("exception.damage");
  body["item"] = item(kGtin, nullptr, nullptr);
  body["qty"] = 5;
  body["task"] = nullptr;
  body["location"] = "B-02";
  json want = expected("ObjectEvent", "OBSERVE", "inspecting", "damaged");
  want["quantityList"] = json::array({{{"epcClass", kDl}, {"quantity", 5}}});
  EXPECT_EQ(mapped(body), want);
}

TEST(EpcisMapping, BizTransactionsInContractOrderPercentEncodedNullsOmitted) {
  json body = scanned("receive.confirmed", "receive", item(kGtin, nullptr, nullptr),
                      {{"order", "O/1"}, {"rma", "R#2"}, {"asn", "A 3"}, {"po", "P:4"}});
  EXPECT_EQ(mapped(body)["bizTransactionList"],
            json::parse(R"([{"type":"po","bizTransaction":"urn:scanedge:po:P%3A4"},
                            {"type":"desadv","bizTransaction":"urn:scanedge:asn:A%203"},
                            {"type":"rma","bizTransaction":"urn:scanedge:rma:R%232"},
                            {"type":"po","bizTransaction":"urn:scanedge:order:O%2F1"}])"));
  body["asn"] = nullptr;
  body["rma"] = nullptr;
  EXPECT_EQ(mapped(body)["bizTransactionList"].size(), 2u);
  body["po"] = 4711;
  expect_bad(body, "po is not a non-empty string");
  body["po"] = "";
  expect_bad(body, "po is not a non-empty string");
}

TEST(EpcisMapping, TypesThatAreNotPhysicalObservationsAreNotExported) {
  const std::set<std::string> want{"scan.rejected",  "task.received", "task.cancelled", "task.cancel_refused",
                                   "pick.short",     "pack.short",    "receive.short",  "pickup.partial",
                                   "pickup.missed",  "putback.short", "operator.login", "operator.logout"};
  EXPECT_EQ(std::set<std::string>(not_exported_types().begin(), not_exported_types().end()), want);
  for (const std::string& type : want) {
    json body = task_event(type, "pick", "short");
    body["lines"] = json::array({{{"line", 1}, {"gtin", kGtin}, {"qty", 2}}});
    auto m = map_event(kA, body.dump());
    ASSERT_TRUE(m) << type << ": " << m.error().message;
    EXPECT_EQ(m->kind, Mapped::Kind::not_business) << type;
    // Not looked into: even an empty body of such a type is fine.
    auto bare = map_event(kA, json{{"type", type}}.dump());
    ASSERT_TRUE(bare) << type;
    EXPECT_EQ(bare->kind, Mapped::Kind::not_business) << type;
  }
  auto u = map_event(kA, json{{"type", "device.rebooted"}}.dump());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, Mapped::Kind::unknown_type);
}

// Every event type of the contract's table is either exported or deliberately not: a type
// added to WORK_MODEL.md without a decision here fails.
TEST(EpcisMapping, EveryWorkModelEventTypeIsDecided) {
  std::ifstream in(SCANEDGE_WORK_MODEL);
  ASSERT_TRUE(in) << SCANEDGE_WORK_MODEL;
  std::set<std::string> contract;
  static const std::regex kRow(R"(^\| `([a-z_]+\.[a-z_]+)`)");
  static const std::regex kType(R"(`([a-z_]+\.[a-z_]+)`)");
  bool in_events = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) in_events = line.find("Events") != std::string::npos;
    if (!in_events || !std::regex_search(line, kRow)) continue;
    // First cell only ("`operator.login` / `operator.logout`" is one row).
    const std::string cell = line.substr(0, line.find('|', 1));
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), kType); it != std::sregex_iterator(); ++it) {
      contract.insert((*it)[1]);
    }
  }
  ASSERT_GE(contract.size(), 25u) << "the events table of WORK_MODEL.md was not found";
  std::set<std::string> decided(exported_types().begin(), exported_types().end());
  for (std::string_view t : not_exported_types()) {
    EXPECT_TRUE(decided.insert(std::string(t)).second) << t << " is both exported and not exported";
  }
  EXPECT_EQ(decided, contract);
}

TEST(EpcisMapping, UnusableBodiesOfExportedTypesNameTheField) {
  json pallet = task_event("receive.pallet", "receive", "in_progress");
  pallet["sscc"] = "12345";
  pallet["contents"] = json::array({{{"line", 1}, {"gtin", kGtin}, {"lot", nullptr}, {"qty", 1}}});
  expect_bad(pallet, "sscc '12345' is not an 18-digit SSCC");
  pallet.erase("sscc");
  expect_bad(pallet, "sscc is missing");
  pallet["sscc"] = kSscc;
  pallet["contents"] = json::array();
  expect_bad(pallet, "contents is missing, not an array or empty");
  pallet["contents"] = json::array({{{"line", 1}, {"gtin", "123"}, {"lot", nullptr}, {"qty", 1}}});
  expect_bad(pallet, "contents[0].gtin '123'");
  pallet["contents"] = json::array({{{"line", 1}, {"gtin", kGtin}, {"lot", nullptr}, {"qty", 0}}});
  expect_bad(pallet, "contents[0].qty is missing or not a positive integer");

  json carton = task_event("pack.carton_closed", "pack", "in_progress");
  carton["sscc"] = kSscc;
  carton["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", "A1"}, {"qty", 0}}});
  expect_bad(carton, "contents[0].qty is missing or not a positive integer");
  carton["contents"] = json::array({"x"});
  expect_bad(carton, "contents[0] is not an object");
  carton.erase("contents");
  expect_bad(carton, "contents");

  json ship = task_event("ship.confirmed", "ship_from_store", "shipped");
  ship["contents"] = json::array({{{"gtin", kGtin}, {"lot", nullptr}, {"serial", nullptr}, {"qty", 1}}});
  expect_bad(ship, "cartons is missing or not an array");
  ship["cartons"] = json::array({kSscc, 7});
  expect_bad(ship, "cartons[1] is not a string");
  ship["cartons"] = json::array({kSscc, "1234567"});
  expect_bad(ship, "cartons[1] '1234567' is not an 18-digit SSCC");

  json inspected = task_event("return.inspected", "return", "inspected");
  inspected["disposition"] = "restock";
  inspected["qty"] = 1;
  expect_bad(inspected, "item is missing");
  inspected["item"] = {{"gtin", kGtin}, {"lot", 5}};
  expect_bad(inspected, "item.lot is not a string");

  json pickup = scanned("pickup.handed_over", "pickup", item(kGtin, nullptr, nullptr));
  pickup["qty"] = 1.5;
  expect_bad(pickup, "qty is missing or not a positive integer");
  pickup["qty"] = 1;
  pickup["id"] = "not-a-uuid";
  expect_bad(pickup, "id is not a UUID");
  pickup["id"] = kId;
  pickup["time"] = "2026-11-26 17:00";
  expect_bad(pickup, "time");
}

}  // namespace
}  // namespace scanedge::ledger::epcis
