// The tasks' workflow (圆单 and 揭榜挂帅; see tasks.hpp).
#include "wangge/dispatch/tasks.hpp"

#include <algorithm>
#include <array>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch::tasks {
namespace {

constexpr std::array<std::string_view, 2> kKinds{"help_request", "challenge"};
constexpr std::array<std::string_view, 6> kStates{"open",      "claimed", "done",
                                                  "confirmed", "rated",   "cancelled"};
constexpr std::array<std::string_view, 7> kActions{"claim",   "release", "complete", "reject",
                                                   "confirm", "rate",    "cancel"};

template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

void check_text(const std::string& value, const char* field, std::size_t max, bool required) {
  if (required && value.empty())
    throw Error(ErrorCode::invalid_argument, std::string(field) + " is required");
  if (value.size() > max)
    throw Error(ErrorCode::invalid_argument,
                std::string(field) + " must be at most " + std::to_string(max) + " bytes");
  if (!text::valid_utf8(value))
    throw Error(ErrorCode::invalid_argument, std::string(field) + " must be UTF-8 text");
}

bool is_staff(Role r) {
  return r == Role::grid_worker || r == Role::dispatcher || r == Role::supervisor ||
         r == Role::admin;
}

/// Staff whose scope covers the task: a grid worker of one of its grids, or the office.
bool staff_of(const Task& t, const Actor& by) {
  if (by.role == Role::grid_worker) return covers(by.grids, t.grid_chain);
  return in_office(by.role);
}

bool may_claim(const Task& t, const Actor& by, const Volunteer* v) {
  return v && v->verified && v->id == by.id && !by.id.empty() && by.id != t.requester &&
         covers(v->grids, t.grid_chain);
}

bool may(Action a, const Task& t, const Actor& by, const Volunteer* v) {
  const bool requester = !by.id.empty() && by.id == t.requester;
  const bool claimant = !by.id.empty() && by.id == t.claimant;
  switch (a) {
    case Action::claim:
      return t.state == State::open && may_claim(t, by, v);
    case Action::release:
    case Action::complete:
      return t.state == State::claimed && claimant;
    case Action::reject:
    case Action::confirm:
      return t.state == State::done && (requester || staff_of(t, by)) && !claimant;
    case Action::rate:
      return t.state == State::confirmed && requester;
    case Action::cancel:
      return (t.state == State::open && requester) ||
             ((t.state == State::open || t.state == State::claimed || t.state == State::done) &&
              staff_of(t, by) && !claimant);
  }
  return false;
}

/// Why @p a is refused: the state (409) or who asks (403).
[[noreturn]] void refuse(Action a, const Task& t, const Actor& by, const Volunteer* v) {
  // Would someone be allowed in this state? Then it is who asks; otherwise it is the state.
  bool state_allows = false;
  switch (a) {
    case Action::claim:
      state_allows = t.state == State::open;
      break;
    case Action::release:
    case Action::complete:
      state_allows = t.state == State::claimed;
      break;
    case Action::reject:
    case Action::confirm:
      state_allows = t.state == State::done;
      break;
    case Action::rate:
      state_allows = t.state == State::confirmed;
      break;
    case Action::cancel:
      state_allows = t.state == State::open || t.state == State::claimed || t.state == State::done;
      break;
  }
  const std::string what(to_string(a));
  if (!state_allows)
    throw Error(ErrorCode::conflict, "task " + t.id + " is " + std::string(to_string(t.state)) +
                                         ": it cannot be " + what + "ed now");
  if (a == Action::claim) {
    if (by.id == t.requester)
      throw Error(ErrorCode::forbidden, "whoever asked for a task cannot claim it");
    if (!v || v->id != by.id)
      throw Error(ErrorCode::forbidden, "only a volunteer (志愿者) of the organisation may claim");
    if (!v->verified)
      throw Error(ErrorCode::forbidden, "only a verified volunteer may claim: " + v->id +
                                            " is not verified yet (实名认证)");
    throw Error(ErrorCode::forbidden,
                "task " + t.id + " is outside the grids " + v->id + " serves");
  }
  throw Error(ErrorCode::forbidden, "task " + t.id + ": " + what + " is not for " + by.id);
}

}  // namespace

std::string_view to_string(Kind k) noexcept {
  return kKinds[static_cast<std::size_t>(k)];
}
std::optional<Kind> parse_kind(std::string_view s) {
  return parse<Kind>(kKinds, s);
}
std::string_view to_string(State s) noexcept {
  return kStates[static_cast<std::size_t>(s)];
}
std::optional<State> parse_state(std::string_view s) {
  return parse<State>(kStates, s);
}
std::string_view to_string(Action a) noexcept {
  return kActions[static_cast<std::size_t>(a)];
}
std::optional<Action> parse_action(std::string_view s) {
  return parse<Action>(kActions, s);
}

const std::string& Task::grid() const {
  static const std::string kNone;
  return grid_chain.empty() ? kNone : grid_chain.front();
}

bool Task::overdue(Instant now) const {
  return due_at && now > *due_at &&
         (state == State::open || state == State::claimed || state == State::done);
}

Task publish(const Publication& p, const Actor& by, const std::string& id,
             const points::Policy& policy, Instant now) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "publishing a task needs a signed-in person or a key");
  check_text(p.title, "title", kMaxTitle, true);
  check_text(p.text, "text", kMaxText, false);
  if (p.grid_chain.empty())
    throw Error(ErrorCode::invalid_argument, "the task's place is in no grid of the subdistrict");
  if (p.due_at && *p.due_at <= now)
    throw Error(ErrorCode::invalid_argument, "due_at must be in the future");
  Task t;
  t.id = id;
  t.kind = p.kind;
  t.title = p.title;
  t.text = p.text;
  t.grid_chain = p.grid_chain;
  t.requester = by.id;
  t.created_at = t.updated_at = now;
  t.due_at = p.due_at;
  const bool staff = is_staff(by.role);
  if (staff && !staff_of(t, by))
    throw Error(ErrorCode::forbidden, "a grid worker publishes tasks in his own grids");
  if (p.kind == Kind::challenge && !staff)
    throw Error(ErrorCode::forbidden,
                "a 揭榜挂帅 post is published by the community's staff; residents ask for help");
  if (!staff && !reports_as_resident(by.role))
    throw Error(ErrorCode::forbidden, "tasks are published by residents and grid staff");
  if (p.points && !staff)
    throw Error(ErrorCode::forbidden, "the points a task carries are set by staff");
  if (p.points) {
    t.points = *p.points;
  } else if (const points::EarningRule* rule = policy.rule("task_completed")) {
    t.points = rule->points;
  }
  if (t.points < 1 || t.points > kMaxTaskPoints)
    throw Error(ErrorCode::invalid_argument, "points must be a whole number from 1 to " +
                                                 std::to_string(kMaxTaskPoints) +
                                                 (p.points ? "" : " (the task_completed rule)"));
  return t;
}

Step apply(Task& t, const Request& r, const Actor& by, const Volunteer* volunteer, Instant now) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "acting on a task needs a signed-in person or a key");
  check_text(r.note, "note", kMaxNote, false);
  if (r.action == Action::rate && (r.rating < 1 || r.rating > 5))
    throw Error(ErrorCode::invalid_argument, "rating must be a whole number from 1 to 5");
  if (r.action == Action::reject && r.note.empty())
    throw Error(ErrorCode::invalid_argument, "note is required: say what is still to be done");
  if (!may(r.action, t, by, volunteer)) refuse(r.action, t, by, volunteer);
  Step step;
  step.event.task_id = t.id;
  step.event.seq = t.version + 1;
  step.event.at = now;
  step.event.actor = by.id;
  step.event.action = std::string(to_string(r.action));
  step.event.from = t.state;
  step.event.note = r.note;
  switch (r.action) {
    case Action::claim:
      t.state = State::claimed;
      t.claimant = by.id;
      t.claimed_at = now;
      break;
    case Action::release:
      t.state = State::open;
      t.claimant.clear();
      t.claimed_at.reset();
      break;
    case Action::complete:
      t.state = State::done;
      t.done_at = now;
      break;
    case Action::reject:
      t.state = State::claimed;
      t.done_at.reset();
      break;
    case Action::confirm:
      t.state = State::confirmed;
      t.confirmed_at = now;
      step.earning = points::EarnRequest{
          t.claimant, "task_completed", "task:" + t.id + ":completed", 1, now, by.id, t.points};
      break;
    case Action::rate:
      t.state = State::rated;
      t.rating = r.rating;
      break;
    case Action::cancel:
      t.state = State::cancelled;
      break;
  }
  step.event.to = t.state;
  t.updated_at = now;
  ++t.version;
  return step;
}

bool can_see(const Task& t, const Actor& by, const Volunteer* v) {
  if (by.anonymous || by.id.empty()) return false;
  if (by.id == t.requester || by.id == t.claimant) return true;
  if (staff_of(t, by)) return true;
  // Every listed volunteer of its grids sees an open task; claiming it takes a verified one.
  return t.state == State::open && v && v->id == by.id && covers(v->grids, t.grid_chain);
}

std::vector<Action> allowed(const Task& t, const Actor& by, const Volunteer* v) {
  std::vector<Action> out;
  for (std::size_t i = 0; i < kActions.size(); ++i) {
    const auto a = static_cast<Action>(i);
    if (may(a, t, by, v)) out.push_back(a);
  }
  return out;
}

}  // namespace wangge::dispatch::tasks
