// The EPCIS document writer (contract: epcis_export.h; the per-event mapping is in
// epcis_mapping.cc).
#include "sync/ledger/epcis_export.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>

#include "edge/core/event_id.h"
#include "sync/ledger/clock_placement.h"

namespace scanedge::ledger::epcis {

Result<ExportStats> write_document(LedgerStore& store, const ExportOptions& options, std::ostream& out) {
  using nlohmann::json;
  auto states = store.states();  // ordered by site, device, stream
  if (!states) return states.error();
  const std::string creation =
      options.creation_date.empty() ? format_time_utc(std::chrono::system_clock::now()) : options.creation_date;

  ExportStats stats;
  out << "{\"@context\":[" << json(std::string(kContext)).dump()
      << "],\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":" << json(creation).dump()
      << ",\"epcisBody\":{\"eventList\":[";
  constexpr std::size_t kPage = 1000;
  std::optional<sync::DeviceAddress> placer_of;
  ClockPlacer placer;
  for (const StreamState& s : *states) {
    if (options.site && s.address.site != *options.site) continue;
    if (!placer_of || *placer_of != s.address) {  // states are grouped by device
      auto p = device_placer(store, s.address);
      if (!p) return p.error();
      placer = std::move(*p);
      placer_of = s.address;
    }
    std::int64_t cursor = 0;
    for (;;) {
      auto page = store.events(s.address, s.stream, cursor, kPage);
      if (!page) return page.error();
      for (const AppliedEvent& a : *page) {
        cursor = a.seq;
        auto m = map_event(s.address, a.body);
        if (!m) {
          ++stats.problem_count;
          if (stats.problems.size() < 100) {
            stats.problems.push_back("site " + s.address.site + " device " + s.address.device + " stream " +
                                     std::string(to_string(s.stream)) + " seq " + std::to_string(a.seq) + " (" + a.type +
                                     "): " + m.error().message);
          }
          continue;
        }
        switch (m->kind) {
          case Mapped::Kind::epcis_event:
            if (const Placement p = placer.place(std::string_view(a.body)); p.kind == Placement::Kind::placed) {
              m->event["eventTime"] = *p.time;  // unsynced device clock, placed by a synced event
              ++stats.placed;
            }
            if (stats.exported > 0) out << ',';
            out << m->event.dump();
            ++stats.exported;
            ++stats.exported_kinds[m->event["type"].get<std::string>()];
            break;
          case Mapped::Kind::not_business:
            ++stats.not_exported[a.type];
            break;
          case Mapped::Kind::unknown_type:
            ++stats.unknown_types[a.type];
            break;
        }
      }
      if (page->size() < kPage) break;
    }
  }
  out << "]}}\n";
  out.flush();
  if (!out.good()) return make_error("io", "cannot write the EPCIS document");
  return stats;
}

}  // namespace scanedge::ledger::epcis
