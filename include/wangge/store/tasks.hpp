#pragma once
// The tasks port of the store (圆单, 揭榜挂帅; dispatch/tasks.hpp): tasks and their append-only
// events. Writes go through WriteTx (insert_task, update_task, append_task_event), with the
// earning a confirmation owes posted in the same write.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/tasks.hpp"

namespace wangge::store {

/// Which tasks a listing holds. The visibility fields are OR-ed (a task matching any is in);
/// none set: every task. The others narrow it.
struct TaskFilter {
  std::optional<std::string> involving;    ///< asked for or claimed by this person
  std::vector<std::string> in_grids;       ///< in one of these grids or below (staff's scope)
  std::vector<std::string> open_in_grids;  ///< open, in one of these grids or below (volunteers)
  std::vector<dispatch::tasks::State> states;  ///< any of these; empty: all
  std::optional<dispatch::tasks::Kind> kind;
  std::size_t limit = 50;  ///< 1 to 500
  std::string after;       ///< the `next` of the previous page
};

struct TaskPage {
  std::vector<dispatch::tasks::Task> items;  ///< newest first
  std::string next;                          ///< empty at the end
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;
  virtual std::optional<dispatch::tasks::Task> task(const std::string& id) = 0;
  virtual std::vector<dispatch::tasks::TaskEvent> task_events(const std::string& id) = 0;
  /// @throws Error(invalid_argument) for a malformed cursor or a limit outside 1–500.
  virtual TaskPage tasks(const TaskFilter& filter) = 0;
};

}  // namespace wangge::store
