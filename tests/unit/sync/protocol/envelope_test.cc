#include "sync/protocol/envelope.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

namespace scanedge::sync {
namespace {

using nlohmann::json;

constexpr std::size_t kMax = 1 << 20;
const DeviceAddress kAddr{"s1", "d1"};

std::string event_json(std::int64_t seq, const std::string& stream = "exec") {
  json e = {{"id", "0192a-" + std::to_string(seq)},
            {"seq", seq},
            {"stream", stream},
            {"type", "pick.confirmed"},
            {"time", "2026-11-26T17:00:00.123Z"},
            {"item", {{"gtin", "09506000134352"}, {"lot", "ABC\"1\\2\n"}, {"sscc", nullptr}}},
            {"qty", 1},
            {"ratio", 0.25},
            {"neg", -7},
            {"ok", true},
            {"tags", json::array({"a", "caf\xc3\xa9", json::array(), json::object()})}};
  return e.dump();
}

std::vector<StoredEvent> stored(std::int64_t first, int n, const std::string& stream = "exec") {
  std::vector<StoredEvent> out;
  for (int i = 0; i < n; ++i) out.push_back({first + i, event_json(first + i, stream)});
  return out;
}

std::string error_of(std::string_view payload, std::size_t max = kMax) {
  auto r = decode_batch(payload, max);
  if (r) return "<accepted>";
  return r.error().code + ": " + r.error().message;
}

void expect_rejected(std::string_view payload, const std::string& mentions, const std::string& code = "bad_payload") {
  auto r = decode_batch(payload, kMax);
  ASSERT_FALSE(r) << "accepted: " << payload;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(mentions), std::string::npos)
      << "message \"" << r.error().message << "\" does not mention \"" << mentions << "\"";
}

// A batch around the given raw events array text.
std::string batch_with(const std::string& events, const std::string& stream = "exec") {
  return R"({"v":1,"device":"d1","site":"s1","stream":")" + stream + R"(","events":)" + events + "}";
}

TEST(Batch, EncodeDecodeRoundTrip) {
  const auto events = stored(41, 3);
  const std::string payload = encode_batch(kAddr, Stream::exec, events);
  auto r = decode_batch(payload, kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->address, kAddr);
  EXPECT_EQ(r->stream, Stream::exec);
  ASSERT_EQ(r->events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r->events[i].seq, 41 + static_cast<std::int64_t>(i));
    EXPECT_EQ(r->events[i].id, "0192a-" + std::to_string(41 + i));
    EXPECT_EQ(r->events[i].type, "pick.confirmed");
    // The event comes back as the same compact JSON that was sent.
    EXPECT_EQ(r->events[i].json, events[i].json);
  }
  // The payload itself is valid JSON with the documented envelope.
  const json doc = json::parse(payload);
  EXPECT_EQ(doc["v"], 1);
  EXPECT_EQ(doc["device"], "d1");
  EXPECT_EQ(doc["site"], "s1");
  EXPECT_EQ(doc["stream"], "exec");
  EXPECT_EQ(doc["events"].size(), 3u);
}

TEST(Batch, DecodedEventIsCompactJsonEvenFromPrettyInput) {
  const std::string payload = "{ \"events\" : [ { \"seq\" : 1 , \"id\" : \"x\" , \"type\" : \"t\" ,\n"
                              "  \"stream\" : \"telemetry\", \"n\": [1, 2.50, {\"a\": null}], \"big\": -1.5e300 } ],\n"
                              " \"stream\":\"telemetry\", \"site\":\"s\", \"device\":\"d\", \"v\":1, \"extra\":{\"x\":[1]} }";
  auto r = decode_batch(payload, kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->stream, Stream::telemetry);
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].json,
            R"({"seq":1,"id":"x","type":"t","stream":"telemetry","n":[1,2.50,{"a":null}],"big":-1.5e300})");
}

TEST(Batch, EscapesSurviveTheRoundTrip) {
  const std::string e = json{{"id", "i"}, {"seq", 1}, {"type", "t"}, {"stream", "exec"},
                             {"s", std::string("q\"b\\c\x01\x1f\t\r\n\b\f/\xe2\x82\xac")}}
                            .dump();
  auto r = decode_batch(batch_with("[" + e + "]"), kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->events[0].json, e);
  EXPECT_EQ(json::parse(r->events[0].json)["s"], json::parse(e)["s"]);
}

TEST(Batch, SingleEventAndEmptyAddressFieldsEscape) {
  auto r = decode_batch(encode_batch(kAddr, Stream::telemetry, stored(1, 1, "telemetry")), kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].seq, 1);
}

TEST(Batch, RejectsNonJsonAndNonObjects) {
  expect_rejected("", "not valid JSON");
  expect_rejected("not json", "not valid JSON");
  expect_rejected("{\"v\":1,", "not valid JSON");
  expect_rejected(batch_with("[" + event_json(1) + "]") + "x", "not valid JSON");
  expect_rejected("\xff\xfe", "not valid JSON");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"type":"t","stream":"exec","x":"\xc3"}])"), "not valid JSON");
  expect_rejected("[]", "not a JSON object");
  expect_rejected("42", "not a JSON object");
  expect_rejected("\"str\"", "not a JSON object");
  expect_rejected("null", "not a JSON object");
}

TEST(Batch, RejectsWrongVersion) {
  const std::string events = "[" + event_json(1) + "]";
  expect_rejected(R"({"v":2,"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "version");
  expect_rejected(R"({"v":0,"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "version");
  expect_rejected(R"({"v":-1,"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "version");
  expect_rejected(R"({"v":1.0,"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "\"v\" must be an integer");
  expect_rejected(R"({"v":"1","device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "\"v\" must be an integer");
  expect_rejected(R"({"v":[1],"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "\"v\" must be an integer");
  expect_rejected(R"({"device":"d1","site":"s1","stream":"exec","events":)" + events + "}", "missing field \"v\"");
}

TEST(Batch, RejectsMissingOrIllTypedEnvelopeFields) {
  const std::string events = "[" + event_json(1) + "]";
  expect_rejected(R"({"v":1,"site":"s1","stream":"exec","events":)" + events + "}", "missing field \"device\"");
  expect_rejected(R"({"v":1,"device":"d1","stream":"exec","events":)" + events + "}", "missing field \"site\"");
  expect_rejected(R"({"v":1,"device":"d1","site":"s1","events":)" + events + "}", "missing field \"stream\"");
  expect_rejected(R"({"v":1,"device":"d1","site":"s1","stream":"exec"})", "missing field \"events\"");
  expect_rejected(R"({"v":1,"device":7,"site":"s1","stream":"exec","events":)" + events + "}", "\"device\" must be a string");
  expect_rejected(R"({"v":1,"device":"d1","site":{},"stream":"exec","events":)" + events + "}", "\"site\" must be a string");
  expect_rejected(R"({"v":1,"device":"d/1","site":"s1","stream":"exec","events":)" + events + "}", "\"device\" is not a valid id");
  expect_rejected(R"({"v":1,"device":"d1","site":"","stream":"exec","events":)" + events + "}", "\"site\" is not a valid id");
  expect_rejected(R"({"v":1,"device":"d1","site":"s1","stream":"audit","events":)" + events + "}", "unknown stream");
  expect_rejected(R"({"v":1,"device":"d1","site":"s1","stream":null,"events":)" + events + "}", "\"stream\" must be a string");
  expect_rejected(batch_with("{}"), "\"events\" must be an array");
  expect_rejected(batch_with("\"x\""), "\"events\" must be an array");
  expect_rejected(batch_with("[]"), "\"events\" is empty");
  expect_rejected(batch_with("[1]"), "events[0] is not an object");
  expect_rejected(batch_with("[" + event_json(1) + ",[]]"), "events[1] is not an object");
  EXPECT_TRUE(decode_batch(batch_with("[" + event_json(1) + "]"), kMax));  // the helper builds valid batches
}

TEST(Batch, DuplicateFieldsAreRejected) {
  const std::string events = "[" + event_json(1) + "]";
  expect_rejected(R"({"v":1,"device":"d1","device":"d2","site":"s1","stream":"exec","events":)" + events + "}",
                  "duplicate field \"device\"");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"seq":2,"type":"t","stream":"exec"}])"),
                  "events[0]: duplicate field \"seq\"");
}

TEST(Batch, RejectsBadEventFields) {
  expect_rejected(batch_with(R"([{"seq":1,"type":"t","stream":"exec"}])"), "events[0]: missing field \"id\"");
  expect_rejected(batch_with(R"([{"id":"a","type":"t","stream":"exec"}])"), "events[0]: missing field \"seq\"");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"stream":"exec"}])"), "events[0]: missing field \"type\"");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"type":"t"}])"), "events[0]: missing field \"stream\"");
  expect_rejected(batch_with(R"([{"id":5,"seq":1,"type":"t","stream":"exec"}])"), "events[0]: field \"id\" must be a string");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"type":null,"stream":"exec"}])"), "field \"type\" must be a string");
  expect_rejected(batch_with(R"([{"id":"a","seq":"1","type":"t","stream":"exec"}])"), "field \"seq\" must be an integer");
  expect_rejected(batch_with(R"([{"id":"a","seq":1.5,"type":"t","stream":"exec"}])"), "field \"seq\" must be an integer");
  expect_rejected(batch_with(R"([{"id":"a","seq":1.0,"type":"t","stream":"exec"}])"), "field \"seq\" must be an integer");
  expect_rejected(batch_with(R"([{"id":"a","seq":{"n":1},"type":"t","stream":"exec"}])"), "field \"seq\" must be an integer");
  expect_rejected(batch_with(R"([{"id":["a"],"seq":1,"type":"t","stream":"exec"}])"), "field \"id\" must be a string");
  expect_rejected(batch_with(R"([{"id":"a","seq":0,"type":"t","stream":"exec"}])"), "field \"seq\" must be >= 1");
  expect_rejected(batch_with(R"([{"id":"a","seq":-3,"type":"t","stream":"exec"}])"), "field \"seq\" must be >= 1");
  expect_rejected(batch_with(R"([{"id":"a","seq":18446744073709551615,"type":"t","stream":"exec"}])"), "out of range");
  expect_rejected(batch_with(R"([{"id":"a","seq":99999999999999999999999,"type":"t","stream":"exec"}])"),
                  "out of range");
  expect_rejected(batch_with(R"([{"id":"a","seq":1e3,"type":"t","stream":"exec"}])"), "must be an integer");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"type":"t","stream":"bogus"}])"), "unknown stream");
  expect_rejected(batch_with(R"([{"id":"a","seq":1,"type":"t","stream":3}])"), "field \"stream\" must be a string");
  // Nested fields named like the envelope's are just content.
  auto r = decode_batch(batch_with(R"([{"id":"a","seq":1,"type":"t","stream":"exec","x":{"seq":"no","id":1}}])"), kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->events[0].seq, 1);
  EXPECT_EQ(r->events[0].id, "a");
}

TEST(Batch, RejectsNonConsecutiveOrDecreasingSeqs) {
  expect_rejected(batch_with("[" + event_json(1) + "," + event_json(3) + "]"), "events[1]: seq 3 is not consecutive");
  expect_rejected(batch_with("[" + event_json(2) + "," + event_json(1) + "]"),
                  "events[1]: seq 1 is not greater than the previous seq 2");
  expect_rejected(batch_with("[" + event_json(5) + "," + event_json(5) + "]"), "not greater");
  auto r = decode_batch(batch_with("[" + event_json(9) + "," + event_json(10) + "," + event_json(11) + "]"), kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->events.back().seq, 11);
}

TEST(Batch, RejectsEventStreamDifferentFromBatchStream) {
  expect_rejected(batch_with("[" + event_json(1, "telemetry") + "]", "exec"),
                  "events[0].stream \"telemetry\" differs from the batch's stream \"exec\"");
  // Also when the batch's stream comes after the events.
  const std::string late = R"({"v":1,"device":"d1","site":"s1","events":[)" + event_json(1) + R"(],"stream":"telemetry"})";
  expect_rejected(late, "differs from the batch's stream \"telemetry\"");
}

TEST(Batch, TooLargeIsRejectedBeforeParsing) {
  const std::string payload = encode_batch(kAddr, Stream::exec, stored(1, 10));
  auto ok = decode_batch(payload, payload.size());
  EXPECT_TRUE(ok);
  auto r = decode_batch(payload, payload.size() - 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "too_large");
  EXPECT_NE(r.error().message.find(std::to_string(payload.size())), std::string::npos);
  // Garbage over the limit is "too_large", not a parse error: it is never looked at.
  auto g = decode_batch(std::string(100, '{'), 10);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, "too_large");
}

TEST(Batch, DeepNestingIsRejectedNotFatal) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_NE(error_of(deep, 1 << 22), "<accepted>");
  const std::string deep_event =
      R"({"id":"a","seq":1,"type":"t","stream":"exec","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_rejected(batch_with("[" + deep_event + "]"), "nested deeper than");
  // Reasonable nesting is kept verbatim.
  const std::string event =
      R"({"id":"a","seq":1,"type":"t","stream":"exec","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  auto r = decode_batch(batch_with("[" + event + "]"), kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->events[0].json, event);
}

TEST(Batch, RejectsInvalidStringsAndNumbers) {
  auto with_x = [](const std::string& x) {
    return batch_with(R"([{"id":"a","seq":1,"type":"t","stream":"exec","x":)" + x + "}]");
  };
  expect_rejected(with_x("\"\xc3\""), "UTF-8");            // truncated sequence
  expect_rejected(with_x("\"\xc0\xaf\""), "UTF-8");        // overlong
  expect_rejected(with_x("\"\xed\xa0\x80\""), "UTF-8");    // encoded surrogate
  expect_rejected(with_x("\"\xf4\x90\x80\x80\""), "UTF-8");  // beyond U+10FFFF
  expect_rejected(with_x("\"\x80\""), "UTF-8");
  expect_rejected(with_x("\"a\x01\""), "control character");
  expect_rejected(with_x(R"("\x")"), "invalid escape");
  expect_rejected(with_x(R"("\u12G4")"), "\\u escape");
  expect_rejected(with_x(R"("\ud800")"), "surrogate");
  expect_rejected(with_x(R"("\udc00")"), "surrogate");
  expect_rejected(with_x(R"("\ud800\u0041")"), "surrogate");
  expect_rejected(with_x("\"abc"), "not valid JSON");
  expect_rejected(with_x("01"), "not valid JSON");
  expect_rejected(with_x("1."), "not valid JSON");
  expect_rejected(with_x("1e"), "not valid JSON");
  expect_rejected(with_x("-"), "not valid JSON");
  expect_rejected(with_x("+1"), "not valid JSON");
  expect_rejected(with_x(".5"), "not valid JSON");
  expect_rejected(with_x("tru"), "not valid JSON");
  expect_rejected(with_x("nul"), "not valid JSON");
  expect_rejected(with_x("[1,]"), "not valid JSON");
  expect_rejected(with_x("{\"a\"}"), "not valid JSON");
  expect_rejected(with_x("{\"a\":1,}"), "not valid JSON");
  expect_rejected(with_x("{1:2}"), "not valid JSON");
  expect_rejected(with_x("'s'"), "not valid JSON");
  // Valid exotic content is accepted and kept verbatim.
  for (const std::string x : {R"("\ud83d\ude00 \u00e9 \/ \" \\")", "\"\xf0\x9f\x98\x80\xe2\x82\xac\"", "-0.5e-3", "0",
                              "1E+2", "[true,false,null,{}]"}) {
    const std::string event = R"({"id":"a","seq":1,"type":"t","stream":"exec","x":)" + x + "}";
    auto r = decode_batch(batch_with("[" + event + "]"), kMax);
    ASSERT_TRUE(r) << x << ": " << r.error().message;
    EXPECT_EQ(r->events[0].json, event);
    EXPECT_TRUE(json::accept(r->events[0].json));
  }
}

TEST(Batch, EscapedIdsAndKeysAreDecoded) {
  auto r = decode_batch(R"({"v":1,"d\u0065vice":"d1","site":"s\u0031","stream":"exec","events":[)"
                        R"({"id":"a\u00e9\n","s\u0065q":1,"type":"t\"q","stream":"\u0065xec"}]})",
                        kMax);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->address.device, "d1");
  EXPECT_EQ(r->address.site, "s1");
  EXPECT_EQ(r->events[0].id, "a\xc3\xa9\n");
  EXPECT_EQ(r->events[0].type, "t\"q");
  EXPECT_EQ(r->events[0].seq, 1);
}

TEST(Ack, EncodeDecodeRoundTrip) {
  Ack a{Stream::exec, 42, std::nullopt};
  EXPECT_EQ(encode_ack(a), R"({"v":1,"stream":"exec","acked_through":42})");
  auto d = decode_ack(encode_ack(a));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->stream, Stream::exec);
  EXPECT_EQ(d->acked_through, 42);
  EXPECT_FALSE(d->expect.has_value());

  Ack g{Stream::telemetry, 7, 8};
  EXPECT_EQ(encode_ack(g), R"({"v":1,"stream":"telemetry","acked_through":7,"expect":8})");
  auto dg = decode_ack(encode_ack(g));
  ASSERT_TRUE(dg) << dg.error().message;
  EXPECT_EQ(dg->stream, Stream::telemetry);
  EXPECT_EQ(dg->acked_through, 7);
  EXPECT_EQ(dg->expect, 8);

  auto zero = decode_ack(encode_ack(Ack{Stream::exec, 0, 1}));
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->acked_through, 0);
  EXPECT_EQ(zero->expect, 1);

  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  auto big = decode_ack(encode_ack(Ack{Stream::exec, max, std::nullopt}));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->acked_through, max);
  // Extra fields are tolerated.
  EXPECT_TRUE(decode_ack(R"({"v":1,"stream":"exec","acked_through":3,"from":"ledger-2"})"));
}

void expect_bad_ack(std::string_view payload, const std::string& mentions) {
  auto r = decode_ack(payload);
  ASSERT_FALSE(r) << "accepted: " << payload;
  EXPECT_EQ(r.error().code, "bad_payload");
  EXPECT_NE(r.error().message.find(mentions), std::string::npos)
      << "message \"" << r.error().message << "\" does not mention \"" << mentions << "\"";
}

TEST(Ack, DecodeRejectsNonsense) {
  expect_bad_ack("", "not valid JSON");
  expect_bad_ack("{", "not valid JSON");
  expect_bad_ack("ack", "not valid JSON");
  expect_bad_ack("[1]", "not a JSON object");
  expect_bad_ack(R"({"stream":"exec","acked_through":1})", "missing field \"v\"");
  expect_bad_ack(R"({"v":2,"stream":"exec","acked_through":1})", "version");
  expect_bad_ack(R"({"v":1.0,"stream":"exec","acked_through":1})", "\"v\" must be an integer");
  expect_bad_ack(R"({"v":1,"acked_through":1})", "missing field \"stream\"");
  expect_bad_ack(R"({"v":1,"stream":"nope","acked_through":1})", "unknown stream");
  expect_bad_ack(R"({"v":1,"stream":1,"acked_through":1})", "\"stream\" must be a string");
  expect_bad_ack(R"({"v":1,"stream":"exec"})", "missing field \"acked_through\"");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":-1})", "\"acked_through\" must be >= 0");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":1.5})", "\"acked_through\" must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":2.0})", "\"acked_through\" must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":"3"})", "\"acked_through\" must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":null})", "\"acked_through\" must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":9223372036854775808})", "out of range");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":18446744073709551615})", "out of range");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":1e30})", "must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":100000000000000000000000000})", "must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":4,"expect":6})", "\"expect\" (6) must be acked_through + 1");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":4,"expect":4})", "must be acked_through + 1");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":4,"expect":-5})", "\"expect\" must be >= 0");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":4,"expect":5.0})", "\"expect\" must be an integer");
  expect_bad_ack(R"({"v":1,"stream":"exec","acked_through":9223372036854775807,"expect":9223372036854775808})",
                 "out of range");
}

}  // namespace
}  // namespace scanedge::sync
