// Building DecodeErrors with readable, always-ASCII messages.
//
// Scan data is arbitrary bytes; messages quote it through `quoted()`, which keeps printable
// ASCII and writes everything else as \xNN (GS shows as \x1D), so a message is always
// valid UTF-8 and safe to log or put in JSON. Error path only; allocation is fine here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "edge/decode/decoded.h"

namespace scanedge::decode {

// "'AB\x1DC'" — at most `max_chars` input bytes, then "..." inside the quotes.
std::string quoted(std::string_view bytes, std::size_t max_chars = 40);

DecodeError make_decode_error(std::string_view code, std::string message, std::size_t offset);

}  // namespace scanedge::decode
