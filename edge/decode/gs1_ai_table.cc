#include "edge/decode/gs1_ai_table.h"

#include <algorithm>

namespace scanedge::decode {
namespace {

constexpr AiComponent n_fixed(std::uint8_t len, Check c = Check::kNone) {
  return AiComponent{Cset::kNumeric, len, len, c, false};
}
constexpr AiComponent n_var(std::uint8_t max) { return AiComponent{Cset::kNumeric, 1, max, Check::kNone, false}; }
constexpr AiComponent x_var(std::uint8_t max) { return AiComponent{Cset::kCset82, 1, max, Check::kNone, false}; }

// Kept sorted by AI. Source: GS1 Barcode Syntax Dictionary, release 2026-01-27.
// First cut: the logistics keys and attributes the agent needs; issue 3 adds the rest.
constexpr std::array<AiEntry, 18> kTable = {{
    {"00", "SSCC", true, true, 1, {n_fixed(18, Check::kCsum)}, {}, "", true, ""},
    {"01", "GTIN", true, true, 1, {n_fixed(14, Check::kCsum)}, {}, "255,37", true, "22,10,21|235"},
    {"02", "CONTENT", true, true, 1, {n_fixed(14, Check::kCsum)}, {"37", ""}, "01,03", false, ""},
    {"10", "BATCH/LOT", false, true, 1, {x_var(20)}, {"01,02,03,8006,8026", ""}, "", false, ""},
    {"11", "PROD DATE", true, true, 1, {n_fixed(6, Check::kYymmd0)}, {"01,02,03,8006,8026", ""}, "", false, ""},
    {"13", "PACK DATE", true, true, 1, {n_fixed(6, Check::kYymmd0)}, {"01,02,03,8006,8026", ""}, "", false, ""},
    {"15", "BEST BEFORE or BEST BY", true, true, 1, {n_fixed(6, Check::kYymmd0)}, {"01,02,03,8006,8026", ""}, "", false, ""},
    {"17", "USE BY or EXPIRY", true, true, 1, {n_fixed(6, Check::kYymmd0)}, {"01,02,03,255,8006,8026", ""}, "", false, ""},
    {"21", "SERIAL", false, false, 1, {x_var(20)}, {"01,03,8006", ""}, "235", false, ""},
    {"22", "CPV", false, false, 1, {x_var(20)}, {"01", ""}, "", false, ""},
    {"235", "TPX", false, false, 1, {x_var(28)}, {"01", ""}, "", false, ""},
    {"240", "ADDITIONAL ID", false, true, 1, {x_var(30)}, {"01,02,8006,8026", ""}, "", false, ""},
    {"241", "CUST. PART No.", false, true, 1, {x_var(30)}, {"01,02,8006,8026", ""}, "", false, ""},
    {"30", "VAR. COUNT", false, true, 1, {n_var(8)}, {"01,02", ""}, "", false, ""},
    {"37", "COUNT", false, true, 1, {n_var(8)}, {"00", "02,8026"}, "", false, ""},
    {"400", "ORDER NUMBER", false, true, 1, {x_var(30)}, {}, "", false, ""},
    {"7001", "NSN", false, true, 1, {n_fixed(13)}, {"01,02,8006,8026", ""}, "", false, ""},
    {"8004", "GIAI", false, true, 1, {x_var(30)}, {}, "", true, "7040"},
}};

// AIs are 2 to 4 digits; index rows by their first two digits for O(1)-ish lookup.
struct Index {
  std::array<std::uint16_t, 101> begin{};  // rows [begin[p], begin[p+1]) start with prefix p
  std::array<const AiEntry*, kTable.size()> rows{};
};

constexpr int prefix_of(std::string_view ai) { return (ai[0] - '0') * 10 + (ai[1] - '0'); }

const Index& index() {
  static const Index idx = [] {
    Index i;
    std::array<const AiEntry*, kTable.size()> sorted{};
    for (std::size_t k = 0; k < kTable.size(); ++k) sorted[k] = &kTable[k];
    std::stable_sort(sorted.begin(), sorted.end(), [](const AiEntry* a, const AiEntry* b) {
      return prefix_of(a->ai) < prefix_of(b->ai);
    });
    i.rows = sorted;
    std::size_t k = 0;
    for (int p = 0; p <= 100; ++p) {
      while (k < sorted.size() && prefix_of(sorted[k]->ai) < p) ++k;
      i.begin[static_cast<std::size_t>(p)] = static_cast<std::uint16_t>(k);
    }
    return i;
  }();
  return idx;
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::size_t AiEntry::min_length() const {
  std::size_t n = 0;
  for (std::size_t k = 0; k < component_count; ++k) {
    if (!components[k].optional) n += components[k].min;
  }
  return n;
}

std::size_t AiEntry::max_length() const {
  std::size_t n = 0;
  for (std::size_t k = 0; k < component_count; ++k) n += components[k].max;
  return n;
}

const AiEntry* find_ai(std::string_view digits) {
  if (digits.size() < 2 || !is_digit(digits[0]) || !is_digit(digits[1])) return nullptr;
  const Index& idx = index();
  const auto p = static_cast<std::size_t>(prefix_of(digits));
  for (std::size_t k = idx.begin[p]; k < idx.begin[p + 1]; ++k) {
    const AiEntry* e = idx.rows[k];
    if (digits.size() >= e->ai.size() && digits.compare(0, e->ai.size(), e->ai) == 0) return e;
  }
  return nullptr;
}

const AiEntry* find_ai_exact(std::string_view ai) {
  const AiEntry* e = find_ai(ai);
  return (e != nullptr && e->ai.size() == ai.size()) ? e : nullptr;
}

std::span<const AiEntry> all_ais() { return {kTable.data(), kTable.size()}; }

bool ai_matches_pattern(std::string_view ai, std::string_view pattern) {
  if (ai.size() != pattern.size()) return false;
  for (std::size_t k = 0; k < ai.size(); ++k) {
    if (pattern[k] == 'n') {
      if (!is_digit(ai[k])) return false;
    } else if (pattern[k] != ai[k]) {
      return false;
    }
  }
  return true;
}

}  // namespace scanedge::decode
