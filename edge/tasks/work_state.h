// WorkState: everything the device holds about its work, as a value: the tasks (all types,
// with their progress), the logged-in operator and the operator's started task.
//
// A value type (copyable): the confirm pipeline decides a commit group against a copy and
// swaps it in only after the group's transaction committed, so memory never runs ahead of
// storage. Persisted as outbox state entries (key -> JSON document):
//   "task/<task_id>"  one task, its lines and progress (the stored form; pick tasks stored
//                     by earlier builds load unchanged)
//   "work/session"    {"operator":ID|null,"active_task":ID|null}
// Not thread-safe: owned by the pipeline thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/outbox.h"
#include "edge/tasks/task.h"

namespace scanedge::tasks {

inline constexpr const char* kTaskKeyPrefix = "task/";
inline constexpr const char* kSessionKey = "work/session";
// The prefixes to pass to Outbox::load_state() at start (each loaded and handed to from_state).
inline constexpr const char* kStatePrefixes[] = {"task/", "work/"};

class WorkState {
 public:
  // Loads from state entries. Entries that fail to parse are skipped and described in `bad`
  // (never fatal: one corrupt task must not stop the device).
  static WorkState from_state(const std::vector<std::pair<std::string, std::string>>& entries,
                              std::vector<std::string>* bad = nullptr);

  // The write persisting `key` as it is now (value nullopt when the key no longer exists).
  StateWrite state_write(const std::string& key) const;

  // Every task as the bus reports it (task.list, status), ordered by task id:
  // {"task_id","version","type","channel","state","order"?,...,"lines":[{"line","gtin","qty",
  //  "done",...}],"picked","qty"} where "picked" is the sum of units done and "qty" the sum
  // ordered (the summary fields the status reply has always had).
  nlohmann::json tasks_json() const;

  const std::optional<std::string>& operator_id() const { return operator_; }
  const std::optional<std::string>& active_task() const { return active_task_; }
  const std::map<std::string, Task>& tasks() const { return tasks_; }
  std::size_t size() const { return tasks_.size(); }

 private:
  friend class WorkExecutor;
  std::map<std::string, Task> tasks_;
  std::optional<std::string> operator_;
  std::optional<std::string> active_task_;
};

}  // namespace scanedge::tasks
