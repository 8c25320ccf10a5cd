// Shared fixture of the edge/tasks unit tests: a fake clock, an executor, a WorkState and
// helpers that build scans, documents and actions and check the protocol's event fields.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "edge/decode/gtin.h"
#include "edge/tasks/work_executor.h"

namespace scanedge::tasks::testing {

using nlohmann::json;

inline constexpr const char* kGtinA = "09506000134352";
inline constexpr const char* kGtinB = "04006381333931";  // EAN-13 4006381333931
inline constexpr const char* kGtinC = "05901234123457";  // EAN-13 5901234123457

// A GTIN-14 / SSCC with its check digit computed.
inline std::string with_check(const std::string& digits) { return digits + decode::gs1_check_digit(digits); }
inline std::string sscc(int n) {
  std::string body = "0061414100000" + std::to_string(1000 + n);
  return with_check(body);
}

// GS1-128 data: GTIN, optional expiry (YYMMDD), lot, serial.
inline std::string gs1(const std::string& gtin, const std::string& lot = "", const std::string& expiry = "",
                       const std::string& serial = "") {
  std::string s = "]C101" + gtin;
  if (!expiry.empty()) s += "17" + expiry;
  if (!lot.empty()) s += "10" + lot + (serial.empty() ? "" : "\x1d");
  if (!serial.empty()) s += "21" + serial;
  return s;
}
inline std::string sscc_scan(const std::string& code) { return "]C100" + code; }

struct TasksTest : ::testing::Test {
  FakeClock clock;
  EventIdGenerator ids;
  ExecutorOptions options;
  WorkState state;

  WorkExecutor executor() { return WorkExecutor(clock, ids, DeviceIdentity{"site-1", "dev-1"}, options); }

  WorkDecision scan(const std::string& data, const std::string& scanner = "bus:test") {
    auto ex = executor();
    return ex.scan(RawScan{data, scanner, std::chrono::milliseconds(4242)}, state);
  }
  WorkDecision put(const json& doc) {
    auto ex = executor();
    return ex.put_task(doc, state);
  }
  WorkDecision act(const json& req) {
    auto ex = executor();
    return ex.act(req, state);
  }
  std::vector<WorkDecision> tick() {
    auto ex = executor();
    return ex.tick(state);
  }
  const Task& task(const std::string& id) const { return state.tasks().at(id); }

  // Adds a task document and checks it was added.
  void add(json doc) {
    auto d = put(doc);
    ASSERT_TRUE(d.accepted) << d.reason.message;
    ASSERT_EQ(d.reply["outcome"], "added") << d.reply.dump();
  }

  // The persisted state, reloaded: what a restart would see.
  void restart() {
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [id, t] : state.tasks()) {
      const auto w = state.state_write(std::string(kTaskKeyPrefix) + id);
      entries.emplace_back(w.key, *w.value);
    }
    const auto s = state.state_write(kSessionKey);
    entries.emplace_back(s.key, *s.value);
    std::vector<std::string> bad;
    state = WorkState::from_state(entries, &bad);
    EXPECT_TRUE(bad.empty()) << bad.front();
  }
};

inline json line(int n, const std::string& gtin, int qty, json extra = json::object()) {
  json l{{"line", n}, {"gtin", gtin}, {"qty", qty}, {"location", "L-" + std::to_string(n)}};
  for (auto& [k, v] : extra.items()) l[k] = v;
  return l;
}

inline json doc(const std::string& id, const std::string& type, json lines, json extra = json::object()) {
  json d{{"task_id", id}, {"version", 1}, {"type", type}, {"lines", std::move(lines)}};
  for (auto& [k, v] : extra.items()) d[k] = v;
  return d;
}

// Envelope of protocol v1 (WORK_MODEL.md "Events").
inline void expect_envelope(const json& e, const std::string& type, const json& op = nullptr) {
  EXPECT_EQ(e["type"], type) << e.dump();
  EXPECT_TRUE(e["id"].is_string() && e["id"].get<std::string>().size() == 36) << e.dump();
  EXPECT_TRUE(e["time"].is_string() && e["time"].get<std::string>().back() == 'Z') << e.dump();
  EXPECT_TRUE(e["clock"] == "synced" || e["clock"] == "unsynced") << e.dump();
  EXPECT_TRUE(e["mono_ms"].is_number_integer()) << e.dump();
  EXPECT_EQ(e["site"], "site-1");
  EXPECT_EQ(e["device"], "dev-1");
  ASSERT_TRUE(e.contains("operator")) << e.dump();
  EXPECT_EQ(e["operator"], op) << e.dump();
  EXPECT_FALSE(e.contains("seq"));
}

// A task event: envelope + task, task_type, task_state (after), channel.
inline void expect_task_event(const json& e, const std::string& type, const std::string& task,
                              const std::string& task_type, const std::string& task_state,
                              const json& op = nullptr) {
  expect_envelope(e, type, op);
  EXPECT_EQ(e["task"], task) << e.dump();
  EXPECT_EQ(e["task_type"], task_type) << e.dump();
  EXPECT_EQ(e["task_state"], task_state) << e.dump();
  EXPECT_TRUE(e["channel"].is_string()) << e.dump();
}

// A scan-driven event: scan{raw,symbology,scanner} and the six item fields.
inline void expect_scan_fields(const json& e) {
  ASSERT_TRUE(e["scan"].is_object()) << e.dump();
  EXPECT_TRUE(e["scan"]["raw"].is_string());
  EXPECT_TRUE(e["scan"]["symbology"].is_string());
  EXPECT_EQ(e["scan"]["scanner"], "bus:test");
  ASSERT_TRUE(e["item"].is_object()) << e.dump();
  for (const char* k : {"gtin", "lot", "serial", "expiry", "sscc", "epc"}) EXPECT_TRUE(e["item"].contains(k)) << k;
}

inline const json& primary(const WorkDecision& d) { return d.events.at(0).body; }

}  // namespace scanedge::tasks::testing
