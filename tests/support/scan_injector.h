// ScanInjector: several software scanners injecting scans through the agent's bus at once,
// recording what each reply said. Each scan carries a unique serial (AI 21), so the test can
// find it in the ledger. A scan whose reply never came (agent killed) is recorded as
// "unknown": it may or may not have been stored, and is never retried with the same serial.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scanedge::testing {

inline constexpr const char* kInjectGtin = "09506000134352";

// "]C101" + GTIN + "21" + serial: a GS1-128 scan of item kInjectGtin with that serial.
std::string serial_scan(const std::string& serial);
std::string serial_of(int index);  // "S0000042"

// A pick task wanting `qty` of kInjectGtin.
nlohmann::json big_pick_task(const std::string& task_id, std::int64_t qty);

struct InjectedScan {
  std::string serial;
  std::string outcome;  // "confirmed", "rejected", "not_stored" or "unknown"
  std::int64_t seq = 0;
  std::string id;
  int client = 0;
};

struct InjectResult {
  std::vector<InjectedScan> scans;
  int confirmed = 0;
  int unknown = 0;
  int other = 0;
};

// Injects `count` scans from `clients` threads. `on_progress(n)` is called after each reply
// with the number attempted so far (from the injecting thread; keep it quick).
InjectResult inject_scans(const std::string& bus_endpoint, int count, int clients,
                          const std::function<void(int)>& on_progress = {});

}  // namespace scanedge::testing
