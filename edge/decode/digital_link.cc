#include "edge/decode/digital_link.h"

#include <array>

#include "edge/decode/error_codes.h"
#include "edge/decode/error_text.h"
#include "edge/decode/gs1_pair_rules.h"

namespace scanedge::decode {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits_only(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 characters a URI may contain literally (unreserved, reserved, and "%").
bool uri_char(char c) {
  if (unreserved(c)) return true;
  switch (c) {
    case ':': case '/': case '?': case '#': case '[': case ']': case '@': case '!':
    case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
    case ';': case '=': case '%':
      return true;
    default:
      return false;
  }
}

// URI characters a host name cannot contain (no userinfo, no escapes).
bool bad_host_char(char c) {
  switch (c) {
    case '_': case '~': case '@': case '!': case '$': case '&': case '\'': case '(':
    case ')': case '*': case '+': case ',': case ';': case '=': case '%':
      return true;
    default:
      return false;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    char x = a[k], y = b[k];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Splits "22,10,21|235" into alternatives; calls f(piece) for each non-empty piece.
template <class F>
void for_each_piece(std::string_view list, char sep, F&& f) {
  while (!list.empty()) {
    const std::size_t cut = list.find(sep);
    if (cut != 0) f(list.substr(0, cut));
    if (cut == std::string_view::npos) break;
    list.remove_prefix(cut + 1);
  }
}

std::string ai_label(const AiEntry& e) {
  std::string s = "AI (";
  s += e.ai;
  s += ") ";
  s += e.title;
  return s;
}

// ---------------------------------------------------------------------------------------
// Key-qualifier sequences.

// Whether `quals` (AIs after the key, in order) is an ordered subsequence of one of the
// key's alternatives.
bool valid_qualifier_sequence(const AiEntry& key, std::span<const std::string_view> quals) {
  if (quals.empty()) return true;
  bool ok = false;
  for_each_piece(key.dl_qualifiers, '|', [&](std::string_view alt) {
    if (ok) return;
    std::size_t k = 0;
    for_each_piece(alt, ',', [&](std::string_view q) {
      if (k < quals.size() && quals[k] == q) ++k;
    });
    ok = k == quals.size();
  });
  return ok;
}

bool is_qualifier_of(const AiEntry& key, std::string_view ai) {
  bool found = false;
  for_each_piece(key.dl_qualifiers, '|', [&](std::string_view alt) {
    for_each_piece(alt, ',', [&](std::string_view q) { found = found || q == ai; });
  });
  return found;
}

std::string qualifier_text(const AiEntry& key) {
  std::string s;
  for_each_piece(key.dl_qualifiers, '|', [&](std::string_view alt) {
    if (!s.empty()) s += " or ";
    s += "(";
    bool first = true;
    for_each_piece(alt, ',', [&](std::string_view q) {
      if (!first) s += ", ";
      s += q;
      first = false;
    });
    s += ")";
  });
  return s;
}

// ---------------------------------------------------------------------------------------
// URI -> element strings.

struct Range {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
};

// One AI found in the URI; its decoded value lives in the parse's storage.
struct Found {
  const AiEntry* entry;
  std::size_t ai_offset;
  Range encoded;            // the value as written in the URI
  std::size_t stored_at;    // decoded value in storage
  std::size_t stored_len;
};

class Parser {
 public:
  Parser(std::string_view data, int year, DigitalLinkParse& out, std::string& storage)
      : data_(data), year_(year), out_(out), storage_(storage) {}

  std::optional<DecodeError> run(std::size_t start);

 private:
  DecodeError error(std::string_view code, std::string msg, std::size_t offset) const {
    return make_decode_error(code, std::move(msg), offset);
  }
  std::string_view text(Range r) const { return data_.substr(r.begin, r.size()); }
  const AiEntry* ai_of(Range seg) const {
    const std::string_view s = text(seg);
    return digits_only(s) && s.size() <= 4 ? find_ai_exact(s) : nullptr;
  }
  const Found* find_found(std::string_view ai) const {
    for (const Found& f : found_) {
      if (f.entry->ai == ai) return &f;
    }
    return nullptr;
  }

  std::optional<DecodeError> check_path_ai(Range seg, const AiEntry*& entry) const;
  std::optional<DecodeError> check_qualifier(const AiEntry& key, const AiEntry& q,
                                             std::size_t at);
  std::optional<DecodeError> add_value(const AiEntry& e, std::size_t ai_offset, Range value,
                                       bool query);
  std::size_t uri_offset(Range encoded, std::size_t pad, std::size_t index) const;

  std::string_view data_;
  int year_;
  DigitalLinkParse& out_;
  std::string& storage_;
  std::vector<Range> segments_;
  std::vector<Found> found_;
  std::vector<std::string_view> path_quals_;  // qualifier AIs after the key, in order
  std::string scratch_;
  std::vector<ParsedAi> one_;
};

std::optional<DecodeError> Parser::check_path_ai(Range seg, const AiEntry*& entry) const {
  const std::string_view s = text(seg);
  entry = ai_of(seg);
  if (entry != nullptr) return std::nullopt;
  if (s.empty()) {
    return error(error_code::kBadUri, "empty path segment where a GS1 AI is expected",
                 seg.begin);
  }
  if (digits_only(s)) {
    return error(error_code::kUnknownAi, "unknown GS1 AI " + quoted(s) + " in the URI path",
                 seg.begin);
  }
  return error(error_code::kBadUri,
               "path segment " + quoted(s) + " where a GS1 AI (digits) is expected",
               seg.begin);
}

std::optional<DecodeError> Parser::check_qualifier(const AiEntry& key, const AiEntry& q,
                                                   std::size_t at) {
  const std::string head = "AI (" + std::string(q.ai) + ") after primary key (" +
                           std::string(key.ai) + ")";
  if (key.dl_qualifiers.empty()) {
    return error(error_code::kBadUri,
                 head + ": the key takes no key qualifiers; data attributes go in the query",
                 at);
  }
  if (!is_qualifier_of(key, q.ai)) {
    return error(error_code::kBadUri,
                 head + " is not one of its key qualifiers " + qualifier_text(key) +
                     "; data attributes go in the query",
                 at);
  }
  path_quals_.push_back(q.ai);
  if (valid_qualifier_sequence(key, path_quals_)) return std::nullopt;
  // Out of order or mixing alternatives.
  std::string msg = head + " is out of order: key qualifiers follow " + qualifier_text(key) +
                    " in that order, from one sequence only";
  return error(error_code::kBadUri, std::move(msg), at);
}

std::size_t Parser::uri_offset(Range encoded, std::size_t pad, std::size_t index) const {
  if (index < pad) return encoded.begin;
  index -= pad;
  std::size_t i = encoded.begin;
  for (std::size_t n = 0; i < encoded.end; ++n) {
    if (n == index) return i;
    i += data_[i] == '%' ? 3 : 1;
  }
  return encoded.end;
}

std::optional<DecodeError> Parser::add_value(const AiEntry& e, std::size_t ai_offset,
                                             Range value, bool query) {
  // Percent-decode into storage.
  const std::size_t at = storage_.size();
  for (std::size_t i = value.begin; i < value.end; ++i) {
    const char c = data_[i];
    if (c == '%') {
      if (value.end - i < 3) {  // fewer than two characters follow the '%'
        return error(error_code::kBadUri,
                     ai_label(e) + ": bad percent-encoding " +
                         quoted(data_.substr(i, value.end - i)) + " (needs %XX)",
                     i);
      }
      const int h = hex_value(data_[i + 1]);
      const int l = hex_value(data_[i + 2]);
      if (h < 0 || l < 0) {
        return error(error_code::kBadUri,
                     ai_label(e) + ": bad percent-encoding " + quoted(data_.substr(i, 3)) +
                         " (needs %XX with hex digits)",
                     i);
      }
      const char decoded = static_cast<char>(h * 16 + l);
      if (decoded == '\0') {
        return error(error_code::kBadUri, ai_label(e) + ": %00 (NUL) in a value", i);
      }
      storage_.push_back(decoded);
      i += 2;
    } else if (query && c == '+') {
      storage_.push_back(' ');
    } else {
      storage_.push_back(c);
    }
  }
  // AI 01 as GTIN-8/12/13: zero-pad to GTIN-14.
  std::size_t pad = 0;
  const std::size_t len = storage_.size() - at;
  if (e.ai == "01" && (len == 8 || len == 12 || len == 13) &&
      digits_only(std::string_view(storage_).substr(at))) {
    pad = 14 - len;
    storage_.insert(at, pad, '0');
  }
  const std::string_view v = std::string_view(storage_).substr(at);

  if (v.size() > e.max_length()) {
    const std::size_t min = e.min_length(), max = e.max_length();
    return error(error_code::kBadLength,
                 ai_label(e) + ": value " + quoted(v) + " has " + std::to_string(v.size()) +
                     " characters, needs " +
                     (min == max ? std::to_string(max)
                                 : std::to_string(min) + " to " + std::to_string(max)),
                 value.begin);
  }
  for (std::size_t k = 0; k < v.size(); ++k) {
    const auto u = static_cast<unsigned char>(v[k]);
    if (u < 0x20 || u == 0x7F) {  // GS and other controls never belong to an AI value
      return error(error_code::kBadCharset,
                   ai_label(e) + ": character " + quoted(v.substr(k, 1)) + " at position " +
                       std::to_string(k + 1) + " of value " + quoted(v) +
                       " is a control character",
                   uri_offset(value, pad, k));
    }
  }
  // The element-string validator on "AI value": lengths, charsets, check digits, dates.
  scratch_.assign(e.ai);
  scratch_.append(v);
  if (auto err = parse_element_strings(scratch_, 0, year_, one_)) {
    const std::size_t ai_len = e.ai.size();
    err->offset = err->offset < ai_len ? value.begin
                                       : uri_offset(value, pad, err->offset - ai_len);
    return err;
  }
  if (one_.size() != 1 || one_[0].entry != &e || one_[0].value.size() != v.size()) {
    return error(error_code::kBadLength,
                 ai_label(e) + ": value " + quoted(v) + " is not one element string",
                 value.begin);
  }
  found_.push_back(Found{&e, ai_offset, value, at, v.size()});
  return std::nullopt;
}

std::optional<DecodeError> Parser::run(std::size_t start) {
  const std::size_t n = data_.size();
  std::size_t p = start;
  const std::string_view rest = data_.substr(start);
  if (rest.starts_with("https://") || rest.starts_with("HTTPS://")) {
    p += 8;
  } else if (rest.starts_with("http://") || rest.starts_with("HTTP://")) {
    p += 7;
  } else {
    return std::nullopt;  // not a Digital Link
  }

  // host [/path] [?query] [#fragment]
  std::size_t host_end = p;
  while (host_end < n && data_[host_end] != '/' && data_[host_end] != '?' &&
         data_[host_end] != '#') {
    ++host_end;
  }
  std::size_t path_end = host_end;
  while (path_end < n && data_[path_end] != '?' && data_[path_end] != '#') ++path_end;
  Range query{path_end, path_end};
  if (path_end < n && data_[path_end] == '?') {
    query.begin = path_end + 1;
    query.end = query.begin;
    while (query.end < n && data_[query.end] != '#') ++query.end;
  }
  for (std::size_t k = host_end; k < path_end;) {  // k at a '/'
    std::size_t e = k + 1;
    while (e < path_end && data_[e] != '/') ++e;
    segments_.push_back(Range{k + 1, e});
    k = e;
  }
  const std::size_t m = segments_.size();

  // Root: walking back over "/AI/value" pairs, the first AI that is a primary key.
  std::size_t root = m;
  for (std::size_t j = m; j >= 2; j -= 2) {
    const AiEntry* e = ai_of(segments_[j - 2]);
    if (e == nullptr) break;
    if (e->dl_primary_key) {
      root = j - 2;
      break;
    }
  }
  const bool gs1_host = iequals(data_.substr(p, host_end - p), "id.gs1.org");
  if (root == m) {
    // Not a valid key path; still a Digital Link (an invalid one) when a primary key
    // segment is followed by more, or when the host is GS1's own resolver.
    for (std::size_t k = 0; k + 1 < m; ++k) {
      const AiEntry* e = ai_of(segments_[k]);
      if (e != nullptr && e->dl_primary_key) {
        root = k;
        break;
      }
    }
    if (root == m && !gs1_host) return std::nullopt;  // an ordinary URL
  }
  out_.is_digital_link = true;

  for (std::size_t k = start; k < n; ++k) {
    if (!uri_char(data_[k])) {
      return error(error_code::kBadUri,
                   "character " + quoted(data_.substr(k, 1)) + " is not allowed in a URI",
                   k);
    }
  }
  if (host_end == p) return error(error_code::kBadUri, "URI has no host", p);
  for (std::size_t k = p; k < host_end; ++k) {
    if (bad_host_char(data_[k])) {
      return error(error_code::kBadUri,
                   "character " + quoted(data_.substr(k, 1)) + " is not allowed in a host",
                   k);
    }
  }
  if (root == m) {
    // GS1 resolver host without a key path.
    if (m == 0 || (m == 1 && segments_[0].size() == 0)) {
      return error(error_code::kBadUri, "no GS1 Digital Link primary key in the URI path",
                   host_end);
    }
    const Range first = segments_[0];
    const AiEntry* e = nullptr;
    if (auto err = check_path_ai(first, e)) return err;
    if (!e->dl_primary_key) {
      return error(error_code::kBadUri,
                   ai_label(*e) + " is not a GS1 Digital Link primary key", first.begin);
    }
    return error(error_code::kBadUri, ai_label(*e) + " in the path has no value", first.end);
  }

  // Path: key then qualifiers.
  const AiEntry* key = nullptr;
  for (std::size_t k = root; k < m; k += 2) {
    const Range ai_seg = segments_[k];
    const AiEntry* e = nullptr;
    if (auto err = check_path_ai(ai_seg, e)) return err;
    if (k + 1 >= m) {
      return error(error_code::kBadUri, ai_label(*e) + " in the path has no value",
                   ai_seg.end);
    }
    const Range value = segments_[k + 1];
    if (value.size() == 0) {
      return error(error_code::kBadUri, ai_label(*e) + " has an empty value in the path",
                   value.begin);
    }
    if (key == nullptr) {
      key = e;
    } else {
      if (find_found(e->ai) != nullptr) {
        return error(error_code::kBadUri, ai_label(*e) + " appears twice in the path",
                     ai_seg.begin);
      }
      if (auto err = check_qualifier(*key, *e, ai_seg.begin)) return err;
    }
    if (auto err = add_value(*e, ai_seg.begin, value, false)) return err;
  }

  // Query: data attributes.
  std::vector<std::string_view> trial;
  for (std::size_t k = query.begin; k < query.end;) {
    std::size_t e = k;
    while (e < query.end && data_[e] != '&') ++e;
    const Range param{k, e};
    k = e + 1;
    std::size_t eq = param.begin;
    while (eq < param.end && data_[eq] != '=') ++eq;
    if (eq == param.end) continue;  // no "=": not an AI attribute
    const std::string_view name = data_.substr(param.begin, eq - param.begin);
    if (!digits_only(name)) continue;  // linkType=..., exp=..., ...: not ours
    const AiEntry* entry = name.size() <= 4 ? find_ai_exact(name) : nullptr;
    if (entry == nullptr) {
      return error(error_code::kUnknownAi,
                   "unknown GS1 AI " + quoted(name) + " in the URI query", param.begin);
    }
    const Range value{eq + 1, param.end};
    if (value.size() == 0) {
      return error(error_code::kBadUri, ai_label(*entry) + " has an empty value in the query",
                   value.begin);
    }
    if (find_found(entry->ai) != nullptr) {
      return error(error_code::kBadUri, ai_label(*entry) + " appears more than once in the URI",
                   param.begin);
    }
    // A key qualifier that fits into the path must be in the path.
    bool fits = false;
    for (std::size_t j = 0; j <= path_quals_.size() && !fits; ++j) {
      trial.assign(path_quals_.begin(), path_quals_.end());
      trial.insert(trial.begin() + static_cast<std::ptrdiff_t>(j), entry->ai);
      fits = valid_qualifier_sequence(*key, trial);
    }
    if (fits) {
      return error(error_code::kBadUri,
                   ai_label(*entry) + " is a key qualifier of primary key (" +
                       std::string(key->ai) + ") and belongs in the path, not the query",
                   param.begin);
    }
    if (!entry->dl_attribute) {
      return error(error_code::kBadUri,
                   ai_label(*entry) + " is not a GS1 Digital Link data attribute",
                   param.begin);
    }
    if (auto err = add_value(*entry, param.begin, value, true)) return err;
  }

  // Views into storage only now that it no longer grows.
  out_.ais.reserve(found_.size());
  for (const Found& f : found_) {
    out_.ais.push_back(ParsedAi{f.entry, f.ai_offset, f.encoded.begin,
                                std::string_view(storage_).substr(f.stored_at, f.stored_len)});
  }
  if (auto err = check_pair_rules(out_.ais)) {
    out_.ais.clear();
    return err;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Element strings -> URI.

std::size_t index_of(std::span<const ParsedAi> ais, std::string_view ai) {
  for (std::size_t k = 0; k < ais.size(); ++k) {
    if (ais[k].entry->ai == ai) return k;
  }
  return ais.size();
}

// Present qualifiers of `key` outside `alt` that are no data attributes: the AIs a URI
// with that qualifier sequence would lose.
int lost_with(std::span<const ParsedAi> ais, const AiEntry& key, std::string_view alt) {
  int lost = 0;
  for_each_piece(key.dl_qualifiers, '|', [&](std::string_view other) {
    if (other.data() == alt.data()) return;
    for_each_piece(other, ',', [&](std::string_view q) {
      bool in_alt = false;
      for_each_piece(alt, ',', [&](std::string_view a) { in_alt = in_alt || a == q; });
      const std::size_t k = index_of(ais, q);
      if (!in_alt && k < ais.size() && !ais[k].entry->dl_attribute) ++lost;
    });
  });
  return lost;
}

// Calls f(index, in_path) for each AI the canonical URI with primary key ais[key] carries,
// in URI order; returns how many.
template <class F>
std::size_t for_each_canonical(std::span<const ParsedAi> ais, std::size_t key, F&& f) {
  const std::size_t n = ais.size();
  const AiEntry& ke = *ais[key].entry;

  // The qualifier sequence with the most qualifiers present; on a tie the one that leaves
  // out fewer present qualifiers that cannot go to the query instead (not attributes);
  // then the first.
  std::string_view best;
  int best_count = -1, best_lost = -1;  // -1: not computed yet
  for_each_piece(ke.dl_qualifiers, '|', [&](std::string_view alt) {
    int count = 0;
    for_each_piece(alt, ',', [&](std::string_view q) { count += index_of(ais, q) < n ? 1 : 0; });
    if (count > best_count) {
      best_count = count;
      best_lost = -1;
      best = alt;
    } else if (count == best_count) {
      if (best_lost < 0) best_lost = lost_with(ais, ke, best);
      const int lost = lost_with(ais, ke, alt);
      if (lost < best_lost) {
        best_lost = lost;
        best = alt;
      }
    }
  });

  std::size_t carried = 1;
  f(key, true);
  for_each_piece(best, ',', [&](std::string_view q) {
    const std::size_t k = index_of(ais, q);
    if (k < n) {
      f(k, true);
      ++carried;
    }
  });
  for (std::size_t k = 0; k < n; ++k) {
    const AiEntry& e = *ais[k].entry;
    if (k == key || e.ai == ke.ai || !e.dl_attribute) continue;
    bool in_path = false;
    for_each_piece(best, ',', [&](std::string_view q) { in_path = in_path || e.ai == q; });
    if (in_path || index_of(ais, e.ai) != k) continue;  // path AI, or a repeat
    f(k, false);
    ++carried;
  }
  return carried;
}

// Whether the `carried` AIs of the URI keyed by ais[key] satisfy the pair rules. All AIs
// carried: the message's own set (the caller validated it). Otherwise an AI a carried one
// requires may be missing, so the subset is checked.
bool carried_set_valid(std::span<const ParsedAi> ais, std::size_t key, std::size_t carried) {
  if (carried == ais.size()) return true;
  std::vector<ParsedAi> subset;
  subset.reserve(carried);
  for_each_canonical(ais, key, [&](std::size_t k, bool) { subset.push_back(ais[k]); });
  return !check_pair_rules(subset).has_value();
}

}  // namespace

bool starts_with_http_scheme(std::string_view data, std::size_t start) {
  if (start >= data.size()) return false;
  const std::string_view s = data.substr(start);
  return s.starts_with("https://") || s.starts_with("http://") ||
         s.starts_with("HTTPS://") || s.starts_with("HTTP://");
}

std::optional<DecodeError> parse_digital_link(std::string_view data, std::size_t start,
                                              int reference_year, DigitalLinkParse& out) {
  out.is_digital_link = false;
  out.ais.clear();
  out.storage_.clear();
  if (start > data.size()) start = data.size();
  out.storage_.reserve(data.size() - start + 8);
  Parser parser(data, reference_year, out, out.storage_);
  return parser.run(start);
}

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
  // The first primary key (scan order) whose URI carries a set satisfying the pair rules.
  std::string out;
  for (std::size_t key = 0; key < ais.size(); ++key) {
    if (!ais[key].entry->dl_primary_key) continue;
    out.clear();
    out.reserve(64);
    out += kCanonicalDigitalLinkHost;
    char sep = '?';
    const std::size_t carried = for_each_canonical(ais, key, [&](std::size_t k, bool in_path) {
      const ParsedAi& a = ais[k];
      if (in_path) {
        out += '/';
        out += a.entry->ai;
        out += '/';
      } else {
        out += sep;
        sep = '&';
        out += a.entry->ai;
        out += '=';
      }
      append_percent_encoded(out, a.value);
    });
    if (carried_set_valid(ais, key, carried)) return out;
  }
  return std::nullopt;
}

std::vector<std::size_t> digital_link_order(std::span<const ParsedAi> ais) {
  std::vector<std::size_t> order;
  for (std::size_t key = 0; key < ais.size(); ++key) {
    if (!ais[key].entry->dl_primary_key) continue;
    order.clear();
    const std::size_t carried =
        for_each_canonical(ais, key, [&](std::size_t k, bool) { order.push_back(k); });
    if (carried_set_valid(ais, key, carried)) return order;
  }
  order.clear();
  return order;
}

}  // namespace scanedge::decode
