#include "edge/confirm/confirmer.h"

#include <gtest/gtest.h>

namespace scanedge::confirm {
namespace {

constexpr const char* kGtinA = "09506000134352";
constexpr const char* kGtinB = "04006381333931";  // EAN-13 4006381333931 as GTIN-14

PickTask task(const std::string& id, std::vector<std::pair<std::string, int>> lines) {
  nlohmann::json doc{{"task_id", id}, {"version", 1}, {"type", "pick"}, {"lines", nlohmann::json::array()}};
  int n = 1;
  for (auto& [g, q] : lines) doc["lines"].push_back({{"line", n++}, {"gtin", g}, {"qty", q}, {"location", "A-01"}});
  auto t = parse_task(doc);
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

struct ConfirmerTest : ::testing::Test {
  FakeClock clock;
  EventIdGenerator ids;
  Confirmer confirmer{clock, ids, DeviceIdentity{"s1", "d1"}};
  TaskBook book;
  RawScan scan(std::string data) { return RawScan{std::move(data), "serial:/dev/ttyUSB0", std::chrono::seconds(5)}; }
};

TEST_F(ConfirmerTest, WantedGtinIsConfirmedOnExecWithFullEvent) {
  book.put(task("PICK-1", {{kGtinA, 2}}));
  auto d = confirmer.decide(scan(std::string("]C101") + kGtinA + "10ABC123\x1d" "21X1"), book);
  ASSERT_EQ(d.outcome, Outcome::confirmed) << d.reason.message;
  EXPECT_EQ(d.feedback, Feedback::good);
  EXPECT_EQ(d.event.stream, Stream::exec);
  const auto& e = d.event.body;
  EXPECT_EQ(e["type"], "pick.confirmed");
  EXPECT_EQ(e["task"], "PICK-1");
  EXPECT_EQ(e["line"], 1);
  EXPECT_EQ(e["qty"], 1);
  EXPECT_EQ(e["item"]["gtin"], kGtinA);
  EXPECT_EQ(e["item"]["lot"], "ABC123");
  EXPECT_EQ(e["item"]["serial"], "X1");
  EXPECT_EQ(e["scan"]["symbology"], "gs1-128");
  EXPECT_EQ(e["scan"]["scanner"], "serial:/dev/ttyUSB0");
  EXPECT_EQ(e["clock"], "synced");
  EXPECT_EQ(e["device"], "d1");
  EXPECT_EQ(e["mono_ms"], 5000);
  EXPECT_TRUE(e["id"].is_string());
  EXPECT_EQ(d.remaining, 1);
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 1);
  EXPECT_EQ(book.find("PICK-1")->state, TaskState::in_progress);
}

TEST_F(ConfirmerTest, ScanRefusedByTheDeviceLayerIsRejectedWithThatReasonAndPicksNothing) {
  book.put(task("PICK-1", {{kGtinA, 2}}));
  RawScan s = scan(std::string("]Q301") + kGtinA);
  s.refusal_code = "symbology_disabled";
  s.refusal_message = "QR Code is not enabled in profile zebra-ds2208";
  auto d = confirmer.decide(s, book);
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reason.code, "symbology_disabled");
  EXPECT_EQ(d.event.stream, Stream::telemetry);
  EXPECT_EQ(d.event.body["reason"]["message"], "QR Code is not enabled in profile zebra-ds2208");
  EXPECT_EQ(d.event.body["item"]["gtin"], kGtinA);
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 0);
}

TEST_F(ConfirmerTest, RfidEpcIsDecodedAsAnEpcAndPicksItsGtin) {
  // SGTIN-96 3074257BF7194E4000001A85 = urn:epc:id:sgtin:0614141.812345.6789, GTIN 80614141123458.
  book.put(task("PICK-RF", {{"80614141123458", 1}}));
  RawScan s = scan("3074257BF7194E4000001A85");
  auto as_text = confirmer.decide(s, book);
  EXPECT_EQ(as_text.outcome, Outcome::rejected) << "hex without the RFID flag is only text";
  s.rfid_epc = true;
  auto d = confirmer.decide(s, book);
  ASSERT_EQ(d.outcome, Outcome::confirmed) << d.reason.message;
  EXPECT_EQ(d.event.body["item"]["gtin"], "80614141123458");
  EXPECT_EQ(d.event.body["item"]["serial"], "6789");
}

TEST_F(ConfirmerTest, PlainEan13MatchesItsGtin14) {
  book.put(task("PICK-1", {{kGtinB, 1}}));
  auto d = confirmer.decide(scan("4006381333931"), book);
  ASSERT_EQ(d.outcome, Outcome::confirmed) << d.reason.message;
  EXPECT_EQ(book.find("PICK-1")->state, TaskState::picked);
}

TEST_F(ConfirmerTest, OverPickIsRejectedOnTelemetryWithReason) {
  book.put(task("PICK-1", {{kGtinA, 1}}));
  ASSERT_EQ(confirmer.decide(scan(std::string("]C101") + kGtinA), book).outcome, Outcome::confirmed);
  auto d = confirmer.decide(scan(std::string("]C101") + kGtinA), book);
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_EQ(d.reason.code, "over_pick");
  EXPECT_EQ(d.feedback, Feedback::bad);
  EXPECT_EQ(d.event.stream, Stream::telemetry);
  EXPECT_EQ(d.event.body["type"], "scan.rejected");
  EXPECT_EQ(d.event.body["reason"]["code"], "over_pick");
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 1);  // unchanged
}

TEST_F(ConfirmerTest, WrongItemAndNoTaskAndUndecodable) {
  EXPECT_EQ(confirmer.decide(scan("4006381333931"), book).reason.code, "no_task");
  book.put(task("PICK-1", {{kGtinA, 1}}));
  EXPECT_EQ(confirmer.decide(scan("4006381333931"), book).reason.code, "wrong_item");
  auto bad = confirmer.decide(scan("]C10109506000134353"), book);  // wrong check digit
  EXPECT_EQ(bad.reason.code, "bad_check_digit");
  EXPECT_EQ(bad.event.body["item"], nullptr);
  EXPECT_EQ(confirmer.decide(scan("hello"), book).reason.code, "not_an_item");
  EXPECT_EQ(book.find("PICK-1")->lines[0].picked, 0);
}

TEST_F(ConfirmerTest, GarbageBytesStillMakeASerialisableEvent) {
  book.put(task("PICK-1", {{kGtinA, 1}}));
  auto d = confirmer.decide(scan(std::string("\xff\xfe\x00\x80garbage", 11)), book);
  EXPECT_EQ(d.outcome, Outcome::rejected);
  EXPECT_NO_THROW((void)d.event.body.dump());
}

TEST_F(ConfirmerTest, UnsyncedClockIsRecorded) {
  clock.set_synced(false);
  book.put(task("PICK-1", {{kGtinA, 1}}));
  auto d = confirmer.decide(scan(std::string("]C101") + kGtinA), book);
  EXPECT_EQ(d.event.body["clock"], "unsynced");
}

TEST_F(ConfirmerTest, InProgressTaskIsPreferredOverAReleasedOne) {
  book.put(task("A-TASK", {{kGtinA, 5}}));
  book.put(task("B-TASK", {{kGtinB, 1}, {kGtinA, 5}}));
  ASSERT_EQ(confirmer.decide(scan("4006381333931"), book).task_id, "B-TASK");  // B now in progress
  EXPECT_EQ(confirmer.decide(scan(std::string("]C101") + kGtinA), book).task_id, "B-TASK");
}

}  // namespace
}  // namespace scanedge::confirm
