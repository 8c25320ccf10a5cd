// EPCIS 2.0 JSON-LD export of the ledger's applied events (`scanedge-ledger export --epcis`).
//
// Output: one EPCISDocument
//   {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
//    "type":"EPCISDocument","schemaVersion":"2.0","creationDate":<RFC 3339 UTC>,
//    "epcisBody":{"eventList":[...ObjectEvents...]}}
// valid against GS1's EPCIS-JSON-Schema.json (draft-07; checked by
// tests/integration/ledger/epcis_schema_test.py).
//
// Mapping of one applied `pick.confirmed` event (the body as the device sent it) to an
// ObjectEvent:
//   type                "ObjectEvent", action "OBSERVE" (the item already exists: a pick
//                       observes it, it neither creates nor destroys it);
//   eventID             "urn:uuid:<event id>" (the device's UUIDv7, globally unique);
//   eventTime           the event's "time" (RFC 3339, as stamped on the device; a device
//                       with an unsynced clock exports its own wall time as is);
//   eventTimeZoneOffset "+00:00" (devices stamp UTC);
//   what                item.serial present -> epcList ["https://id.gs1.org/01/{gtin}/21/{serial}"]
//                       otherwise           -> quantityList [{"epcClass":
//                          "https://id.gs1.org/01/{gtin}[/10/{lot}]","quantity":qty}]
//                       GS1 Digital Link URIs rather than urn:epc:id:sgtin: an SGTIN URN
//                       needs the GS1 company prefix length, which a GTIN alone does not
//                       give; EPCIS 2.0 accepts Digital Link URIs as identifiers. The GTIN
//                       (8, 12, 13 or 14 digits) is zero-padded to 14; serial and lot are
//                       percent-encoded (everything but A-Z a-z 0-9 - . _ ~);
//   bizStep "picking", disposition "in_progress";
//   readPoint           {"id":"urn:scanedge:site:{site}:device:{device}"}: the device is
//                       where the observation happened (sites have no SGLNs in scanedge);
//   bizLocation         {"id":"urn:scanedge:site:{site}"};
//                       site and device are the ledger's (the MQTT topic's), not the body's;
//   bizTransactionList  omitted (pick tasks carry no business document reference yet).
// Not exported: `scan.rejected` (a refused scan is not a business event) — counted as
// not_business; any other type is counted per type in unknown_types. A pick.confirmed event
// whose body is not usable (bad JSON, missing/invalid time, GTIN or qty) is skipped and
// described in `problems` (site/device/stream/seq and what was wrong): one bad event never
// stops an export.
//
// Order (deterministic): by site, device, stream (exec before telemetry), then seq.
//
// Threading: uses the given store from the calling thread only. Memory: events are read in
// pages and written as they are mapped; only the counters grow with the ledger.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"
#include "sync/ledger/ledger_store.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger::epcis {

inline constexpr std::string_view kContext = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

// What map_event() made of one applied event.
struct Mapped {
  enum class Kind { object_event, not_business, unknown_type };
  Kind kind = Kind::unknown_type;
  nlohmann::json event;  // the ObjectEvent when kind == object_event
};

// Maps one applied event body (compact JSON as stored) applied for `address`.
// Error "bad_event" with a message naming the field when a pick.confirmed body is unusable
// (or the body is not a JSON object with a string "type").
Result<Mapped> map_event(const sync::DeviceAddress& address, std::string_view body);

// GS1 Digital Link helpers (exposed for tests). Error "bad_event" on a GTIN that is not
// 8/12/13/14 digits or an empty serial/lot.
Result<std::string> digital_link_gtin(std::string_view gtin);
Result<std::string> digital_link_serial(std::string_view gtin, std::string_view serial);
Result<std::string> digital_link_lot(std::string_view gtin, std::string_view lot);

struct ExportOptions {
  std::optional<std::string> site;  // only this site's devices; all sites when empty
  std::string creation_date;         // RFC 3339; empty: now (UTC)
};

struct ExportStats {
  std::int64_t exported = 0;
  std::int64_t not_business = 0;  // scan.rejected
  std::map<std::string, std::int64_t> unknown_types;
  std::vector<std::string> problems;  // one line per skipped unusable event (first 100 kept)
  std::int64_t problem_count = 0;
};

// Writes the document to `out` (compact JSON, then "\n"). Error: storage codes from the
// store, "io" when `out` failed; on error `out` may hold a partial document.
Result<ExportStats> write_document(LedgerStore& store, const ExportOptions& options, std::ostream& out);

}  // namespace scanedge::ledger::epcis
