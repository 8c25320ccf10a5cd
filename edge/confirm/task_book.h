// TaskBook: the pick tasks a device holds, with their progress.
//
// A value type (copyable): the confirm pipeline works on a copy for each commit group and
// swaps it in only after the group's transaction committed, so memory never runs ahead of
// storage. Tasks are persisted as outbox state entries "task/<task_id>" -> JSON document.
// Not thread-safe: owned by the pipeline thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edge/confirm/pick_task.h"
#include "edge/core/outbox.h"

namespace scanedge::confirm {

inline constexpr const char* kTaskStatePrefix = "task/";

class TaskBook {
 public:
  // Loads from state entries (key "task/<id>"). Entries that fail to parse are skipped and
  // reported in `bad` (never fatal: one corrupt task must not stop the device).
  static TaskBook from_state(const std::vector<std::pair<std::string, std::string>>& entries,
                             std::vector<std::string>* bad = nullptr);

  enum class PutOutcome { added, updated, unchanged, stale };
  // Idempotent by (task_id, version): the same or an older version changes nothing. A newer
  // version replaces the lines and keeps the picked count of lines with the same number.
  PutOutcome put(PickTask task);

  const PickTask* find(const std::string& task_id) const;
  PickTask* find_mutable(const std::string& task_id);
  const std::map<std::string, PickTask>& tasks() const { return tasks_; }
  std::size_t size() const { return tasks_.size(); }

  // The state write persisting one task as it is now.
  StateWrite state_write(const std::string& task_id) const;

 private:
  std::map<std::string, PickTask> tasks_;
};

}  // namespace scanedge::confirm
