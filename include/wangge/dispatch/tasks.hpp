#pragma once
// Tasks residents and volunteers take on (issue 17): 圆单 help requests (a resident's need — a
// visit to an elderly neighbour living alone, an errand, a small repair — 点单 → 派单/接单 → 评单)
// and 揭榜挂帅 posts (a hard problem of the community published with a bounty of points, for
// whoever can solve it). One workflow for both:
//
//   publish → open ─claim→ claimed ─complete→ done ─confirm→ confirmed ─rate→ rated
//                  ←release─        ←reject──
//   open / claimed / done ─cancel→ cancelled
//
// - Only a verified volunteer (志愿者, listed in the organisation with the grids they serve) may
//   claim, and only a task in one of their grids (or below); a task is claimed once, and never
//   by whoever asked for it.
// - Confirmation (by whoever asked, or staff of the grid) earns the volunteer the task's points
//   in the same write (the ledger's event "task:<id>:completed": once, however often told).
// - A task's grid chain is fixed at publication, like a report's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/points.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::dispatch::tasks {

enum class Kind {
  help_request,  ///< 圆单: a resident's need
  challenge,     ///< 揭榜挂帅: a community problem with a bounty
};
std::string_view to_string(Kind k) noexcept;
std::optional<Kind> parse_kind(std::string_view s);

enum class State { open, claimed, done, confirmed, rated, cancelled };
std::string_view to_string(State s) noexcept;
std::optional<State> parse_state(std::string_view s);

enum class Action { claim, release, complete, reject, confirm, rate, cancel };
std::string_view to_string(Action a) noexcept;
std::optional<Action> parse_action(std::string_view s);

/// A volunteer of the organisation: who may claim tasks, and where.
struct Volunteer {
  std::string id;  ///< the person's actor id ("resident:…")
  std::string name;
  std::vector<std::string> grids;  ///< the grids they serve (and everything below them)
  bool verified = false;           ///< checked by the community (实名认证)
};

struct Task {
  std::string id;
  Kind kind = Kind::help_request;
  State state = State::open;
  std::string title;
  std::string text;
  std::vector<std::string> grid_chain;  ///< finest first, to the root
  std::int64_t points = 0;              ///< earned on confirmation
  std::string requester;                ///< who asked (a resident) or published (staff)
  std::string claimant;
  Instant created_at, updated_at;
  std::optional<Instant> due_at;
  std::optional<Instant> claimed_at, done_at, confirmed_at;
  int rating = 0;  ///< 1–5 once rated
  int version = 1;

  const std::string& grid() const;  ///< the finest grid ("" when none)
  bool overdue(Instant now) const;  ///< past due and not yet confirmed, rated or cancelled
};

/// One step of a task's life. Append-only.
struct TaskEvent {
  std::string task_id;
  int seq = 0;
  Instant at;
  std::string actor;
  std::string action;  ///< "publish", "claim", …
  State from = State::open, to = State::open;
  std::string note;
};

/// What a publication asks for; the rules fill in and check the rest.
struct Publication {
  Kind kind = Kind::help_request;
  std::string title, text;
  std::vector<std::string> grid_chain;  ///< of the place the task is at (located by the caller)
  std::optional<std::int64_t> points;   ///< a bounty (staff); help requests default to the rule
  std::optional<Instant> due_at;
};

struct Request {
  Action action = Action::claim;
  std::string note = {};
  int rating = 0;  ///< rate: 1–5
};

/// What a step did: the event, and for a confirmation the earning it owes the volunteer.
struct Step {
  TaskEvent event;
  std::optional<points::EarnRequest> earning;
};

/// The most points a task may carry, and the text limits.
inline constexpr std::int64_t kMaxTaskPoints = 1000;
inline constexpr std::size_t kMaxTitle = 100, kMaxText = 2000, kMaxNote = 1000;

/// A new task published by @p by, with id @p id. @throws Error(invalid_argument) for a missing
/// or oversized title or text, no grid, points outside 1–kMaxTaskPoints or a due time in the
/// past; Error(forbidden) when @p by may not publish it (a challenge is staff's; staff of a
/// grid publish in it).
Task publish(const Publication& p, const Actor& by, const std::string& id,
             const points::Policy& policy, Instant now);

/// Applies @p request by @p by to @p task. @p volunteer is @p by's entry in the volunteer list
/// (claims need a verified one). @throws Error(conflict) when the task's state does not allow
/// it, Error(forbidden) when @p by may not, Error(invalid_argument) for a bad rating or note.
Step apply(Task& task, const Request& request, const Actor& by, const Volunteer* volunteer,
           Instant now);

/// Whether @p by may see @p task at all: its requester and claimant, staff whose scope covers
/// it, and the listed volunteers of its grids while it is open (to claim it, once verified:
/// an unverified one sees it and is told why he may not claim).
bool can_see(const Task& task, const Actor& by, const Volunteer* volunteer);

/// The actions @p by may take on @p task now (for the console's buttons).
std::vector<Action> allowed(const Task& task, const Actor& by, const Volunteer* volunteer);

}  // namespace wangge::dispatch::tasks
