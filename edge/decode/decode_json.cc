// to_json(): the fixed `scanedgectl decode --json` contract object (see decoder.h).
#include <string>

#include "edge/decode/decoder.h"

namespace scanedge::decode {
namespace {

// Keeps valid UTF-8 sequences; each byte that does not start one becomes U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t k = 0;
  while (k < s.size()) {
    const auto c = static_cast<unsigned char>(s[k]);
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool ok = len > 0 && k + len <= s.size();
    for (std::size_t i = 1; ok && i < len; ++i) {
      const auto b = static_cast<unsigned char>(s[k + i]);
      const unsigned l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
      ok = b >= l && b <= h;
    }
    if (ok) {
      out.append(s.substr(k, len));
      k += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++k;
    }
  }
  return out;
}

nlohmann::json opt(const std::optional<std::string>& v) {
  return v ? nlohmann::json(valid_utf8(*v)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const DecodeResult& result) {
  using nlohmann::json;
  if (!result.ok()) {
    return json{{"ok", false},
                {"error",
                 {{"code", result.error.code},
                  {"message", valid_utf8(result.error.message)},
                  {"offset", result.error.offset}}}};
  }
  const Decoded& d = *result.value;
  json ais = json::array();
  for (const AiValue& a : d.ais) {
    ais.push_back(json{{"ai", valid_utf8(a.ai)}, {"value", valid_utf8(a.value)}});
  }
  const Identity& id = d.identity;
  json j{{"ok", true},
         {"aim", valid_utf8(d.aim)},
         {"symbology", d.symbology},
         {"kind", d.kind},
         {"ais", std::move(ais)},
         {"identity",
          {{"gtin", opt(id.gtin)},
           {"lot", opt(id.lot)},
           {"serial", opt(id.serial)},
           {"expiry", opt(id.expiry)},
           {"sscc", opt(id.sscc)},
           {"epc", opt(id.epc)},
           {"count", id.count ? json(*id.count) : json(nullptr)}}},
         {"digital_link", opt(d.digital_link)}};
  if (d.kind == kKindPlain) j["text"] = valid_utf8(d.text);
  if (d.epc) {
    j["scheme"] = d.epc->scheme;
    j["filter"] = d.epc->filter;
    j["uri"] = valid_utf8(d.epc->uri);
    j["tag_uri"] = valid_utf8(d.epc->tag_uri);
  }
  return j;
}

}  // namespace scanedge::decode
