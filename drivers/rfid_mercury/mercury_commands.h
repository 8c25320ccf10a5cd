// The Mercury commands the rfid-mercury driver sends, and the version reply it reads.
// Pure functions (no I/O); opcodes are in mercury_frame.h.
//
// start_sequence(profile): the commands sent, in order, after every (re)open:
//   1. MULTI_PROTOCOL_TAG_OP stop  (0x2F: 00 00 02)   a reader left streaming by a previous
//      run is quieted first; its answer is optional (not required: a reader that is not
//      streaming may answer with an error status).
//   2. VERSION (0x03)                                   required; gives the firmware version.
//   3. SET_TAG_PROTOCOL Gen2 (0x93: 00 05)
//   4. SET_ANTENNA_PORT logical list (0x91: 02, then TX,RX port pairs, one per antenna of
//      profile.rfid.antennas; TX = RX = the antenna number)
//   5. SET_READ_TX_POWER (0x92: u16 centi-dBm = profile.rfid.read_power_cdbm)
//   6. SET_READER_OPTIONAL_PARAMS read filter off (0x9A: 01 0C 00): the reader's own
//      de-duplication would hide the repeated reads the scanedge filter counts
//   7. each profile.init entry: first byte = opcode, the rest = data (the region, e.g.
//      "hex:97 08" for EU, goes here: the profile has no region key)
//   8. start continuous reading (0x2F), see start_reading_data()
// Steps 3..7 answered with a non-zero status are logged and counted, not fatal (a module
// may not support an option); a timeout or non-zero status on 2 or 8 fails the open.
// Errors (code mercury_config_invalid): an antenna outside 1..16 (an antenna number is a
// 4-bit port in tag records), no antenna, read power outside 0..65535, an empty init entry.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drivers/rfid_mercury/mercury_frame.h"
#include "drivers/rfid_mercury/mercury_tag_record.h"
#include "edge/core/result.h"
#include "edge/profiles/profile.h"

namespace scanedge::mercury {

struct Command {
  std::uint8_t opcode = 0;
  std::vector<std::uint8_t> data;
  std::string what;              // for logs, e.g. "set read power 2000 cdBm"
  bool required = true;          // a timeout/non-zero status fails the open
  bool response_optional = false;  // no answer within the timeout is fine
};

// Search flags of the continuous read: use the configured antenna list (0x0003) | tag
// streaming (0x0008) | large tag population support (0x0010).
inline constexpr std::uint16_t kStreamSearchFlags = 0x001B;
// Metadata requested with every record: READCOUNT | RSSI | ANTENNAID | FREQUENCY |
// TIMESTAMP | PROTOCOL.
inline constexpr std::uint16_t kStreamMetadata = 0x005F;
// Length of one search cycle in continuous mode (the reader sends a keep-alive per cycle).
inline constexpr std::uint16_t kSearchCycleMs = 1000;

// 0x2F data starting continuous Gen2 reading:
//   timeout u16 = 0 | option 0x01 (continuous) | sub-opcode 0x22 | search flags u16 = 0 |
//   protocol 0x05 | sub-command length (bytes after the sub-opcode) |
//   0x22 | option 0x10 (metadata follows) | search flags u16 | cycle ms u16 | metadata u16
std::vector<std::uint8_t> start_reading_data(std::uint16_t metadata_flags = kStreamMetadata,
                                             std::uint16_t search_flags = kStreamSearchFlags);
// 0x2F data stopping continuous reading: timeout u16 = 0 | option 0x02 (stop).
std::vector<std::uint8_t> stop_reading_data();

Result<std::vector<Command>> start_sequence(const Profile& profile);

// VERSION reply data: bootloader(4) | hardware(4) | firmware date(4) | firmware version(4) |
// supported protocols(4) — 20 bytes; longer replies are accepted (extra bytes ignored).
struct VersionInfo {
  std::array<std::uint8_t, 4> bootloader{};
  std::array<std::uint8_t, 4> hardware{};
  std::array<std::uint8_t, 4> firmware_date{};
  std::array<std::uint8_t, 4> firmware{};
  std::uint32_t protocols = 0;
  // The firmware version as the reader tools show it: the four bytes as two upper-case hex
  // digits each, dot-separated, e.g. "01.0B.02.03". This is what profile.min_firmware is
  // compared with (compare_firmware).
  std::string firmware_version() const;
  std::string hardware_version() const;
};
// Error mercury_version_short when the data has fewer than 20 bytes.
Result<VersionInfo> parse_version(std::span<const std::uint8_t> data);

}  // namespace scanedge::mercury
