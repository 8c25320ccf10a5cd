#include "drivers/rfid_mercury/mercury_commands.h"

#include <string>

namespace scanedge::mercury {
namespace {

void put16(std::vector<std::uint8_t>& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

std::string dotted_hex(const std::array<std::uint8_t, 4>& b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i > 0) s += '.';
    s += kDigits[b[i] >> 4];
    s += kDigits[b[i] & 0xF];
  }
  return s;
}

Error config_error(std::string msg) { return make_error("mercury_config_invalid", std::move(msg)); }

}  // namespace

std::vector<std::uint8_t> start_reading_data(std::uint16_t metadata_flags, std::uint16_t search_flags) {
  std::vector<std::uint8_t> sub;  // the embedded READ_TAG_ID_MULTIPLE after its opcode
  sub.push_back(0x10);            // option: metadata flags follow
  put16(sub, search_flags);
  put16(sub, kSearchCycleMs);
  put16(sub, metadata_flags);

  std::vector<std::uint8_t> d;
  put16(d, 0);                                 // timeout (continuous: none)
  d.push_back(0x01);                           // option: continuous reading
  d.push_back(opcode::kReadTagIdMultiple);     // sub-opcode
  put16(d, 0);                                 // search flags of the outer command
  d.push_back(kProtocolGen2);
  d.push_back(static_cast<std::uint8_t>(sub.size()));
  d.push_back(opcode::kReadTagIdMultiple);
  d.insert(d.end(), sub.begin(), sub.end());
  return d;
}

std::vector<std::uint8_t> stop_reading_data() { return {0x00, 0x00, 0x02}; }

Result<std::vector<Command>> start_sequence(const Profile& p) {
  std::vector<Command> seq;
  seq.push_back({opcode::kMultiProtocolTagOp, stop_reading_data(), "stop reading (quiet a streaming reader)", false,
                 true});
  seq.push_back({opcode::kVersion, {}, "get version", true, false});
  seq.push_back({opcode::kSetTagProtocol, {0x00, kProtocolGen2}, "set tag protocol Gen2", false, false});

  if (p.rfid.antennas.empty()) return config_error("rfid.antennas: no antenna configured");
  if (p.rfid.antennas.size() > 16) {
    return config_error("rfid.antennas: " + std::to_string(p.rfid.antennas.size()) + " antennas, at most 16");
  }
  std::vector<std::uint8_t> ant{0x02};
  std::string names;
  for (std::size_t i = 0; i < p.rfid.antennas.size(); ++i) {
    const int a = p.rfid.antennas[i];
    if (a < 1 || a > 16) {
      return config_error("rfid.antennas[" + std::to_string(i) + "] = " + std::to_string(a) +
                          ": Mercury serial readers number antenna ports 1..16");
    }
    ant.push_back(static_cast<std::uint8_t>(a));
    ant.push_back(static_cast<std::uint8_t>(a));
    names += (i > 0 ? "," : "") + std::to_string(a);
  }
  seq.push_back({opcode::kSetAntennaPort, std::move(ant), "set antennas " + names, false, false});

  const int power = p.rfid.read_power_cdbm;
  if (power < 0 || power > 0xFFFF) {
    return config_error("rfid.read_power_cdbm = " + std::to_string(power) + ": must be 0..65535 centi-dBm");
  }
  std::vector<std::uint8_t> pw;
  put16(pw, static_cast<unsigned>(power));
  seq.push_back({opcode::kSetReadTxPower, std::move(pw), "set read power " + std::to_string(power) + " cdBm", false,
                 false});
  seq.push_back({opcode::kSetReaderOptionalParams, {0x01, 0x0C, 0x00}, "reader read filter off", false, false});

  for (std::size_t i = 0; i < p.init.size(); ++i) {
    const auto& cmd = p.init[i];
    if (cmd.empty()) return config_error("init[" + std::to_string(i) + "]: empty command (needs at least an opcode)");
    if (cmd.size() - 1 > kMaxData) {
      return config_error("init[" + std::to_string(i) + "]: " + std::to_string(cmd.size() - 1) +
                          " data bytes, a Mercury frame holds 255");
    }
    Command c;
    c.opcode = static_cast<std::uint8_t>(cmd[0]);
    for (std::size_t k = 1; k < cmd.size(); ++k) c.data.push_back(static_cast<std::uint8_t>(cmd[k]));
    c.what = "init[" + std::to_string(i) + "]";
    c.required = false;
    seq.push_back(std::move(c));
  }
  seq.push_back({opcode::kMultiProtocolTagOp, start_reading_data(), "start continuous reading", true, false});
  return seq;
}

std::string VersionInfo::firmware_version() const { return dotted_hex(firmware); }
std::string VersionInfo::hardware_version() const { return dotted_hex(hardware); }

Result<VersionInfo> parse_version(std::span<const std::uint8_t> d) {
  if (d.size() < 20) {
    return make_error("mercury_version_short",
                      "VERSION reply has " + std::to_string(d.size()) + " data bytes, expected 20");
  }
  VersionInfo v;
  for (std::size_t i = 0; i < 4; ++i) {
    v.bootloader[i] = d[i];
    v.hardware[i] = d[4 + i];
    v.firmware_date[i] = d[8 + i];
    v.firmware[i] = d[12 + i];
  }
  v.protocols = (static_cast<std::uint32_t>(d[16]) << 24) | (static_cast<std::uint32_t>(d[17]) << 16) |
                (static_cast<std::uint32_t>(d[18]) << 8) | d[19];
  return v;
}

}  // namespace scanedge::mercury
