// Confirmer: decides what one scan means for the work the device holds.
//
// decide() decodes the scan, checks it against the pick tasks and returns a Decision with the
// event to commit:
//   - a wanted GTIN on an open line       -> confirmed, `pick.confirmed` on `exec`, and the
//                                            line's picked count advanced in `book`;
//   - undecodable data                    -> rejected, reason = the decoder's error code;
//   - no GTIN in the scan                 -> rejected "not_an_item";
//   - no task held                        -> rejected "no_task";
//   - GTIN on a task, every such line full -> rejected "over_pick";
//   - GTIN on no task                     -> rejected "wrong_item".
// Rejections produce `scan.rejected` on `telemetry`. Nothing is stored here: the caller
// commits the event (and the task's new state) and only then releases feedback.
// Not thread-safe: used by the pipeline thread only.
#pragma once

#include <cstdint>
#include <string>

#include "edge/confirm/task_book.h"
#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/core/outbox.h"
#include "edge/core/raw_scan.h"
#include "edge/core/scanner_driver.h"
#include "edge/decode/decoded.h"

namespace scanedge::confirm {

struct DeviceIdentity {
  std::string site;
  std::string device;
};

enum class Outcome { confirmed, rejected };

struct Decision {
  Outcome outcome = Outcome::rejected;
  Error reason;          // when rejected: code + message for the operator
  EventDraft event;      // what to commit
  std::string task_id;   // task touched (confirmed), else empty
  std::int64_t line = 0;
  std::int64_t remaining = 0;  // units still wanted on that line after this pick
  Feedback feedback = Feedback::bad;
  std::string symbology;
  nlohmann::json item;   // decoded identity (null when undecodable)
};

class Confirmer {
 public:
  Confirmer(const Clock& clock, EventIdGenerator& ids, DeviceIdentity device);
  Decision decide(const RawScan& scan, TaskBook& book);

 private:
  nlohmann::json base_event(const char* type, const RawScan& scan, const std::string& symbology) const;
  Decision reject(Decision d, const RawScan& scan, std::string code, std::string message) const;

  const Clock& clock_;
  EventIdGenerator& ids_;
  DeviceIdentity device_;
};

// The identity part of an event ("item"): gtin, lot, serial, expiry, sscc, epc (null when absent).
nlohmann::json item_json(const decode::Identity& id);

}  // namespace scanedge::confirm
