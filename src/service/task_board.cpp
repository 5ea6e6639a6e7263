// The task board (see task_board.hpp).
#include "wangge/service/task_board.hpp"

#include <algorithm>

#include "wangge/dispatch/intake.hpp"
#include "wangge/service/points_bank.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace tk = dispatch::tasks;
namespace pts = dispatch::points;
using dispatch::Role;

[[noreturn]] void no_such(const std::string& id) {
  throw Error(ErrorCode::not_found, "task " + id.substr(0, 64) + " does not exist");
}

}  // namespace

TaskBoard::TaskBoard(store::Store& store, Reference reference, Locate locate, Chain chain)
    : store_(store),
      reference_(std::move(reference)),
      locate_(std::move(locate)),
      chain_(std::move(chain)) {}

tk::Task TaskBoard::publish(const TaskDraft& d, const dispatch::Actor& by, dispatch::Instant now) {
  const auto ref = reference_();
  tk::Publication p;
  p.kind = d.kind;
  p.title = d.title;
  p.text = d.text;
  p.points = d.points;
  p.due_at = d.due_at;
  if (d.position) {
    p.grid_chain = locate_(*d.position, d.datum);
    if (p.grid_chain.empty())
      throw Error(ErrorCode::invalid_argument,
                  "location: the place is in no grid of the subdistrict");
  } else if (!d.grid.empty()) {
    p.grid_chain = chain_(d.grid);
    if (p.grid_chain.empty())
      throw Error(ErrorCode::invalid_argument,
                  "grid '" + d.grid.substr(0, 64) + "' does not exist");
  } else {
    throw Error(ErrorCode::invalid_argument, "a task needs its place: location or grid");
  }
  tk::Task t = tk::publish(p, by, "t" + dispatch::new_report_id(now).substr(1), ref->points, now);
  tk::TaskEvent e;
  e.task_id = t.id;
  e.seq = 1;
  e.at = now;
  e.actor = by.id;
  e.action = "publish";
  e.from = e.to = tk::State::open;
  store_.write([&](store::WriteTx& tx) {
    tx.insert_task(t);
    tx.append_task_event(e);
  });
  return t;
}

TaskView TaskBoard::act(const std::string& id, const tk::Request& request,
                        const dispatch::Actor& by, dispatch::Instant now) {
  const auto ref = reference_();
  const tk::Volunteer* volunteer = ref->volunteer(by.id);
  TaskView out;
  store_.write([&](store::WriteTx& tx) {
    auto t = tx.task(id);
    if (!t || !tk::can_see(*t, by, volunteer)) no_such(id);
    const tk::Step step = tk::apply(*t, request, by, volunteer, now);
    tx.update_task(*t);
    tx.append_task_event(step.event);
    if (step.earning) earn_in(tx, ref->points, *step.earning);
    out.task = std::move(*t);
  });
  out.events = store_.tasks().task_events(id);
  out.allowed = tk::allowed(out.task, by, volunteer);
  return out;
}

TaskView TaskBoard::view(const std::string& id, const dispatch::Actor& by) {
  const auto ref = reference_();
  const tk::Volunteer* volunteer = ref->volunteer(by.id);
  auto t = store_.tasks().task(id);
  if (!t || !tk::can_see(*t, by, volunteer)) no_such(id);
  TaskView out;
  out.events = store_.tasks().task_events(id);
  out.allowed = tk::allowed(*t, by, volunteer);
  out.task = std::move(*t);
  return out;
}

store::TaskPage TaskBoard::list(store::TaskFilter filter, const dispatch::Actor& by) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "tasks need a signed-in person or a key");
  filter.involving.reset();
  filter.in_grids.clear();
  filter.open_in_grids.clear();
  if (!dispatch::in_office(by.role)) {
    filter.involving = by.id;
    if (by.role == Role::grid_worker) filter.in_grids = by.grids;
    const auto ref = reference_();
    if (const tk::Volunteer* v = ref->volunteer(by.id)) filter.open_in_grids = v->grids;
  }
  return store_.tasks().tasks(filter);
}

}  // namespace wangge::service
