#include "edge/decode/gs1_ai_table.h"


namespace scanedge::decode {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// index[abcd] = 1 + row of the AI that is a prefix of the four digits "abcd", 0 = none.
// AIs are 2 to 4 digits and prefix-free, so each four-digit string has at most one AI.
struct Index {
  std::array<std::uint16_t, 10000> row_plus_one{};
};

const Index& index() {
  static const Index idx = [] {
    Index built;
    Index* i = &built;
    const std::span<const AiEntry> rows = all_ais();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::string_view ai = rows[r].ai;
      int base = 0;
      for (char c : ai) base = base * 10 + (c - '0');
      int span = 1;
      for (std::size_t k = ai.size(); k < 4; ++k) {
        base *= 10;
        span *= 10;
      }
      for (int n = base; n < base + span; ++n) {
        i->row_plus_one[static_cast<std::size_t>(n)] = static_cast<std::uint16_t>(r + 1);
      }
    }
    return built;
  }();
  return idx;
}

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
  // Number of leading digits (up to 4) and their value padded with zeros to four digits.
  std::size_t k = 0;
  int n = 0;
  while (k < 4 && k < digits.size() && is_digit(digits[k])) {
    n = n * 10 + (digits[k] - '0');
    ++k;
  }
  if (k < 2) return nullptr;
  for (std::size_t pad = k; pad < 4; ++pad) n *= 10;
  const std::uint16_t r = index().row_plus_one[static_cast<std::size_t>(n)];
  if (r == 0) return nullptr;
  const AiEntry* e = &all_ais()[r - 1];
  return e->ai.size() <= k ? e : nullptr;
}

const AiEntry* find_ai_exact(std::string_view ai) {
  const AiEntry* e = find_ai(ai);
  return (e != nullptr && e->ai.size() == ai.size()) ? e : nullptr;
}

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

std::string decimal_value(const AiEntry& entry, std::string_view value) {
  if (entry.decimals < 0 || entry.component_count == 0) return {};
  // The number is the last component; the ones before it are fixed length (ISO currency).
  std::size_t skip = 0;
  for (std::size_t k = 0; k + 1 < entry.component_count; ++k) skip += entry.components[k].max;
  if (value.size() <= skip) return {};
  const std::string_view digits = value.substr(skip);
  for (char c : digits) {
    if (!is_digit(c)) return {};
  }
  const auto dec = static_cast<std::size_t>(entry.decimals);
  std::string out;
  out.reserve(digits.size() + 3);
  // Integer part: the digits before the last `dec`, leading zeros dropped, at least "0".
  const std::size_t int_len = digits.size() > dec ? digits.size() - dec : 0;
  std::size_t first = 0;
  while (first < int_len && digits[first] == '0') ++first;
  if (first == int_len) {
    out.push_back('0');
  } else {
    out.append(digits.substr(first, int_len - first));
  }
  if (dec > 0) {
    out.push_back('.');
    if (digits.size() < dec) out.append(dec - digits.size(), '0');
    out.append(digits.substr(int_len));
  }
  return out;
}

}  // namespace scanedge::decode
