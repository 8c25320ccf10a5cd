// Honeywell commands over the HID POS interface (Voyager/Xenon/Granit in "HID POS" mode).
//
// The scanner takes its serial commands (the ones its manual lists for RS-232) inside
// output report 0xFD: [0xFD][n][n command bytes], n <= report_size - 2. A serial command is
//   - a menu command: SYN 'M' CR, then tag (3 chars) + subtag (3 chars) + data, then a
//     storage character: '!' active settings only (lost at power-down), '.' stored in
//     flash, or a query ('?' current value, '^' default, '*' range); or
//   - a direct command such as SYN BEL CR (beep) or SYN 'T' CR (trigger).
// Menu commands are answered on the input side ("]X0" text then a "]Z" reply carrying the
// echo and ACK/ENQ/NAK per command, see pos_report_assembler.h); direct ones are not.
// Feature report 0xFE with value 0x01 routes the scanner's output to the HID POS interface.
// Sources: HenkVanAsselt/python_hon_usbhid README (report bytes observed on a Voyager
// 1602g); DEVICES_AND_STANDARDS.md. The byte after 0xFD is sent as the command's length
// (the README saw 0x03 for 3-byte commands).
// Threading: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/result.h"

namespace scanedge::hid_pos {

inline constexpr std::uint8_t kCommandReportId = 0xFD;   // output report carrying commands
inline constexpr std::uint8_t kRouteFeatureId = 0xFE;    // feature report: output routing
inline constexpr std::uint8_t kRouteToHidPos = 0x01;
inline constexpr char kSyn = 0x16;

enum class MenuStorage : char { active = '!', permanent = '.', query = '?', query_default = '^', query_range = '*' };

// SYN M CR + tag + subtag + data + storage. tag and subtag: 3 characters each, A-Z or 0-9;
// data: printable ASCII. Error code invalid_menu_command naming the bad part.
Result<std::string> menu_command(std::string_view tag, std::string_view subtag, std::string_view data,
                                 MenuStorage storage);

// A device command as written in a hid-pos profile ([init], [feedback]): bytes starting
// with SYN are a complete serial command and are sent unchanged; anything else is the body
// of a menu command (e.g. "BEPLVL3!") and gets the SYN M CR header. Empty stays empty.
std::string serial_command(std::string_view profile_bytes);

// True when `command` is a menu command (SYN M CR ...): the scanner will send a reply.
bool expects_reply(std::string_view command);

// The output reports carrying `command`: [0xFD][n][n bytes] with n <= report_size - 2,
// in order, not padded. Empty command: no reports. report_size below 3 is taken as 3.
std::vector<std::vector<std::uint8_t>> command_reports(std::string_view command, std::size_t report_size = 64);

// Feature report 0xFE = 0x01.
std::array<std::uint8_t, 2> route_feature_report();

}  // namespace scanedge::hid_pos
