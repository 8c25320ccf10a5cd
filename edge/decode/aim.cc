#include "edge/decode/aim.h"

#include <array>

namespace scanedge::decode {
namespace {

// Rows with an explicit modifier are matched first; the '*' row of a letter is the
// fallback for its other modifiers. Sources: ISO/IEC 15424, GS1 General Specifications
// 5.4.3.2 (GS1 ids), the project's DEVICES_AND_STANDARDS.md.
constexpr std::array<AimSymbology, 36> kAimTable = {{
    {'A', '*', "code-39", AimContent::kText},
    {'C', '1', "gs1-128", AimContent::kGs1},
    {'C', '*', "code-128", AimContent::kText},
    {'d', '2', "gs1-datamatrix", AimContent::kGs1},
    {'d', '*', "datamatrix", AimContent::kText},
    {'e', '0', "gs1-databar", AimContent::kGs1},
    {'e', '*', "gs1-databar", AimContent::kText},
    {'E', '0', "ean-13", AimContent::kEanUpc},
    {'E', '1', "ean-addon", AimContent::kText},
    {'E', '2', "ean-addon", AimContent::kText},
    {'E', '3', "ean-13", AimContent::kEanWithAddOn},
    {'E', '4', "ean-8", AimContent::kEan8},
    {'E', '*', "ean-upc", AimContent::kText},
    {'F', '*', "codabar", AimContent::kText},
    {'G', '*', "code-93", AimContent::kText},
    {'H', '*', "code-11", AimContent::kText},
    {'I', '1', "itf-14", AimContent::kItf14},
    {'I', '*', "itf", AimContent::kText},
    {'J', '1', "gs1-dotcode", AimContent::kGs1},
    {'J', '*', "dotcode", AimContent::kText},
    {'L', '*', "pdf417", AimContent::kText},
    {'M', '*', "msi", AimContent::kText},
    {'Q', '3', "gs1-qr", AimContent::kGs1},
    {'Q', '*', "qr", AimContent::kText},
    {'R', '*', "code-25", AimContent::kText},
    {'S', '*', "code-25", AimContent::kText},
    {'U', '*', "maxicode", AimContent::kText},
    {'X', '*', "other", AimContent::kText},
    {'z', '*', "aztec", AimContent::kText},
    {'K', '*', "code-16k", AimContent::kText},
    {'N', '*', "anker", AimContent::kText},
    {'O', '*', "codablock", AimContent::kText},
    {'P', '*', "plessey", AimContent::kText},
    {'T', '*', "code-49", AimContent::kText},
    {'o', '*', "ocr", AimContent::kText},
    {'Y', '*', "system-expansion", AimContent::kText},
}};

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
