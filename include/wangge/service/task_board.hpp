#pragma once
// The task board (圆单 help requests, 揭榜挂帅 posts) as people use it, over the tasks port
// (store/tasks.hpp) and the rules (dispatch/tasks.hpp): publish at a place (located to its
// grids) or in a grid, list what one may see, act on a task. A confirmation posts the points it
// owes the volunteer in the same write (the ledger's event "task:<id>:completed").
//
// Who sees what: residents the tasks they asked for or claimed; verified volunteers also the
// open tasks of their grids (to claim them); grid workers the tasks of their grids; the office
// (dispatchers, supervisors, admins) every task. Anyone else: 404, not 403 (no existence leak).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/tasks.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/geo/lonlat.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// What a publisher sends: the place as a position (located) or, for staff, a grid id.
struct TaskDraft {
  dispatch::tasks::Kind kind = dispatch::tasks::Kind::help_request;
  std::string title, text;
  std::optional<geo::LonLat> position;
  geo::Datum datum = geo::Datum::wgs84;
  std::string grid;
  std::optional<std::int64_t> points;
  std::optional<dispatch::Instant> due_at;
};

/// One task as its viewer sees it: the task, its history, and what the viewer may do now.
struct TaskView {
  dispatch::tasks::Task task;
  std::vector<dispatch::tasks::TaskEvent> events;
  std::vector<dispatch::tasks::Action> allowed;
};

class TaskBoard {
 public:
  using Reference = std::function<std::shared_ptr<const dispatch::ReferenceData>()>;
  /// The grid chain (finest first) of a position, empty when it is in no grid.
  using Locate = std::function<std::vector<std::string>(geo::LonLat, geo::Datum)>;
  /// The grid chain of a grid id (it first), empty for an unknown id.
  using Chain = std::function<std::vector<std::string>(const std::string&)>;

  TaskBoard(store::Store& store, Reference reference, Locate locate, Chain chain);

  /// @throws the rules' errors; Error(invalid_argument) for a place in no grid or an unknown
  /// grid.
  dispatch::tasks::Task publish(const TaskDraft& draft, const dispatch::Actor& by,
                                dispatch::Instant now);
  /// @throws Error(not_found) when @p by may not see the task, and the rules' errors.
  TaskView act(const std::string& id, const dispatch::tasks::Request& request,
               const dispatch::Actor& by, dispatch::Instant now);
  /// @throws Error(not_found) when the task does not exist or @p by may not see it.
  TaskView view(const std::string& id, const dispatch::Actor& by);
  /// The tasks @p by may see, narrowed by @p filter's states, kind and paging.
  store::TaskPage list(store::TaskFilter filter, const dispatch::Actor& by);

 private:
  store::Store& store_;
  Reference reference_;
  Locate locate_;
  Chain chain_;
};

}  // namespace wangge::service
