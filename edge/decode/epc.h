// EPC binary (hex) -> pure identity URI, tag URI and GS1 keys, per the GS1 EPC Tag Data
// Standard (TDS). Schemes: SGTIN-96 (header 0x30), SSCC-96 (0x31), SGLN-96 (0x32),
// GRAI-96 (0x33), GIAI-96 (0x34), SGTIN-198 (0x36), GRAI-170 (0x37), GIAI-202 (0x38),
// SGLN-195 (0x39). Every other header (GID-96, GDTI, GSRN, TDS 2.0 "+" schemes, ...) is
// `bad_epc`: never a guess.
//
// Input: the EPC bits as hex digits (either case, nothing else: no "0x", no spaces), whole
// bytes. The length must fit the header's scheme: 96-bit schemes exactly 24 digits; the
// others either the bits rounded up to whole bytes (SGTIN-198 and SGLN-195: 50 digits,
// GRAI-170: 44, GIAI-202: 52) or to whole 16-bit words as readers report EPC memory (52
// digits for SGTIN-198/SGLN-195); the padding bits after the EPC must be zero.
//
// Checks (all `bad_epc` unless said otherwise): empty input is `empty`; a non-hex byte,
// an odd digit count, an unknown header, a length that does not fit, non-zero padding,
// partition 7, a company prefix or reference whose value exceeds its partition's decimal
// digits (e.g. SGTIN item reference 12 in a 1-digit field), non-zero reserved bits
// (SSCC-96's 24 unallocated bits), and for 7-bit strings (SGTIN-198 serial, SGLN-195
// extension, GRAI-170 serial, GIAI-202 asset reference): an empty string, a character
// outside GS1 set 82, more characters than the scheme allows, non-zero bits after the
// terminating zero character. Integers (SGTIN-96/GRAI-96 serial, SGLN-96 extension,
// GIAI-96 asset reference) are written in decimal without leading zeros. The filter value
// (0..7) is reported as is; reserved filter values are not an error (the TDS worked
// example uses filter 3).
// Error `offset` = index of the hex digit holding the first offending bit (for a non-hex
// byte: its index; for a bad length: where the data ends or the surplus starts).
//
// Success: kind "epc", aim "" and symbology "epc" (an EPC is read over RFID, there is no
// barcode symbology or AIM identifier; "epc" names the carrier), `epc` set (scheme,
// filter, uri, tag_uri; to_json adds them as "scheme","filter","uri","tag_uri"),
// identity.epc = the pure identity URI, and the GS1 element strings in `ais`:
//   SGTIN: 01 (GTIN-14, check digit computed) + 21 (serial); identity.gtin, .serial
//   SSCC : 00 (SSCC-18, check digit computed); identity.sscc
//   SGLN : 414 (GLN) + 254 (extension) unless the extension is "0" (= no extension)
//   GRAI : 8003 ("0" + company prefix + asset type + check digit + serial)
//   GIAI : 8004 (company prefix + individual asset reference)
// and `digital_link` the canonical https://id.gs1.org/ URI of those keys (/01/../21/..,
// /00/.., /414/..[/254/..], /8003/.., /8004/..), values percent-encoded.
// Serials and other strings in the URIs are escaped per the TDS (" % & / < > ? as
// %22 %25 %26 %2F %3C %3E %3F); in `ais`/identity they are the raw characters.
//
// Never throws (except std::bad_alloc), never reads outside `hex`; thread-safe; a few
// small allocations for the result strings.
#pragma once

#include <string_view>

#include "edge/decode/decoded.h"

namespace scanedge::decode {

// Value of Decoded::symbology for EPC results.
inline constexpr std::string_view kSymbologyEpc = "epc";

DecodeResult decode_epc(std::string_view hex);

}  // namespace scanedge::decode
