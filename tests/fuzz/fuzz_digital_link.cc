// Fuzz target: GS1 Digital Link URIs. An input that starts with an http(s) scheme is taken
// as the whole URI (any host, custom path stems); any other input is appended to
// "https://id.gs1.org/".
//
// Properties:
// - decode() of the URI passes check_decode_result (decode_properties.h);
// - decode() agrees with parse_digital_link(): an error there is the same error (code and
//   offset), "not a Digital Link" is kind plain, a Digital Link is kind digital-link with
//   the parsed AIs in URI order;
// - a decoded Digital Link always has a canonical URI, and that URI carries every AI of
//   the original (same AI/value pairs, order aside);
// - round trip: the canonical URI decodes to exactly the AIs digital_link_order() says it
//   carries, and its own canonical URI is the same URI again (stable).
#include <algorithm>
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
using scanedge::fuzz::printable;
using scanedge::fuzz::same_ais;

constexpr int kYear = 2025;

d::DecodeOptions options() {
  d::DecodeOptions o;
  o.reference_year = kYear;
  return o;
}

std::vector<d::AiValue> sorted(std::vector<d::AiValue> ais) {
  std::sort(ais.begin(), ais.end(), [](const d::AiValue& a, const d::AiValue& b) {
    return a.ai != b.ai ? a.ai < b.ai : a.value < b.value;
  });
  return ais;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const std::string uri = d::starts_with_http_scheme(input, 0)
                              ? std::string(input)
                              : "https://id.gs1.org/" + std::string(input);

  const auto r = d::decode(uri, options());
  check_decode_result(r, uri);

  d::DigitalLinkParse parsed;
  const auto err = d::parse_digital_link(uri, 0, kYear, parsed);
  const std::string ctx = "uri " + printable(uri) + " -> " + describe(r);
  if (err) {
    FUZZ_CHECK(!r.ok() && r.error.code == err->code && r.error.offset == err->offset,
               ctx + "; parse_digital_link: " + err->code + " at " + std::to_string(err->offset));
    return 0;
  }
  FUZZ_CHECK(r.ok(), ctx + "; parse_digital_link succeeded");
  if (!parsed.is_digital_link) {
    FUZZ_CHECK(r.value->kind == d::kKindPlain && parsed.ais.empty(), ctx);
    return 0;
  }
  FUZZ_CHECK(r.value->kind == d::kKindDigitalLink, ctx);
  std::vector<d::AiValue> in_uri_order;
  for (const d::ParsedAi& a : parsed.ais) {
    in_uri_order.push_back(d::AiValue{std::string(a.entry->ai), std::string(a.value)});
  }
  FUZZ_CHECK(same_ais(r.value->ais, in_uri_order), ctx + "; parsed " + ais_text(in_uri_order));

  // Canonical URI: present, and it loses nothing.
  FUZZ_CHECK(r.value->digital_link.has_value(), ctx);
  const std::string& canonical = *r.value->digital_link;
  std::vector<d::AiValue> carried;
  for (const std::size_t i : d::digital_link_order(parsed.ais)) carried.push_back(in_uri_order[i]);
  FUZZ_CHECK(same_ais(sorted(carried), sorted(in_uri_order)),
             ctx + "; canonical carries " + ais_text(carried));

  // Round trip: canonical -> AIs -> the same canonical URI.
  const auto back = d::decode(canonical, options());
  check_decode_result(back, canonical);
  const std::string ctx2 = ctx + "; canonical -> " + describe(back) + "; expected " + ais_text(carried);
  FUZZ_CHECK(back.ok() && back.value->kind == d::kKindDigitalLink, ctx2);
  FUZZ_CHECK(same_ais(back.value->ais, carried), ctx2);
  FUZZ_CHECK(back.value->digital_link == canonical, ctx2);
  return 0;
}
