// The GS1 Barcode Syntax Dictionary's content checks ("linters") on one AI component, in
// our own implementation, and how each failure maps onto the decoder's error codes.
//
// Precondition for run_linter(): the component already passed its length and character-set
// check (N / CSET 82 / CSET 39 / CSET 64), so e.g. a numeric linter sees digits only.
//
// Error mapping (the decode contract's codes stay those of error_codes.h):
// - check digits / check characters -> bad_check_digit:
//     csum (GS1 mod-10), csumalpha (check character pair), iban (mod-97 check digits);
// - dates and times -> bad_date: yymmd0, yymmdd, yyyymmdd, hhmi, hh, mi, ss, and the dates
//     inside couponcode;
// - a part too short for what the linter needs -> bad_length: gcppos1/gcppos2 shorter than
//     the 4-digit minimum GS1 Company Prefix, csumalpha shorter than its pair, iban shorter
//     than 11, couponcode/couponposoffer fields truncated (or data left after the last);
// - every other content rule -> bad_charset, with the message naming the rule, e.g.
//     "country code '999' is not an ISO 3166 numeric code (iso3166)": iso3166,
//     iso3166999, iso3166alpha2, iso4217, iso5218, pcenc, latitude, longitude, yesno,
//     hyphen, importeridx, packagetype, mediatype, posinseqslash, nonzero, nozeroprefix,
//     winding, zero, pieceoftotal, hasnondigit, gcppos1/2 (non-digit in the prefix),
//     iban (bad country code or character), couponcode/couponposoffer (a bad code value).
//
// What cannot be validated without external data:
// - gcppos1/gcppos2: whether the prefix is a GS1 Company Prefix actually allocated by GS1
//   needs GS1's prefix allocation list (not public as data). We check what the syntax
//   allows: at least 4 characters from the position, all digits (the shortest GCP).
// - The code lists are carried in full (gs1_linters.cc): ISO 3166-1 numeric and alpha-2,
//   ISO 4217 numeric (current codes, iso-codes 4.15), GS1 PackageTypeCode, AIDC media types.
//   A code added to those standards later needs a table update.
//
// Pure functions, thread-safe; no allocation unless a failure is returned.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "edge/decode/gs1_ai_table.h"

namespace scanedge::decode {

struct LintError {
  std::string_view code;  // one of error_code::k* (error_codes.h)
  std::size_t at = 0;     // offset of the offending part inside the component
  std::string message;    // what is wrong, naming the linter; no AI prefix
};

// Runs one linter on one component. nullopt = passes. `reference_year` is the GS1
// two-digit-year century reference (gs1_date.h). Linter::kNone always passes.
std::optional<LintError> run_linter(Linter linter, std::string_view part, int reference_year);

// The dictionary's name of a linter ("csum", "iso3166", ...); "" for kNone.
std::string_view linter_name(Linter linter);

// The GS1 check character pair ("csumalpha") for `data` (CSET 82 characters, at most 97):
// two characters of CSET 32. Precondition: every character of `data` is in CSET 82.
std::string gs1_check_pair(std::string_view data);

}  // namespace scanedge::decode
