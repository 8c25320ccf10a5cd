// Fuzz target: decode_epc() (edge/decode/epc.h), EPC binary as hex -> identity URIs and
// GS1 keys, on arbitrary bytes.
//
// Properties:
// - every result passes check_decode_result (decode_properties.h), and errors are only
//   `bad_epc` or `empty`;
// - hex digits are case-insensitive: the input with its letters' case flipped gives the
//   same result (same JSON when ok; same code and offset when not);
// - a decoded EPC is complete and self-consistent: kind "epc", aim "", symbology "epc", one
//   of the nine schemes, filter 0..7, identity.epc = the pure identity URI
//   (urn:epc:id:...), the tag URI urn:epc:tag:{scheme}:{filter}.{...}, GS1 keys in `ais`
//   and the identity fields that go with the scheme;
// - its GS1 keys are valid GS1 data: written as element strings they decode ("]C1") to the
//   same AIs, and its Digital Link decodes to the same AIs with the same canonical URI.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edge/decode/decoder.h"
#include "edge/decode/epc.h"
#include "edge/decode/error_codes.h"
#include "tests/fuzz/decode_properties.h"

namespace {

namespace d = scanedge::decode;
using scanedge::fuzz::check_decode_result;
using scanedge::fuzz::describe;
using scanedge::fuzz::element_string;
using scanedge::fuzz::printable;
using scanedge::fuzz::same_ais;

constexpr std::array<std::string_view, 9> kSchemes = {
    "sgtin-96", "sgtin-198", "sscc-96",  "sgln-96", "sgln-195",
    "grai-96",  "grai-170",  "giai-96", "giai-202"};

std::string flip_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// "sgtin-96" -> "sgtin"
std::string_view scheme_family(std::string_view scheme) { return scheme.substr(0, scheme.find('-')); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const auto r = d::decode_epc(input);
  check_decode_result(r, input);
  const std::string ctx = "hex " + printable(input) + " -> " + describe(r);

  const std::string flipped = flip_case(input);
  const auto f = d::decode_epc(flipped);
  FUZZ_CHECK(f.ok() == r.ok(), ctx + "; case-flipped -> " + describe(f));

  if (!r.ok()) {
    FUZZ_CHECK(r.error.code == d::error_code::kBadEpc || r.error.code == d::error_code::kEmpty, ctx);
    FUZZ_CHECK(r.error.code != d::error_code::kEmpty || input.empty(), ctx);
    FUZZ_CHECK(f.error.code == r.error.code && f.error.offset == r.error.offset,
               ctx + "; case-flipped -> " + describe(f));
    return 0;
  }
  FUZZ_CHECK(d::to_json(f).dump() == d::to_json(r).dump(), ctx + "; case-flipped -> " + describe(f));

  const d::Decoded& v = *r.value;
  FUZZ_CHECK(v.kind == d::kKindEpc && v.aim.empty() && v.symbology == d::kSymbologyEpc, ctx);
  FUZZ_CHECK(v.epc.has_value(), ctx);
  const d::EpcInfo& epc = *v.epc;
  bool known_scheme = false;
  for (const std::string_view s : kSchemes) known_scheme = known_scheme || s == epc.scheme;
  FUZZ_CHECK(known_scheme, ctx + "; scheme " + epc.scheme);
  FUZZ_CHECK(epc.filter >= 0 && epc.filter <= 7, ctx);
  const std::string family(scheme_family(epc.scheme));
  const std::string id_prefix = "urn:epc:id:" + family + ":";
  const std::string tag_prefix = "urn:epc:tag:" + epc.scheme + ":" + std::to_string(epc.filter) + ".";
  FUZZ_CHECK(epc.uri.starts_with(id_prefix), ctx + "; uri " + epc.uri);
  FUZZ_CHECK(epc.tag_uri.starts_with(tag_prefix), ctx + "; tag_uri " + epc.tag_uri);
  // The tag URI is the pure identity URI's fields behind the filter.
  FUZZ_CHECK(epc.tag_uri.substr(tag_prefix.size()) == epc.uri.substr(id_prefix.size()),
             ctx + "; uri " + epc.uri + " tag_uri " + epc.tag_uri);
  FUZZ_CHECK(v.identity.epc == epc.uri, ctx);
  FUZZ_CHECK(!v.ais.empty() && v.digital_link.has_value(), ctx);
  if (family == "sgtin") FUZZ_CHECK(v.identity.gtin && v.identity.serial, ctx);
  if (family == "sscc") FUZZ_CHECK(v.identity.sscc.has_value(), ctx);

  // The GS1 keys are valid element strings.
  const std::string es = "]C1" + element_string(v.ais);
  d::DecodeOptions opts;
  opts.reference_year = 2025;
  const auto as_es = d::decode(es, opts);
  check_decode_result(as_es, es);
  FUZZ_CHECK(as_es.ok() && same_ais(as_es.value->ais, v.ais),
             ctx + "; element string " + printable(es) + " -> " + describe(as_es));
  FUZZ_CHECK(as_es.value->digital_link == v.digital_link,
             ctx + "; element string " + printable(es) + " -> " + describe(as_es));

  // And the Digital Link carries the same keys.
  const auto dl = d::decode(*v.digital_link, opts);
  check_decode_result(dl, *v.digital_link);
  FUZZ_CHECK(dl.ok() && dl.value->kind == d::kKindDigitalLink && same_ais(dl.value->ais, v.ais) &&
                 dl.value->digital_link == v.digital_link,
             ctx + "; digital link -> " + describe(dl));
  return 0;
}
