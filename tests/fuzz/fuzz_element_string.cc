// Fuzz target: GS1 element strings. The input is the data of a GS1-128 symbol: it is
// decoded as "]C1" + input (FNC1 in first position implied, GS = later FNC1).
//
// Properties:
// - every result passes check_decode_result (decode_properties.h);
// - the same data in another GS1 carrier (]d2, GS1 DataMatrix) means the same thing;
// - re-encoding: when the data decodes, writing its AIs back as an element string by the
//   table's FNC1 rules (AI + value, a GS after every AI without a predefined length except
//   the last) decodes again to exactly the same AI list;
// - round trip through the Digital Link: when the data has a canonical Digital Link, that
//   URI decodes (kind digital-link) to exactly the AIs digital_link_order() says it
//   carries, with the same values, and its own canonical URI is the same URI again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edge/decode/decoder.h"
#include "edge/decode/digital_link.h"
#include "edge/decode/gs1_element_string.h"
#include "tests/fuzz/decode_properties.h"

namespace {

namespace d = scanedge::decode;
using scanedge::fuzz::ais_text;
using scanedge::fuzz::check_decode_result;
using scanedge::fuzz::describe;
using scanedge::fuzz::element_string;
using scanedge::fuzz::printable;
using scanedge::fuzz::same_ais;

constexpr int kYear = 2025;

d::DecodeOptions options() {
  d::DecodeOptions o;
  o.reference_year = kYear;
  return o;
}

void check_digital_link_round_trip(const std::string& data, const d::Decoded& decoded) {
  std::vector<d::ParsedAi> parsed;
  const auto err = d::parse_element_strings(data, 3, kYear, parsed);
  FUZZ_CHECK(!err, "parse_element_strings disagrees with decode(): " + printable(data));
  std::vector<d::AiValue> expected;
  for (const std::size_t i : d::digital_link_order(parsed)) {
    expected.push_back(d::AiValue{std::string(parsed[i].entry->ai), std::string(parsed[i].value)});
  }
  const std::string& uri = *decoded.digital_link;
  FUZZ_CHECK(!expected.empty(), "a Digital Link without AIs: " + printable(uri));

  const auto back = d::decode(uri, options());
  check_decode_result(back, uri);
  const std::string ctx = "element string " + printable(data) + " -> " + printable(uri) +
                          " -> " + describe(back) + "; expected " + ais_text(expected);
  FUZZ_CHECK(back.ok() && back.value->kind == d::kKindDigitalLink, ctx);
  FUZZ_CHECK(same_ais(back.value->ais, expected), ctx);
  FUZZ_CHECK(back.value->digital_link == uri, ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(bytes), size);
  const std::string data = "]C1" + std::string(payload);

  const auto r = d::decode(data, options());
  check_decode_result(r, data);

  const std::string other = "]d2" + std::string(payload);
  const auto r2 = d::decode(other, options());
  check_decode_result(r2, other);
  FUZZ_CHECK(r2.ok() == r.ok(), describe(r) + " vs ]d2: " + describe(r2));
  if (!r.ok()) {
    FUZZ_CHECK(r2.error.code == r.error.code && r2.error.offset == r.error.offset,
               describe(r) + " vs ]d2: " + describe(r2));
    return 0;
  }
  FUZZ_CHECK(r.value->kind == d::kKindGs1, describe(r));
  FUZZ_CHECK(same_ais(r2.value->ais, r.value->ais), describe(r) + " vs ]d2: " + describe(r2));

  const std::string reencoded = "]C1" + element_string(r.value->ais);
  const auto again = d::decode(reencoded, options());
  check_decode_result(again, reencoded);
  FUZZ_CHECK(again.ok() && same_ais(again.value->ais, r.value->ais),
             printable(data) + " -> " + describe(r) + "; re-encoded " + printable(reencoded) +
                 " -> " + describe(again));

  if (r.value->digital_link) check_digital_link_round_trip(data, *r.value);
  return 0;
}
