// AIM symbology identifiers (ISO/IEC 15424): "]" + code letter + modifier, sent before the
// data when the scanner has AIM ids switched on.
//
// The table maps (letter, modifier) to a symbology name and to what the data carries, so
// the decoder knows whether to parse GS1 element strings (the leading FNC1 of a GS1
// symbol is implied by the id and not sent), a GTIN symbol (EAN/UPC, ITF-14), or
// free text. Adding a symbology = adding a row in aim.cc.
//
// GS1 element strings: ]C1 gs1-128, ]e0 gs1-databar, ]d2 gs1-datamatrix, ]Q3 gs1-qr,
// ]J1 gs1-dotcode, ]z1 gs1-aztec (FNC1 in first position). GTINs: ]E0 ean-13/upc-a/upc-e,
// ]E3 ean-13 + add-on, ]E4 ean-8, ]I1 itf-14. Text, possibly a GS1 Digital Link URI: every
// other id (]Q1 qr, ]d1 datamatrix, ]L0 pdf417, ]z0 aztec, ]A0 code-39, ]C0 code-128,
// ]G0 code-93, ]F0 codabar, ]X0 other, ...). Ids whose data carries ECI escape
// sequences (e.g. ]Q4, ]d5: FNC1 first plus ECI) are text: their data is not plain
// element strings.
//
// Pure functions over constant data: thread-safe, no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace scanedge::decode {

// What the data after the AIM id is.
enum class AimContent {
  kText,          // no GS1 meaning of its own (Code 39, Code 128, QR, Data Matrix, ...)
  kGs1,           // GS1 element strings, FNC1 in first position implied (]C1, ]e0, ]d2, ...)
  kEanUpc,        // ]E0: EAN-13 / UPC-A (12 or 13 digits) or UPC-E (8 digits)
  kEan8,          // ]E4: EAN-8
  kEanWithAddOn,  // ]E3: EAN-13 followed by a 2- or 5-digit add-on
  kItf14,         // ]I1: ITF with check digit; a 14-digit payload is a GTIN-14
};

struct AimSymbology {
  char letter;         // code character, case-sensitive ('e' DataBar vs 'E' EAN)
  char modifier;       // '0'..'9', 'A'..'Z'; '*' = any modifier not listed for this letter
  std::string_view name;  // the contract's symbology name, e.g. "gs1-128"
  AimContent content;
};

// Result of looking for an AIM id at the start of the data.
struct AimMatch {
  const AimSymbology* symbology = nullptr;  // nullptr: no (known) AIM id at the start
  std::string_view aim;                     // the 3 bytes, e.g. "]C1"; empty when none
  std::size_t length = 0;                   // bytes to skip: 3 or 0
};

// Recognises "]" + a known code letter + an alphanumeric modifier. Anything else (an
// unknown letter, a short string) is "no AIM id": the whole data is payload.
AimMatch match_aim(std::string_view data);

// Whether AIM content of this kind carries GS1 element strings.
constexpr bool carries_gs1(AimContent c) { return c == AimContent::kGs1; }

// Whether AIM content of this kind may be a GS1 Digital Link URI (free text).
constexpr bool may_carry_digital_link(AimContent c) { return c == AimContent::kText; }

}  // namespace scanedge::decode
