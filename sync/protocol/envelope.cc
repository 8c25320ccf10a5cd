#include "sync/protocol/envelope.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace scanedge::sync {

namespace {

using nlohmann::json;

// Appends `s` as a JSON string literal (UTF-8 kept as is; quote, backslash and control
// characters escaped), the same form nlohmann::json::dump() produces.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

Error bad_payload(std::string message) { return make_error("bad_payload", std::move(message)); }

// Containers nested deeper than this (the envelope's own two levels included) are rejected:
// the scanner recurses, and no real event needs more.
constexpr int kMaxDepth = 128;

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Removes the insignificant whitespace of a VALID JSON text (outside strings).
std::string compact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (!is_ws(c)) {
      out += c;
      if (c == '"') in_string = true;
    }
  }
  return out;
}

// A JSON string token: its raw bytes between the quotes, and whether it has escapes.
struct StringToken {
  std::string_view raw;
  bool escaped = false;
};

// A JSON number token.
struct NumberToken {
  bool integer = false;   // no fraction, no exponent
  bool negative = false;
  bool overflow = false;  // integer magnitude beyond 2^63 - 1
  std::int64_t value = 0;  // valid when integer && !overflow (negative values included)
};

// Top-level batch fields and the event fields the decoder captures.
enum class TopKey { v, device, site, stream, events, shed_through, unknown };
enum class EventKey { id, seq, type, stream, other };

// A strict, single-pass scanner for batches (RFC 8259 grammar, UTF-8 validated, escapes and
// surrogate pairs checked, nesting bounded). It validates the envelope while it scans and
// keeps each event's own bytes (compacted only when the sender added whitespace), so the
// only copies are the events' JSON and their id/type strings. nlohmann's parser measured
// ~90k events/s on the target box, below the ledger's 150k end-to-end target; this scanner
// is several times faster.
class BatchScanner {
 public:
  BatchScanner(std::string_view text, Batch& out) : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), out_(out) {}

  Status run() {
    if (!scan_top()) return std::move(*error_);
    return finish();
  }

 private:
  // --- errors ------------------------------------------------------------------------------
  bool fail(Error e) {
    if (!error_) error_ = std::move(e);
    return false;
  }
  bool syntax(const std::string& what) {
    return fail(bad_payload("not valid JSON at byte " + std::to_string(p_ - begin_) + ": " + what));
  }
  std::string event_prefix() const { return "events[" + std::to_string(out_.events.size() - 1) + "]: "; }

  // --- lexical ----------------------------------------------------------------------------
  void skip_ws() {
    const char* start = p_;
    while (p_ < end_ && is_ws(*p_)) ++p_;
    if (p_ != start) saw_ws_ = true;
  }
  bool at_end() const { return p_ >= end_; }
  bool expect(char c, const char* what) {
    skip_ws();
    if (at_end()) return syntax(std::string("unexpected end of input, expected ") + what);
    if (*p_ != c) return syntax(std::string("expected ") + what);
    ++p_;
    return true;
  }

  // Validates one UTF-8 sequence starting at p_ (a byte >= 0x80) and moves past it.
  bool utf8() {
    const auto b0 = static_cast<unsigned char>(*p_);
    int extra = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      extra = 1;
    } else if (b0 == 0xE0) {
      extra = 2, lo = 0xA0;
    } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
      extra = 2;
    } else if (b0 == 0xED) {
      extra = 2, hi = 0x9F;
    } else if (b0 == 0xF0) {
      extra = 3, lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
      extra = 3;
    } else if (b0 == 0xF4) {
      extra = 3, hi = 0x8F;
    } else {
      return syntax("invalid UTF-8 byte in string");
    }
    if (end_ - p_ <= extra) return syntax("truncated UTF-8 sequence in string");
    const auto b1 = static_cast<unsigned char>(p_[1]);
    if (b1 < lo || b1 > hi) return syntax("invalid UTF-8 sequence in string");
    for (int i = 2; i <= extra; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if (b < 0x80 || b > 0xBF) return syntax("invalid UTF-8 sequence in string");
    }
    p_ += extra + 1;
    return true;
  }

  // Reads 4 hex digits after "\u" (p_ at the first digit).
  bool hex4(std::uint32_t& cp) {
    if (end_ - p_ < 4) return syntax("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(p_[i]);
      if (h < 0) return syntax("invalid \\u escape");
      cp = (cp << 4) | static_cast<std::uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  // p_ at the opening quote.
  bool string(StringToken& tok) {
    ++p_;
    const char* start = p_;
    tok.escaped = false;
    for (;;) {
      // Fast path: plain printable ASCII.
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++p_;
      }
      if (at_end()) return syntax("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        tok.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20) return syntax("unescaped control character in string");
      if (c >= 0x80) {
        if (!utf8()) return false;
        continue;
      }
      // Backslash.
      tok.escaped = true;
      ++p_;
      if (at_end()) return syntax("unterminated string");
      const char e = *p_++;
      switch (e) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return syntax("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return syntax("high surrogate not followed by a low one");
            p_ += 2;
            std::uint32_t low = 0;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return syntax("high surrogate not followed by a low one");
          }
          break;
        }
        default: --p_; return syntax("invalid escape in string");
      }
    }
  }

  // The decoded text of a VALID string token.
  static void decode_into(const StringToken& tok, std::string& out) {
    if (!tok.escaped) {
      out.assign(tok.raw);
      return;
    }
    out.clear();
    out.reserve(tok.raw.size());
    const std::string_view r = tok.raw;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] != '\\') {
        out += r[i];
        continue;
      }
      const char e = r[++i];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto h4 = [&](std::size_t at) {
            std::uint32_t v = 0;
            for (std::size_t k = 0; k < 4; ++k) v = (v << 4) | static_cast<std::uint32_t>(hex_value(r[at + k]));
            return v;
          };
          std::uint32_t cp = h4(i + 1);
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            const std::uint32_t low = h4(i + 3);
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: out += e;  // " \ /
      }
    }
  }

  bool number(NumberToken& n) {
    n = NumberToken{};
    if (*p_ == '-') {
      n.negative = true;
      ++p_;
    }
    if (at_end() || *p_ < '0' || *p_ > '9') return syntax("invalid number");
    std::uint64_t mag = 0;
    const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
        const auto d = static_cast<std::uint64_t>(*p_ - '0');
        if (mag > (limit - d) / 10) n.overflow = true;
        if (!n.overflow) mag = mag * 10 + d;
        ++p_;
      }
    }
    n.integer = true;
    if (p_ < end_ && *p_ == '.') {
      n.integer = false;
      ++p_;
      if (at_end() || *p_ < '0' || *p_ > '9') return syntax("invalid number: digits expected after '.'");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      n.integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (at_end() || *p_ < '0' || *p_ > '9') return syntax("invalid number: digits expected in exponent");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (n.integer && !n.overflow) n.value = n.negative ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag);
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return syntax("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  // Validates and skips any value (ws before it skipped by the caller's expect/skip_ws).
  bool value(int depth) {
    skip_ws();
    if (at_end()) return syntax("unexpected end of input, expected a value");
    switch (*p_) {
      case '"': {
        StringToken t;
        return string(t);
      }
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: {
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
          NumberToken n;
          return number(n);
        }
        return syntax("unexpected character, expected a value");
      }
    }
  }

  bool too_deep(int depth) {
    if (depth <= kMaxDepth) return false;
    fail(bad_payload("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels"));
    return true;
  }

  // p_ at '{'. Generic object (content skipped).
  bool object(int depth) {
    if (too_deep(depth)) return false;
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (at_end() || *p_ != '"') return syntax("expected a string key");
      StringToken k;
      if (!string(k) || !expect(':', "':'") || !value(depth)) return false;
      skip_ws();
      if (at_end()) return syntax("unexpected end of input in object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return syntax("expected ',' or '}'");
    }
  }

  bool array(int depth) {
    if (too_deep(depth)) return false;
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(depth)) return false;
      skip_ws();
      if (at_end()) return syntax("unexpected end of input in array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return syntax("expected ',' or ']'");
    }
  }

  // Peeks the type of the next value (after whitespace) for type checks.
  char peek() {
    skip_ws();
    return at_end() ? '\0' : *p_;
  }

  static std::string_view key_text(const StringToken& k, std::string& tmp) {
    if (!k.escaped) return k.raw;
    decode_into(k, tmp);
    return tmp;
  }

  // "field \"name\"" or "events[i]: field \"name\"" (built only for error messages).
  std::string where(std::string_view name, bool in_event) const {
    return (in_event ? event_prefix() : std::string()) + "field \"" + std::string(name) + "\"";
  }

  // Reads a string field value; false with a type error when the next value is not a string.
  bool string_field(std::string_view name, bool in_event, std::string& out) {
    if (peek() != '"') {
      if (at_end()) return syntax("unexpected end of input, expected a value");
      return fail(bad_payload(where(name, in_event) + " must be a string"));
    }
    StringToken t;
    if (!string(t)) return false;
    decode_into(t, out);
    return true;
  }

  // Reads an integer field value: type and range errors name `where`.
  bool int_field(std::string_view name, bool in_event, std::int64_t& out, bool& out_of_range) {
    const char c = peek();
    if (c != '-' && (c < '0' || c > '9')) {
      if (at_end()) return syntax("unexpected end of input, expected a value");
      return fail(bad_payload(where(name, in_event) + " must be an integer"));
    }
    NumberToken n;
    if (!number(n)) return false;
    if (!n.integer) return fail(bad_payload(where(name, in_event) + " must be an integer"));
    out_of_range = n.overflow;
    out = n.value;
    return true;
  }

  // --- the envelope -----------------------------------------------------------------------
  bool scan_top() {
    skip_ws();
    if (at_end()) return syntax("empty payload");
    if (*p_ != '{') {
      const char c = *p_;
      const bool json_start = c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
      if (json_start && value(0)) {
        skip_ws();
        if (at_end()) return fail(bad_payload("payload is not a JSON object"));
        return syntax("unexpected trailing characters");
      }
      if (error_) return false;
      return syntax("unexpected character, expected a JSON object");
    }
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        if (at_end() || *p_ != '"') return syntax("expected a string key");
        StringToken k;
        if (!string(k) || !expect(':', "':'")) return false;
        if (!top_member(k)) return false;
        skip_ws();
        if (at_end()) return syntax("unexpected end of input in object");
        if (*p_ == ',') {
          ++p_;
          continue;
        }
        if (*p_ == '}') {
          ++p_;
          break;
        }
        return syntax("expected ',' or '}'");
      }
    }
    skip_ws();
    if (!at_end()) return syntax("unexpected trailing characters");
    return true;
  }

  bool top_member(const StringToken& k) {
    std::string tmp;
    const std::string_view name = key_text(k, tmp);
    const TopKey key = name == "v"        ? TopKey::v
                       : name == "device" ? TopKey::device
                       : name == "site"   ? TopKey::site
                       : name == "stream" ? TopKey::stream
                       : name == "events" ? TopKey::events
                       : name == "shed_through" ? TopKey::shed_through
                                          : TopKey::unknown;
    if (key == TopKey::unknown) return value(1);
    bool& seen = key == TopKey::v        ? seen_v_
                 : key == TopKey::device ? seen_device_
                 : key == TopKey::site   ? seen_site_
                 : key == TopKey::stream ? seen_stream_
                 : key == TopKey::events ? seen_events_
                                         : seen_shed_;
    if (seen) return fail(bad_payload("duplicate field \"" + std::string(name) + "\""));
    seen = true;
    switch (key) {
      case TopKey::v: {
        std::int64_t v = 0;
        bool overflow = false;
        if (!int_field("v", false, v, overflow)) return false;
        if (overflow || v != kProtocolVersion) {
          return fail(bad_payload("unsupported protocol version in field \"v\" (expected 1)"));
        }
        return true;
      }
      case TopKey::device:
      case TopKey::site: {
        std::string& dst = key == TopKey::device ? out_.address.device : out_.address.site;
        if (!string_field(name, false, dst)) return false;
        if (!valid_id(dst)) return fail(bad_payload(where(name, false) + " is not a valid id (1..64 chars of [A-Za-z0-9._-])"));
        return true;
      }
      case TopKey::stream: {
        std::string s;
        if (!string_field("stream", false, s)) return false;
        const auto stream = stream_from_string(s);
        if (!stream) return fail(bad_payload("field \"stream\" names an unknown stream (expected exec or telemetry)"));
        out_.stream = *stream;
        return true;
      }
      case TopKey::events: return events();
      case TopKey::shed_through: {
        std::int64_t v = 0;
        bool overflow = false;
        if (!int_field("shed_through", false, v, overflow)) return false;
        if (overflow || v < 1) return fail(bad_payload("field \"shed_through\" must be an integer >= 1"));
        out_.shed_through = v;
        return true;
      }
      case TopKey::unknown: break;
    }
    return true;
  }

  bool events() {
    if (peek() != '[') {
      if (at_end()) return syntax("unexpected end of input, expected a value");
      return fail(bad_payload("field \"events\" must be an array"));
    }
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (peek() != '{') {
        if (at_end()) return syntax("unexpected end of input in array");
        return fail(bad_payload("events[" + std::to_string(out_.events.size()) + "] is not an object"));
      }
      if (!event()) return false;
      skip_ws();
      if (at_end()) return syntax("unexpected end of input in array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return syntax("expected ',' or ']'");
    }
  }

  // p_ at the event's '{'.
  bool event() {
    const char* start = p_;
    saw_ws_ = false;
    out_.events.emplace_back();
    event_streams_.push_back(out_.stream);
    BatchEvent& e = out_.events.back();
    bool has_id = false, has_seq = false, has_type = false, has_stream = false;
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        if (at_end() || *p_ != '"') return syntax("expected a string key");
        StringToken k;
        if (!string(k) || !expect(':', "':'")) return false;
        std::string tmp;
        const std::string_view name = key_text(k, tmp);
        const EventKey key = name == "id"       ? EventKey::id
                             : name == "seq"    ? EventKey::seq
                             : name == "type"   ? EventKey::type
                             : name == "stream" ? EventKey::stream
                                                : EventKey::other;
        if (key == EventKey::other) {
          if (!value(3)) return false;
        } else {
          bool& has = key == EventKey::id ? has_id : key == EventKey::seq ? has_seq : key == EventKey::type ? has_type : has_stream;
          if (has) return fail(bad_payload(event_prefix() + "duplicate field \"" + std::string(name) + "\""));
          has = true;
          if (key == EventKey::id || key == EventKey::type) {
            if (!string_field(name, true, key == EventKey::id ? e.id : e.type)) return false;
          } else if (key == EventKey::seq) {
            bool overflow = false;
            if (!int_field(name, true, e.seq, overflow)) return false;
            if (overflow) return fail(bad_payload(where(name, true) + " is out of range"));
            if (e.seq < 1) return fail(bad_payload(where(name, true) + " must be >= 1"));
          } else {
            if (!string_field(name, true, scratch_)) return false;
            const auto stream = stream_from_string(scratch_);
            if (!stream) return fail(bad_payload(where(name, true) + " names an unknown stream"));
            event_streams_.back() = *stream;
          }
        }
        skip_ws();
        if (at_end()) return syntax("unexpected end of input in object");
        if (*p_ == ',') {
          ++p_;
          continue;
        }
        if (*p_ == '}') {
          ++p_;
          break;
        }
        return syntax("expected ',' or '}'");
      }
    }
    const std::string_view text(start, static_cast<std::size_t>(p_ - start));
    e.json = saw_ws_ ? compact(text) : std::string(text);
    if (!has_id) return fail(bad_payload(event_prefix() + "missing field \"id\""));
    if (!has_seq) return fail(bad_payload(event_prefix() + "missing field \"seq\""));
    if (!has_type) return fail(bad_payload(event_prefix() + "missing field \"type\""));
    if (!has_stream) return fail(bad_payload(event_prefix() + "missing field \"stream\""));
    const std::size_t i = out_.events.size() - 1;
    if (i > 0) {
      const std::int64_t prev = out_.events[i - 1].seq;
      if (e.seq <= prev) {
        return fail(bad_payload(event_prefix() + "seq " + std::to_string(e.seq) + " is not greater than the previous seq " +
                                std::to_string(prev)));
      }
      if (e.seq != prev + 1) {
        return fail(bad_payload(event_prefix() + "seq " + std::to_string(e.seq) + " is not consecutive (previous seq " +
                                std::to_string(prev) + ")"));
      }
    }
    return true;
  }

  // Checks that only become possible at the end (the stream may follow the events).
  Status finish() {
    if (!seen_v_) return bad_payload("missing field \"v\"");
    if (!seen_device_) return bad_payload("missing field \"device\"");
    if (!seen_site_) return bad_payload("missing field \"site\"");
    if (!seen_stream_) return bad_payload("missing field \"stream\"");
    if (!seen_events_) return bad_payload("missing field \"events\"");
    if (out_.events.empty()) return bad_payload("field \"events\" is empty");
    if (out_.shed_through) {
      if (out_.stream != Stream::telemetry) {
        return bad_payload("field \"shed_through\" on the " + std::string(to_string(out_.stream)) +
                           " stream: only telemetry is ever shed");
      }
      if (out_.events.front().seq <= *out_.shed_through) {
        return bad_payload("events[0].seq " + std::to_string(out_.events.front().seq) +
                           " is not after shed_through " + std::to_string(*out_.shed_through));
      }
    }
    for (std::size_t i = 0; i < out_.events.size(); ++i) {
      if (event_streams_[i] != out_.stream) {
        return bad_payload("events[" + std::to_string(i) + "].stream \"" + std::string(to_string(event_streams_[i])) +
                           "\" differs from the batch's stream \"" + std::string(to_string(out_.stream)) + "\"");
      }
    }
    return {};
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  Batch& out_;
  std::optional<Error> error_;
  bool saw_ws_ = false;
  bool seen_v_ = false, seen_device_ = false, seen_site_ = false, seen_stream_ = false, seen_events_ = false,
       seen_shed_ = false;
  std::vector<Stream> event_streams_;
  std::string scratch_;
};

}  // namespace

std::string encode_batch(const DeviceAddress& a, Stream s, std::span<const StoredEvent> events,
                         std::int64_t shed_through) {
  std::size_t size = 64 + a.device.size() + a.site.size();
  for (const StoredEvent& e : events) size += e.json.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"v\":1,\"device\":";
  append_json_string(out, a.device);
  out += ",\"site\":";
  append_json_string(out, a.site);
  out += ",\"stream\":\"";
  out += to_string(s);
  out += '"';
  if (shed_through > 0) {
    out += ",\"shed_through\":";
    out += std::to_string(shed_through);
  }
  out += ",\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += events[i].json;
  }
  out += "]}";
  return out;
}

Result<Batch> decode_batch(std::string_view payload, std::size_t max_bytes) {
  if (payload.size() > max_bytes) {
    return make_error("too_large", "batch payload of " + std::to_string(payload.size()) +
                                       " bytes exceeds the limit of " + std::to_string(max_bytes) + " bytes");
  }
  Batch batch;
  try {
    BatchScanner scanner(payload, batch);
    if (auto s = scanner.run(); !s) return s.error();
  } catch (const std::exception& e) {  // allocation failure: never let it escape the module
    return bad_payload(std::string("cannot decode batch: ") + e.what());
  }
  return batch;
}

std::string encode_ack(const Ack& ack) {
  std::string out;
  out.reserve(96);
  out += "{\"v\":1,\"stream\":\"";
  out += to_string(ack.stream);
  out += "\",\"acked_through\":";
  append_int(out, ack.acked_through);
  if (ack.expect) {
    out += ",\"expect\":";
    append_int(out, *ack.expect);
  }
  out += '}';
  return out;
}

namespace {

// An integer field of an ack: present, integral (not float), within int64 and >= 0.
Result<std::int64_t> ack_int(const json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end()) return bad_payload(std::string("missing field \"") + name + "\"");
  if (it->is_number_unsigned()) {
    const auto v = it->get<json::number_unsigned_t>();
    if (v > static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return bad_payload(std::string("field \"") + name + "\" is out of range");
    }
    return static_cast<std::int64_t>(v);
  }
  if (it->is_number_integer()) return bad_payload(std::string("field \"") + name + "\" must be >= 0");
  return bad_payload(std::string("field \"") + name + "\" must be an integer");
}

}  // namespace

Result<Ack> decode_ack(std::string_view payload) {
  json doc;
  try {
    doc = json::parse(payload.begin(), payload.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    return bad_payload("ack is not valid JSON: " + what);
  } catch (const std::exception& e) {
    return bad_payload(std::string("cannot decode ack: ") + e.what());
  }
  if (!doc.is_object()) return bad_payload("ack is not a JSON object");
  const auto v = doc.find("v");
  if (v == doc.end()) return bad_payload("missing field \"v\"");
  if (!v->is_number_integer()) return bad_payload("field \"v\" must be an integer");
  if (!v->is_number_unsigned() || v->get<json::number_unsigned_t>() != static_cast<unsigned>(kProtocolVersion)) {
    return bad_payload("unsupported protocol version in field \"v\" (expected 1)");
  }
  Ack ack;
  const auto st = doc.find("stream");
  if (st == doc.end()) return bad_payload("missing field \"stream\"");
  if (!st->is_string()) return bad_payload("field \"stream\" must be a string");
  const auto stream = stream_from_string(st->get_ref<const std::string&>());
  if (!stream) return bad_payload("field \"stream\" names an unknown stream (expected exec or telemetry)");
  ack.stream = *stream;
  auto through = ack_int(doc, "acked_through");
  if (!through) return through.error();
  ack.acked_through = *through;
  if (doc.contains("expect")) {
    auto expect = ack_int(doc, "expect");
    if (!expect) return expect.error();
    if (*expect - 1 != ack.acked_through) {  // (expect >= 0, so no overflow)
      return bad_payload("field \"expect\" (" + std::to_string(*expect) + ") must be acked_through + 1 (" +
                         std::to_string(ack.acked_through) + " + 1)");
    }
    ack.expect = *expect;
  }
  return ack;
}

}  // namespace scanedge::sync
