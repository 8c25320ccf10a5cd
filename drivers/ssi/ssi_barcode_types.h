// SSI DECODE_DATA barcode type byte -> AIM symbology identifier, for scanners that do not
// send AIM ids themselves (profile aim_ids = false: the driver adds the prefix).
//
// Mapping (type codes from Zebra's SSI programmer guide "DECODE_DATA code types"; AIM ids
// from ISO/IEC 15424 and docs DEVICES_AND_STANDARDS.md):
//   0x01 Code 39               ]A0
//   0x03 Code 128              ]C0
//   0x06 Interleaved 2 of 5    ]I0   (the scanner does not say whether an ITF-14 check digit
//                                     was verified, so ]I1 is not claimed)
//   0x08 UPC-A                 ]E0   (12 digits, as the decoder accepts for ]E0)
//   0x0A EAN-8                 ]E4
//   0x0B EAN-13                ]E0
//   0x0F GS1-128               ]C1   GS1
//   0x11 PDF417                ]L2
//   0x1B Data Matrix           ]d1
//   0x1C QR Code               ]Q1
//   0x30 GS1 DataBar           ]e0   GS1
//   0x31 GS1 DataBar Limited   ]e0   GS1
//   0x32 GS1 DataBar Expanded  ]e0   GS1
//   0xC1 GS1 Data Matrix       ]d2   GS1
//   0xC2 GS1 QR Code           ]Q3   GS1
// For the GS1 ids the leading FNC1 is implied by the AIM id: a GS (0x1D) the scanner sent in
// its place at the very start is removed; later GS separators are kept.
// Any other type code is delivered without an AIM id (known_type = false; the driver counts
// it in stats().unknown_barcode_types).
// Threading: pure functions over a constant table; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace scanedge::ssi {

struct SsiBarcodeType {
  std::uint8_t code;
  const char* name;
  const char* aim;  // "]C1"
  bool gs1;
};

std::span<const SsiBarcodeType> ssi_barcode_types();
const SsiBarcodeType* find_ssi_barcode_type(std::uint8_t code);

struct ScanText {
  std::string data;
  bool known_type = true;
};

// The RawScan data for a DECODE_DATA message: `data` unchanged when the scanner sends AIM
// ids itself (scanner_sends_aim = true; known_type stays true), else the AIM id of
// `barcode_type` + data (known_type = false and data unchanged for an unmapped type).
ScanText scan_text(std::uint8_t barcode_type, std::string_view data, bool scanner_sends_aim);

}  // namespace scanedge::ssi
