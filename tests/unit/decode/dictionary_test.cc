// Checks the project's AI table against GS1's machine-readable Barcode Syntax Dictionary,
// for EVERY AI of the dictionary: same formats, flags and rules; a generated valid value
// decodes (with the partners its req= rules demand); a value one too long / one too short
// is bad_length; a character outside the component's set is bad_charset; a wrong check
// digit/character is bad_check_digit where a check linter applies.
//
// The dictionary is reference data outside the repository: ../shared/data/gs1/ next to the
// source tree (SCANEDGE_GS1_DICTIONARY overrides the path). Without it the tests are skipped
// and say so.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "edge/decode/decoder.h"
#include "edge/decode/gs1_ai_table.h"
#include "edge/decode/gs1_linters.h"
#include "edge/decode/gtin.h"

namespace scanedge::decode {
namespace {

const std::string GS = "\x1D";

// ---- The dictionary, parsed here independently of the table ------------------------------

struct DictComponent {
  char cset = 'N';
  int min = 0;
  int max = 0;
  bool optional = false;
  std::vector<std::string> linters;
};

struct DictRow {
  std::string ai;
  std::string title;
  bool predefined = false;
  bool dl_attribute = false;
  std::vector<DictComponent> components;
  std::vector<std::string> requires_;
  std::string excludes;
  bool dl_key = false;
  std::string dl_qualifiers;
  int decimals = -1;
};

std::string dictionary_path() {
  if (const char* p = std::getenv("SCANEDGE_GS1_DICTIONARY")) return p;
#ifdef SCANEDGE_SOURCE_DIR
  std::string root = SCANEDGE_SOURCE_DIR;
#else
  // This file is <root>/tests/unit/decode/dictionary_test.cc.
  std::string root = __FILE__;
  for (int up = 0; up < 4; ++up) root = root.substr(0, root.find_last_of('/'));
#endif
  return root + "/../shared/data/gs1/gs1-syntax-dictionary.txt";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

bool parse_component(std::string tok, DictComponent& c) {
  if (tok.empty()) return false;
  if (tok[0] == '[') {
    const std::size_t close = tok.find(']');
    if (close == std::string::npos) return false;
    c.optional = true;
    tok = tok.substr(1, close - 1) + tok.substr(close + 1);
  }
  if (tok[0] != 'N' && tok[0] != 'X' && tok[0] != 'Y' && tok[0] != 'Z') return false;
  std::vector<std::string> parts = split(tok, ',');
  std::string f = parts[0].substr(1);
  c.cset = tok[0];
  const bool var = f.rfind("..", 0) == 0;
  if (var) f = f.substr(2);
  if (f.empty() || !all_digits(f)) return false;
  c.max = std::stoi(f);
  c.min = var ? 1 : c.max;
  c.linters.assign(parts.begin() + 1, parts.end());
  return true;
}

std::vector<DictRow> load_dictionary(const std::string& path) {
  std::vector<DictRow> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    std::string body = line;
    std::string title;
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) {
      body = line.substr(0, hash);
      title = line.substr(hash + 1);
      title.erase(0, title.find_first_not_of(' '));
      title.erase(title.find_last_not_of(" \t") + 1);
      for (const auto& [from, to] : {std::pair<std::string, std::string>{"\xC2\xB2", "2"},
                                     {"\xC2\xB3", "3"}}) {
        for (std::size_t at; (at = title.find(from)) != std::string::npos;) {
          title.replace(at, from.size(), to);
        }
      }
    }
    std::istringstream toks(body);
    std::string range;
    toks >> range;
    DictRow proto;
    proto.title = title;
    std::string tok;
    bool first = true;
    while (toks >> tok) {
      DictComponent c;
      if (first && tok.find_first_not_of("*?!\"$%&'()+,-./:;<=>@[\\]^_`{|}~") ==
                       std::string::npos) {
        proto.predefined = tok.find('*') != std::string::npos;
        proto.dl_attribute = tok.find('?') != std::string::npos;
      } else if (tok.rfind("req=", 0) == 0) {
        proto.requires_.push_back(tok.substr(4));
      } else if (tok.rfind("ex=", 0) == 0) {
        proto.excludes = tok.substr(3);
      } else if (tok == "dlpkey") {
        proto.dl_key = true;
      } else if (tok.rfind("dlpkey=", 0) == 0) {
        proto.dl_key = true;
        proto.dl_qualifiers = tok.substr(7);
      } else if (parse_component(tok, c)) {
        proto.components.push_back(c);
      } else {
        ADD_FAILURE() << "unparsed token '" << tok << "' in: " << line;
      }
      first = false;
    }
    const std::size_t dash = range.find('-');
    const std::string lo = range.substr(0, dash);
    const std::string hi = dash == std::string::npos ? lo : range.substr(dash + 1);
    for (int n = std::stoi(lo); n <= std::stoi(hi); ++n) {
      DictRow r = proto;
      r.ai = std::to_string(n);
      r.ai.insert(0, lo.size() - r.ai.size(), '0');
      // Decimal-position AIs: the 4-digit ranges of 31nn-36nn and 39nn (last digit = decimals).
      if (lo != hi && r.ai.size() == 4 &&
          std::string("31 32 33 34 35 36 39").find(r.ai.substr(0, 2)) != std::string::npos) {
        r.decimals = r.ai[3] - '0';
      }
      rows.push_back(r);
    }
  }
  return rows;
}

class Dictionary : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dictionary_path();
    if (!std::ifstream(path).good()) {
      GTEST_SKIP() << "GS1 syntax dictionary not found at " << path
                   << " (reference data outside the repository); skipping";
    }
    rows_ = load_dictionary(path);
    ASSERT_GT(rows_.size(), 500u);
  }
  std::vector<DictRow> rows_;
};

char cset_letter(Cset c) {
  switch (c) {
    case Cset::kNumeric: return 'N';
    case Cset::kCset82: return 'X';
    case Cset::kCset39: return 'Y';
    case Cset::kCset64: return 'Z';
  }
  return '?';
}

// ---- Generated values ----------------------------------------------------------------------

// A valid value for one component (full length where the content allows).
std::string valid_part(const DictComponent& c) {
  const auto has = [&](const char* l) {
    for (const auto& x : c.linters) {
      if (x == l) return true;
    }
    return false;
  };
  const auto n = static_cast<std::size_t>(c.max);
  if (has("csum")) {
    std::string d = "1234" + std::string(n - 5, '7');
    return d + gs1_check_digit(d);
  }
  if (has("csumalpha")) {
    std::string d = "1234A" + std::string(n - 7, 'b');
    return d + gs1_check_pair(d);
  }
  static const std::map<std::string, std::string> samples = {
      {"yymmd0", "260100"},       {"yymmdd", "240229"},       {"yyyymmdd", "20240229"},
      {"hhmi", "2359"},           {"hh", "23"},               {"mi", "59"},
      {"ss", "59"},               {"iso3166", "276"},         {"iso3166999", "999"},
      {"iso3166alpha2", "DE"},    {"iso4217", "978"},         {"iso5218", "2"},
      {"latitude", "1800000000"}, {"longitude", "0000000000"}, {"yesno", "1"},
      {"hyphen", "-"},            {"importeridx", "_"},       {"packagetype", "BX"},
      {"mediatype", "10"},        {"posinseqslash", "2/3"},   {"winding", "9"},
      {"zero", "0"},              {"pieceoftotal", "0102"},   {"iban", "GB98MIDL07009312345678"},
      {"couponcode", "012345612345611110123"}, {"couponposoffer", "001234561234560123456"},
  };
  for (const auto& l : c.linters) {
    const auto it = samples.find(l);
    if (it != samples.end() && static_cast<int>(it->second.size()) >= c.min &&
        static_cast<int>(it->second.size()) <= c.max) {
      return it->second;
    }
  }
  if (c.cset == 'N') return std::string(n, '1');
  if (c.cset == 'Z') return std::string(n, 'z');
  std::string s = std::string("1234").substr(0, std::min<std::size_t>(n, 4));
  return s + std::string(n - s.size(), c.cset == 'Y' ? 'Q' : 'q');
}

std::string valid_value(const DictRow& r) {
  std::string v;
  for (const auto& c : r.components) v += valid_part(c);
  return v;
}

std::size_t max_length(const DictRow& r) {
  std::size_t n = 0;
  for (const auto& c : r.components) n += static_cast<std::size_t>(c.max);
  return n;
}

std::size_t min_length(const DictRow& r) {
  std::size_t n = 0;
  for (const auto& c : r.components) n += c.optional ? 0 : static_cast<std::size_t>(c.min);
  return n;
}

bool matches(const std::string& ai, const std::string& pattern) {
  return ai_matches_pattern(ai, pattern);
}

// The AIs (with `ai` first) one message needs so that every req= rule holds and no ex= rule
// is broken: first compatible alternative of each unmet rule, repeatedly.
std::vector<std::string> with_partners(const std::string& ai,
                                       const std::map<std::string, const DictRow*>& by_ai) {
  std::vector<std::string> set = {ai};
  const auto excluded = [&](const std::string& a, const std::string& b) {
    for (const auto& p : split(by_ai.at(a)->excludes, ',')) {
      if (a != b && matches(b, p)) return true;
    }
    return false;
  };
  const auto compatible = [&](const std::string& x) {
    for (const auto& y : set) {
      if (excluded(x, y) || excluded(y, x)) return false;
    }
    return true;
  };
  const auto present = [&](const std::string& pattern) {
    for (const auto& y : set) {
      if (matches(y, pattern)) return true;
    }
    return false;
  };
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    for (std::size_t i = 0; i < set.size(); ++i) {
      for (const auto& req : by_ai.at(set[i])->requires_) {
        bool met = false;
        for (const auto& alt : split(req, ',')) {
          bool all = true;
          for (const auto& need : split(alt, '+')) all = all && present(need);
          met = met || all;
        }
        if (met) continue;
        for (const auto& alt : split(req, ',')) {
          std::vector<std::string> add;
          bool ok = true;
          for (auto need : split(alt, '+')) {
            for (char& ch : need) ch = ch == 'n' ? '0' : ch;
            ok = ok && by_ai.count(need) && compatible(need);
            if (!present(need)) add.push_back(need);
          }
          if (!ok) continue;
          set.insert(set.end(), add.begin(), add.end());
          changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }
  return set;
}

DecodeResult dec(const std::string& data) {
  DecodeOptions o;
  o.reference_year = 2026;
  return decode(data, o);
}

// ---- The tests -----------------------------------------------------------------------------

TEST_F(Dictionary, TableHasEveryAiWithTheSameFormatFlagsAndRules) {
  std::set<std::string> dict_ais;
  for (const DictRow& r : rows_) {
    SCOPED_TRACE("AI (" + r.ai + ")");
    dict_ais.insert(r.ai);
    const AiEntry* e = find_ai_exact(r.ai);
    ASSERT_NE(e, nullptr) << "missing from the table";
    EXPECT_EQ(e->title, r.title);
    EXPECT_EQ(e->predefined_length, r.predefined);
    EXPECT_EQ(e->dl_attribute, r.dl_attribute);
    ASSERT_EQ(e->component_count, r.components.size());
    for (std::size_t k = 0; k < r.components.size(); ++k) {
      const AiComponent& c = e->components[k];
      const DictComponent& d = r.components[k];
      EXPECT_EQ(cset_letter(c.cset), d.cset) << "component " << k;
      EXPECT_EQ(c.min, d.min) << "component " << k;
      EXPECT_EQ(c.max, d.max) << "component " << k;
      EXPECT_EQ(c.optional, d.optional) << "component " << k;
      std::vector<std::string> ours;
      for (Linter l : c.linters) {
        if (l != Linter::kNone) ours.emplace_back(linter_name(l));
      }
      EXPECT_EQ(ours, d.linters) << "component " << k;
    }
    std::vector<std::string> reqs;
    for (std::string_view q : e->requires_) {
      if (!q.empty()) reqs.emplace_back(q);
    }
    EXPECT_EQ(reqs, r.requires_);
    EXPECT_EQ(e->excludes, r.excludes);
    EXPECT_EQ(e->dl_primary_key, r.dl_key);
    EXPECT_EQ(e->dl_qualifiers, r.dl_qualifiers);
    EXPECT_EQ(e->decimals, r.decimals);
  }
  // ...and nothing the dictionary does not have.
  for (const AiEntry& e : all_ais()) {
    EXPECT_TRUE(dict_ais.count(std::string(e.ai))) << "AI (" << e.ai << ") not in dictionary";
  }
  EXPECT_EQ(all_ais().size(), rows_.size());
}

TEST_F(Dictionary, EveryAiDecodesAValidValueWithItsPartners) {
  std::map<std::string, const DictRow*> by_ai;
  for (const DictRow& r : rows_) by_ai[r.ai] = &r;
  for (const DictRow& r : rows_) {
    SCOPED_TRACE("AI (" + r.ai + ")");
    const std::string value = valid_value(r);
    const std::vector<std::string> set = with_partners(r.ai, by_ai);
    std::string data = "]C1";
    for (const std::string& ai : set) data += ai + valid_value(*by_ai.at(ai)) + GS;
    const DecodeResult res = dec(data);
    ASSERT_TRUE(res.ok()) << ::testing::PrintToString(data) << ": " << res.error.code << " @"
                          << res.error.offset << " " << res.error.message;
    ASSERT_EQ(res.value->ais.size(), set.size());
    EXPECT_EQ(res.value->ais[0].ai, r.ai);
    EXPECT_EQ(res.value->ais[0].value, value);
    // The optional components really are optional.
    std::size_t mandatory = 0;
    std::string head;
    for (const auto& c : r.components) {
      if (c.optional) break;
      head += valid_part(c);
      ++mandatory;
    }
    if (mandatory < r.components.size()) {
      std::string d2 = "]C1" + r.ai + head + GS;
      for (std::size_t k = 1; k < set.size(); ++k) d2 += set[k] + valid_value(*by_ai.at(set[k])) + GS;
      const DecodeResult r2 = dec(d2);
      EXPECT_TRUE(r2.ok()) << ::testing::PrintToString(d2) << ": " << r2.error.message;
    }
  }
}

TEST_F(Dictionary, EveryAiRejectsOneTooLongAndOneTooShort) {
  for (const DictRow& r : rows_) {
    SCOPED_TRACE("AI (" + r.ai + ")");
    const std::size_t at = 3 + r.ai.size();
    // One too long: a predefined-length AI's value is followed directly by one more digit;
    // any other AI gets max+1 characters of its last component's set.
    std::string longer;
    if (r.predefined) {
      longer = valid_value(r) + "1";
    } else {
      longer = valid_value(r);
      const char fill = r.components.back().cset == 'N' ? '1' : 'A';
      if (longer.size() > max_length(r)) longer.resize(max_length(r));
      longer.append(max_length(r) + 1 - longer.size(), fill);
    }
    DecodeResult res = dec("]C1" + r.ai + longer);
    ASSERT_FALSE(res.ok()) << "too long accepted: " << longer;
    EXPECT_EQ(res.error.code, "bad_length") << res.error.message;
    EXPECT_EQ(res.error.offset, at) << res.error.message;
    // One too short (the optional components left out).
    const std::string shorter = valid_value(r).substr(0, min_length(r) - 1);
    res = dec("]C1" + r.ai + shorter);
    ASSERT_FALSE(res.ok()) << "too short accepted: " << shorter;
    EXPECT_EQ(res.error.code, "bad_length") << res.error.message;
    EXPECT_EQ(res.error.offset, at) << res.error.message;
    res = dec("]C1" + r.ai + shorter + GS + "0109506000134352");
    ASSERT_FALSE(res.ok()) << "too short before GS accepted: " << shorter;
    EXPECT_EQ(res.error.code, "bad_length") << res.error.message;
  }
}

TEST_F(Dictionary, EveryAiRejectsACharacterOutsideItsSet) {
  for (const DictRow& r : rows_) {
    SCOPED_TRACE("AI (" + r.ai + ")");
    // In each component in turn, a character its set does not allow.
    std::size_t offset = 0;
    for (std::size_t k = 0; k < r.components.size(); ++k) {
      const DictComponent& c = r.components[k];
      std::string value;
      for (std::size_t j = 0; j < r.components.size(); ++j) {
        value += valid_part(r.components[j]);
      }
      const char bad = c.cset == 'N' ? 'A' : c.cset == 'X' ? ' ' : c.cset == 'Y' ? 'a' : '!';
      value[offset] = bad;
      const DecodeResult res = dec("]C1" + r.ai + value + GS);
      ASSERT_FALSE(res.ok()) << "accepted " << ::testing::PrintToString(value);
      EXPECT_EQ(res.error.code, "bad_charset") << "component " << k << ": " << res.error.message;
      EXPECT_EQ(res.error.offset, 3 + r.ai.size() + offset) << res.error.message;
      offset += valid_part(c).size();
    }
  }
}

TEST_F(Dictionary, EveryCheckDigitLinterRejectsAWrongCheckDigit) {
  int checked = 0;
  for (const DictRow& r : rows_) {
    SCOPED_TRACE("AI (" + r.ai + ")");
    std::size_t offset = 0;
    for (const DictComponent& c : r.components) {
      const std::string part = valid_part(c);
      for (const std::string& l : c.linters) {
        std::string value = valid_value(r);
        std::size_t at = 0;
        if (l == "csum") {
          at = offset + part.size() - 1;
          value[at] = static_cast<char>('0' + (value[at] - '0' + 1) % 10);
        } else if (l == "csumalpha") {
          at = offset + part.size() - 1;
          value[at] = value[at] == 'Z' ? 'Y' : 'Z';
          at -= 1;  // the error points at the pair
        } else if (l == "iban") {
          at = offset + 2;
          value[at + 1] = value[at + 1] == '0' ? '1' : '0';
        } else {
          continue;
        }
        ++checked;
        const DecodeResult res = dec("]C1" + r.ai + value + GS);
        ASSERT_FALSE(res.ok()) << "accepted " << value;
        EXPECT_EQ(res.error.code, "bad_check_digit") << res.error.message;
        EXPECT_EQ(res.error.offset, 3 + r.ai.size() + at) << res.error.message;
      }
      offset += part.size();
    }
  }
  EXPECT_EQ(checked, 23);  // 20 csum + 2 csumalpha + 1 iban components in this release
}

}  // namespace
}  // namespace scanedge::decode
