// SSI host commands: the frames the driver sends (ACK, NAK, PARAM_SEND, profile commands,
// revision request) and the parsing of the scanner's revision reply.
//
// All frames have Source 0x04 (host). Pure functions, safe from any thread.
//
// PARAM_SEND (0xC6) data: [beep code][param][value][param][value]...
//   - beep code 0xFF: the scanner does not beep for the change;
//   - status bit 3 (permanent) set when the change is to survive a power cycle;
//   - parameter numbers are encoded as in Zebra's SSI programmer guide:
//       0x000..0x0EF  one byte           (e.g. 0x9F  -> 9F)
//       0x100..0x1EF  F0 + (n - 0x100)   (e.g. 0x10B -> F0 0B)
//       0x200..0x2EF  F1 + (n - 0x200)
//       0x300..0x3EF  F2 + (n - 0x300)
//       anything else F8 + hi + lo       (extended number; values 0xF0..0xFF of a page
//                                         cannot be written in the short forms)
//   - values are one byte (0..255).
//   Parameters that do not fit one frame (251 data bytes) are split over several
//   PARAM_SEND frames, each with its own beep code byte, in the profile's order.
//   Error invalid_ssi_param when a number is outside 0..0xFFFF or a value outside 0..255
//   (the message names the offending entry by its index).
// command_frame(cmd): a profile command as written in [init] / [feedback] (opcode byte then
//   data bytes, see edge/profiles/profile.h) framed for sending. Error invalid_ssi_command
//   when it is empty or its data exceeds 251 bytes.
// parse_revision(data): the REPLY_REVISION (0xA4) data is ASCII "<software revision> <board
//   type> <engine code> ..." separated by one or more spaces. `firmware` is the first field
//   (the software revision, compared with a profile's min_firmware), `full` the whole reply
//   with surrounding whitespace and NULs trimmed. Error bad_revision_reply when the reply
//   holds no printable field.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "drivers/ssi/ssi_frame.h"
#include "edge/core/result.h"

namespace scanedge::ssi {

inline constexpr std::uint8_t kParamNoBeep = 0xFF;

std::vector<std::uint8_t> ack_frame();
std::vector<std::uint8_t> nak_frame(std::uint8_t reason);
std::vector<std::uint8_t> revision_request_frame();

// The bytes that name parameter `number` inside PARAM_SEND data (see the table above).
Result<std::string> encode_param_number(int number);

Result<std::vector<std::vector<std::uint8_t>>> param_send_frames(const std::vector<std::pair<int, int>>& params,
                                                                 bool permanent);

Result<std::vector<std::uint8_t>> command_frame(const std::string& cmd);

struct Revision {
  std::string full;
  std::string firmware;
};
Result<Revision> parse_revision(const std::string& data);

}  // namespace scanedge::ssi
