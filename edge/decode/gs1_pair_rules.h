// The dictionary's pair rules over one message: "req=" (an AI needs a partner) and "ex="
// (two AIs must not appear together). Evaluated over the AIs of one scan.
//
// Order: AIs in scan order, for each first its exclusions, then its requirements; the
// first violation is returned. `requires` points at the AI that lacks its partner;
// `excludes` points at whichever of the two clashing AIs comes later in the data.
// Thread-safe, no allocation on success.
#pragma once

#include <optional>
#include <span>

#include "edge/decode/decoded.h"
#include "edge/decode/gs1_element_string.h"

namespace scanedge::decode {

std::optional<DecodeError> check_pair_rules(std::span<const ParsedAi> ais);

}  // namespace scanedge::decode
