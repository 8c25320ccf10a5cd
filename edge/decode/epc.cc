// decode_epc(): header dispatch, field extraction and result assembly (see epc.h).
#include "edge/decode/epc.h"

#include <array>
#include <cstdint>
#include <string>

#include "edge/decode/decoder.h"
#include "edge/decode/digital_link.h"
#include "edge/decode/epc_bits.h"
#include "edge/decode/epc_fields.h"
#include "edge/decode/epc_partition.h"
#include "edge/decode/error_codes.h"
#include "edge/decode/error_text.h"
#include "edge/decode/gtin.h"

namespace scanedge::decode {
namespace {

enum class EpcKey { kSgtin, kSscc, kSgln, kGrai, kGiai };

// What follows "company prefix + reference".
enum class EpcTail {
  kNone,      // GIAI: the reference is the rest of the EPC
  kInteger,   // serial / extension as an integer
  kString,    // serial / extension as 7-bit characters
  kReserved,  // unallocated bits, must be zero (SSCC-96)
};

struct EpcScheme {
  std::uint8_t header;
  std::string_view name;   // "sgtin-96": tag URI scheme and the `scheme` field
  std::string_view label;  // "SGTIN-96": in messages
  EpcKey key;
  std::size_t bits;
  const EpcPartitionTable* partitions;
  bool ref_is_string;  // GIAI-202: the reference is 7-bit characters, not an integer
  EpcTail tail;
  std::size_t tail_bits;
  std::size_t tail_max_chars;  // kString only
  std::string_view tail_name;  // "serial", "extension"
};

constexpr std::size_t kHeaderBits = 8;
constexpr std::size_t kFilterPos = 8;
constexpr std::size_t kPartitionPos = 11;
constexpr std::size_t kPrefixPos = 14;

const std::array<EpcScheme, 9> kSchemes = {{
    {0x30, "sgtin-96", "SGTIN-96", EpcKey::kSgtin, 96, &kSgtinPartitions, false, EpcTail::kInteger,
     38, 0, "serial"},
    {0x31, "sscc-96", "SSCC-96", EpcKey::kSscc, 96, &kSsccPartitions, false, EpcTail::kReserved, 24,
     0, "unallocated bits"},
    {0x32, "sgln-96", "SGLN-96", EpcKey::kSgln, 96, &kSglnPartitions, false, EpcTail::kInteger, 41,
     0, "extension"},
    {0x33, "grai-96", "GRAI-96", EpcKey::kGrai, 96, &kGraiPartitions, false, EpcTail::kInteger, 38,
     0, "serial"},
    {0x34, "giai-96", "GIAI-96", EpcKey::kGiai, 96, &kGiai96Partitions, false, EpcTail::kNone, 0, 0,
     ""},
    {0x36, "sgtin-198", "SGTIN-198", EpcKey::kSgtin, 198, &kSgtinPartitions, false,
     EpcTail::kString, 140, 20, "serial"},
    {0x37, "grai-170", "GRAI-170", EpcKey::kGrai, 170, &kGraiPartitions, false, EpcTail::kString,
     112, 16, "serial"},
    {0x38, "giai-202", "GIAI-202", EpcKey::kGiai, 202, &kGiai202Partitions, true, EpcTail::kNone, 0,
     0, ""},
    {0x39, "sgln-195", "SGLN-195", EpcKey::kSgln, 195, &kSglnPartitions, false, EpcTail::kString,
     140, 20, "extension"},
}};

const EpcScheme* find_scheme(unsigned header) {
  for (const EpcScheme& s : kSchemes) {
    if (s.header == header) return &s;
  }
  return nullptr;
}

std::string_view ref_name(EpcKey key) {
  switch (key) {
    case EpcKey::kSgtin:
      return "item reference";
    case EpcKey::kSscc:
      return "serial reference";
    case EpcKey::kSgln:
      return "location reference";
    case EpcKey::kGrai:
      return "asset type";
    case EpcKey::kGiai:
      return "individual asset reference";
  }
  return "reference";
}

std::string_view id_scheme(EpcKey key) {
  switch (key) {
    case EpcKey::kSgtin:
      return "sgtin";
    case EpcKey::kSscc:
      return "sscc";
    case EpcKey::kSgln:
      return "sgln";
    case EpcKey::kGrai:
      return "grai";
    case EpcKey::kGiai:
      return "giai";
  }
  return "";
}

std::string hex_byte(unsigned v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{'0', 'x', kHex[(v >> 4) & 0xF], kHex[v & 0xF]};
}

DecodeResult fail(std::string message, std::size_t bit_pos) {
  DecodeResult r;
  r.error = make_decode_error(error_code::kBadEpc, std::move(message), bit_pos / 4);
  return r;
}

DecodeResult fail_at_digit(std::string message, std::size_t digit) {
  DecodeResult r;
  r.error = make_decode_error(error_code::kBadEpc, std::move(message), digit);
  return r;
}

std::size_t round_up(std::size_t v, std::size_t unit) { return (v + unit - 1) / unit * unit; }

// A 7-bit string field problem as a message.
DecodeResult string_error(const EpcScheme& s, std::string_view field, EpcStringResult e,
                          std::size_t max_chars) {
  std::string m{s.label};
  m += ": ";
  m += field;
  switch (e.status) {
    case EpcStringStatus::kEmpty:
      m += " is empty";
      break;
    case EpcStringStatus::kBadChar:
      m += " has a character outside GS1 set 82 at bit " + std::to_string(e.bit_pos);
      break;
    case EpcStringStatus::kTooLong:
      m += " is longer than " + std::to_string(max_chars) + " characters";
      break;
    case EpcStringStatus::kNonZeroAfter:
      m += " has non-zero bits after its end (bit " + std::to_string(e.bit_pos) + ")";
      break;
    case EpcStringStatus::kOk:
      break;
  }
  return fail(std::move(m), e.bit_pos);
}

void add_ai(Decoded& d, std::string_view ai, std::string value) {
  d.ais.push_back(AiValue{std::string(ai), std::move(value)});
}

void append_dl(std::string& out, std::string_view ai, std::string_view value) {
  out += '/';
  out += ai;
  out += '/';
  append_percent_encoded(out, value);
}

}  // namespace

DecodeResult decode_epc(std::string_view hex) {
  if (hex.empty()) {
    DecodeResult r;
    r.error = make_decode_error(error_code::kEmpty, "EPC: no hex digits", 0);
    return r;
  }
  EpcBits bits;
  if (const auto bad = load_hex(hex, bits)) {
    return fail_at_digit("EPC: byte " + quoted(hex.substr(*bad, 1)) + " at offset " +
                             std::to_string(*bad) + " is not a hex digit",
                         *bad);
  }
  if (hex.size() % 2 != 0) {
    return fail_at_digit(
        "EPC: odd number of hex digits (" + std::to_string(hex.size()) + "); an EPC is whole bytes",
        hex.size());
  }
  const auto header = static_cast<unsigned>(read_bits(bits, 0, kHeaderBits));
  const EpcScheme* sp = find_scheme(header);
  if (sp == nullptr) {
    return fail_at_digit("EPC: header " + hex_byte(header) +
                             " is not a supported EPC scheme (SGTIN-96/198, SSCC-96, "
                             "SGLN-96/195, GRAI-96/170, GIAI-96/202)",
                         0);
  }
  const EpcScheme& s = *sp;

  // Length: the scheme's bits in whole bytes, or in whole 16-bit words.
  const std::size_t byte_digits = round_up(s.bits, 8) / 4;
  const std::size_t word_digits = round_up(s.bits, 16) / 4;
  if (hex.size() != byte_digits && hex.size() != word_digits) {
    std::string m{s.label};
    m += ": " + std::to_string(hex.size()) + " hex digits, expected " + std::to_string(byte_digits);
    if (word_digits != byte_digits) m += " or " + std::to_string(word_digits);
    m += " (" + std::to_string(s.bits) + " bits)";
    return fail_at_digit(std::move(m), hex.size() < byte_digits ? hex.size() : byte_digits);
  }
  if (!bits_zero(bits, s.bits, bits.bit_count())) {
    std::size_t k = s.bits;
    while (read_bits(bits, k, 1) == 0) ++k;
    return fail(std::string(s.label) + ": padding bits after bit " + std::to_string(s.bits) +
                    " are not zero",
                k);
  }

  const auto filter = static_cast<int>(read_bits(bits, kFilterPos, 3));
  const auto partition = static_cast<unsigned>(read_bits(bits, kPartitionPos, 3));
  if (partition > 6) {
    return fail(std::string(s.label) + ": partition value 7 is not valid (0..6)", kPartitionPos);
  }
  const EpcPartitionRow& row = (*s.partitions)[partition];

  // GS1 Company Prefix.
  const std::uint64_t prefix = read_bits(bits, kPrefixPos, row.prefix_bits);
  if (prefix >= epc_pow10(row.prefix_digits)) {
    return fail(std::string(s.label) + ": company prefix " + std::to_string(prefix) +
                    " has more than " + std::to_string(row.prefix_digits) + " digits (partition " +
                    std::to_string(partition) + ")",
                kPrefixPos);
  }
  std::string cp;
  cp.reserve(12);
  append_padded_decimal(cp, prefix, row.prefix_digits);

  // Reference (item reference, serial reference, location reference, asset type, or the
  // GIAI individual asset reference).
  const std::size_t ref_pos = kPrefixPos + row.prefix_bits;
  std::string ref;
  if (s.ref_is_string) {
    const EpcStringResult e = decode_epc_string(bits, ref_pos, row.ref_bits, row.ref_digits, ref);
    if (e.status != EpcStringStatus::kOk) {
      return string_error(s, ref_name(s.key), e, row.ref_digits);
    }
  } else {
    const std::uint64_t v = read_bits(bits, ref_pos, row.ref_bits);
    if (s.key == EpcKey::kGiai) {
      append_decimal(ref, v);  // an integer: its bit width is the only limit
    } else {
      if (v >= epc_pow10(row.ref_digits)) {
        return fail(std::string(s.label) + ": " + std::string(ref_name(s.key)) + " " +
                        std::to_string(v) + " has more than " + std::to_string(row.ref_digits) +
                        " digits (partition " + std::to_string(partition) + ")",
                    ref_pos);
      }
      append_padded_decimal(ref, v, row.ref_digits);
    }
  }

  // Serial / extension / reserved bits.
  const std::size_t tail_pos = ref_pos + row.ref_bits;
  std::string tail;
  switch (s.tail) {
    case EpcTail::kNone:
      break;
    case EpcTail::kInteger:
      append_decimal(tail, read_bits(bits, tail_pos, s.tail_bits));
      break;
    case EpcTail::kReserved:
      if (!bits_zero(bits, tail_pos, tail_pos + s.tail_bits)) {
        std::size_t k = tail_pos;
        while (read_bits(bits, k, 1) == 0) ++k;
        return fail(std::string(s.label) + ": the " + std::to_string(s.tail_bits) +
                        " unallocated bits are not zero",
                    k);
      }
      break;
    case EpcTail::kString: {
      const EpcStringResult e =
          decode_epc_string(bits, tail_pos, s.tail_bits, s.tail_max_chars, tail);
      if (e.status != EpcStringStatus::kOk)
        return string_error(s, s.tail_name, e, s.tail_max_chars);
      break;
    }
  }

  // Result.
  Decoded d;
  d.ais.reserve(2);
  d.aim = "";
  d.symbology = std::string(kSymbologyEpc);
  d.kind = std::string(kKindEpc);
  EpcInfo info;
  info.scheme = std::string(s.name);
  info.filter = filter;

  // "urn:epc:id:{scheme}:" then the body "{prefix}.{ref}[.{tail}]" with the URI escaping;
  // the tag URI shares the body.
  info.uri.reserve(96);
  info.uri = "urn:epc:id:";
  info.uri += id_scheme(s.key);
  info.uri += ':';
  const std::size_t body_start = info.uri.size();
  info.uri += cp;
  info.uri += '.';
  append_epc_uri_escaped(info.uri, ref);
  if (s.tail != EpcTail::kNone && s.tail != EpcTail::kReserved) {
    info.uri += '.';
    append_epc_uri_escaped(info.uri, tail);
  }
  const std::string_view body = std::string_view(info.uri).substr(body_start);
  info.tag_uri.reserve(24 + body.size());
  info.tag_uri = "urn:epc:tag:";
  info.tag_uri += s.name;
  info.tag_uri += ':';
  info.tag_uri += static_cast<char>('0' + filter);
  info.tag_uri += '.';
  info.tag_uri += body;

  std::string dl;
  dl.reserve(96);
  dl += kCanonicalDigitalLinkHost;
  switch (s.key) {
    case EpcKey::kSgtin: {
      std::string gtin;
      gtin.reserve(14);
      gtin += ref[0];  // indicator digit
      gtin += cp;
      gtin.append(ref, 1);
      gtin += gs1_check_digit(gtin);
      append_dl(dl, "01", gtin);
      append_dl(dl, "21", tail);
      d.identity.gtin = gtin;
      d.identity.serial = tail;
      add_ai(d, "01", std::move(gtin));
      add_ai(d, "21", std::move(tail));
      break;
    }
    case EpcKey::kSscc: {
      std::string sscc;
      sscc.reserve(18);
      sscc += ref[0];  // extension digit
      sscc += cp;
      sscc.append(ref, 1);
      sscc += gs1_check_digit(sscc);
      append_dl(dl, "00", sscc);
      d.identity.sscc = sscc;
      add_ai(d, "00", std::move(sscc));
      break;
    }
    case EpcKey::kSgln: {
      std::string gln = cp + ref;
      gln += gs1_check_digit(gln);
      append_dl(dl, "414", gln);
      add_ai(d, "414", std::move(gln));
      if (tail != "0") {
        append_dl(dl, "254", tail);
        add_ai(d, "254", std::move(tail));
      }
      break;
    }
    case EpcKey::kGrai: {
      std::string grai = "0" + cp + ref;
      grai += gs1_check_digit(grai);
      grai += tail;
      append_dl(dl, "8003", grai);
      add_ai(d, "8003", std::move(grai));
      break;
    }
    case EpcKey::kGiai: {
      std::string giai = cp + ref;
      append_dl(dl, "8004", giai);
      add_ai(d, "8004", std::move(giai));
      break;
    }
  }
  d.digital_link = std::move(dl);
  d.identity.epc = info.uri;
  d.epc = std::move(info);

  DecodeResult r;
  r.value = std::move(d);
  return r;
}

}  // namespace scanedge::decode
