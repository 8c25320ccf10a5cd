// GS1 Digital Link: URI -> element strings through decode(), errors with offsets, the
// canonical URI, and the round trip element strings -> canonical URI -> element strings.
#include "edge/decode/digital_link.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "edge/decode/gs1_ai_table.h"
#include "edge/decode/gs1_element_string.h"
#include "edge/decode/gtin.h"
#include "tests/unit/decode/test_support.h"

namespace scanedge::decode {
namespace {

using testing::dec;
using testing::fails;
using testing::ok;

std::vector<std::pair<std::string, std::string>> ai_pairs(const Decoded& d) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const AiValue& a : d.ais) v.emplace_back(a.ai, a.value);
  return v;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Offset of the first occurrence of `needle` in `uri` (the test's way of naming a spot).
std::size_t at(std::string_view uri, std::string_view needle, std::size_t from = 0) {
  const std::size_t k = uri.find(needle, from);
  EXPECT_NE(k, std::string_view::npos) << needle << " not in " << uri;
  return k;
}

// ---------------------------------------------------------------------------------------
// Published examples and accepted forms.

TEST(DigitalLink, StandardExampleWithKeyQualifiersAndQueryAttribute) {
  const std::string uri =
      "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=270331";
  const Decoded d = ok(uri);
  EXPECT_EQ(d.kind, "digital-link");
  EXPECT_EQ(d.aim, "");
  EXPECT_EQ(d.symbology, "unknown");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"01", "09506000134352"},
                                {"10", "ABC123"},
                                {"21", "12345"},
                                {"17", "270331"}}));
  EXPECT_EQ(d.identity.gtin, "09506000134352");
  EXPECT_EQ(d.identity.lot, "ABC123");
  EXPECT_EQ(d.identity.serial, "12345");
  EXPECT_EQ(d.identity.expiry, "2027-03-31");
  EXPECT_EQ(d.digital_link, uri);  // already canonical
  EXPECT_TRUE(d.text.empty());
}

TEST(DigitalLink, CarriedInTextSymbologiesKeepsTheAimId) {
  const std::string uri = "https://id.gs1.org/01/09506000134352/10/ABC123";
  for (const char* aim : {"]Q1", "]d1", "]L0", "]z0", "]X0", "]A0"}) {
    const Decoded d = ok(std::string(aim) + uri);
    EXPECT_EQ(d.kind, "digital-link") << aim;
    EXPECT_EQ(d.aim, aim);
    EXPECT_EQ(ai_pairs(d), (Pairs{{"01", "09506000134352"}, {"10", "ABC123"}})) << aim;
    EXPECT_EQ(d.digital_link, uri);
  }
  EXPECT_EQ(ok("]Q1" + uri).symbology, "qr");
  EXPECT_EQ(ok("]d1" + uri).symbology, "datamatrix");
  // Offsets of errors count the AIM id.
  fails("]Q1https://id.gs1.org/01/09506000134353", "bad_check_digit", 3 + 35);
}

TEST(DigitalLink, GS1SymbologiesParseElementStringsNotUris) {
  // A GS1 QR (]Q3) carries element strings: a URI there is not an AI.
  fails("]Q3https://id.gs1.org/01/09506000134352", "unknown_ai", 3);
}

TEST(DigitalLink, AnyHostAndAPathPrefixBeforeTheKey) {
  const Pairs want{{"01", "09506000134352"}, {"21", "X1"}};
  for (const char* uri : {"https://example.com/01/09506000134352/21/X1",
                          "http://example.com/01/09506000134352/21/X1",
                          "HTTPS://EXAMPLE.COM/01/09506000134352/21/X1",
                          "https://brand.example.co.uk:8443/products/shoes/01/09506000134352/21/X1",
                          "https://192.0.2.1/a/b/c/01/09506000134352/21/X1",
                          "https://[2001:db8::1]/01/09506000134352/21/X1"}) {
    const Decoded d = ok(uri);
    EXPECT_EQ(d.kind, "digital-link") << uri;
    EXPECT_EQ(ai_pairs(d), want) << uri;
    EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/21/X1") << uri;
  }
  // The root is the rightmost key that only AI/value pairs follow: a prefix may even
  // contain AI-looking segments.
  const Decoded d = ok("https://a.example/00/faux/00/106141412345678908");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"00", "106141412345678908"}}));
  EXPECT_EQ(d.identity.sscc, "106141412345678908");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/00/106141412345678908");
}

TEST(DigitalLink, ShortGtinsInThePathArePaddedToGtin14) {
  struct Case {
    const char* uri;
    const char* gtin14;
  };
  for (const Case& c : {Case{"https://id.gs1.org/01/4006381333931", "04006381333931"},
                        Case{"https://id.gs1.org/01/036000291452", "00036000291452"},
                        Case{"https://id.gs1.org/01/96385074", "00000096385074"},
                        Case{"https://example.com/01/4006381333931/10/L1", "04006381333931"}}) {
    const Decoded d = ok(c.uri);
    ASSERT_FALSE(d.ais.empty()) << c.uri;
    EXPECT_EQ(d.ais[0].value, c.gtin14) << c.uri;  // the element string is N14
    EXPECT_EQ(d.identity.gtin, c.gtin14);
    EXPECT_EQ(d.digital_link->substr(0, 36), std::string("https://id.gs1.org/01/") + c.gtin14);
  }
  // The check digit is still checked, and points at the digit in the URI.
  const std::string bad = "https://id.gs1.org/01/4006381333932";
  fails(bad, "bad_check_digit", bad.size() - 1);
  // Other lengths are not GTINs.
  fails("https://id.gs1.org/01/40063813339", "bad_length", 22);
}

TEST(DigitalLink, PercentEncodedValuesAreDecoded) {
  Decoded d = ok("https://id.gs1.org/01/09506000134352/10/AB%2F12");
  EXPECT_EQ(d.identity.lot, "AB/12");
  EXPECT_EQ(d.ais[1].value, "AB/12");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/10/AB%2F12");

  d = ok("https://id.gs1.org/01/09506000134352/10/%41b%2fc%25%21");  // lower-case hex too
  EXPECT_EQ(d.identity.lot, "Ab/c%!");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/10/Ab%2Fc%25%21");

  // In the path '+' is itself (CSET 82 has it); the canonical form encodes it.
  d = ok("https://id.gs1.org/01/09506000134352/10/A+B");
  EXPECT_EQ(d.identity.lot, "A+B");
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352/10/A%2BB");

  // In the query '+' is a space (form encoding), which no AI allows; %2B is '+'.
  d = ok("https://id.gs1.org/00/106141412345678908?400=PO%2B1");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"00", "106141412345678908"}, {"400", "PO+1"}}));
  const std::string plus = "https://id.gs1.org/00/106141412345678908?400=PO+1";
  const DecodeError e = fails(plus, "bad_charset", at(plus, "+"));
  EXPECT_NE(e.message.find("(400)"), std::string::npos) << e.message;
}

TEST(DigitalLink, QueryKeepsAiAttributesInOrderAndIgnoresOtherParameters) {
  const std::string uri =
      "https://id.gs1.org/01/09506000134352?linkType=gs1:pip&3103=000189&foo&17=270331"
      "&exp=x&&context=a=b#frag";
  const Decoded d = ok(uri);
  EXPECT_EQ(ai_pairs(d),
            (Pairs{{"01", "09506000134352"}, {"3103", "000189"}, {"17", "270331"}}));
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/01/09506000134352?3103=000189&17=270331");
  // A fragment is ignored, even one with AI-looking text.
  EXPECT_EQ(ai_pairs(ok("https://id.gs1.org/01/09506000134352#?17=999999")),
            (Pairs{{"01", "09506000134352"}}));
}

TEST(DigitalLink, OtherPrimaryKeysAndTheirQualifiers) {
  Decoded d = ok("https://id.gs1.org/414/9520123456788/254/32a%2Fb");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"414", "9520123456788"}, {"254", "32a/b"}}));
  d = ok("https://id.gs1.org/8004/0614141ABC123");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"8004", "0614141ABC123"}}));
  d = ok("https://id.gs1.org/01/09506000134352/235/TPX1");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"01", "09506000134352"}, {"235", "TPX1"}}));
  d = ok("https://id.gs1.org/01/09506000134352/22/CPV/10/L/21/S");
  EXPECT_EQ(ai_pairs(d), (Pairs{{"01", "09506000134352"}, {"22", "CPV"}, {"10", "L"},
                                {"21", "S"}}));
  // An SSCC with attributes, one of them another key (allowed as an attribute).
  d = ok("https://id.gs1.org/00/106141412345678908?02=00614141123452&37=12");
  EXPECT_EQ(d.identity.sscc, "106141412345678908");
  EXPECT_EQ(d.identity.count, 12);
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=12");
}

TEST(DigitalLink, OrdinaryUrlsArePlainText) {
  for (const char* url : {"https://example.com/hello", "https://example.com/",
                          "https://example.com", "http://example.com/2024/05/article?id=3",
                          "https://example.com/10/ABC123", "https://example.com/99/x",
                          "Https://id.gs1.org/01/09506000134352", "ftp://id.gs1.org/01/x",
                          "https:/id.gs1.org/01/09506000134352"}) {
    const Decoded d = ok(url);
    EXPECT_EQ(d.kind, "plain") << url;
    EXPECT_EQ(d.text, url);
    EXPECT_TRUE(d.ais.empty());
    EXPECT_FALSE(d.digital_link.has_value());
  }
  const Decoded q = ok("]Q1https://example.com/x");
  EXPECT_EQ(q.kind, "plain");
  EXPECT_EQ(q.text, "https://example.com/x");
}

// ---------------------------------------------------------------------------------------
// Every error class, with its offset into the delivered data.

TEST(DigitalLinkErrors, StructuralProblemsAreBadUri) {
  struct Case {
    std::string uri;
    std::string needle;  // offset = first occurrence of this (after `from`)
    std::size_t from;
    const char* says;    // part of the message
  };
  const std::string k = "https://id.gs1.org/01/09506000134352";
  const std::vector<Case> cases = {
      {"https://id.gs1.org/99/ABC", "99", 0, "(99)"},                    // not a primary key
      {"https://id.gs1.org/", "/", 18, "primary key"},                   // no key at all
      {"https://id.gs1.org/01", "", 0, "no value"},                      // key without value
      {k + "/lot/ABC", "lot", 0, "'lot'"},                               // non-numeric AI
      {k + "/21/S/10/L", "10/", 30, "out of order"},                     // qualifier order
      {k + "/22/A/235/B", "235", 0, "out of order"},                     // mixed sequences
      {k + "/17/270331", "17", 30, "not one of its key qualifiers"},     // attribute in path
      {k + "/10/A/10/B", "10/B", 0, "twice"},                            // duplicate in path
      {k + "/10", "", 0, "no value"},                                    // offset: end
      {k + "/", "", 0, "empty path segment"},                            // trailing slash
      {"https://id.gs1.org/01//10/A", "/10", 0, "empty value"},          // empty value
      {k + "?17=270331&17=270331", "17=270331", 40, "more than once"},   // duplicate query
      {k + "/10/A?10=B", "10=B", 0, "more than once"},                   // path AI again
      {k + "?10=ABC", "10=", 0, "belongs in the path"},                  // qualifier in query
      {k + "/21/S?22=C", "22=", 0, "belongs in the path"},               // fits before 21
      {"https://id.gs1.org/00/106141412345678908?21=S", "21=", 0,
       "not a GS1 Digital Link data attribute"},
      {k + "?17=", "", 0, "empty value"},                                // offset: end
      {k + "/10/AB%2G", "%2G", 0, "percent-encoding"},
      {k + "/10/AB%2", "%2", 0, "percent-encoding"},
      {k + "/10/AB%00", "%00", 0, "NUL"},
      {k + "/10/AB C", " ", 0, "not allowed in a URI"},
      {k + "/10/AB\xC3\xA9", "\xC3", 0, "not allowed in a URI"},
      {k + "/10/A\"B", "\"", 0, "not allowed in a URI"},
      {"https:///01/09506000134352", "/01", 0, "no host"},
      {"https://user@example.com/01/09506000134352", "@", 0, "host"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri);
    const std::size_t want = c.needle.empty() ? c.uri.size() : at(c.uri, c.needle, c.from);
    const DecodeError e = fails(c.uri, "bad_uri", want);
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
  }
}

TEST(DigitalLinkErrors, UnknownNumericAisAreUnknownAi) {
  const std::string k = "https://id.gs1.org/01/09506000134352";
  fails(k + "/999/A", "unknown_ai", k.size() + 1);
  fails(k + "?999=1", "unknown_ai", k.size() + 1);
  fails(k + "?linkType=x&0101=1", "unknown_ai", at(k + "?linkType=x&0101=1", "0101"));
}

TEST(DigitalLinkErrors, ValueFormatViolationsKeepTheirCodeWithUriOffsets) {
  const std::string k = "https://id.gs1.org/01/09506000134352";
  // Check digit: offset of the wrong digit.
  fails("https://id.gs1.org/01/09506000134353", "bad_check_digit", 35);
  fails("https://id.gs1.org/00/106141412345678909", "bad_check_digit", 39);
  // Length: offset of the value.
  fails("https://id.gs1.org/01/09506000134", "bad_length", 22);
  fails("https://id.gs1.org/01/095060001343521", "bad_length", 22);
  fails(k + "/10/ABCDEFGHIJKLMNOPQRSTU", "bad_length", k.size() + 4);
  // Charset: offset of the character (a decoded one points at its %XX).
  fails(k + "/10/AB~C", "bad_charset", k.size() + 6);
  fails(k + "/10/A%20B", "bad_charset", k.size() + 5);
  fails(k + "/10/A%1DB", "bad_charset", k.size() + 5);
  fails("https://id.gs1.org/01/0950600013435X", "bad_charset", 35);
  // Date: offset of the bad field, inside the query value.
  const std::string day = k + "?17=270332";
  fails(day, "bad_date", day.size() - 2);
  const std::string month = k + "?17=271301";
  fails(month, "bad_date", month.size() - 4);
  // Pair rules: the AI that breaks them.
  const std::string req = "https://id.gs1.org/00/106141412345678908?10=ABC";
  fails(req, "requires", at(req, "10="));
  const std::string ex = k + "?37=5";
  fails(ex, "excludes", at(ex, "37="));
}

TEST(DigitalLinkErrors, MessagesNameTheAiAndTheOffendingPart) {
  DecodeError e = fails("https://id.gs1.org/01/09506000134353", "bad_check_digit", 35);
  EXPECT_NE(e.message.find("(01)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("09506000134353"), std::string::npos) << e.message;
  e = fails("https://id.gs1.org/01/09506000134352/21/S/10/L", "bad_uri", 42);
  EXPECT_NE(e.message.find("(10)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("22, 10, 21"), std::string::npos) << e.message;
}

// ---------------------------------------------------------------------------------------
// Canonical URI <-> element strings.

// The views of the result point into `es`: keep it alive.
std::vector<ParsedAi> parse_es(const std::string& es) {
  std::vector<ParsedAi> out;
  const auto err = parse_element_strings(es, 0, 2026, out);
  EXPECT_FALSE(err.has_value()) << (err ? err->message : "");
  return out;
}

TEST(DigitalLinkCanonical, KeyQualifiersThenAttributesEachOnce) {
  const std::string es = std::string("17270331") + "10LOT\x1D" + "0109506000134352" +
                         "21S1\x1D" + "3103000189";
  const std::vector<ParsedAi> ais = parse_es(es);
  EXPECT_EQ(canonical_digital_link(ais),
            "https://id.gs1.org/01/09506000134352/10/LOT/21/S1?17=270331&3103=000189");
  const std::vector<std::size_t> order = digital_link_order(ais);
  std::vector<std::string> names;
  for (std::size_t k : order) names.emplace_back(ais[k].entry->ai);
  EXPECT_EQ(names, (std::vector<std::string>{"01", "10", "21", "17", "3103"}));

  // Repeated attributes appear once (the first); no key: no URI.
  const std::string rep_es = "0109506000134352" "17270331" "17280331";
  const std::vector<ParsedAi> rep = parse_es(rep_es);
  EXPECT_EQ(canonical_digital_link(rep), "https://id.gs1.org/01/09506000134352?17=270331");
  const std::string unkeyed_es = "17270331" "10ABC";
  const std::vector<ParsedAi> unkeyed = parse_es(unkeyed_es);
  EXPECT_FALSE(canonical_digital_link(unkeyed).has_value());
  EXPECT_TRUE(digital_link_order(unkeyed).empty());
}

TEST(DigitalLinkCanonical, OnAQualifierTieTheSequenceThatLosesNothingWins) {
  // 01 with 235 (TPX, no attribute) and 10 (lot, an attribute): "22,10,21" and "235" both
  // place one qualifier; only "235" keeps everything (10 goes to the query).
  const Decoded es = ok("]C10109506000134352" "235TPX1\x1D" "10L1");
  EXPECT_EQ(es.digital_link, "https://id.gs1.org/01/09506000134352/235/TPX1?10=L1");
  const Decoded dl = ok(*es.digital_link);
  EXPECT_EQ(ai_pairs(dl), ai_pairs(es));
  // 22 and 235 are both no attributes: one is lost either way; the first sequence wins.
  EXPECT_EQ(ok("]C10109506000134352" "235TPX1\x1D" "22C").digital_link,
            "https://id.gs1.org/01/09506000134352/22/C");
}

TEST(DigitalLinkCanonical, TheKeyIsOneWhoseUriStillSatisfiesThePairRules) {
  // 10 needs 03 (or 01, ...); a key-00 URI cannot carry 03, so no URI at all.
  Decoded d = ok("]C100106141412345678908" "03" "09506000134352" "10L1");
  EXPECT_FALSE(d.digital_link.has_value());
  // 00 first, but 250 needs 21, which only a key-01 URI carries: the key is 01.
  d = ok("]C100106141412345678908" "0109506000134352" "21S1\x1D" "250X");
  EXPECT_EQ(d.digital_link,
            "https://id.gs1.org/01/09506000134352/21/S1?00=106141412345678908&250=X");
  const Decoded back = ok(*d.digital_link);
  EXPECT_EQ(ai_pairs(back), (Pairs{{"01", "09506000134352"}, {"21", "S1"},
                                   {"00", "106141412345678908"}, {"250", "X"}}));
  EXPECT_EQ(back.digital_link, d.digital_link);
}

TEST(DigitalLinkCanonical, ElementStringAndDigitalLinkDecodeToTheSameThing) {
  const Decoded es = ok("]C10109506000134352" "10ABC123\x1D" "21SER/1\x1D" "17270331");
  ASSERT_TRUE(es.digital_link.has_value());
  EXPECT_EQ(*es.digital_link,
            "https://id.gs1.org/01/09506000134352/10/ABC123/21/SER%2F1?17=270331");
  const Decoded dl = ok(*es.digital_link);
  EXPECT_EQ(dl.kind, "digital-link");
  EXPECT_EQ(ai_pairs(dl), ai_pairs(es));
  EXPECT_EQ(dl.identity.gtin, es.identity.gtin);
  EXPECT_EQ(dl.identity.lot, es.identity.lot);
  EXPECT_EQ(dl.identity.serial, es.identity.serial);
  EXPECT_EQ(dl.identity.expiry, es.identity.expiry);
  EXPECT_EQ(dl.digital_link, es.digital_link);
}

// --- Seeded random round trip over the table --------------------------------------------

char random_char(Cset cset, std::mt19937& rng) {
  static constexpr std::string_view k82 =
      "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  static constexpr std::string_view k39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static constexpr std::string_view k64 =
      "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  std::string_view set = "0123456789";
  if (cset == Cset::kCset82) set = k82;
  if (cset == Cset::kCset39) set = k39;
  if (cset == Cset::kCset64) set = k64;
  return set[std::uniform_int_distribution<std::size_t>(0, set.size() - 1)(rng)];
}

bool has_linter(const AiComponent& c, Linter l) {
  return std::find(c.linters.begin(), c.linters.end(), l) != c.linters.end();
}

std::string random_digits(std::size_t n, std::mt19937& rng) {
  std::string s;
  for (std::size_t k = 0; k < n; ++k) s += random_char(Cset::kNumeric, rng);
  return s;
}

// One random value of the AI that the element-string validator accepts, or "" when none
// was found in a bounded number of tries (content rules this generator does not model).
std::string random_value(const AiEntry& e, std::mt19937& rng) {
  std::vector<ParsedAi> out;
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::string v;
    for (std::size_t k = 0; k < e.component_count; ++k) {
      const AiComponent& c = e.components[k];
      if (c.optional && rng() % 2 == 0) break;  // leave out this and the rest
      const std::size_t len = std::uniform_int_distribution<std::size_t>(c.min, c.max)(rng);
      std::string part;
      for (std::size_t i = 0; i < len; ++i) part += random_char(c.cset, rng);
      if (has_linter(c, Linter::kZero)) part = "0";
      if ((has_linter(c, Linter::kYymmd0) || has_linter(c, Linter::kYymmdd)) && len == 6) {
        part = random_digits(2, rng);
        const int mm = std::uniform_int_distribution<int>(1, 12)(rng);
        const int dd = std::uniform_int_distribution<int>(1, 28)(rng);
        part += (mm < 10 ? "0" : "") + std::to_string(mm) + (dd < 10 ? "0" : "") +
                std::to_string(dd);
      }
      if (has_linter(c, Linter::kGcpPos1) && len >= 4) part.replace(0, 4, random_digits(4, rng));
      if (has_linter(c, Linter::kGcpPos2) && len >= 5) part.replace(1, 4, random_digits(4, rng));
      if (has_linter(c, Linter::kCsum) && c.cset == Cset::kNumeric && len >= 2) {
        part.back() = gs1_check_digit(part.substr(0, len - 1));
      }
      v += part;
    }
    if (!parse_element_strings(std::string(e.ai) + v, 0, 2026, out) && out.size() == 1 &&
        out[0].value.size() == v.size()) {
      return v;
    }
  }
  return "";
}

std::vector<std::string_view> qualifier_alternative(std::string_view list, std::size_t which) {
  std::vector<std::string_view> alts;
  while (!list.empty()) {
    const std::size_t cut = list.find('|');
    alts.push_back(list.substr(0, cut));
    if (cut == std::string_view::npos) break;
    list.remove_prefix(cut + 1);
  }
  std::vector<std::string_view> qs;
  if (alts.empty()) return qs;
  std::string_view alt = alts[which % alts.size()];
  while (!alt.empty()) {
    const std::size_t cut = alt.find(',');
    qs.push_back(alt.substr(0, cut));
    if (cut == std::string_view::npos) break;
    alt.remove_prefix(cut + 1);
  }
  return qs;
}

bool is_any_qualifier(const AiEntry& key, std::string_view ai) {
  for (std::size_t alt = 0; alt < 8; ++alt) {
    for (std::string_view q : qualifier_alternative(key.dl_qualifiers, alt)) {
      if (q == ai) return true;
    }
  }
  return false;
}

TEST(DigitalLinkRoundTrip, RandomElementStringsSurviveTheCanonicalUri) {
  std::vector<const AiEntry*> keys, attributes;
  for (const AiEntry& e : all_ais()) {
    if (e.dl_primary_key) keys.push_back(&e);
    if (e.dl_attribute) attributes.push_back(&e);
  }
  ASSERT_FALSE(keys.empty());
  ASSERT_FALSE(attributes.empty());

  std::mt19937 rng(20260127);
  int checked = 0, skipped = 0;
  std::set<std::string> keys_seen;
  std::size_t qualifiers_seen = 0, attributes_seen = 0;
  for (int iter = 0; iter < 8000; ++iter) {
    const AiEntry& key = *keys[rng() % keys.size()];
    // Key, a random subset of one qualifier sequence, a few attributes.
    struct Item {
      const AiEntry* e;
      std::string value;
      int role;  // 0 key, 1 qualifier, 2 attribute
    };
    std::vector<Item> items;
    std::string kv = random_value(key, rng);
    if (kv.empty()) {
      ++skipped;
      continue;
    }
    items.push_back({&key, kv, 0});
    std::vector<Item> rest;
    for (std::string_view q : qualifier_alternative(key.dl_qualifiers, rng())) {
      const AiEntry* qe = find_ai_exact(q);
      if (qe == nullptr || rng() % 2 == 0) continue;
      std::string v = random_value(*qe, rng);
      if (v.empty()) continue;
      rest.push_back({qe, v, 1});
    }
    const int n_attr = static_cast<int>(rng() % 4);
    for (int a = 0; a < n_attr; ++a) {
      const AiEntry* ae = attributes[rng() % attributes.size()];
      if (ae == &key || is_any_qualifier(key, ae->ai)) continue;
      if (std::any_of(rest.begin(), rest.end(), [&](const Item& i) { return i.e == ae; })) {
        continue;
      }
      std::string v = random_value(*ae, rng);
      if (v.empty()) continue;
      rest.push_back({ae, v, 2});
    }
    std::shuffle(rest.begin(), rest.end(), rng);
    items.insert(items.end(), rest.begin(), rest.end());

    std::string es = "]C1";
    for (std::size_t k = 0; k < items.size(); ++k) {
      es += items[k].e->ai;
      es += items[k].value;
      if (!items[k].e->predefined_length && k + 1 < items.size()) es += '\x1D';
    }
    const DecodeResult from_es = dec(es);
    if (!from_es.ok()) {  // pair rules or content rules across AIs: not a valid message
      ++skipped;
      continue;
    }
    SCOPED_TRACE(::testing::PrintToString(es));
    ASSERT_TRUE(from_es.value->digital_link.has_value());
    const std::string uri = *from_es.value->digital_link;

    // Expected: key, qualifiers in the table's sequence order, attributes in scan order.
    Pairs want{{std::string(key.ai), kv}};
    std::vector<std::string_view> seq;
    for (std::size_t alt = 0; alt < 8; ++alt) {
      for (std::string_view q : qualifier_alternative(key.dl_qualifiers, alt)) {
        const bool present = std::any_of(rest.begin(), rest.end(), [&](const Item& i) {
          return i.role == 1 && i.e->ai == q;
        });
        if (present && std::find(seq.begin(), seq.end(), q) == seq.end()) seq.push_back(q);
      }
    }
    // (All chosen qualifiers come from one sequence, so `seq` is in that sequence's order.)
    for (std::string_view q : seq) {
      for (const Item& i : rest) {
        if (i.e->ai == q) want.emplace_back(std::string(q), i.value);
      }
    }
    for (const Item& i : rest) {
      if (i.role == 2) want.emplace_back(std::string(i.e->ai), i.value);
    }

    const DecodeResult from_uri = dec(uri);
    ASSERT_TRUE(from_uri.ok()) << uri << ": " << from_uri.error.code << " @"
                               << from_uri.error.offset << " " << from_uri.error.message;
    const Decoded& d = *from_uri.value;
    EXPECT_EQ(d.kind, "digital-link");
    EXPECT_EQ(ai_pairs(d), want) << uri;
    EXPECT_EQ(d.digital_link, uri);  // canonical is a fixed point
    EXPECT_EQ(d.identity.gtin, from_es.value->identity.gtin);
    EXPECT_EQ(d.identity.sscc, from_es.value->identity.sscc);
    EXPECT_EQ(d.identity.lot, from_es.value->identity.lot);
    EXPECT_EQ(d.identity.serial, from_es.value->identity.serial);
    EXPECT_EQ(d.identity.expiry, from_es.value->identity.expiry);
    EXPECT_EQ(d.identity.count, from_es.value->identity.count);
    // Same URI on another host with a path prefix: same AIs.
    const std::string custom =
        "https://example.com/some/prefix" + uri.substr(kCanonicalDigitalLinkHost.size());
    EXPECT_EQ(ai_pairs(ok(custom)), want) << custom;
    if (::testing::Test::HasFailure()) break;
    ++checked;
    keys_seen.insert(std::string(key.ai));
    qualifiers_seen += seq.size();
    attributes_seen += want.size() - 1 - seq.size();
  }
  EXPECT_GE(checked, 2000) << "skipped " << skipped;
  EXPECT_GE(keys_seen.size(), 10u);
  EXPECT_GE(qualifiers_seen, 500u);
  EXPECT_GE(attributes_seen, 500u);
}

// ---------------------------------------------------------------------------------------
// Robustness: mutated Digital Links never crash and errors point inside the data.

TEST(DigitalLinkRobustness, MutatedUrisReturnAValueOrAnErrorInsideTheData) {
  const std::vector<std::string> seeds = {
      "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=270331",
      "https://example.com/p/414/9520123456788/254/32a%2Fb?linkType=x",
      "http://a/00/106141412345678908?02=00614141123452&37=12#f",
  };
  const std::string alphabet = "/?&=%#+019AZaz~ \x1D\xFF";
  std::mt19937 rng(7);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !s.empty(); ++k) {
      const std::size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(pos, 1 + rng() % 3); break;
        default: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    const DecodeResult r = dec(s);
    if (r.ok()) {
      EXPECT_TRUE(r.value->kind == "digital-link" || r.value->kind == "plain") << s;
    } else {
      EXPECT_LE(r.error.offset, s.size()) << s;
      EXPECT_FALSE(r.error.message.empty());
    }
  }
}

}  // namespace
}  // namespace scanedge::decode
