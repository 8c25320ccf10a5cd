// Pick tasks: the work a device was given (first cut; the full work model is issue 5).
//
// Task document (arrives on the `tasks` downlink or the bus `task.put` request):
//   {"task_id":"PICK-1001","version":1,"type":"pick",
//    "lines":[{"line":1,"gtin":"09506000134352","qty":2,"location":"A-01-03"}, ...]}
// The stored form adds progress: each line's "picked", and the task "state"
// (released -> in_progress -> picked).
// parse_task() validates everything and never throws: an Error (code "bad_task") names the
// field, e.g. `lines[2].gtin: "123" is not a valid GTIN (check digit)`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.h"

namespace scanedge::confirm {

struct PickLine {
  std::int64_t line = 0;
  std::string gtin;  // GTIN-14
  std::int64_t qty = 0;
  std::string location;
  std::int64_t picked = 0;
};

enum class TaskState { released, in_progress, picked };
const char* to_string(TaskState s);

struct PickTask {
  std::string task_id;
  std::int64_t version = 0;
  TaskState state = TaskState::released;
  std::vector<PickLine> lines;

  bool complete() const;
};

// Parses a task document (progress fields "picked"/"state" are accepted when present, so the
// same function reloads stored tasks).
Result<PickTask> parse_task(const nlohmann::json& doc);
nlohmann::json to_json(const PickTask& task);

}  // namespace scanedge::confirm
