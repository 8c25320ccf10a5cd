#include "edge/rfid/presence_event.h"

namespace scanedge::rfid {

const char* to_string(PresenceKind kind) {
  return kind == PresenceKind::appear ? "appear" : "disappear";
}

const char* to_string(DisappearReason reason) {
  switch (reason) {
    case DisappearReason::none: return "none";
    case DisappearReason::timeout: return "timeout";
    case DisappearReason::evicted: return "evicted";
    case DisappearReason::flushed: return "flushed";
  }
  return "unknown";
}

}  // namespace scanedge::rfid
