#include "edge/decode/gs1_element_string.h"

#include <array>
#include <string>

#include "edge/decode/error_codes.h"
#include "edge/decode/error_text.h"
#include "edge/decode/gs1_linters.h"
#include "edge/decode/gtin.h"

namespace scanedge::decode {
namespace {

using CharTable = std::array<bool, 256>;

constexpr CharTable make_table(std::string_view extra, bool digits, bool upper, bool lower) {
  CharTable t{};
  for (char c : extra) t[static_cast<unsigned char>(c)] = true;
  for (int c = 0; c < 256; ++c) {
    if ((digits && c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z') ||
        (lower && c >= 'a' && c <= 'z')) {
      t[static_cast<std::size_t>(c)] = true;
    }
  }
  return t;
}

// GS1 General Specifications figure 7.11-1 (CSET 82) and 7.11-2 (CSET 39).
constexpr CharTable kCset82 = make_table("!\"%&'()*+,-./:;<=>?_", true, true, true);
constexpr CharTable kCset39 = make_table("#-/", true, true, false);
constexpr CharTable kNumeric = make_table("", true, false, false);
constexpr CharTable kCset64 = make_table("-_", true, true, true);  // base64url

const CharTable& table_for(Cset c) {
  switch (c) {
    case Cset::kCset82: return kCset82;
    case Cset::kCset39: return kCset39;
    case Cset::kCset64: return kCset64;
    case Cset::kNumeric: break;
  }
  return kNumeric;
}

std::string_view cset_name(Cset c) {
  switch (c) {
    case Cset::kCset82: return "CSET 82";
    case Cset::kCset39: return "CSET 39";
    case Cset::kCset64: return "CSET 64 (base64url)";
    case Cset::kNumeric: break;
  }
  return "digits";
}

std::string ai_label(const AiEntry& e) {
  std::string s = "AI (";
  s += e.ai;
  s += ')';
  if (!e.title.empty()) {
    s += ' ';
    s += e.title;
  }
  return s;
}

DecodeError length_error(const AiEntry& e, std::string_view value, std::size_t offset,
                         std::string_view expectation) {
  std::string msg = ai_label(e) + ": value " + quoted(value) + " has " +
                    std::to_string(value.size()) + " characters, ";
  msg += expectation;
  return make_decode_error(error_code::kBadLength, std::move(msg), offset);
}

std::string length_expectation(std::size_t min, std::size_t max) {
  if (min == max) return "needs " + std::to_string(min);
  return "needs " + std::to_string(min) + " to " + std::to_string(max);
}

// Checks one AI's value component by component.
std::optional<DecodeError> validate_value(const AiEntry& e, std::string_view value,
                                          std::size_t value_offset, int reference_year) {
  std::size_t p = 0;
  for (std::size_t k = 0; k < e.component_count; ++k) {
    const AiComponent& c = e.components[k];
    const std::size_t remaining = value.size() - p;
    if (remaining == 0 && c.optional) break;
    std::size_t take = c.max;
    if (c.min != c.max || take > remaining) take = remaining;
    if (take < c.min || take > c.max) {
      return length_error(e, value, value_offset,
                          length_expectation(e.min_length(), e.max_length()));
    }
    const std::string_view part = value.substr(p, take);
    const std::size_t part_offset = value_offset + p;
    const CharTable& allowed = table_for(c.cset);
    // CSET 64 allows up to two '=' padding characters at the end.
    std::size_t checked = part.size();
    if (c.cset == Cset::kCset64) {
      while (checked > 0 && part.size() - checked < 2 && part[checked - 1] == '=') --checked;
    }
    for (std::size_t i = 0; i < checked; ++i) {
      if (!allowed[static_cast<unsigned char>(part[i])]) {
        return make_decode_error(error_code::kBadCharset,
                                 ai_label(e) + ": character " + quoted(part.substr(i, 1)) +
                                     " at position " + std::to_string(p + i + 1) +
                                     " of value " + quoted(value) + " is not in " +
                                     std::string(cset_name(c.cset)),
                                 part_offset + i);
      }
    }
    for (const Linter l : c.linters) {
      if (l == Linter::kNone) break;
      if (auto le = run_linter(l, part, reference_year)) {
        return make_decode_error(le->code, ai_label(e) + ": " + le->message,
                                 part_offset + le->at);
      }
    }
    p += take;
  }
  if (p != value.size()) {
    return length_error(e, value, value_offset,
                        length_expectation(e.min_length(), e.max_length()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<DecodeError> parse_element_strings(std::string_view data, std::size_t start,
                                                 int reference_year,
                                                 std::vector<ParsedAi>& out) {
  out.clear();
  const std::size_t n = data.size();
  std::size_t pos = start < n ? start : n;
  while (pos < n && data[pos] == kGs) ++pos;  // leading FNC1 sent as GS
  if (pos == n) {
    return make_decode_error(error_code::kEmpty, "no GS1 element strings in the data", pos);
  }
  const AiEntry* after_fixed = nullptr;  // predefined-length AI just before `pos`, no GS
  std::size_t after_fixed_value = 0;     // its value offset
  while (pos < n) {
    if (data[pos] == kGs) {  // separator after a variable-length AI, or a tolerated extra
      after_fixed = nullptr;
      ++pos;
      continue;
    }
    const std::size_t ai_offset = pos;
    const AiEntry* e = find_ai(data.substr(pos, 4));
    if (e == nullptr) {
      const std::string_view here = data.substr(pos, 4);
      if (after_fixed != nullptr && !(here.size() >= 2 && all_digits(here.substr(0, 2)))) {
        // Not even the start of an AI right after a predefined-length value (no GS between):
        // that value is too long.
        std::size_t end = pos;
        while (end < n && data[end] != kGs) ++end;
        const std::size_t want = after_fixed->max_length();
        return length_error(*after_fixed,
                            data.substr(after_fixed_value, end - after_fixed_value),
                            after_fixed_value, length_expectation(want, want));
      }
      std::string msg = (here.size() >= 2 && all_digits(here.substr(0, 2)))
                            ? "unknown GS1 AI at " + quoted(here)
                            : "expected a GS1 AI (digits) at " + quoted(here);
      return make_decode_error(error_code::kUnknownAi, std::move(msg), ai_offset);
    }
    pos += e->ai.size();
    const std::size_t value_offset = pos;
    std::size_t end = pos;
    while (end < n && data[end] != kGs) ++end;
    std::size_t len = end - pos;
    if (e->predefined_length) {
      const std::size_t want = e->max_length();
      if (len < want) {
        return length_error(*e, data.substr(pos, len), value_offset,
                            length_expectation(want, want));
      }
      len = want;
    } else if (len > e->max_length()) {
      const std::size_t surplus = value_offset + e->max_length();
      if (e->fixed_length() && find_ai(data.substr(surplus, 4)) != nullptr) {
        const std::size_t at = surplus;
        return make_decode_error(
            error_code::kMissingSeparator,
            ai_label(*e) + ": value " + quoted(data.substr(value_offset, e->max_length())) +
                " must be followed by a GS separator, found " + quoted(data.substr(at, 8)),
            at);
      }
      return length_error(*e, data.substr(pos, len), value_offset,
                          length_expectation(e->min_length(), e->max_length()));
    } else if (len < e->min_length()) {
      return length_error(*e, data.substr(pos, len), value_offset,
                          length_expectation(e->min_length(), e->max_length()));
    }
    const std::string_view value = data.substr(value_offset, len);
    if (auto err = validate_value(*e, value, value_offset, reference_year)) return err;
    out.push_back(ParsedAi{e, ai_offset, value_offset, value});
    pos = value_offset + len;
    after_fixed = e->predefined_length ? e : nullptr;
    after_fixed_value = value_offset;
  }
  return std::nullopt;
}

}  // namespace scanedge::decode
