#include "edge/decode/gs1_linters.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "edge/decode/error_codes.h"
#include "edge/decode/error_text.h"
#include "edge/decode/gs1_date.h"
#include "edge/decode/gtin.h"

namespace scanedge::decode {
namespace {

// ---------------------------------------------------------------------------------------
// Code lists (facts from the public standards, written out in our own form).
// ISO lists: from Debian's iso-codes 4.15 (ISO 3166-1 and ISO 4217 as of 2024).

// ISO 3166-1 numeric country codes (249).
constexpr std::array<std::uint16_t, 249> kIso3166Numeric = {
    4, 8, 10, 12, 16, 20, 24, 28, 31, 32, 36, 40, 44, 48, 50, 51, 52, 56, 60, 64, 68, 70,
    72, 74, 76, 84, 86, 90, 92, 96, 100, 104, 108, 112, 116, 120, 124, 132, 136, 140, 144,
    148, 152, 156, 158, 162, 166, 170, 174, 175, 178, 180, 184, 188, 191, 192, 196, 203,
    204, 208, 212, 214, 218, 222, 226, 231, 232, 233, 234, 238, 239, 242, 246, 248, 250,
    254, 258, 260, 262, 266, 268, 270, 275, 276, 288, 292, 296, 300, 304, 308, 312, 316,
    320, 324, 328, 332, 334, 336, 340, 344, 348, 352, 356, 360, 364, 368, 372, 376, 380,
    384, 388, 392, 398, 400, 404, 408, 410, 414, 417, 418, 422, 426, 428, 430, 434, 438,
    440, 442, 446, 450, 454, 458, 462, 466, 470, 474, 478, 480, 484, 492, 496, 498, 499,
    500, 504, 508, 512, 516, 520, 524, 528, 531, 533, 534, 535, 540, 548, 554, 558, 562,
    566, 570, 574, 578, 580, 581, 583, 584, 585, 586, 591, 598, 600, 604, 608, 612, 616,
    620, 624, 626, 630, 634, 638, 642, 643, 646, 652, 654, 659, 660, 662, 663, 666, 670,
    674, 678, 682, 686, 688, 690, 694, 702, 703, 704, 705, 706, 710, 716, 724, 728, 729,
    732, 740, 744, 748, 752, 756, 760, 762, 764, 768, 772, 776, 780, 784, 788, 792, 795,
    796, 798, 800, 804, 807, 818, 826, 831, 832, 833, 834, 840, 850, 854, 858, 860, 862,
    876, 882, 887, 894
};
// ISO 3166-1 alpha-2 country codes (249), concatenated.
constexpr std::string_view kIso3166Alpha2 =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
    "CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
    "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
    "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
    "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
    "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
    "VNVUWFWSYEYTZAZMZW";
// ISO 4217 numeric currency codes (181).
constexpr std::array<std::uint16_t, 181> kIso4217Numeric = {
    8, 12, 32, 36, 44, 48, 50, 51, 52, 60, 64, 68, 72, 84, 90, 96, 104, 108, 116, 124, 132,
    136, 144, 152, 156, 170, 174, 188, 191, 192, 203, 208, 214, 222, 230, 232, 238, 242,
    262, 270, 292, 320, 324, 328, 332, 340, 344, 348, 352, 356, 360, 364, 368, 376, 388,
    392, 398, 400, 404, 408, 410, 414, 417, 418, 422, 426, 430, 434, 446, 454, 458, 462,
    480, 484, 496, 498, 504, 512, 516, 524, 532, 533, 548, 554, 558, 566, 578, 586, 590,
    598, 600, 604, 608, 634, 643, 646, 654, 682, 690, 694, 702, 704, 706, 710, 728, 748,
    752, 756, 760, 764, 776, 780, 784, 788, 800, 807, 818, 826, 834, 840, 858, 860, 882,
    886, 901, 925, 926, 927, 928, 929, 930, 931, 932, 933, 934, 936, 938, 940, 941, 943,
    944, 946, 947, 948, 949, 950, 951, 952, 953, 955, 956, 957, 958, 959, 960, 961, 962,
    963, 964, 965, 967, 968, 969, 970, 971, 972, 973, 975, 976, 977, 978, 979, 980, 981,
    984, 985, 986, 990, 994, 997, 999
};

// GS1 PackageTypeCode code list (UN/ECE Recommendation 21 codes plus GS1 additions), sorted.
constexpr std::array<std::string_view, 431> kPackageTypes = {
    "1A",  "1B",  "1D",  "1F",  "1G",  "1W",  "200", "201", "202", "203", "204", "205", "206",
    "210", "211", "212", "2C",  "3A",  "3H",  "43",  "44",  "4A",  "4B",  "4C",  "4D",  "4F",
    "4G",  "4H",  "5H",  "5L",  "5M",  "6H",  "6P",  "7A",  "7B",  "8",   "8A",  "8B",  "8C",
    "9",   "AA",  "AB",  "AC",  "AD",  "AF",  "AG",  "AH",  "AI",  "AJ",  "AL",  "AM",  "AP",
    "APE", "AT",  "AV",  "B4",  "BB",  "BC",  "BD",  "BE",  "BF",  "BG",  "BGE", "BH",  "BI",
    "BJ",  "BK",  "BL",  "BM",  "BME", "BN",  "BO",  "BP",  "BQ",  "BR",  "BRI", "BS",  "BT",
    "BU",  "BV",  "BW",  "BX",  "BY",  "BZ",  "CA",  "CB",  "CBL", "CC",  "CCE", "CD",  "CE",
    "CF",  "CG",  "CH",  "CI",  "CJ",  "CK",  "CL",  "CM",  "CN",  "CO",  "CP",  "CQ",  "CR",
    "CS",  "CT",  "CU",  "CV",  "CW",  "CX",  "CY",  "CZ",  "DA",  "DB",  "DC",  "DG",  "DH",
    "DI",  "DJ",  "DK",  "DL",  "DM",  "DN",  "DP",  "DPE", "DR",  "DS",  "DT",  "DU",  "DV",
    "DW",  "DX",  "DY",  "E1",  "E2",  "E3",  "EC",  "ED",  "EE",  "EF",  "EG",  "EH",  "EI",
    "EN",  "FB",  "FC",  "FD",  "FE",  "FI",  "FL",  "FO",  "FOB", "FP",  "FPE", "FR",  "FT",
    "FW",  "FX",  "GB",  "GI",  "GL",  "GR",  "GU",  "GY",  "GZ",  "HA",  "HB",  "HC",  "HG",
    "HN",  "HR",  "IA",  "IB",  "IC",  "ID",  "IE",  "IF",  "IG",  "IH",  "IK",  "IL",  "IN",
    "IZ",  "JB",  "JC",  "JG",  "JR",  "JT",  "JY",  "KG",  "KI",  "LAB", "LE",  "LG",  "LT",
    "LU",  "LV",  "LZ",  "MA",  "MB",  "MC",  "ME",  "MPE", "MR",  "MS",  "MT",  "MW",  "MX",
    "NA",  "NE",  "NF",  "NG",  "NS",  "NT",  "NU",  "NV",  "OA",  "OB",  "OC",  "OD",  "OE",
    "OF",  "OK",  "OPE", "OT",  "OU",  "P2",  "PA",  "PAE", "PB",  "PC",  "PD",  "PE",  "PF",
    "PG",  "PH",  "PI",  "PJ",  "PK",  "PL",  "PLP", "PN",  "PO",  "POP", "PP",  "PPE", "PR",
    "PT",  "PU",  "PUE", "PV",  "PX",  "PY",  "PZ",  "QA",  "QB",  "QC",  "QD",  "QF",  "QG",
    "QH",  "QJ",  "QK",  "QL",  "QM",  "QN",  "QP",  "QQ",  "QR",  "QS",  "RB1", "RB2", "RB3",
    "RCB", "RD",  "RG",  "RJ",  "RK",  "RL",  "RO",  "RT",  "RZ",  "S1",  "SA",  "SB",  "SC",
    "SD",  "SE",  "SEC", "SH",  "SI",  "SK",  "SL",  "SM",  "SO",  "SP",  "SS",  "ST",  "STL",
    "SU",  "SV",  "SW",  "SX",  "SY",  "SZ",  "T1",  "TB",  "TC",  "TD",  "TE",  "TEV", "TG",
    "THE", "TI",  "TK",  "TL",  "TN",  "TO",  "TR",  "TRE", "TS",  "TT",  "TTE", "TU",  "TV",
    "TW",  "TWE", "TY",  "TZ",  "UC",  "UN",  "UUE", "VA",  "VG",  "VI",  "VK",  "VL",  "VN",
    "VO",  "VP",  "VQ",  "VR",  "VS",  "VY",  "WA",  "WB",  "WC",  "WD",  "WF",  "WG",  "WH",
    "WJ",  "WK",  "WL",  "WM",  "WN",  "WP",  "WQ",  "WR",  "WRP", "WS",  "WT",  "WU",  "WV",
    "WW",  "WX",  "WY",  "WZ",  "X11", "X12", "X15", "X16", "X17", "X18", "X19", "X20", "X3",
    "XA",  "XB",  "XC",  "XD",  "XF",  "XG",  "XH",  "XJ",  "XK",  "YA",  "YB",  "YC",  "YD",
    "YF",  "YG",  "YH",  "YJ",  "YK",  "YL",  "YM",  "YN",  "YP",  "YQ",  "YR",  "YS",  "YT",
    "YV",  "YW",  "YX",  "YY",  "YZ",  "ZA",  "ZB",  "ZC",  "ZD",  "ZF",  "ZG",  "ZH",  "ZJ",
    "ZK",  "ZL",  "ZM",  "ZN",  "ZP",  "ZQ",  "ZR",  "ZS",  "ZT",  "ZU",  "ZV",  "ZW",  "ZX",
    "ZY",  "ZZ"};

template <std::size_t N>
constexpr std::array<bool, 1000> numeric_set(const std::array<std::uint16_t, N>& codes) {
  std::array<bool, 1000> t{};
  for (std::uint16_t c : codes) t[c] = true;
  return t;
}

constexpr std::array<bool, 1000> kIso3166Set = numeric_set(kIso3166Numeric);
constexpr std::array<bool, 1000> kIso4217Set = numeric_set(kIso4217Numeric);

constexpr std::array<bool, 26 * 26> make_alpha2_set() {
  std::array<bool, 26 * 26> t{};
  for (std::size_t k = 0; k + 1 < kIso3166Alpha2.size(); k += 2) {
    t[static_cast<std::size_t>((kIso3166Alpha2[k] - 'A') * 26 + (kIso3166Alpha2[k + 1] - 'A'))] =
        true;
  }
  return t;
}
constexpr std::array<bool, 26 * 26> kAlpha2Set = make_alpha2_set();

// ---------------------------------------------------------------------------------------
// Check character pair (GS1 General Specifications, "check character calculation for
// alphanumeric keys"): CSET 82 values weighted by the primes 2, 3, 5, ... from the right,
// summed mod 1021, the 10-bit sum split into two CSET 32 characters.

constexpr std::string_view kCset82Order =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kCset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
constexpr std::size_t kMaxPairData = 97;

constexpr std::array<std::int16_t, 256> make_value_table(std::string_view order) {
  std::array<std::int16_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t k = 0; k < order.size(); ++k) {
    t[static_cast<unsigned char>(order[k])] = static_cast<std::int16_t>(k);
  }
  return t;
}
constexpr std::array<std::int16_t, 256> kCset82Value = make_value_table(kCset82Order);
constexpr std::array<std::int16_t, 256> kCset32Value = make_value_table(kCset32);

constexpr std::array<std::uint16_t, kMaxPairData> make_primes() {
  std::array<std::uint16_t, kMaxPairData> p{};
  std::size_t n = 0;
  for (std::uint16_t c = 2; n < p.size(); ++c) {
    bool prime = true;
    for (std::uint16_t d = 2; d * d <= c; ++d) {
      if (c % d == 0) {
        prime = false;
        break;
      }
    }
    if (prime) p[n++] = c;
  }
  return p;
}
constexpr std::array<std::uint16_t, kMaxPairData> kPrimes = make_primes();

unsigned check_pair_sum(std::string_view data) {
  unsigned sum = 0;
  const std::size_t n = data.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<unsigned>(kCset82Value[static_cast<unsigned char>(data[i])]);
    sum += v * kPrimes[n - 1 - i];
  }
  return sum % 1021;
}

// ---------------------------------------------------------------------------------------
// Small helpers.

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

std::optional<LintError> fail(std::string_view code, std::size_t at, std::string message) {
  return LintError{code, at, std::move(message)};
}

std::optional<LintError> content(std::size_t at, std::string what, Linter l) {
  return fail(error_code::kBadCharset, at, what + " (" + std::string(linter_name(l)) + ")");
}

std::optional<LintError> date_error(std::string_view part, Linter l, std::string_view format,
                                    DateField bad, std::size_t month_at, std::size_t day_at) {
  const bool month = bad == DateField::kMonth;
  const std::size_t at = month ? month_at : day_at;
  return fail(error_code::kBadDate, at,
              "date " + quoted(part) + " (" + std::string(format) + ") has " +
                  (month ? "no month " : "no day ") + quoted(part.substr(at, 2)) + " (" +
                  std::string(linter_name(l)) + ")");
}

std::optional<LintError> time_field(std::string_view part, std::size_t at, int max,
                                    std::string_view what, Linter l) {
  if (two_digits(part, at) <= max) return std::nullopt;
  return fail(error_code::kBadDate, at,
              std::string(what) + " " + quoted(part.substr(at, 2)) + " of " + quoted(part) +
                  " is out of range 00-" + std::to_string(max) + " (" +
                  std::string(linter_name(l)) + ")");
}

std::optional<LintError> gcp_check(std::string_view part, std::size_t from, Linter l) {
  constexpr std::size_t kMinGcp = 4;  // the shortest GS1 Company Prefix
  if (part.size() < from + kMinGcp) {
    return fail(error_code::kBadLength, 0,
                quoted(part) + " is too short to hold a GS1 Company Prefix from position " +
                    std::to_string(from + 1) + " (" + std::string(linter_name(l)) + ")");
  }
  for (std::size_t k = from; k < from + kMinGcp; ++k) {
    if (!is_digit(part[k])) {
      return content(k,
                     "GS1 Company Prefix of " + quoted(part) + " has the non-digit " +
                         quoted(part.substr(k, 1)) + " at position " + std::to_string(k + 1),
                     l);
    }
  }
  return std::nullopt;
}

std::optional<LintError> iban_check(std::string_view part) {
  const Linter l = Linter::kIban;
  if (part.size() < 11) {
    return fail(error_code::kBadLength, 0,
                "IBAN " + quoted(part) + " is too short (at least 11 characters) (iban)");
  }
  if (!is_upper(part[0]) || !is_upper(part[1]) ||
      !kAlpha2Set[static_cast<std::size_t>((part[0] - 'A') * 26 + (part[1] - 'A'))]) {
    return content(0, "IBAN country " + quoted(part.substr(0, 2)) +
                          " is not an ISO 3166 alpha-2 code", l);
  }
  for (std::size_t k = 2; k < part.size(); ++k) {
    if (!is_digit(part[k]) && !is_upper(part[k])) {
      return content(k, "IBAN character " + quoted(part.substr(k, 1)) + " at position " +
                            std::to_string(k + 1) + " is not 0-9 or A-Z", l);
    }
  }
  // ISO 7064 mod 97-10 over the rearranged IBAN (first four characters moved to the end),
  // letters as 10..35.
  unsigned rem = 0;
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[(i + 4) % part.size()];
    if (is_digit(c)) {
      rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else {
      rem = (rem * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    }
  }
  if (rem != 1) {
    return fail(error_code::kBadCheckDigit, 2,
                "IBAN check digits " + quoted(part.substr(2, 2)) + " of " + quoted(part) +
                    " do not verify (mod 97) (iban)");
  }
  return std::nullopt;
}

std::optional<LintError> pos_in_seq(std::string_view part) {
  const Linter l = Linter::kPosInSeqSlash;
  const std::size_t slash = part.find('/');
  const auto digits = [](std::string_view s) { return !s.empty() && all_digits(s); };
  if (slash == std::string_view::npos || !digits(part.substr(0, slash)) ||
      !digits(part.substr(slash + 1))) {
    return content(0, "position " + quoted(part) + " is not <pos>/<end>", l);
  }
  const std::string_view pos = part.substr(0, slash);
  const std::string_view end = part.substr(slash + 1);
  if (pos[0] == '0' || end[0] == '0') {
    return content(pos[0] == '0' ? 0 : slash + 1,
                   "position " + quoted(part) + " has a zero or a leading zero", l);
  }
  if (pos.size() > end.size() || (pos.size() == end.size() && pos > end)) {
    return content(0, "position " + quoted(part) + " is beyond the end of the sequence", l);
  }
  return std::nullopt;
}

std::optional<LintError> piece_of_total(std::string_view part) {
  const Linter l = Linter::kPieceOfTotal;
  if (part.size() % 2 != 0) {
    return content(0, "piece/total " + quoted(part) + " has an odd length", l);
  }
  const std::string_view piece = part.substr(0, part.size() / 2);
  const std::string_view total = part.substr(part.size() / 2);
  const auto zero = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
  };
  if (zero(piece)) return content(0, "piece number " + quoted(piece) + " is zero", l);
  if (zero(total)) return content(piece.size(), "total " + quoted(total) + " is zero", l);
  if (piece > total) {
    return content(0, "piece number " + quoted(piece) + " exceeds the total " + quoted(total),
                   l);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Coupon codes: a cursor over all-digit data with variable-length fields ("VLI" = a digit
// giving the length of the field that follows).

class CouponReader {
 public:
  CouponReader(std::string_view data, Linter l, int reference_year)
      : d_(data), l_(l), year_(reference_year) {}

  bool at_end() const { return p_ == d_.size(); }
  bool next_is(char c) const { return p_ < d_.size() && d_[p_] == c; }
  void skip() { ++p_; }
  std::size_t pos() const { return p_; }

  // One digit that must satisfy ok(d); the field is named in errors.
  std::optional<LintError> digit(std::string_view field, bool (*ok)(int), int& out) {
    if (p_ == d_.size()) return truncated(field);
    out = d_[p_] - '0';
    if (!ok(out)) {
      return content(p_, "coupon " + std::string(field) + " " + quoted(d_.substr(p_, 1)) +
                             " is not allowed", l_);
    }
    ++p_;
    return std::nullopt;
  }

  // `n` digits of a field (content not checked beyond being digits).
  std::optional<LintError> take(std::string_view field, std::size_t n,
                                std::string_view* out = nullptr) {
    if (d_.size() - p_ < n) return truncated(field);
    if (out != nullptr) *out = d_.substr(p_, n);
    p_ += n;
    return std::nullopt;
  }

  std::optional<LintError> date(std::string_view field, std::string_view* out) {
    if (auto e = take(field, 6, out)) return e;
    const DateCheck dc = check_yymmdd(*out, false, year_);
    if (!dc.ok()) {
      return fail(error_code::kBadDate, p_ - 6,
                  "coupon " + std::string(field) + " " + quoted(*out) +
                      " is not a valid YYMMDD date (" + std::string(linter_name(l_)) + ")");
    }
    return std::nullopt;
  }

  std::optional<LintError> excess() const {
    if (p_ == d_.size()) return std::nullopt;
    return fail(error_code::kBadLength, p_,
                "coupon data " + quoted(d_.substr(p_)) + " follows the last field (" +
                    std::string(linter_name(l_)) + ")");
  }

 private:
  std::optional<LintError> truncated(std::string_view field) const {
    return fail(error_code::kBadLength, p_,
                "coupon " + std::string(field) + " is missing or truncated in " + quoted(d_) +
                    " (" + std::string(linter_name(l_)) + ")");
  }

  std::string_view d_;
  Linter l_;
  int year_;
  std::size_t p_ = 0;
};

bool any_digit(int) { return true; }
bool zero_to_6(int d) { return d <= 6; }
bool one_to_5(int d) { return d >= 1 && d <= 5; }
bool one_to_7(int d) { return d >= 1 && d <= 7; }
bool req_code(int d) { return d <= 4 || d == 9; }
bool zero_to_3(int d) { return d <= 3; }
bool zero_to_2(int d) { return d <= 2; }
bool zero_or_1(int d) { return d <= 1; }
bool gcp_vli_opt(int d) { return d <= 6 || d == 9; }
bool save_value_code(int d) { return d <= 2 || d == 5 || d == 6; }

std::optional<LintError> not_digits(std::string_view part, Linter l) {
  for (std::size_t k = 0; k < part.size(); ++k) {
    if (!is_digit(part[k])) {
      return content(k, "coupon code " + quoted(part) + " has the non-digit " +
                            quoted(part.substr(k, 1)), l);
    }
  }
  return std::nullopt;
}

// North American Coupon Code, AI (8110) (GS1 US coupon application guideline).
std::optional<LintError> coupon_code(std::string_view part, int year) {
  const Linter l = Linter::kCouponCode;
  if (auto e = not_digits(part, l)) return e;
  CouponReader r(part, l, year);
  int v = 0;
  // A purchase requirement: VLI 1-5, value, requirement code, family code.
  const auto requirement = [&](std::string_view which) -> std::optional<LintError> {
    const std::string req = std::string(which) + " purchase requirement";
    if (auto e = r.digit(req + " length", one_to_5, v)) return e;
    if (auto e = r.take(req, static_cast<std::size_t>(v))) return e;
    if (auto e = r.digit(req + " code", req_code, v)) return e;
    return r.take(std::string(which) + " purchase family code", 3);
  };
  // A company prefix: VLI 0-6 (length VLI+6), or 9 = none when `allow_none`.
  const auto company_prefix = [&](std::string_view which,
                                  bool allow_none) -> std::optional<LintError> {
    const std::string field = std::string(which) + " company prefix";
    if (auto e = r.digit(field + " length", allow_none ? gcp_vli_opt : zero_to_6, v)) return e;
    return r.take(field, v == 9 ? 0 : static_cast<std::size_t>(v) + 6);
  };
  if (auto e = company_prefix("primary", false)) return e;
  if (auto e = r.take("offer code", 6)) return e;
  if (auto e = r.digit("save value length", one_to_5, v)) return e;
  if (auto e = r.take("save value", static_cast<std::size_t>(v))) return e;
  if (auto e = requirement("1st")) return e;
  if (r.next_is('1')) {  // optional field 1: additional rules + 2nd purchase
    r.skip();
    if (auto e = r.digit("additional purchase rules code", zero_to_3, v)) return e;
    if (auto e = requirement("2nd")) return e;
    if (auto e = company_prefix("2nd purchase", true)) return e;
  }
  if (r.next_is('2')) {  // optional field 2: 3rd purchase
    r.skip();
    if (auto e = requirement("3rd")) return e;
    if (auto e = company_prefix("3rd purchase", true)) return e;
  }
  std::string_view expiry;
  if (r.next_is('3')) {  // optional field 3: expiration date
    r.skip();
    if (auto e = r.date("expiration date", &expiry)) return e;
  }
  if (r.next_is('4')) {  // optional field 4: start date
    r.skip();
    std::string_view start;
    if (auto e = r.date("start date", &start)) return e;
    if (!expiry.empty() && start > expiry) {
      return fail(error_code::kBadDate, r.pos() - 6,
                  "coupon start date " + quoted(start) + " is after the expiration date " +
                      quoted(expiry) + " (couponcode)");
    }
  }
  if (r.next_is('5')) {  // optional field 5: serial number
    r.skip();
    if (auto e = r.digit("serial number length", any_digit, v)) return e;
    if (auto e = r.take("serial number", static_cast<std::size_t>(v) + 6)) return e;
  }
  if (r.next_is('6')) {  // optional field 6: retailer GCP/GLN
    r.skip();
    if (auto e = r.digit("retailer GCP/GLN length", one_to_7, v)) return e;
    if (auto e = r.take("retailer GCP/GLN", static_cast<std::size_t>(v) + 6)) return e;
  }
  if (r.next_is('9')) {  // optional field 9: miscellaneous
    r.skip();
    if (auto e = r.digit("save value code", save_value_code, v)) return e;
    if (auto e = r.digit("save value applies to item", zero_to_2, v)) return e;
    if (auto e = r.digit("store coupon flag", any_digit, v)) return e;
    if (auto e = r.digit("don't multiply flag", zero_or_1, v)) return e;
  }
  return r.excess();
}

// Positive offer file coupon code, AI (8112).
std::optional<LintError> coupon_pos_offer(std::string_view part, int year) {
  const Linter l = Linter::kCouponPosOffer;
  if (auto e = not_digits(part, l)) return e;
  CouponReader r(part, l, year);
  int v = 0;
  if (auto e = r.digit("format code", zero_or_1, v)) return e;
  if (auto e = r.digit("funder ID length", zero_to_6, v)) return e;
  if (auto e = r.take("funder ID", static_cast<std::size_t>(v) + 6)) return e;
  if (auto e = r.take("offer code", 6)) return e;
  if (auto e = r.digit("serial number length", any_digit, v)) return e;
  if (auto e = r.take("serial number", static_cast<std::size_t>(v) + 6)) return e;
  return r.excess();
}

}  // namespace

std::string_view linter_name(Linter linter) {
  switch (linter) {
    case Linter::kNone: return "";
    case Linter::kCsum: return "csum";
    case Linter::kCsumAlpha: return "csumalpha";
    case Linter::kGcpPos1: return "gcppos1";
    case Linter::kGcpPos2: return "gcppos2";
    case Linter::kHasNonDigit: return "hasnondigit";
    case Linter::kYymmd0: return "yymmd0";
    case Linter::kYymmdd: return "yymmdd";
    case Linter::kYyyymmdd: return "yyyymmdd";
    case Linter::kHhmi: return "hhmi";
    case Linter::kHh: return "hh";
    case Linter::kMi: return "mi";
    case Linter::kSs: return "ss";
    case Linter::kIso3166: return "iso3166";
    case Linter::kIso3166999: return "iso3166999";
    case Linter::kIso3166Alpha2: return "iso3166alpha2";
    case Linter::kIso4217: return "iso4217";
    case Linter::kIso5218: return "iso5218";
    case Linter::kPcenc: return "pcenc";
    case Linter::kLatitude: return "latitude";
    case Linter::kLongitude: return "longitude";
    case Linter::kYesNo: return "yesno";
    case Linter::kHyphen: return "hyphen";
    case Linter::kImporterIdx: return "importeridx";
    case Linter::kPackageType: return "packagetype";
    case Linter::kMediaType: return "mediatype";
    case Linter::kPosInSeqSlash: return "posinseqslash";
    case Linter::kNonZero: return "nonzero";
    case Linter::kNoZeroPrefix: return "nozeroprefix";
    case Linter::kWinding: return "winding";
    case Linter::kZero: return "zero";
    case Linter::kPieceOfTotal: return "pieceoftotal";
    case Linter::kIban: return "iban";
    case Linter::kCouponCode: return "couponcode";
    case Linter::kCouponPosOffer: return "couponposoffer";
  }
  return "";
}

std::string gs1_check_pair(std::string_view data) {
  const unsigned sum = check_pair_sum(data.substr(0, std::min(data.size(), kMaxPairData)));
  return std::string{kCset32[sum >> 5], kCset32[sum & 31U]};
}

std::optional<LintError> run_linter(Linter linter, std::string_view part, int reference_year) {
  const Linter l = linter;
  switch (linter) {
    case Linter::kNone:
      return std::nullopt;

    case Linter::kCsum:
      if (part.size() >= 2 && all_digits(part) && !gs1_check_digit_ok(part)) {
        const char want = gs1_check_digit(part.substr(0, part.size() - 1));
        return fail(error_code::kBadCheckDigit, part.size() - 1,
                    "check digit " + quoted(part.substr(part.size() - 1)) + " of " +
                        quoted(part) + " should be '" + std::string(1, want) + "' (csum)");
      }
      return std::nullopt;

    case Linter::kCsumAlpha: {
      if (part.size() < 2) {
        return fail(error_code::kBadLength, 0,
                    quoted(part) + " is too short for a check character pair (csumalpha)");
      }
      const std::string_view data = part.substr(0, part.size() - 2);
      const std::string_view pair = part.substr(part.size() - 2);
      if (data.size() > kMaxPairData) {
        return fail(error_code::kBadLength, 0, quoted(part) + " is too long (csumalpha)");
      }
      for (std::size_t k = 0; k < data.size(); ++k) {
        if (kCset82Value[static_cast<unsigned char>(data[k])] < 0) {
          return content(k, "character " + quoted(data.substr(k, 1)) + " is not in CSET 82",
                         l);
        }
      }
      const unsigned sum = check_pair_sum(data);
      const char want[2] = {kCset32[sum >> 5], kCset32[sum & 31U]};
      if (pair[0] != want[0] || pair[1] != want[1]) {
        return fail(error_code::kBadCheckDigit, part.size() - 2,
                    "check characters " + quoted(pair) + " of " + quoted(part) + " should be " +
                        quoted(std::string_view(want, 2)) + " (csumalpha)");
      }
      return std::nullopt;
    }

    case Linter::kGcpPos1:
      return gcp_check(part, 0, l);
    case Linter::kGcpPos2:
      return gcp_check(part, 1, l);

    case Linter::kHasNonDigit:
      if (all_digits(part)) return content(0, quoted(part) + " must contain a non-digit", l);
      return std::nullopt;

    case Linter::kYymmd0:
    case Linter::kYymmdd: {
      if (part.size() != 6 || !all_digits(part)) {
        return fail(error_code::kBadDate, 0, "date " + quoted(part) + " is not YYMMDD");
      }
      const DateCheck dc = check_yymmdd(part, l == Linter::kYymmd0, reference_year);
      if (!dc.ok()) return date_error(part, l, "YYMMDD", dc.bad, 2, 4);
      return std::nullopt;
    }
    case Linter::kYyyymmdd: {
      if (part.size() != 8 || !all_digits(part)) {
        return fail(error_code::kBadDate, 0, "date " + quoted(part) + " is not YYYYMMDD");
      }
      const DateCheck dc = check_yyyymmdd(part);
      if (!dc.ok()) return date_error(part, l, "YYYYMMDD", dc.bad, 4, 6);
      return std::nullopt;
    }
    case Linter::kHhmi:
      if (part.size() != 4 || !all_digits(part)) {
        return fail(error_code::kBadDate, 0, "time " + quoted(part) + " is not HHMI");
      }
      if (auto e = time_field(part, 0, 23, "hour", l)) return e;
      return time_field(part, 2, 59, "minute", l);
    case Linter::kHh:
    case Linter::kMi:
    case Linter::kSs:
      if (part.size() != 2 || !all_digits(part)) {
        return fail(error_code::kBadDate, 0, "time field " + quoted(part) + " is not 2 digits");
      }
      return time_field(part, 0, l == Linter::kHh ? 23 : 59,
                        l == Linter::kHh ? "hour" : (l == Linter::kMi ? "minute" : "second"),
                        l);

    case Linter::kIso3166:
    case Linter::kIso3166999:
    case Linter::kIso4217: {
      const bool ok3 = part.size() == 3 && all_digits(part);
      const int n = ok3 ? (part[0] - '0') * 100 + two_digits(part, 1) : -1;
      const auto idx = static_cast<std::size_t>(n < 0 ? 0 : n);
      if (l == Linter::kIso4217) {
        if (ok3 && kIso4217Set[idx]) return std::nullopt;
        return content(0, "currency code " + quoted(part) + " is not an ISO 4217 numeric code",
                       l);
      }
      if (ok3 && (kIso3166Set[idx] || (l == Linter::kIso3166999 && n == 999))) {
        return std::nullopt;
      }
      return content(0,
                     "country code " + quoted(part) + " is not an ISO 3166 numeric code" +
                         (l == Linter::kIso3166999 ? " or 999" : ""),
                     l);
    }
    case Linter::kIso3166Alpha2:
      if (part.size() == 2 && is_upper(part[0]) && is_upper(part[1]) &&
          kAlpha2Set[static_cast<std::size_t>((part[0] - 'A') * 26 + (part[1] - 'A'))]) {
        return std::nullopt;
      }
      return content(0, "country code " + quoted(part) + " is not an ISO 3166 alpha-2 code", l);
    case Linter::kIso5218:
      if (part == "0" || part == "1" || part == "2" || part == "9") return std::nullopt;
      return content(0, "sex code " + quoted(part) + " is not an ISO/IEC 5218 code", l);

    case Linter::kPcenc:
      for (std::size_t k = 0; k < part.size(); ++k) {
        if (part[k] != '%') continue;
        if (k + 2 >= part.size() || !is_hex(part[k + 1]) || !is_hex(part[k + 2])) {
          return content(k, "'%' at position " + std::to_string(k + 1) + " of " +
                                quoted(part) + " is not followed by two hex digits", l);
        }
        k += 2;
      }
      return std::nullopt;

    case Linter::kLatitude:
    case Linter::kLongitude: {
      std::uint64_t v = 0;
      for (char c : part) v = v * 10 + static_cast<std::uint64_t>(c - '0');
      const std::uint64_t max = l == Linter::kLatitude ? 1800000000ULL : 3600000000ULL;
      if (part.size() == 10 && all_digits(part) && v <= max) return std::nullopt;
      return content(0, (l == Linter::kLatitude ? "latitude " : "longitude ") + quoted(part) +
                            " is out of range 0.." + std::to_string(max), l);
    }

    case Linter::kYesNo:
      if (part == "0" || part == "1") return std::nullopt;
      return content(0, "flag " + quoted(part) + " must be 0 or 1", l);
    case Linter::kHyphen:
      if (part.find_first_not_of('-') == std::string_view::npos) return std::nullopt;
      return content(0, quoted(part) + " must be '-'", l);
    case Linter::kZero:
      if (part == "0") return std::nullopt;
      return content(0, quoted(part) + " must be '0'", l);
    case Linter::kWinding:
      if (part == "0" || part == "1" || part == "9") return std::nullopt;
      return content(0, "winding direction " + quoted(part) + " must be 0, 1 or 9", l);
    case Linter::kNonZero:
      if (part.find_first_not_of('0') != std::string_view::npos) return std::nullopt;
      return content(0, "value " + quoted(part) + " must not be zero", l);
    case Linter::kNoZeroPrefix:
      if (part.size() > 1 && part[0] == '0') {
        return content(0, "value " + quoted(part) + " must not start with 0", l);
      }
      return std::nullopt;

    case Linter::kImporterIdx: {
      const char c = part.empty() ? '\0' : part[0];
      if (part.size() == 1 && (is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') ||
                               c == '-' || c == '_')) {
        return std::nullopt;
      }
      return content(0, "importer index " + quoted(part) + " must be one of -0-9A-Z_a-z", l);
    }
    case Linter::kPackageType:
      if (std::binary_search(kPackageTypes.begin(), kPackageTypes.end(), part)) {
        return std::nullopt;
      }
      return content(0, "package type " + quoted(part) + " is not a GS1 PackageTypeCode", l);
    case Linter::kMediaType: {
      const int n = part.size() == 2 && all_digits(part) ? two_digits(part, 0) : -1;
      if ((n >= 1 && n <= 10) || (n >= 80 && n <= 99)) return std::nullopt;
      return content(0, "media type " + quoted(part) + " is not an AIDC media type", l);
    }
    case Linter::kPosInSeqSlash:
      return pos_in_seq(part);
    case Linter::kPieceOfTotal:
      return piece_of_total(part);
    case Linter::kIban:
      return iban_check(part);
    case Linter::kCouponCode:
      return coupon_code(part, reference_year);
    case Linter::kCouponPosOffer:
      return coupon_pos_offer(part, reference_year);
  }
  return std::nullopt;
}

}  // namespace scanedge::decode
