#include <gtest/gtest.h>

#include <string>

#include "edge/decode/decoder.h"
#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using nlohmann::json;
using testing::dec;

TEST(DecodeJson, IssueThreeExampleExactly) {
  const json got = to_json(dec("]C10109506000134352" "10ABC123"));
  const json want = json::parse(R"({"ok":true, "aim":"]C1", "symbology":"gs1-128", "kind":"gs1",
    "ais":[{"ai":"01","value":"09506000134352"},{"ai":"10","value":"ABC123"}],
    "identity":{"gtin":"09506000134352","lot":"ABC123","serial":null,"expiry":null,
                "sscc":null,"epc":null,"count":null},
    "digital_link":"https://id.gs1.org/01/09506000134352/10/ABC123"})");
  EXPECT_EQ(got, want) << got.dump();
}

TEST(DecodeJson, IdentityAlwaysHasAllKeysWithNullsAndTypes) {
  const json j = to_json(dec("]C1" "00106141412345678908" "0200614141123452" "3712"));
  ASSERT_TRUE(j.at("identity").is_object());
  for (const char* k : {"gtin", "lot", "serial", "expiry", "sscc", "epc", "count"}) {
    EXPECT_TRUE(j.at("identity").contains(k)) << k;
  }
  EXPECT_EQ(j["identity"].size(), 7u);
  EXPECT_TRUE(j["identity"]["gtin"].is_null());
  EXPECT_EQ(j["identity"]["sscc"], "106141412345678908");
  EXPECT_TRUE(j["identity"]["count"].is_number_integer());
  EXPECT_EQ(j["identity"]["count"], 12);
  EXPECT_FALSE(j.contains("text"));
}

TEST(DecodeJson, GtinAndExpiry) {
  json j = to_json(dec("036000291452"));
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["kind"], "gtin");
  EXPECT_EQ(j["aim"], "");
  EXPECT_EQ(j["symbology"], "unknown");
  EXPECT_EQ(j["ais"], json::array());
  EXPECT_EQ(j["identity"]["gtin"], "00036000291452");
  EXPECT_EQ(j["digital_link"], "https://id.gs1.org/01/00036000291452");

  j = to_json(dec("]C10109506000134352" "17280200"));
  EXPECT_EQ(j["identity"]["expiry"], "2028-02-29");
  EXPECT_EQ(j["ais"][1]["value"], "280200");
  EXPECT_EQ(j["digital_link"], "https://id.gs1.org/01/09506000134352?17=280200");
}

TEST(DecodeJson, PlainCarriesText) {
  const json j = to_json(dec("]Q1https://example.com/x"));
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["kind"], "plain");
  EXPECT_EQ(j["symbology"], "qr");
  EXPECT_EQ(j["text"], "https://example.com/x");
  EXPECT_TRUE(j["digital_link"].is_null());
  EXPECT_EQ(j["ais"], json::array());
  EXPECT_TRUE(j["identity"]["gtin"].is_null());
}

TEST(DecodeJson, ErrorShape) {
  const json j = to_json(dec("]C10109506000134353"));
  ASSERT_EQ(j.size(), 2u) << j.dump();
  EXPECT_EQ(j["ok"], false);
  ASSERT_TRUE(j["error"].is_object());
  EXPECT_EQ(j["error"].size(), 3u);
  EXPECT_EQ(j["error"]["code"], "bad_check_digit");
  EXPECT_EQ(j["error"]["offset"], 18);
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_NE(j["error"]["message"].get<std::string>().find("(01)"), std::string::npos);
}

TEST(DecodeJson, InvalidUtf8TextStillDumps) {
  const json j = to_json(dec(std::string("ab\xFF\xC3\xA9\xE2\x82", 7)));
  std::string out;
  ASSERT_NO_THROW(out = j.dump());
  EXPECT_EQ(j["text"], "ab\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(DecodeJson, GsInPlainTextIsEscapedNotLost) {
  const json j = to_json(dec("]C0AB\x1D" "CD"));
  EXPECT_EQ(j["text"], "AB\x1D" "CD");
  EXPECT_NE(j.dump().find("\\u001d"), std::string::npos) << j.dump();
}

}  // namespace
}  // namespace scanedge::decode
