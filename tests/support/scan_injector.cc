#include "tests/support/scan_injector.h"

#include <cstdio>
#include <thread>

#include "edge/bus/bus_client.h"

namespace scanedge::testing {

std::string serial_scan(const std::string& serial) { return std::string("]C101") + kInjectGtin + "21" + serial; }

std::string serial_of(int index) {
  char b[16];
  std::snprintf(b, sizeof b, "S%07d", index);
  return b;
}

nlohmann::json big_pick_task(const std::string& task_id, std::int64_t qty) {
  return {{"task_id", task_id},
          {"version", 1},
          {"type", "pick"},
          {"lines", {{{"line", 1}, {"gtin", kInjectGtin}, {"qty", qty}, {"location", "A-01-01"}}}}};
}

InjectResult inject_scans(const std::string& bus_endpoint, int count, int clients,
                          const std::function<void(int)>& on_progress) {
  std::atomic<int> next{0};
  std::mutex mu;
  InjectResult result;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      bus::BusClient client(bus_endpoint);
      for (;;) {
        const int i = next++;
        if (i >= count) return;
        InjectedScan s;
        s.serial = serial_of(i);
        s.client = c;
        auto r = client.request(
            {{"v", 1}, {"op", "scan.inject"}, {"data", serial_scan(s.serial)}, {"scanner", "inj" + std::to_string(c)}},
            std::chrono::seconds(5));
        if (!r) {
          s.outcome = "unknown";
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
          const std::string d = r->value("decision", "");
          s.outcome = d == "confirmed" || d == "rejected" ? d : (d == "not_confirmed" ? "not_stored" : "unknown");
          s.seq = r->value("seq", std::int64_t{0});
          s.id = r->value("id", "");
        }
        {
          std::lock_guard lock(mu);
          if (s.outcome == "confirmed") {
            ++result.confirmed;
          } else if (s.outcome == "unknown") {
            ++result.unknown;
          } else {
            ++result.other;
          }
          result.scans.push_back(std::move(s));
        }
        if (on_progress) on_progress(i + 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  return result;
}

}  // namespace scanedge::testing
