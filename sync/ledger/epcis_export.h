// EPCIS 2.0 JSON-LD export of the ledger's applied events (`scanedge-ledger export --epcis`).
//
// Output: one EPCISDocument
//   {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
//    "type":"EPCISDocument","schemaVersion":"2.0","creationDate":<RFC 3339 UTC>,
//    "epcisBody":{"eventList":[...ObjectEvents and AggregationEvents...]}}
// valid against GS1's EPCIS-JSON-Schema.json (draft-07; checked by
// tests/integration/ledger/epcis_schema_test.py for every exported type).
//
// Input: the applied device events (edge/tasks/WORK_MODEL.md is the contract for their
// bodies). Every exported event has:
//   eventID             "urn:uuid:<event id>" (the device's UUIDv7, globally unique);
//   eventTime           the event's "time" (RFC 3339, as stamped on the device), except
//                       for an event stamped with an unsynced clock ("clock":"unsynced")
//                       that a synced event of the same device and boot places
//                       (clock_placement.h): its placed time, UTC with milliseconds. An
//                       unsynced event nothing places exports its own time as is;
//   eventTimeZoneOffset "+00:00" (devices stamp UTC);
//   readPoint           {"id":"urn:scanedge:site:{site}:device:{device}"}: the device is
//                       where the observation happened (sites have no SGLNs in scanedge);
//   bizLocation         {"id":"urn:scanedge:site:{site}"};
//                       site and device are the ledger's (the MQTT topic's), not the body's;
//   bizTransactionList  from the task references present in the body, in this order
//                       (omitted when none):
//                         po    -> {"type":"po",    "bizTransaction":"urn:scanedge:po:{po}"}
//                         asn   -> {"type":"desadv","bizTransaction":"urn:scanedge:asn:{asn}"}
//                         rma   -> {"type":"rma",   "bizTransaction":"urn:scanedge:rma:{rma}"}
//                         order -> {"type":"po",    "bizTransaction":"urn:scanedge:order:{order}"}
//                       (the customer's order is the customer's purchase order: CBV "po";
//                       a distinct URN prefix keeps it apart from supplier POs). The schema
//                       requires bizTransaction to be a URI and type from the CBV list
//                       (bol cert desadv inv pedigree po poc prodorder recadv rma testprd
//                       testres upevt); references are percent-encoded.
// Identifiers are GS1 Digital Link URIs rather than urn:epc:id:sgtin/sscc: an EPC URN needs
// the GS1 company prefix length, which a GTIN or SSCC alone does not give; EPCIS 2.0
// accepts Digital Link URIs as identifiers:
//   serialised item     "https://id.gs1.org/01/{gtin14}/21/{serial}"   (an EPC)
//   lot                 "https://id.gs1.org/01/{gtin14}/10/{lot}"      (an epcClass)
//   GTIN only           "https://id.gs1.org/01/{gtin14}"               (an epcClass)
//   SSCC (carton/pallet)"https://id.gs1.org/00/{sscc}"                 (an EPC; 18 digits)
// The GTIN (8, 12, 13 or 14 digits) is zero-padded to 14; serial and lot are
// percent-encoded (everything but A-Z a-z 0-9 - . _ ~). An "item" or a contents entry
// {gtin,lot,serial,qty} is "what" was observed: with a serial -> one EPC in epcList
// (childEPCs); otherwise {"epcClass":<lot or GTIN class>,"quantity":qty} in quantityList
// (childQuantityList), qty a positive integer (for "item" the event's "qty"; contents
// entries always need one). A serialised entry is one EPC whatever its qty (the device
// counts a label scanned twice twice; it is still one instance), and an EPC named twice in
// one event (an SSCC in "cartons" twice, a serial in two entries) is listed once: epcList
// items are unique in the schema. Empty lists are omitted.
//
// Mapping (device type -> EPCIS event, action, bizStep, disposition; "what"):
//   pick.confirmed      ObjectEvent OBSERVE picking        in_progress       item
//   pick.substituted    ObjectEvent OBSERVE picking        in_progress       item (the substitute)
//   pack.item           ObjectEvent OBSERVE packing        in_progress       item
//   pack.carton_closed  AggregationEvent ADD packing       container_closed  parentID the SSCC,
//                       childEPCs the serialised contents, childQuantityList the rest
//   receive.confirmed   ObjectEvent OBSERVE receiving      sellable_not_accessible  item
//   receive.over        ObjectEvent OBSERVE receiving      sellable_not_accessible  item
//   receive.pallet      ObjectEvent OBSERVE receiving      sellable_not_accessible  epcList
//                       [the pallet SSCC] + the contents (quantityList; EPCs if serialised)
//   receive.damaged     ObjectEvent OBSERVE receiving      damaged           item
//   return.received     ObjectEvent OBSERVE receiving      returned          item
//   return.inspected    ObjectEvent OBSERVE inspecting     by "disposition": restock ->
//                       sellable_accessible, damaged -> damaged, dispose -> disposed,
//                       refurbish -> non_sellable_other; item
//   pickup.handed_over  ObjectEvent OBSERVE retail_selling retail_sold       item
//   ship.confirmed      ObjectEvent OBSERVE shipping       in_transit        epcList the
//   ship.partial          carton SSCCs ("cartons") + serialised contents, quantityList the rest
//   putback.confirmed   ObjectEvent OBSERVE storing        sellable_accessible item
//   exception.damage    ObjectEvent OBSERVE inspecting     damaged           item
// Why receiving is sellable_not_accessible and not in_progress: the ledger books a received
// unit into on_hand (sellable, counted in availability) at once, so the received stock is
// sellable; it is in the receiving area, not on the shop floor, hence "not accessible".
// in_progress would say the unit is between steps and not yet settled stock, which is not
// what the ledger does with it. Put-back stock returns to the shelf: sellable_accessible.
// OBSERVE everywhere an item is seen: the items already exist; scanedge neither
// commissions nor decommissions identifiers. ADD for a closed carton: the contents are
// aggregated into the SSCC.
// pick.substituted: the ordered GTIN is not exported (no standard EPCIS field for it).
//
// Not exported (not physical observations), counted per type in `not_exported`:
//   scan.rejected, task.received, task.cancelled, task.cancel_refused, pick.short,
//   pack.short, receive.short, pickup.partial, pickup.missed, putback.short,
//   operator.login, operator.logout.
// Any other type is counted per type in `unknown_types`. An exported type whose body is
// not usable (bad JSON, missing/invalid id, time, item, GTIN, qty, SSCC, contents, cartons,
// disposition or reference) is skipped and described in `problems`
// (site/device/stream/seq and the field): one bad event never stops an export.
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
#include <span>
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
  enum class Kind { epcis_event, not_business, unknown_type };
  Kind kind = Kind::unknown_type;
  nlohmann::json event;  // the ObjectEvent or AggregationEvent when kind == epcis_event
};

// Maps one applied event body (compact JSON as stored) applied for `address`.
// Error "bad_event" with a message naming the field when the body of an exported type is
// unusable (or the body is not a JSON object with a string "type").
Result<Mapped> map_event(const sync::DeviceAddress& address, std::string_view body);

// The device event types exported, and those deliberately not exported (see above).
std::span<const std::string_view> exported_types();
std::span<const std::string_view> not_exported_types();

// GS1 Digital Link helpers (exposed for tests). Error "bad_event" on a GTIN that is not
// 8/12/13/14 digits, an SSCC that is not 18 digits, or an empty serial/lot.
Result<std::string> digital_link_gtin(std::string_view gtin);
Result<std::string> digital_link_serial(std::string_view gtin, std::string_view serial);
Result<std::string> digital_link_lot(std::string_view gtin, std::string_view lot);
Result<std::string> digital_link_sscc(std::string_view sscc);
// Percent-encodes everything outside RFC 3986 "unreserved".
std::string percent_encode(std::string_view s);

struct ExportOptions {
  std::optional<std::string> site;  // only this site's devices; all sites when empty
  std::string creation_date;         // RFC 3339; empty: now (UTC)
};

struct ExportStats {
  std::int64_t exported = 0;                           // EPCIS events written
  std::map<std::string, std::int64_t> exported_kinds;  // per EPCIS type: "AggregationEvent", "ObjectEvent"
  std::map<std::string, std::int64_t> not_exported;    // per device type: not physical observations
  std::map<std::string, std::int64_t> unknown_types;
  std::vector<std::string> problems;  // one line per skipped unusable event (first 100 kept)
  std::int64_t problem_count = 0;
  std::int64_t placed = 0;  // exported events whose eventTime is a placed time (unsynced clock)
};

// Writes the document to `out` (compact JSON, then "\n"). Error: storage codes from the
// store, "io" when `out` failed; on error `out` may hold a partial document.
Result<ExportStats> write_document(LedgerStore& store, const ExportOptions& options, std::ostream& out);

}  // namespace scanedge::ledger::epcis
