#include "edge/decode/gtin.h"

namespace scanedge::decode {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

char gs1_check_digit(std::string_view data_digits) {
  int sum = 0;
  int weight = 3;
  for (std::size_t k = data_digits.size(); k > 0; --k) {
    sum += (data_digits[k - 1] - '0') * weight;
    weight = 4 - weight;  // 3,1,3,1...
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool gs1_check_digit_ok(std::string_view digits) {
  if (digits.size() < 2) return false;
  return gs1_check_digit(digits.substr(0, digits.size() - 1)) == digits.back();
}

std::string to_gtin14(std::string_view gtin) {
  std::string out;
  out.reserve(14);
  if (gtin.size() < 14) out.append(14 - gtin.size(), '0');
  out.append(gtin);
  return out;
}

std::optional<std::string> expand_upce(std::string_view e) {
  if (e.size() != 8 || !all_digits(e) || (e[0] != '0' && e[0] != '1')) return std::nullopt;
  const char ns = e[0];
  const char d1 = e[1], d2 = e[2], d3 = e[3], d4 = e[4], d5 = e[5], d6 = e[6];
  std::string a;
  a.reserve(12);
  a.push_back(ns);
  switch (d6) {
    case '0':
    case '1':
    case '2':
      a += {d1, d2, d6, '0', '0', '0', '0', d3, d4, d5};
      break;
    case '3':
      a += {d1, d2, d3, '0', '0', '0', '0', '0', d4, d5};
      break;
    case '4':
      a += {d1, d2, d3, d4, '0', '0', '0', '0', '0', d5};
      break;
    default:
      a += {d1, d2, d3, d4, d5, '0', '0', '0', '0', d6};
      break;
  }
  a.push_back(e[7]);
  return a;
}

}  // namespace scanedge::decode
