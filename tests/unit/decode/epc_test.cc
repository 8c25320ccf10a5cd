// decode_epc(): TDS worked examples per scheme, a round-trip property against a test-only
// encoder (fields -> bits -> hex -> decode -> the URIs and GS1 keys those fields mean),
// every error class, and the JSON contract of EPC results.
#include "edge/decode/epc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "edge/decode/decoder.h"
#include "edge/decode/digital_link.h"
#include "edge/decode/epc_partition.h"

namespace scanedge::decode {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------
// Test-only encoder. Its own copy of the TDS layout (typed again from the standard, not
// taken from the decoder) so that a slip on either side shows up as a mismatch.

struct Row {
  unsigned prefix_bits, prefix_digits, ref_bits, ref_digits;
};

enum class Ref { kPadded, kInteger, kString };
enum class Tail { kNone, kInteger, kString, kZeros };

struct Spec {
  const char* name;  // tag URI scheme
  const char* id;    // pure identity scheme
  unsigned header;
  unsigned bits;
  std::vector<Row> rows;
  Ref ref;
  Tail tail;
  unsigned tail_bits;
  unsigned tail_chars;
};

const std::vector<Row> kSgtinRows = {{40, 12, 4, 1}, {37, 11, 7, 2}, {34, 10, 10, 3},
                                     {30, 9, 14, 4}, {27, 8, 17, 5}, {24, 7, 20, 6},
                                     {20, 6, 24, 7}};
const std::vector<Row> kSsccRows = {{40, 12, 18, 5}, {37, 11, 21, 6}, {34, 10, 24, 7},
                                    {30, 9, 28, 8},  {27, 8, 31, 9},  {24, 7, 34, 10},
                                    {20, 6, 38, 11}};
const std::vector<Row> kSglnRows = {{40, 12, 1, 0}, {37, 11, 4, 1}, {34, 10, 7, 2}, {30, 9, 11, 3},
                                    {27, 8, 14, 4}, {24, 7, 17, 5}, {20, 6, 21, 6}};
const std::vector<Row> kGraiRows = {{40, 12, 4, 0}, {37, 11, 7, 1}, {34, 10, 10, 2}, {30, 9, 14, 3},
                                    {27, 8, 17, 4}, {24, 7, 20, 5}, {20, 6, 24, 6}};
const std::vector<Row> kGiai96Rows = {{40, 12, 42, 13}, {37, 11, 45, 14}, {34, 10, 48, 15},
                                      {30, 9, 52, 16},  {27, 8, 55, 17},  {24, 7, 58, 18},
                                      {20, 6, 62, 19}};
const std::vector<Row> kGiai202Rows = {{40, 12, 148, 18}, {37, 11, 151, 19}, {34, 10, 154, 20},
                                       {30, 9, 158, 21},  {27, 8, 161, 22},  {24, 7, 164, 23},
                                       {20, 6, 168, 24}};

const std::vector<Spec>& specs() {
  static const std::vector<Spec> s = {
      {"sgtin-96", "sgtin", 0x30, 96, kSgtinRows, Ref::kPadded, Tail::kInteger, 38, 0},
      {"sscc-96", "sscc", 0x31, 96, kSsccRows, Ref::kPadded, Tail::kZeros, 24, 0},
      {"sgln-96", "sgln", 0x32, 96, kSglnRows, Ref::kPadded, Tail::kInteger, 41, 0},
      {"grai-96", "grai", 0x33, 96, kGraiRows, Ref::kPadded, Tail::kInteger, 38, 0},
      {"giai-96", "giai", 0x34, 96, kGiai96Rows, Ref::kInteger, Tail::kNone, 0, 0},
      {"sgtin-198", "sgtin", 0x36, 198, kSgtinRows, Ref::kPadded, Tail::kString, 140, 20},
      {"grai-170", "grai", 0x37, 170, kGraiRows, Ref::kPadded, Tail::kString, 112, 16},
      {"giai-202", "giai", 0x38, 202, kGiai202Rows, Ref::kString, Tail::kNone, 0, 0},
      {"sgln-195", "sgln", 0x39, 195, kSglnRows, Ref::kPadded, Tail::kString, 140, 20},
  };
  return s;
}

const Spec& spec(std::string_view name) {
  for (const Spec& s : specs()) {
    if (name == s.name) return s;
  }
  ADD_FAILURE() << "no spec " << name;
  return specs().front();
}

struct Fields {
  std::string scheme;
  unsigned filter = 0;
  unsigned partition = 0;
  std::uint64_t prefix = 0;
  std::uint64_t ref = 0;   // Ref::kPadded / kInteger
  std::string ref_text;    // Ref::kString
  std::uint64_t tail = 0;  // Tail::kInteger
  std::string tail_text;   // Tail::kString
};

void put(std::string& bits, std::uint64_t v, unsigned n) {
  for (unsigned k = n; k > 0; --k) bits += ((v >> (k - 1)) & 1u) != 0 ? '1' : '0';
}

void put_text(std::string& bits, std::string_view s, unsigned width) {
  const std::size_t start = bits.size();
  for (char c : s) put(bits, static_cast<unsigned char>(c), 7);
  while (bits.size() < start + width) bits += '0';
}

std::string bits_to_hex(std::string bits, std::size_t digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  while (bits.size() < digits * 4) bits += '0';
  std::string out;
  for (std::size_t k = 0; k < digits; ++k) {
    unsigned v = 0;
    for (std::size_t b = 0; b < 4; ++b) v = v * 2 + (bits[k * 4 + b] == '1' ? 1u : 0u);
    out += kHex[v];
  }
  return out;
}

// The EPC's bits (no padding). Does not validate: tests use it to build bad EPCs too.
std::string encode_bits(const Fields& f) {
  const Spec& s = spec(f.scheme);
  const Row& r = s.rows[f.partition > 6 ? 0 : f.partition];
  std::string bits;
  put(bits, s.header, 8);
  put(bits, f.filter, 3);
  put(bits, f.partition, 3);
  put(bits, f.prefix, r.prefix_bits);
  if (s.ref == Ref::kString) {
    put_text(bits, f.ref_text, r.ref_bits);
  } else {
    put(bits, f.ref, r.ref_bits);
  }
  switch (s.tail) {
    case Tail::kNone:
      break;
    case Tail::kInteger:
      put(bits, f.tail, s.tail_bits);
      break;
    case Tail::kString:
      put_text(bits, f.tail_text, s.tail_bits);
      break;
    case Tail::kZeros:
      put(bits, 0, s.tail_bits);
      break;
  }
  EXPECT_EQ(bits.size(), s.bits) << f.scheme;
  return bits;
}

// Hex in whole bytes (the shortest accepted form).
std::string encode(const Fields& f) {
  return bits_to_hex(encode_bits(f), (spec(f.scheme).bits + 7) / 8 * 2);
}

// ---------------------------------------------------------------------------------------
// Expected meaning of fields, computed independently of the decoder.

std::string padded(std::uint64_t v, unsigned digits) {
  std::string s = std::to_string(v);
  return digits > s.size() ? std::string(digits - s.size(), '0') + s : s;
}

char check_digit(std::string_view digits) {
  int sum = 0;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    const int d = digits[digits.size() - 1 - k] - '0';
    sum += d * (k % 2 == 0 ? 3 : 1);
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string uri_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "%22";
        break;
      case '%':
        out += "%25";
        break;
      case '&':
        out += "%26";
        break;
      case '/':
        out += "%2F";
        break;
      case '<':
        out += "%3C";
        break;
      case '>':
        out += "%3E";
        break;
      case '?':
        out += "%3F";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Expected {
  std::string uri, tag_uri;
  std::vector<std::pair<std::string, std::string>> ais;
};

Expected expected(const Fields& f) {
  const Spec& s = spec(f.scheme);
  const Row& r = s.rows[f.partition];
  const std::string cp = padded(f.prefix, r.prefix_digits);
  std::string ref;
  if (s.ref == Ref::kString) {
    ref = f.ref_text;
  } else if (s.ref == Ref::kInteger) {
    ref = std::to_string(f.ref);
  } else {
    ref = f.ref == 0 && r.ref_digits == 0 ? "" : padded(f.ref, r.ref_digits);
  }
  const std::string tail = s.tail == Tail::kString ? f.tail_text : std::to_string(f.tail);
  std::string body = cp + "." + uri_escape(ref);
  if (s.tail == Tail::kInteger || s.tail == Tail::kString) body += "." + uri_escape(tail);
  Expected e;
  e.uri = std::string("urn:epc:id:") + s.id + ":" + body;
  e.tag_uri = std::string("urn:epc:tag:") + s.name + ":" + std::to_string(f.filter) + "." + body;
  const std::string id = s.id;
  if (id == "sgtin") {
    std::string g = ref.substr(0, 1) + cp + ref.substr(1);
    e.ais = {{"01", g + check_digit(g)}, {"21", tail}};
  } else if (id == "sscc") {
    std::string g = ref.substr(0, 1) + cp + ref.substr(1);
    e.ais = {{"00", g + check_digit(g)}};
  } else if (id == "sgln") {
    std::string g = cp + ref;
    e.ais = {{"414", g + check_digit(g)}};
    if (tail != "0") e.ais.push_back({"254", tail});
  } else if (id == "grai") {
    std::string g = "0" + cp + ref;
    e.ais = {{"8003", g + check_digit(g) + tail}};
  } else {
    e.ais = {{"8004", cp + ref}};
  }
  return e;
}

std::vector<std::pair<std::string, std::string>> ais_of(const Decoded& d) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const AiValue& a : d.ais) out.emplace_back(a.ai, a.value);
  return out;
}

// Decodes and expects success.
Decoded ok(std::string_view hex) {
  const DecodeResult r = decode_epc(hex);
  EXPECT_TRUE(r.ok()) << hex << ": " << r.error.code << " @" << r.error.offset << " "
                      << r.error.message;
  return r.ok() ? *r.value : Decoded{};
}

// Decodes and expects the error code and offset.
DecodeError fails(std::string_view hex, std::string_view code, std::size_t offset) {
  const DecodeResult r = decode_epc(hex);
  EXPECT_FALSE(r.ok()) << hex << " decoded as "
                       << (r.ok() && r.value->epc ? r.value->epc->uri : "");
  EXPECT_EQ(r.error.code, code) << hex << ": " << r.error.message;
  EXPECT_EQ(r.error.offset, offset) << hex << ": " << r.error.message;
  EXPECT_FALSE(r.error.message.empty());
  return r.error;
}

// ---------------------------------------------------------------------------------------
// Published examples (TDS worked examples; the GS1 keys with their check digits).

struct Example {
  const char* hex;
  const char* scheme;
  int filter;
  const char* uri;
  const char* tag_uri;
  std::vector<std::pair<std::string, std::string>> ais;
  const char* digital_link;
};

TEST(Epc, TdsExamplesEveryScheme) {
  const std::vector<Example> examples = {
      {"3074257BF7194E4000001A85",
       "sgtin-96",
       3,
       "urn:epc:id:sgtin:0614141.812345.6789",
       "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
       {{"01", "80614141123458"}, {"21", "6789"}},
       "https://id.gs1.org/01/80614141123458/21/6789"},
      {"3174257BF4499602D2000000",
       "sscc-96",
       3,
       "urn:epc:id:sscc:0614141.1234567890",
       "urn:epc:tag:sscc-96:3.0614141.1234567890",
       {{"00", "106141412345678908"}},
       "https://id.gs1.org/00/106141412345678908"},
      {"3274257BF460720000000190",
       "sgln-96",
       3,
       "urn:epc:id:sgln:0614141.12345.400",
       "urn:epc:tag:sgln-96:3.0614141.12345.400",
       {{"414", "0614141123452"}, {"254", "400"}},
       "https://id.gs1.org/414/0614141123452/254/400"},
      {"3374257BF40C0E4000000190",
       "grai-96",
       3,
       "urn:epc:id:grai:0614141.12345.400",
       "urn:epc:tag:grai-96:3.0614141.12345.400",
       {{"8003", "00614141123452400"}},
       "https://id.gs1.org/8003/00614141123452400"},
      {"3474257BF40000000000162E",
       "giai-96",
       3,
       "urn:epc:id:giai:0614141.5678",
       "urn:epc:tag:giai-96:3.0614141.5678",
       {{"8004", "06141415678"}},
       "https://id.gs1.org/8004/06141415678"},
      // SGTIN-198 as readers report it: 13 whole words (52 digits).
      {"3674257BF6B7A659B2C2BF100000000000000000000000000000",
       "sgtin-198",
       3,
       "urn:epc:id:sgtin:0614141.712345.32a%2Fb",
       "urn:epc:tag:sgtin-198:3.0614141.712345.32a%2Fb",
       {{"01", "70614141123451"}, {"21", "32a/b"}},
       "https://id.gs1.org/01/70614141123451/21/32a%2Fb"},
      {"3974257BF46072CD9615F88000000000000000000000000000",
       "sgln-195",
       3,
       "urn:epc:id:sgln:0614141.12345.32a%2Fb",
       "urn:epc:tag:sgln-195:3.0614141.12345.32a%2Fb",
       {{"414", "0614141123452"}, {"254", "32a/b"}},
       "https://id.gs1.org/414/0614141123452/254/32a%2Fb"},
      {"3774257BF40C0E59B2C2BF1000000000000000000000",
       "grai-170",
       3,
       "urn:epc:id:grai:0614141.12345.32a%2Fb",
       "urn:epc:tag:grai-170:3.0614141.12345.32a%2Fb",
       {{"8003", "0061414112345232a/b"}},
       "https://id.gs1.org/8003/0061414112345232a%2Fb"},
      {"3874257BF59B2C2BF10000000000000000000000000000000000",
       "giai-202",
       3,
       "urn:epc:id:giai:0614141.32a%2Fb",
       "urn:epc:tag:giai-202:3.0614141.32a%2Fb",
       {{"8004", "061414132a/b"}},
       "https://id.gs1.org/8004/061414132a%2Fb"},
  };
  for (const Example& x : examples) {
    SCOPED_TRACE(x.hex);
    const Decoded d = ok(x.hex);
    ASSERT_TRUE(d.epc.has_value());
    EXPECT_EQ(d.kind, "epc");
    EXPECT_EQ(d.aim, "");
    EXPECT_EQ(d.symbology, "epc");
    EXPECT_EQ(d.epc->scheme, x.scheme);
    EXPECT_EQ(d.epc->filter, x.filter);
    EXPECT_EQ(d.epc->uri, x.uri);
    EXPECT_EQ(d.epc->tag_uri, x.tag_uri);
    EXPECT_EQ(d.identity.epc, x.uri);
    EXPECT_EQ(ais_of(d), x.ais);
    EXPECT_EQ(d.digital_link, x.digital_link);
    EXPECT_TRUE(d.text.empty());
  }
}

TEST(Epc, SpecWorkedExampleIdentity) {
  // DEVICES_AND_STANDARDS.md: filter 3, partition 5, GTIN 80614141123458.
  const Decoded d = ok("3074257BF7194E4000001A85");
  EXPECT_EQ(d.identity.gtin, "80614141123458");
  EXPECT_EQ(d.identity.serial, "6789");
  EXPECT_FALSE(d.identity.sscc.has_value());
  EXPECT_FALSE(d.identity.lot.has_value());
  EXPECT_EQ(d.identity.epc, "urn:epc:id:sgtin:0614141.812345.6789");
  // Lower case hex is the same EPC.
  EXPECT_EQ(ok("3074257bf7194e4000001a85").epc->uri, d.epc->uri);
}

TEST(Epc, SsccIdentityAndSglnWithoutExtension) {
  EXPECT_EQ(ok("3174257BF4499602D2000000").identity.sscc, "106141412345678908");
  // SGLN-96 extension 0 means "no extension": the URI keeps ".0", the keys have no 254.
  Fields f{"sgln-96", 1, 5, 614141, 12345, "", 0, ""};
  const Decoded d = ok(encode(f));
  EXPECT_EQ(d.epc->uri, "urn:epc:id:sgln:0614141.12345.0");
  EXPECT_EQ(ais_of(d),
            (std::vector<std::pair<std::string, std::string>>{{"414", "0614141123452"}}));
  EXPECT_EQ(d.digital_link, "https://id.gs1.org/414/0614141123452");
  // The same for the string form "0".
  Fields g{"sgln-195", 1, 5, 614141, 12345, "", 0, "0"};
  EXPECT_EQ(ais_of(ok(encode(g))).size(), 1u);
}

TEST(Epc, EmptyReferenceFieldsOfPartitionZero) {
  // 12-digit company prefix: SGLN location reference and GRAI asset type have no digits.
  const Decoded sgln = ok(encode(Fields{"sgln-96", 0, 0, 123456789012, 0, "", 7, ""}));
  EXPECT_EQ(sgln.epc->uri, "urn:epc:id:sgln:123456789012..7");
  EXPECT_EQ(sgln.ais[0].value, "1234567890128");
  const Decoded grai = ok(encode(Fields{"grai-96", 0, 0, 123456789012, 0, "", 5, ""}));
  EXPECT_EQ(grai.epc->uri, "urn:epc:id:grai:123456789012..5");
  EXPECT_EQ(grai.ais[0].value, "012345678901285");
}

TEST(Epc, SerialEscapingInUrisButRawInKeys) {
  Fields f{"sgtin-198", 0, 5, 614141, 712345, "", 0, "\"%&/<>?!'()*+,-.:;=_"};
  const Decoded d = ok(encode(f));
  EXPECT_EQ(d.epc->uri, "urn:epc:id:sgtin:0614141.712345.%22%25%26%2F%3C%3E%3F!'()*+,-.:;=_");
  EXPECT_EQ(d.identity.serial, "\"%&/<>?!'()*+,-.:;=_");
  EXPECT_EQ(d.ais[1].value, "\"%&/<>?!'()*+,-.:;=_");
  // Digital Link values are percent-encoded.
  ASSERT_TRUE(d.digital_link.has_value());
  EXPECT_EQ(d.digital_link->rfind("https://id.gs1.org/01/70614141123451/21/%22%25%26%2F", 0), 0u)
      << *d.digital_link;
}

TEST(Epc, MaximumValuesDecode) {
  // SGTIN-96 serial 2^38-1, 20-character SGTIN-198 serial, 24-character GIAI-202.
  EXPECT_EQ(
      ok(encode(Fields{"sgtin-96", 7, 0, 999999999999, 9, "", (1ull << 38) - 1, ""})).epc->tag_uri,
      "urn:epc:tag:sgtin-96:7.999999999999.9.274877906943");
  EXPECT_EQ(ok(encode(Fields{"sgtin-198", 1, 6, 999999, 9999999, "", 0, "ABCDEFGHIJKLMNOPQRST"}))
                .identity.serial,
            "ABCDEFGHIJKLMNOPQRST");
  EXPECT_EQ(
      ok(encode(Fields{"giai-202", 0, 6, 1, 0, "abcdefghijklmnopqrstuvwx", 0, ""})).ais[0].value,
      "000001abcdefghijklmnopqrstuvwx");
  EXPECT_EQ(ok(encode(Fields{"giai-96", 0, 6, 0, (1ull << 62) - 1, "", 0, ""})).epc->uri,
            "urn:epc:id:giai:000000.4611686018427387903");
}

TEST(Epc, AcceptsByteAndWordLengthsOnly) {
  const std::string bits198 = encode_bits(Fields{"sgtin-198", 3, 5, 614141, 712345, "", 0, "9"});
  EXPECT_TRUE(decode_epc(bits_to_hex(bits198, 50)).ok());
  EXPECT_TRUE(decode_epc(bits_to_hex(bits198, 52)).ok());
  fails(bits_to_hex(bits198, 48), "bad_epc", 48);
  fails(bits_to_hex(bits198, 54), "bad_epc", 50);
  const std::string bits195 = encode_bits(Fields{"sgln-195", 3, 5, 614141, 12345, "", 0, "9"});
  EXPECT_TRUE(decode_epc(bits_to_hex(bits195, 50)).ok());
  EXPECT_TRUE(decode_epc(bits_to_hex(bits195, 52)).ok());
  const std::string bits170 = encode_bits(Fields{"grai-170", 3, 5, 614141, 12345, "", 0, "9"});
  EXPECT_TRUE(decode_epc(bits_to_hex(bits170, 44)).ok());
  fails(bits_to_hex(bits170, 46), "bad_epc", 44);
  const std::string bits202 = encode_bits(Fields{"giai-202", 3, 5, 614141, 0, "9", 0, ""});
  EXPECT_TRUE(decode_epc(bits_to_hex(bits202, 52)).ok());
  fails(bits_to_hex(bits202, 50), "bad_epc", 50);
}

// ---------------------------------------------------------------------------------------
// Round trip: many seeded random field values per scheme.

constexpr char kSet82[] =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

TEST(Epc, Set82HasItsEightyTwoCharacters) { EXPECT_EQ(std::string_view(kSet82).size(), 82u); }

std::uint64_t ten_to(unsigned d) {
  std::uint64_t v = 1;
  while (d-- > 0) v *= 10;
  return v;
}

TEST(Epc, RoundTripRandomFieldsEveryScheme) {
  std::mt19937_64 rng(20240603);
  const auto below = [&](std::uint64_t n) {  // uniform in [0, n), edges favoured
    const std::uint64_t pick = rng() % 8;
    if (pick == 0) return std::uint64_t{0};
    if (pick == 1) return n - 1;
    return rng() % n;
  };
  const auto text = [&](unsigned max_chars) {
    std::string s(1 + rng() % max_chars, ' ');
    for (char& c : s) c = kSet82[rng() % 82];
    return s;
  };
  int checked = 0;
  for (const Spec& s : specs()) {
    for (int n = 0; n < 700; ++n) {
      Fields f;
      f.scheme = s.name;
      f.filter = static_cast<unsigned>(rng() % 8);
      f.partition = static_cast<unsigned>(rng() % 7);
      const Row& r = s.rows[f.partition];
      f.prefix = below(ten_to(r.prefix_digits));
      if (s.ref == Ref::kPadded) f.ref = below(ten_to(r.ref_digits));
      if (s.ref == Ref::kInteger) f.ref = below(1ull << r.ref_bits);
      if (s.ref == Ref::kString) f.ref_text = text(r.ref_digits);
      if (s.tail == Tail::kInteger) f.tail = below(1ull << s.tail_bits);
      if (s.tail == Tail::kString) f.tail_text = text(s.tail_chars);
      const std::string hex = encode(f);
      SCOPED_TRACE(hex);
      const DecodeResult r2 = decode_epc(hex);
      ASSERT_TRUE(r2.ok()) << s.name << " " << r2.error.message;
      const Decoded& d = *r2.value;
      const Expected e = expected(f);
      ASSERT_TRUE(d.epc.has_value());
      EXPECT_EQ(d.epc->scheme, s.name);
      EXPECT_EQ(d.epc->filter, static_cast<int>(f.filter));
      EXPECT_EQ(d.epc->uri, e.uri);
      EXPECT_EQ(d.epc->tag_uri, e.tag_uri);
      EXPECT_EQ(d.identity.epc, e.uri);
      EXPECT_EQ(ais_of(d), e.ais);
      // Digital Link: the keys in order as path segments, values percent-encoded by the
      // Digital Link module's own encoder.
      std::string dl = "https://id.gs1.org";
      for (const auto& [ai, value] : e.ais) {
        dl += "/" + ai + "/";
        append_percent_encoded(dl, value);
      }
      EXPECT_EQ(d.digital_link, dl);
      // The GS1 keys are valid element strings: the Digital Link decodes back to exactly
      // them (AI formats, check digits, pair rules) and is already canonical.
      const DecodeResult back = decode(dl);
      ASSERT_TRUE(back.ok()) << dl << ": " << back.error.code << " " << back.error.message;
      EXPECT_EQ(back.value->kind, "digital-link");
      EXPECT_EQ(ais_of(*back.value), e.ais) << dl;
      EXPECT_EQ(back.value->digital_link, dl);
      // Lower case and the word-padded form decode the same.
      std::string lower = hex;
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
      EXPECT_EQ(decode_epc(lower).value->epc->uri, e.uri);
      const std::string word = bits_to_hex(encode_bits(f), (s.bits + 15) / 16 * 4);
      ASSERT_TRUE(decode_epc(word).ok()) << word;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 9 * 700);
}

// The decoder's own tables agree with the standard's invariants.
TEST(Epc, PartitionTablesAreConsistent) {
  struct T {
    const EpcPartitionTable* table;
    unsigned total_bits;
    bool digits_fit;  // 10^digits <= 2^bits for the reference
  };
  for (const T& t : {T{&kSgtinPartitions, 44, true}, T{&kSsccPartitions, 58, true},
                     T{&kSglnPartitions, 41, true}, T{&kGraiPartitions, 44, true},
                     T{&kGiai96Partitions, 82, false}, T{&kGiai202Partitions, 188, false}}) {
    for (std::size_t p = 0; p < 7; ++p) {
      const EpcPartitionRow& r = (*t.table)[p];
      EXPECT_EQ(r.prefix_bits + r.ref_bits, t.total_bits) << p;
      EXPECT_EQ(r.prefix_digits, 12 - p) << p;
      EXPECT_LE(ten_to(r.prefix_digits), 1ull << r.prefix_bits) << p;
      EXPECT_GT(ten_to(r.prefix_digits), 1ull << (r.prefix_bits - 1)) << p;
      if (t.digits_fit) {
        EXPECT_LE(ten_to(r.ref_digits), 1ull << r.ref_bits) << p;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Errors.

TEST(EpcErrors, EmptyNonHexOddLength) {
  fails("", "empty", 0);
  fails("3074257BF7194E40000G1A85", "bad_epc", 19);
  fails(" 3074257BF7194E4000001A85", "bad_epc", 0);
  fails("0x3074257BF7194E4000001A85", "bad_epc", 1);
  fails("3074257BF7194E4000001A85\n", "bad_epc", 24);
  fails(std::string("3074257BF7194E40\0", 17) + "0001A85", "bad_epc", 16);
  fails("3074257BF7194E4000001A8", "bad_epc", 23);
  fails("3", "bad_epc", 1);
}

TEST(EpcErrors, UnknownAndUnsupportedHeaders) {
  // GID-96 (0x35), GDTI-96 (0x2C), GSRN-96 (0x2D), TDS 2.0 SGTIN+ (0xF7), 0x00, 0xFF.
  for (const char* h : {"35", "2C", "2D", "F7", "00", "FF", "3A", "3F"}) {
    const DecodeError e = fails(std::string(h) + "74257BF7194E4000001A85", "bad_epc", 0);
    EXPECT_NE(e.message.find("header"), std::string::npos) << e.message;
  }
}

TEST(EpcErrors, WrongLengthForHeader) {
  fails("3074257BF7194E4000001A8500", "bad_epc", 24);
  fails("3074257BF7194E4000001A", "bad_epc", 22);
  fails("30", "bad_epc", 2);
  fails("3674257BF7194E4000001A85", "bad_epc", 24);  // SGTIN-198 header, 96 bits
  // Far too long input is still only a length error.
  fails("30" + std::string(1000, '0'), "bad_epc", 24);
}

TEST(EpcErrors, PartitionSeven) {
  const DecodeError e = fails("307C257BF7194E4000001A85", "bad_epc", 2);
  EXPECT_NE(e.message.find("partition"), std::string::npos) << e.message;
  for (const Spec& s : specs()) {
    Fields f;
    f.scheme = s.name;
    f.partition = 7;
    f.ref_text = "1";
    f.tail_text = "1";
    fails(encode(f), "bad_epc", 2);
  }
}

TEST(EpcErrors, NumericFieldsBeyondTheirDigits) {
  // SGTIN partition 0: item reference is one digit in 4 bits; 12 does not fit.
  DecodeError e = fails(encode(Fields{"sgtin-96", 0, 0, 1, 12, "", 1, ""}), "bad_epc", 54 / 4);
  EXPECT_NE(e.message.find("item reference 12"), std::string::npos) << e.message;
  // SGTIN partition 6: company prefix 1000000 in 20 bits is 7 digits, not 6.
  e = fails(encode(Fields{"sgtin-96", 0, 6, 1000000, 1, "", 1, ""}), "bad_epc", 3);
  EXPECT_NE(e.message.find("company prefix"), std::string::npos) << e.message;
  // SSCC partition 5: serial reference 10 digits; 2^34-1 has 11.
  fails(encode(Fields{"sscc-96", 0, 5, 1, (1ull << 34) - 1, "", 0, ""}), "bad_epc", (14 + 24) / 4);
  // SGLN / GRAI partition 0: zero digits, so any non-zero bit is invalid.
  fails(encode(Fields{"sgln-96", 0, 0, 1, 1, "", 0, ""}), "bad_epc", 54 / 4);
  fails(encode(Fields{"grai-96", 0, 0, 1, 3, "", 0, ""}), "bad_epc", 54 / 4);
  fails(encode(Fields{"grai-170", 0, 1, 1, 10, "", 0, "A"}), "bad_epc", 51 / 4);
  fails(encode(Fields{"sgtin-198", 0, 5, 10000000, 1, "", 0, "A"}), "bad_epc", 3);
}

TEST(EpcErrors, NonZeroPaddingAndReservedBits) {
  const std::string bits198 = encode_bits(Fields{"sgtin-198", 3, 5, 614141, 712345, "", 0, "9"});
  std::string hex = bits_to_hex(bits198, 50);
  hex.back() = '1';  // bit 199: padding
  fails(hex, "bad_epc", 49);
  hex = bits_to_hex(bits198, 52);
  hex.back() = '1';  // the last bit of the 13th word
  fails(hex, "bad_epc", 51);
  // SSCC-96: the 24 unallocated bits must be zero.
  fails("3174257BF4499602D2000100", "bad_epc", 21);
}

TEST(EpcErrors, BadStrings) {
  const auto with_serial = [](std::string serial) {
    return encode(Fields{"sgtin-198", 0, 5, 614141, 712345, "", 0, std::move(serial)});
  };
  const std::size_t serial_pos = 14 + 44;
  // Characters outside set 82: space, '#', DEL, control, '$', '@', '[', '\\', '`', '{', '~'.
  for (const char* bad : {" ", "#", "\x7F", "\x01", "$", "@", "[", "\\", "`", "{", "~"}) {
    fails(with_serial(std::string("AB") + bad), "bad_epc", (serial_pos + 14) / 4);
  }
  // Empty serial (the first character is the terminator).
  fails(with_serial(""), "bad_epc", serial_pos / 4);
  // Non-zero bits after the terminator.
  {
    std::string bits = encode_bits(Fields{"sgtin-198", 0, 5, 614141, 712345, "", 0, "AB"});
    bits[serial_pos + 7 * 3 + 2] = '1';  // inside the character after the terminator
    fails(bits_to_hex(bits, 50), "bad_epc", (serial_pos + 23) / 4);
    bits = encode_bits(Fields{"sgtin-198", 0, 5, 614141, 712345, "", 0, "AB"});
    bits[serial_pos + 7 * 2 + 3] = '1';  // "AB" then 0x08, a control character
    fails(bits_to_hex(bits, 50), "bad_epc", (serial_pos + 14) / 4);
  }
  // GIAI-202 partition 0 allows 18 characters in its 148 bits; 19 is too many.
  fails(encode(Fields{"giai-202", 0, 0, 1, 0, std::string(19, 'A'), 0, ""}), "bad_epc",
        (14 + 40 + 18 * 7) / 4);
  EXPECT_TRUE(decode_epc(encode(Fields{"giai-202", 0, 0, 1, 0, std::string(18, 'A'), 0, ""})).ok());
  // Empty SGLN-195 extension, GRAI-170 serial, GIAI-202 reference.
  fails(encode(Fields{"sgln-195", 0, 5, 614141, 12345, "", 0, ""}), "bad_epc", (14 + 41) / 4);
  fails(encode(Fields{"grai-170", 0, 5, 614141, 12345, "", 0, ""}), "bad_epc", (14 + 44) / 4);
  fails(encode(Fields{"giai-202", 0, 5, 614141, 0, "", 0, ""}), "bad_epc", (14 + 24) / 4);
}

TEST(EpcErrors, RandomHexNeverCrashesAndOnlyNamesBadEpc) {
  std::mt19937 rng(7);
  static constexpr char kHex[] = "0123456789ABCDEF";
  const unsigned char headers[] = {0x30, 0x31, 0x32, 0x33, 0x34, 0x36, 0x37, 0x38, 0x39, 0x35};
  int ok_count = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string hex;
    const unsigned char h = headers[rng() % 10];
    hex += kHex[h >> 4];
    hex += kHex[h & 15];
    const std::size_t len = std::vector<std::size_t>{24, 44, 50, 52, 23, 60}[rng() % 6];
    while (hex.size() < len) hex += kHex[rng() % 16];
    const DecodeResult r = decode_epc(hex);
    if (r.ok()) {
      ++ok_count;
      EXPECT_EQ(r.value->kind, "epc");
      EXPECT_EQ(r.value->identity.epc, r.value->epc->uri);
    } else {
      EXPECT_EQ(r.error.code, "bad_epc");
      EXPECT_LE(r.error.offset, hex.size());
    }
  }
  EXPECT_GT(ok_count, 0);
}

// ---------------------------------------------------------------------------------------
// JSON contract.

TEST(EpcJson, SgtinResultExactly) {
  const json got = to_json(decode_epc("3074257BF7194E4000001A85"));
  const json want = json::parse(R"({"ok":true,"aim":"","symbology":"epc","kind":"epc",
    "ais":[{"ai":"01","value":"80614141123458"},{"ai":"21","value":"6789"}],
    "identity":{"gtin":"80614141123458","lot":null,"serial":"6789","expiry":null,
                "sscc":null,"epc":"urn:epc:id:sgtin:0614141.812345.6789","count":null},
    "digital_link":"https://id.gs1.org/01/80614141123458/21/6789",
    "scheme":"sgtin-96","filter":3,"uri":"urn:epc:id:sgtin:0614141.812345.6789",
    "tag_uri":"urn:epc:tag:sgtin-96:3.0614141.812345.6789"})");
  EXPECT_EQ(got, want) << got.dump();
  EXPECT_TRUE(got["filter"].is_number_integer());
}

TEST(EpcJson, EveryEpcResultHasTheEpcFields) {
  const json j = to_json(decode_epc("3174257BF4499602D2000000"));
  EXPECT_EQ(j["kind"], "epc");
  EXPECT_EQ(j["scheme"], "sscc-96");
  EXPECT_EQ(j["filter"], 3);
  EXPECT_EQ(j["uri"], "urn:epc:id:sscc:0614141.1234567890");
  EXPECT_EQ(j["tag_uri"], "urn:epc:tag:sscc-96:3.0614141.1234567890");
  EXPECT_EQ(j["identity"]["sscc"], "106141412345678908");
  EXPECT_EQ(j["identity"]["epc"], "urn:epc:id:sscc:0614141.1234567890");
  EXPECT_TRUE(j["identity"]["gtin"].is_null());
  EXPECT_EQ(j["identity"].size(), 7u);
  EXPECT_FALSE(j.contains("text"));
}

TEST(EpcJson, ErrorObjectShape) {
  const json j = to_json(decode_epc("307C257BF7194E4000001A85"));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["code"], "bad_epc");
  EXPECT_EQ(j["error"]["offset"], 2);
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_EQ(j["error"].size(), 3u);
  EXPECT_EQ(to_json(decode_epc(""))["error"]["code"], "empty");
}

TEST(EpcJson, NonEpcResultsHaveNoEpcFields) {
  const json j =
      to_json(decode("]C10109506000134352"
                     "10ABC123"));
  EXPECT_FALSE(j.contains("scheme"));
  EXPECT_FALSE(j.contains("filter"));
  EXPECT_FALSE(j.contains("uri"));
  EXPECT_FALSE(j.contains("tag_uri"));
}

}  // namespace
}  // namespace scanedge::decode
