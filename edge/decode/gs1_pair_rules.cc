#include "edge/decode/gs1_pair_rules.h"

#include <string>

#include "edge/decode/error_codes.h"
#include "edge/decode/error_text.h"

namespace scanedge::decode {
namespace {

// Calls f(token) for each piece of `list` split at `sep`; stops early when f returns true.
template <class F>
bool any_piece(std::string_view list, char sep, F&& f) {
  while (!list.empty()) {
    const std::size_t cut = list.find(sep);
    const std::string_view piece = list.substr(0, cut);
    if (!piece.empty() && f(piece)) return true;
    if (cut == std::string_view::npos) break;
    list.remove_prefix(cut + 1);
  }
  return false;
}

const ParsedAi* find_matching(std::span<const ParsedAi> ais, std::string_view pattern) {
  for (const ParsedAi& a : ais) {
    if (ai_matches_pattern(a.entry->ai, pattern)) return &a;
  }
  return nullptr;
}

std::string describe_alternatives(std::string_view req) {
  std::string s;
  any_piece(req, ',', [&](std::string_view alt) {
    if (!s.empty()) s += " or ";
    bool first = true;
    any_piece(alt, '+', [&](std::string_view ai) {
      if (!first) s += "+";
      s += "(" + std::string(ai) + ")";
      first = false;
      return false;
    });
    return false;
  });
  return s;
}

}  // namespace

std::optional<DecodeError> check_pair_rules(std::span<const ParsedAi> ais) {
  for (const ParsedAi& a : ais) {
    const AiEntry& e = *a.entry;
    const ParsedAi* clash = nullptr;
    any_piece(e.excludes, ',', [&](std::string_view pattern) {
      for (const ParsedAi& b : ais) {
        if (b.entry->ai != e.ai && ai_matches_pattern(b.entry->ai, pattern)) {
          clash = &b;
          return true;
        }
      }
      return false;
    });
    if (clash != nullptr) {
      return make_decode_error(
          error_code::kExcludes,
          "AI (" + std::string(e.ai) + ") " + std::string(e.title) +
              " must not be used with AI (" + std::string(clash->entry->ai) + ") " +
              std::string(clash->entry->title),
          a.ai_offset > clash->ai_offset ? a.ai_offset : clash->ai_offset);
    }
    for (std::string_view req : e.requires_) {
      if (req.empty()) continue;
      const bool satisfied = any_piece(req, ',', [&](std::string_view alt) {
        return !any_piece(alt, '+', [&](std::string_view need) {
          return find_matching(ais, need) == nullptr;  // true = this part is missing
        });
      });
      if (!satisfied) {
        return make_decode_error(error_code::kRequires,
                                 "AI (" + std::string(e.ai) + ") " + std::string(e.title) +
                                     " requires AI " + describe_alternatives(req) +
                                     " in the same scan",
                                 a.ai_offset);
      }
    }
  }
  return std::nullopt;
}

}  // namespace scanedge::decode
