// Fuzz target: the work model (edge/tasks), driven the way the device drives it: task
// documents from the downlink, bus actions, scans and the passing of time, in any order.
//
// Input: lines; the first byte of each line says what it is, the rest is its payload:
//   D{json}  a task document (WorkExecutor::put_task)
//   A{json}  a bus action (WorkExecutor::act)
//   S<data>  a scan, bytes as a scanner delivers them (\x1D allowed)
//   T<n>     n minutes pass (0..9999), then tick()
// Anything else (and JSON that does not parse) is skipped.
//
// Properties, after every step:
// - nothing throws or crashes;
// - a refused document or action emits no event and changes no state (invariant 7: bad
//   input never changes stored state); a refused scan emits exactly one scan.rejected on
//   telemetry; an accepted scan's events are on exec;
// - every event has a string "id" and "type", "site"/"device" as configured, and task
//   events on exec ("task" set) carry "task_state" and "task_type";
// - every changed key's state write is valid JSON (or a delete), and reloading the whole
//   persisted state (WorkState::from_state) reports the same tasks and operator as the live
//   state: what is stored is what the device works on.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edge/core/clock.h"
#include "edge/core/event_id.h"
#include "edge/tasks/work_executor.h"
#include "edge/tasks/work_state.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using scanedge::fuzz::printable;
namespace t = scanedge::tasks;

void check_events(const t::WorkDecision& d, const std::string& ctx) {
  for (const auto& e : d.events) {
    const auto& b = e.body;
    FUZZ_CHECK(b.is_object() && b.contains("id") && b["id"].is_string(), ctx + " event " + b.dump());
    FUZZ_CHECK(b.contains("type") && b["type"].is_string(), ctx + " event " + b.dump());
    FUZZ_CHECK(b.value("site", "") == "s1" && b.value("device", "") == "d1", ctx + " event " + b.dump());
    // Task events (exec) carry the task's state and type; a scan.rejected (telemetry) only
    // names the started task that refused it.
    if (e.stream == scanedge::Stream::exec && b.contains("task") && b["task"].is_string()) {
      FUZZ_CHECK(b.contains("task_state") && b.contains("task_type"), ctx + " task event " + b.dump());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  scanedge::FakeClock clock;
  scanedge::EventIdGenerator ids;
  t::WorkExecutor executor(clock, ids, t::DeviceIdentity{"s1", "d1"});
  t::WorkState state;
  std::map<std::string, std::string> stored;  // the persisted state entries

  std::size_t pos = 0;
  int steps = 0;
  while (pos < text.size() && steps < 64) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    ++steps;
    const char kind = line[0];
    const std::string payload(line.substr(1));
    const std::string ctx = std::string(1, kind) + printable(payload);
    const nlohmann::json before = state.tasks_json();
    const auto before_op = state.operator_id();

    std::vector<t::WorkDecision> decisions;
    if (kind == 'D' || kind == 'A') {
      auto doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded()) continue;
      decisions.push_back(kind == 'D' ? executor.put_task(doc, state) : executor.act(doc, state));
      const auto& d = decisions.back();
      if (!d.accepted) {
        FUZZ_CHECK(d.events.empty(), ctx + " refused but emitted " + std::to_string(d.events.size()) + " event(s)");
        FUZZ_CHECK(!d.reason.code.empty() && !d.reason.message.empty(), ctx + " refused without a reason");
        FUZZ_CHECK(state.tasks_json() == before && state.operator_id() == before_op, ctx + " refused but changed state");
      }
    } else if (kind == 'S') {
      if (payload.empty()) continue;
      decisions.push_back(executor.scan(scanedge::RawScan{payload, "fuzz", clock.monotonic()}, state));
      const auto& d = decisions.back();
      if (!d.accepted) {
        FUZZ_CHECK(d.events.size() == 1 && d.events[0].stream == scanedge::Stream::telemetry &&
                       d.events[0].body.value("type", "") == "scan.rejected",
                   ctx + " refused scan must store one scan.rejected");
      } else {
        for (const auto& e : d.events) FUZZ_CHECK(e.stream == scanedge::Stream::exec, ctx + " " + e.body.dump());
      }
    } else if (kind == 'T') {
      int minutes = 0;
      for (char c : payload.substr(0, 4)) {
        if (c < '0' || c > '9') break;
        minutes = minutes * 10 + (c - '0');
      }
      clock.advance(std::chrono::minutes(minutes));
      decisions = executor.tick(state);
    } else {
      continue;
    }
    for (const auto& d : decisions) {
      check_events(d, ctx);
      for (const auto& key : d.changed_keys) {
        const auto w = state.state_write(key);
        FUZZ_CHECK(w.key == key, ctx + " state_write key " + w.key + " for " + key);
        if (!w.value) {
          stored.erase(key);
          continue;
        }
        FUZZ_CHECK(!nlohmann::json::parse(*w.value, nullptr, false).is_discarded(), ctx + " bad JSON for " + key);
        stored[key] = *w.value;
      }
    }
    std::vector<std::pair<std::string, std::string>> entries(stored.begin(), stored.end());
    std::vector<std::string> bad;
    const t::WorkState reloaded = t::WorkState::from_state(entries, &bad);
    FUZZ_CHECK(bad.empty(), ctx + " stored state does not reload: " + (bad.empty() ? "" : bad.front()));
    FUZZ_CHECK(reloaded.tasks_json() == state.tasks_json(),
               ctx + " reloaded tasks differ:\n  live " + state.tasks_json().dump() + "\n  reloaded " +
                   reloaded.tasks_json().dump());
    FUZZ_CHECK(reloaded.operator_id() == state.operator_id() && reloaded.active_task() == state.active_task(),
               ctx + " reloaded session differs");
  }
  return 0;
}
