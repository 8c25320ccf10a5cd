// The decoder's stable error codes (the `error.code` of the decode contract, also the
// `reason` of a rejected scan). Tests, the CLI and the ledger rely on these exact strings;
// never rename one, only add.
#pragma once

#include <array>
#include <string_view>

namespace scanedge::decode::error_code {

inline constexpr std::string_view kUnknownAi = "unknown_ai";          // no AI of the table here
inline constexpr std::string_view kBadLength = "bad_length";          // value too short/long
inline constexpr std::string_view kBadCharset = "bad_charset";        // char outside N/CSET82/39
inline constexpr std::string_view kBadCheckDigit = "bad_check_digit";  // GS1 mod-10 mismatch
inline constexpr std::string_view kBadDate = "bad_date";              // impossible YYMMDD
inline constexpr std::string_view kMissingSeparator = "missing_separator";  // no GS after
                                                                            // FNC1-needing AI
inline constexpr std::string_view kRequires = "requires";  // an AI's mandatory partner absent
inline constexpr std::string_view kExcludes = "excludes";  // two AIs that must not pair
inline constexpr std::string_view kBadUri = "bad_uri";     // Digital Link URI malformed
inline constexpr std::string_view kBadEpc = "bad_epc";     // EPC hex malformed/unknown header
inline constexpr std::string_view kEmpty = "empty";        // no data (after the AIM id)

inline constexpr std::array<std::string_view, 11> kAll = {
    kUnknownAi, kBadLength,  kBadCharset, kBadCheckDigit, kBadDate, kMissingSeparator,
    kRequires,  kExcludes,   kBadUri,     kBadEpc,        kEmpty};

}  // namespace scanedge::decode::error_code
