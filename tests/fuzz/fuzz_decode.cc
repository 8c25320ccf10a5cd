// Fuzz target: decode() on arbitrary bytes, the agent's entry point for every scan (AIM
// layer, EAN/UPC/ITF GTINs, GS1 element strings, Digital Link URIs, plain text).
//
// Properties (beyond "no crash, no sanitizer report"):
// - every result passes check_decode_result (decode_properties.h): an error code from the
//   fixed list with an offset inside the input, or a consistent value; to_json() dumps;
// - decode is deterministic (same input, same JSON) for a fixed reference year;
// - the profile option gs1_without_aim only changes the reading of data without an AIM id:
//   data with a known AIM id decodes identically with or without it;
// - a GTIN result's Digital Link decodes again to the same GTIN.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/decode/decoder.h"
#include "tests/fuzz/decode_properties.h"

namespace {

using scanedge::decode::DecodeOptions;
using scanedge::decode::decode;
using scanedge::decode::to_json;
using scanedge::fuzz::check_decode_result;
using scanedge::fuzz::describe;
using scanedge::fuzz::printable;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);

  DecodeOptions plain_opts;
  plain_opts.reference_year = 2025;
  const auto r = decode(input, plain_opts);
  check_decode_result(r, input);

  const auto again = decode(input, plain_opts);
  FUZZ_CHECK(to_json(again).dump() == to_json(r).dump(),
             "not deterministic: " + printable(input) + " -> " + describe(r) + " then " +
                 describe(again));

  DecodeOptions gs1_opts = plain_opts;
  gs1_opts.gs1_without_aim = true;
  const auto g = decode(input, gs1_opts);
  check_decode_result(g, input);
  if (r.ok() && !r.value->aim.empty()) {
    FUZZ_CHECK(to_json(g).dump() == to_json(r).dump(),
               "gs1_without_aim changed an AIM-identified scan: " + printable(input));
  }

  if (r.ok() && r.value->kind == scanedge::decode::kKindGtin) {
    const auto link = decode(*r.value->digital_link, plain_opts);
    check_decode_result(link, *r.value->digital_link);
    FUZZ_CHECK(link.ok() && link.value->kind == scanedge::decode::kKindDigitalLink &&
                   link.value->identity.gtin == r.value->identity.gtin,
               "GTIN Digital Link does not decode back: " + printable(input) + " -> " +
                   describe(r) + " -> " + describe(link));
  }
  return 0;
}
