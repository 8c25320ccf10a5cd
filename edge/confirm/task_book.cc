#include "edge/confirm/task_book.h"

namespace scanedge::confirm {

TaskBook TaskBook::from_state(const std::vector<std::pair<std::string, std::string>>& entries,
                              std::vector<std::string>* bad) {
  TaskBook book;
  for (const auto& [key, value] : entries) {
    if (key.rfind(kTaskStatePrefix, 0) != 0) continue;
    auto doc = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    auto task = parse_task(doc);
    if (!task) {
      if (bad != nullptr) bad->push_back(key + ": " + task.error().message);
      continue;
    }
    book.tasks_[task->task_id] = std::move(*task);
  }
  return book;
}

TaskBook::PutOutcome TaskBook::put(PickTask task) {
  auto it = tasks_.find(task.task_id);
  if (it == tasks_.end()) {
    const std::string id = task.task_id;
    tasks_.emplace(id, std::move(task));
    return PutOutcome::added;
  }
  PickTask& old = it->second;
  if (task.version < old.version) return PutOutcome::stale;
  if (task.version == old.version) return PutOutcome::unchanged;
  for (auto& l : task.lines) {
    for (const auto& ol : old.lines) {
      if (ol.line == l.line) l.picked = ol.picked;
    }
  }
  task.state = old.state;
  if (task.state == TaskState::picked && !task.complete()) task.state = TaskState::in_progress;
  old = std::move(task);
  return PutOutcome::updated;
}

const PickTask* TaskBook::find(const std::string& task_id) const {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

PickTask* TaskBook::find_mutable(const std::string& task_id) {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

StateWrite TaskBook::state_write(const std::string& task_id) const {
  const PickTask* t = find(task_id);
  if (t == nullptr) return StateWrite{kTaskStatePrefix + task_id, std::nullopt};
  return StateWrite{kTaskStatePrefix + task_id, to_json(*t).dump()};
}

}  // namespace scanedge::confirm
