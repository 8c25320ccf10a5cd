// Task: one unit of work a device holds (all types of edge/tasks/WORK_MODEL.md), with its
// lines, its progress and its state.
//
// parse_task() reads both a task DOCUMENT (downlink / bus task.put) and the STORED form that
// to_json() writes (documents plus progress: "state", per-line counters, "units",
// "cartons", "finished_at", ...). Pick tasks stored by earlier builds (edge/confirm:
// {"task_id","version","type":"pick","state","lines":[{"line","gtin","qty","location",
// "picked"}]}) load unchanged. It never throws: an Error with code "bad_task" names the
// field, e.g. `lines[2].gtin: "123" is not a valid GTIN (check digit)`.
//
// Plain value types, copyable, no I/O; thread-compatible (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::tasks {

enum class TaskType { pick, pack, receive, return_, pickup, ship_from_store, put_back };
const char* to_string(TaskType t);
std::optional<TaskType> parse_task_type(const std::string& s);

// All states of all types (WORK_MODEL.md "State machines"); which ones a type uses and
// which are final depends on the type (is_final(const Task&)).
enum class TaskState {
  released,
  in_progress,
  picked,
  short_,
  packed,
  received,
  returned,
  inspected,
  ready,
  picked_up,
  partial,
  missed,
  shipped,
  done,
  cancelled,
};
const char* to_string(TaskState s);
std::optional<TaskState> parse_task_state(const std::string& s);

// Units actually handled (picked, packed into a carton, ...), aggregated by
// (line, gtin, lot, serial). `gtin` is the scanned one (a substitute's own GTIN).
struct Unit {
  std::int64_t line = 0;
  std::string gtin;
  std::optional<std::string> lot;
  std::optional<std::string> serial;
  std::int64_t qty = 0;
};

struct Line {
  std::int64_t line = 0;
  std::string gtin;  // GTIN-14
  std::int64_t qty = 0;
  std::string location;
  std::optional<std::string> lot;         // exact lot required (pick/sfs/pickup), lot put back (put_back)
  std::optional<std::string> min_expiry;  // YYYY-MM-DD
  std::vector<std::string> substitutes;   // GTIN-14s (pick, ship_from_store)

  // Progress. `done` is the type's main counter: picked (pick, ship_from_store), packed
  // (pack), received incl. over-receipts (receive), returned (return), handed over
  // (pickup), put back (put_back).
  std::int64_t done = 0;
  std::int64_t short_qty = 0;    // reported short / written off (pick, sfs, put_back, pack, receive at close)
  std::int64_t substituted = 0;  // of `done`, units that were substitutes
  std::int64_t damaged = 0;      // receive: units reported damaged on arrival
  std::int64_t inspected = 0;    // return: units inspected (<= done)
  std::int64_t cartoned = 0;     // ship_from_store: picked units closed into a carton

  // Units still wanted: qty - done - short_qty - damaged (never below 0).
  std::int64_t remaining() const;
};

struct PalletContent {
  std::int64_t line = 0;
  std::int64_t qty = 0;
  std::optional<std::string> lot;
};

struct Pallet {
  std::string sscc;  // 18 digits
  std::vector<PalletContent> contents;
  bool received = false;
};

struct Carton {
  std::int64_t number = 0;  // 1, 2, ... within the task
  std::optional<std::string> sscc;  // set when closed
  std::vector<Unit> contents;
  bool closed() const { return sscc.has_value(); }
};

struct Task {
  std::string task_id;
  std::int64_t version = 0;
  TaskType type = TaskType::pick;
  std::string channel = "default";
  std::optional<std::string> order, po, asn, rma;
  std::optional<std::string> window_end;  // pickup: RFC 3339 UTC as sent
  std::vector<Pallet> pallets;            // receive
  std::vector<Line> lines;
  TaskState state = TaskState::released;

  std::vector<Unit> units;      // pick/sfs: units picked (for put-back and shipping)
  std::vector<Carton> cartons;  // pack, ship_from_store
  std::optional<std::string> carrier_label;  // ship_from_store once shipped
  // Wall time the task reached a final state (RFC 3339 UTC), for pruning.
  std::optional<std::string> finished_at;
  std::optional<std::string> cancel_reason;
  std::optional<std::string> origin_task;  // put_back: the cancelled task
  // A cancel for a task the device never had: kept (no lines) so an older document cannot
  // resurrect the task; dropped keep_finished after it arrived.
  bool tombstone = false;
  // Version of the last cancel document refused as too_late (a redelivery is "unchanged").
  std::int64_t cancel_refused_version = 0;

  Line* find_line(std::int64_t n);
  const Line* find_line(std::int64_t n) const;
};

// Initial state of a type: `ready` for pickup, `released` otherwise.
TaskState initial_state(TaskType t);
// Whether the task is in a final state of its type (cancelled included).
bool is_final(const Task& t);
// Whether the task has any progress (used to prefer started tasks when routing scans).
bool has_progress(const Task& t);

// Parses a task document or a stored task (see the file comment). A device-made put_back
// task (stored form only) may have an id of up to 67 characters ("PB-" + task id).
Result<Task> parse_task(const nlohmann::json& doc);
// The stored form (reloadable by parse_task). Pick tasks also carry each line's "picked"
// (= done), so a build that only knows the old format still reads them.
nlohmann::json to_json(const Task& task);

// A task as the bus reports it (task.list, status; see WorkState::tasks_json): ids, type,
// channel, state, references, lines with "done" and the type's own counters, "picked" (sum
// of units done) and "qty" (sum ordered). Defined in work_state.cc.
nlohmann::json task_summary_json(const Task& task);

// Validation helpers shared with the document and action code.
bool valid_task_id(const std::string& id);
bool valid_channel(const std::string& c);
// 8/12/13/14 digits with a valid check digit -> GTIN-14; error message says why not.
Result<std::string> normalise_gtin(const std::string& g);

}  // namespace scanedge::tasks
