#pragma once
// The dispatch workflow: every action a person (or the 督办 ticker) can take on a report, the
// state it needs, the roles and scope allowed to take it, and the event it records.
//
// | action            | from                  | to            | who |
// |-------------------|-----------------------|---------------|----------------------------------------------|
// | register (立案)   | received              | registered    | dispatcher, supervisor, admin | |
// cancel (注销)     | received, registered  | cancelled     | dispatcher, supervisor, admin; needs
// reason  | | dispatch (派遣)   | registered            | dispatched    | dispatcher, supervisor,
// admin; starts the SLA| | accept (接单)     | dispatched            | accepted      | the assignee
// | | handle (处置完成) | accepted              | handled       | the assignee | | close (核查结案)
// | handled               | closed        | dispatcher, supervisor, admin                | | rework
// (返工)     | handled               | accepted      | dispatcher, supervisor, admin; needs reason
// | | evaluate (评价)   | closed                | evaluated     | the reporting resident; staff
// taking a callback | | escalate (吹哨)   | dispatched, accepted  | dispatched    | the assignee,
// dispatcher, supervisor, admin; to a department, needs reason | | reassign          | dispatched,
// accepted  | dispatched    | dispatcher, supervisor, admin                | | request_extension |
// dispatched, accepted  | (unchanged)   | the assignee; extra working hours + reason   | |
// approve_extension | (pending request)     | (unchanged)   | supervisor, admin | |
// reject_extension  | (pending request)     | (unchanged)   | supervisor, admin; needs reason | |
// suspend (挂账)    | dispatched, accepted  | suspended     | supervisor, admin; needs reason;
// pauses SLA  | | resume            | suspended             | (as before)   | supervisor, admin |
// | supervise (督办)  | running and overdue   | (unchanged)   | the system ticker, once per case |
//
// The assignee is, for a case dispatched to a grid, a grid worker whose grids include that
// grid or one above it; for a case dispatched to a department, that department's staff.
// Admins may act in any role. A refused action is an Error naming the state and the actions
// allowed in it (conflict), or the rule of role and scope (forbidden).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"

namespace wangge {

enum class Action {
  register_case,
  cancel,
  dispatch,
  accept,
  handle,
  close,
  rework,
  evaluate,
  escalate,
  reassign,
  request_extension,
  approve_extension,
  reject_extension,
  suspend,
  resume,
  supervise,
};

std::string_view to_string(Action a) noexcept;
std::optional<Action> parse_action(std::string_view s);
std::string action_names();

struct ActionRequest {
  Action action = Action::register_case;
  std::string note;
  std::vector<std::string> media;
  std::optional<Assignee> to;  ///< dispatch, reassign, escalate (escalate: a department)
  std::optional<int> rating;   ///< evaluate: 1–5
  std::string reason;          ///< cancel, rework, escalate, request/reject_extension, suspend
  std::optional<int> extension_work_hours;  ///< request_extension: > 0
};

/// What one action may carry, the same for every caller (API v1, Open311, `wangge report act`).
struct ActionLimits {
  static constexpr std::size_t kMaxNoteBytes = 4000;
  static constexpr std::size_t kMaxReasonBytes = 1000;
  static constexpr std::size_t kMaxMedia = 10;
  static constexpr std::size_t kMaxMediaUrlBytes = 2048;
};

class Workflow {
 public:
  /// @p ref must outlive the workflow.
  explicit Workflow(const ReferenceData& ref) : ref_(ref) {}

  /// Checks and applies @p request to @p report, returning the event to append; @p report is
  /// changed only when no error is thrown.
  /// @throws Error(conflict) when the state does not allow the action;
  ///         Error(forbidden) when the actor's role or scope does not;
  ///         Error(invalid_argument) for a missing or bad parameter (reason, rating, target);
  ///         Error(payload_too_large) for a note, reason or media beyond ActionLimits.
  Event apply(Report& report, const ActionRequest& request, const Actor& actor, Instant now) const;

  /// The actions @p actor could take on @p report now (for clients and error messages).
  std::vector<Action> allowed(const Report& report, const Actor& actor) const;

  /// The ticker's step: a supervision (督办) event for a running, overdue case not yet
  /// supervised; std::nullopt otherwise.
  std::optional<Event> supervise(Report& report, Instant now) const;

  /// The due time of a case of @p category dispatched at @p at.
  Instant due_at(const Category& category, Instant at) const;

  /// Whether @p actor answers for cases dispatched to @p report's assignee.
  static bool is_assignee(const Report& report, const Actor& actor);
  /// Whether @p actor may see @p report (residents: their own; grid workers: their grids and
  /// below; department staff: their department's cases; the others: all).
  static bool can_see(const Report& report, const Actor& actor);

 private:
  void check(const Report& report, const ActionRequest& request, const Actor& actor,
             Instant now) const;
  const ReferenceData& ref_;
};

}  // namespace wangge
