#include "drivers/ssi/ssi_commands.h"

#include <cctype>

namespace scanedge::ssi {
namespace {

// encode_frame only fails for data > kMaxData, which the callers here never build.
std::vector<std::uint8_t> must_encode(const SsiFrame& f) {
  auto r = encode_frame(f);
  return r ? std::move(*r) : std::vector<std::uint8_t>{};
}

}  // namespace

std::vector<std::uint8_t> ack_frame() { return must_encode(SsiFrame{opcode::cmd_ack, kSourceHost, 0, {}}); }

std::vector<std::uint8_t> nak_frame(std::uint8_t reason) {
  return must_encode(SsiFrame{opcode::cmd_nak, kSourceHost, 0, std::string(1, static_cast<char>(reason))});
}

std::vector<std::uint8_t> revision_request_frame() {
  return must_encode(SsiFrame{opcode::request_revision, kSourceHost, 0, {}});
}

Result<std::string> encode_param_number(int n) {
  if (n < 0 || n > 0xFFFF) {
    return make_error("invalid_ssi_param", "SSI parameter number " + std::to_string(n) + " is outside 0..65535");
  }
  const int page = n >> 8;
  const int low = n & 0xFF;
  std::string out;
  if (page <= 3 && low < 0xF0) {
    if (page > 0) out.push_back(static_cast<char>(0xF0 + page - 1));
    out.push_back(static_cast<char>(low));
    return out;
  }
  out.push_back(static_cast<char>(0xF8));
  out.push_back(static_cast<char>(page));
  out.push_back(static_cast<char>(low));
  return out;
}

Result<std::vector<std::vector<std::uint8_t>>> param_send_frames(const std::vector<std::pair<int, int>>& params,
                                                                 bool permanent) {
  std::vector<std::vector<std::uint8_t>> frames;
  SsiFrame f{opcode::param_send, kSourceHost, static_cast<std::uint8_t>(permanent ? kStatusPermanent : 0),
             std::string(1, static_cast<char>(kParamNoBeep))};
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto [num, value] = params[i];
    auto enc = encode_param_number(num);
    if (!enc) {
      return make_error("invalid_ssi_param", "ssi.params[" + std::to_string(i) + "]: " + enc.error().message);
    }
    if (value < 0 || value > 0xFF) {
      return make_error("invalid_ssi_param", "ssi.params[" + std::to_string(i) + "]: value " + std::to_string(value) +
                                                 " of parameter " + std::to_string(num) + " is outside 0..255");
    }
    std::string entry = std::move(*enc);
    entry.push_back(static_cast<char>(value));
    if (f.data.size() + entry.size() > kMaxData) {
      frames.push_back(must_encode(f));
      f.data.resize(1);  // keep the beep code byte
    }
    f.data += entry;
  }
  if (f.data.size() > 1) frames.push_back(must_encode(f));
  return frames;
}

Result<std::vector<std::uint8_t>> command_frame(const std::string& cmd) {
  if (cmd.empty()) return make_error("invalid_ssi_command", "SSI command is empty (needs at least an opcode byte)");
  SsiFrame f{static_cast<std::uint8_t>(cmd[0]), kSourceHost, 0, cmd.substr(1)};
  auto r = encode_frame(f);
  if (!r) return make_error("invalid_ssi_command", r.error().message);
  return r;
}

Result<Revision> parse_revision(const std::string& data) {
  auto is_space = [](char c) { return c == ' ' || c == '\0' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t b = 0, e = data.size();
  while (b < e && is_space(data[b])) ++b;
  while (e > b && is_space(data[e - 1])) --e;
  Revision r;
  r.full = data.substr(b, e - b);
  std::size_t f = 0;
  while (f < r.full.size() && !is_space(r.full[f])) ++f;
  r.firmware = r.full.substr(0, f);
  for (char c : r.firmware) {
    if (std::isprint(static_cast<unsigned char>(c)) == 0) {
      return make_error("bad_revision_reply", "SSI revision reply has a non-printable byte in its first field");
    }
  }
  if (r.firmware.empty()) return make_error("bad_revision_reply", "SSI revision reply is empty");
  return r;
}

}  // namespace scanedge::ssi
