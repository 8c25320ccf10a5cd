#include "edge/decode/aim.h"

namespace scanedge::decode {
namespace {

// Rows with an explicit modifier are matched first; the '*' row of a letter is the
// fallback for its other modifiers. Sources: ISO/IEC 15424, GS1 General Specifications
// 5.4.3.2 (GS1 ids), the project's DEVICES_AND_STANDARDS.md.
constexpr AimSymbology kAimTable[] = {
    {'A', '*', "code-39", AimContent::kText},
    {'C', '1', "gs1-128", AimContent::kGs1},
    {'C', '*', "code-128", AimContent::kText},       // C0 plain, C2 FNC1 2nd, C4 ISBT
    {'c', '*', "channel-code", AimContent::kText},
    {'d', '2', "gs1-datamatrix", AimContent::kGs1},  // ECC 200, FNC1 first
    {'d', '*', "datamatrix", AimContent::kText},     // d1 plain; d3-d6 FNC1 2nd / ECI
    {'e', '0', "gs1-databar", AimContent::kGs1},
    {'e', '*', "gs1-databar", AimContent::kText},
    {'E', '0', "ean-13", AimContent::kEanUpc},
    {'E', '1', "ean-addon", AimContent::kText},      // 2-digit add-on alone
    {'E', '2', "ean-addon", AimContent::kText},      // 5-digit add-on alone
    {'E', '3', "ean-13", AimContent::kEanWithAddOn},
    {'E', '4', "ean-8", AimContent::kEan8},
    {'E', '*', "ean-upc", AimContent::kText},
    {'F', '*', "codabar", AimContent::kText},
    {'G', '*', "code-93", AimContent::kText},
    {'H', '*', "code-11", AimContent::kText},
    {'h', '*', "han-xin", AimContent::kText},
    {'I', '1', "itf-14", AimContent::kItf14},        // check digit verified and sent
    {'I', '*', "itf", AimContent::kText},
    {'J', '1', "gs1-dotcode", AimContent::kGs1},     // FNC1 first
    {'J', '*', "dotcode", AimContent::kText},
    {'K', '*', "code-16k", AimContent::kText},
    {'L', '*', "pdf417", AimContent::kText},         // PDF417 and MicroPDF417
    {'M', '*', "msi", AimContent::kText},
    {'N', '*', "anker", AimContent::kText},
    {'O', '*', "codablock", AimContent::kText},
    {'o', '*', "ocr", AimContent::kText},
    {'P', '*', "plessey", AimContent::kText},
    {'Q', '3', "gs1-qr", AimContent::kGs1},          // model 2, FNC1 first, no ECI
    {'Q', '*', "qr", AimContent::kText},             // Q0 model 1, Q1 model 2, Q2/Q4-Q6 ECI/FNC1 2nd
    {'R', '*', "code-25", AimContent::kText},        // straight 2 of 5, two-bar start/stop
    {'S', '*', "code-25", AimContent::kText},        // straight 2 of 5, three-bar start/stop
    {'T', '*', "code-49", AimContent::kText},
    {'U', '*', "maxicode", AimContent::kText},
    {'X', '*', "other", AimContent::kText},          // other bar code
    {'Y', '*', "system-expansion", AimContent::kText},
    {'Z', '*', "non-barcode", AimContent::kText},    // keyboard, magnetic stripe, ...
    {'z', '1', "gs1-aztec", AimContent::kGs1},       // Aztec, FNC1 first (ISO/IEC 24778)
    {'z', '*', "aztec", AimContent::kText},
};

constexpr bool is_modifier(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

AimMatch match_aim(std::string_view data) {
  AimMatch m;
  if (data.size() < 3 || data[0] != ']' || !is_modifier(data[2])) return m;
  const char letter = data[1];
  const char modifier = data[2];
  const AimSymbology* fallback = nullptr;
  for (const AimSymbology& row : kAimTable) {
    if (row.letter != letter) continue;
    if (row.modifier == modifier) {
      fallback = &row;
      break;
    }
    if (row.modifier == '*' && fallback == nullptr) fallback = &row;
  }
  if (fallback == nullptr) return m;
  m.symbology = fallback;
  m.aim = data.substr(0, 3);
  m.length = 3;
  return m;
}

}  // namespace scanedge::decode
