#include "edge/decode/digital_link.h"

namespace scanedge::decode {
namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

const ParsedAi* find_ai_in(std::span<const ParsedAi> ais, std::string_view ai) {
  for (const ParsedAi& a : ais) {
    if (a.entry->ai == ai) return &a;
  }
  return nullptr;
}

// Splits "22,10,21|235" into alternatives; calls f(alt) for each.
template <class F>
void for_each_piece(std::string_view list, char sep, F&& f) {
  while (!list.empty()) {
    const std::size_t cut = list.find(sep);
    if (cut != 0) f(list.substr(0, cut));
    if (cut == std::string_view::npos) break;
    list.remove_prefix(cut + 1);
  }
}

}  // namespace

void append_percent_encoded(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (unreserved(c)) {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
}

std::string gtin_digital_link(std::string_view gtin14) {
  std::string out;
  out.reserve(kCanonicalDigitalLinkHost.size() + 4 + gtin14.size());
  out += kCanonicalDigitalLinkHost;
  out += "/01/";
  out += gtin14;
  return out;
}

std::optional<std::string> canonical_digital_link(std::span<const ParsedAi> ais) {
  const ParsedAi* key = nullptr;
  for (const ParsedAi& a : ais) {
    if (a.entry->dl_primary_key) {
      key = &a;
      break;
    }
  }
  if (key == nullptr) return std::nullopt;

  // Choose the qualifier sequence with the most qualifiers present (first on a tie).
  std::string_view best;
  int best_count = -1;
  for_each_piece(key->entry->dl_qualifiers, '|', [&](std::string_view alt) {
    int count = 0;
    for_each_piece(alt, ',', [&](std::string_view q) { count += find_ai_in(ais, q) ? 1 : 0; });
    if (count > best_count) {
      best_count = count;
      best = alt;
    }
  });

  std::string out;
  out.reserve(64);
  out += kCanonicalDigitalLinkHost;
  out += '/';
  out += key->entry->ai;
  out += '/';
  append_percent_encoded(out, key->value);
  const auto in_path = [&](const ParsedAi& a) {
    if (&a == key || a.entry->ai == key->entry->ai) return true;
    bool found = false;
    for_each_piece(best, ',', [&](std::string_view q) { found = found || a.entry->ai == q; });
    return found;
  };
  for_each_piece(best, ',', [&](std::string_view q) {
    if (const ParsedAi* a = find_ai_in(ais, q)) {
      out += '/';
      out += q;
      out += '/';
      append_percent_encoded(out, a->value);
    }
  });
  char sep = '?';
  for (const ParsedAi& a : ais) {
    if (!a.entry->dl_attribute || in_path(a)) continue;
    out += sep;
    sep = '&';
    out += a.entry->ai;
    out += '=';
    append_percent_encoded(out, a.value);
  }
  return out;
}

}  // namespace scanedge::decode
