#pragma once
// The dispatch workflow: every action a person (or the 督办 ticker) can take on a report, the
// state it needs, the roles and scope allowed to take it, and the event it records.
//
// clang-format off
// | action              | from                  | to          | who                                           |
// |---------------------|-----------------------|-------------|-----------------------------------------------|
// | register (立案)     | received              | registered  | dispatcher, supervisor, admin                 |
// | cancel (注销)       | received, registered  | cancelled   | dispatcher, supervisor, admin; needs a reason |
// | dispatch (派遣)     | registered            | dispatched  | dispatcher, supervisor, admin; starts the SLA |
// | accept (接单)       | dispatched            | accepted    | the assignee                                  |
// | handle (处置完成)   | accepted              | handled     | the assignee                                  |
// | close (核查结案)    | handled               | closed      | dispatcher, supervisor, admin                 |
// | rework (返工)       | handled               | accepted    | dispatcher, supervisor, admin; needs a reason |
// | evaluate (评价)     | closed                | evaluated   | the reporting resident; staff taking a callback; a rating at or below rules.reopen_rating (不满意) reopens: → accepted, as 返工 |
// | escalate (吹哨)     | dispatched, accepted  | dispatched  | the assignee, dispatcher, supervisor, admin; to a lead department and any co-handling ones (`co`, 协办), each to report in within rules.report_in_work_hours; needs a reason |
// | report_in (报到)    | dispatched, accepted  | (unchanged) | the staff of a co-handling department not yet reported in |
// | return (退回)       | dispatched, accepted  | registered  | the assigned department's staff; needs a reason; back to the dispatcher |
// | reassign            | dispatched, accepted  | dispatched  | dispatcher, supervisor, admin                 |
// | request_extension   | dispatched, accepted  | (unchanged) | the assignee; extra working hours + reason    |
// | approve_extension   | (pending request)     | (unchanged) | supervisor, admin                             |
// | reject_extension    | (pending request)     | (unchanged) | supervisor, admin; needs a reason             |
// | suspend (挂账)      | dispatched, accepted  | suspended   | supervisor, admin; needs a reason; pauses SLA |
// | resume              | suspended             | (as before) | supervisor, admin                             |
// | self_handle (即报即办) | received           | closed      | the grid worker who found it, in his grid; needs a photo (media) |
// | report_in_missed (报到超时) | dispatched, accepted | (unchanged) | the ticker, once per department whose 报到 deadline passed without a report-in; the dispatchers and that department hear it |
// | supervise (督办)    | dispatched, accepted, handled | (unchanged) | the ticker, one level at a time when due (催办 at rules.remind_fraction, 督办 overdue, 挂牌督办 rules.list_after_work_days working days overdue); a supervisor or admin by hand with a note (at least 督办) |
// clang-format on
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

namespace wangge::dispatch {

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
  self_handle,  ///< 即报即办: a grid worker handles his own finding in his own grid at once
  supervise,    ///< 催办 / 督办 / 挂牌督办: the ticker, or a supervisor by hand
  report_in,    ///< 报到: a co-handling department of a whistle says it is on the case
  return_case,  ///< 退回: the assigned department sends a wrong case back to the dispatcher
  report_in_missed,  ///< 报到超时: the ticker, when a whistled department's deadline passed
};

std::string_view to_string(Action a) noexcept;
std::optional<Action> parse_action(std::string_view s);
std::string action_names();

struct ActionRequest {
  Action action = Action::register_case;
  std::string note;  ///< staff-internal (内部备注): never shown to the public or reporter
  std::string public_reply;  ///< 答复: what the reporter and the public read of this step
  std::vector<std::string> media;
  std::optional<Assignee> to;  ///< dispatch, reassign, escalate (escalate: a department)
  std::optional<int> rating;   ///< evaluate: 1–5
  std::string reason;          ///< cancel, rework, escalate, request/reject_extension, suspend
  std::optional<int> extension_work_hours;  ///< request_extension: > 0
  std::vector<std::string> co_departments;  ///< escalate: co-handling departments (协办)
};

/// What one action may carry, the same for every caller (API v1, Open311, `wangge report act`).
struct ActionLimits {
  static constexpr std::size_t kMaxNoteBytes = 4000;  ///< note and public_reply each
  static constexpr std::size_t kMaxReasonBytes = 1000;
  static constexpr std::size_t kMaxMedia = 10;
  static constexpr std::size_t kMaxMediaUrlBytes = 2048;
  static constexpr std::size_t kMaxCoDepartments = 10;
};

/// An https URL with no spaces, control characters, quotes or angle brackets: what a report or
/// an action may link as a photo (javascript:, file:, data: and http: are refused).
bool is_media_url(std::string_view url);
/// The id of a photo uploaded to wangge ("m_" and 22 characters of a-z A-Z 0-9 - _).
bool is_media_id(std::string_view s);
/// What a report or an action may cite as a photo: an uploaded photo's id, or an https URL.
bool is_media_reference(std::string_view s);

/// The request fields @p a needs besides `action` ("reason", "to", "rating", "media", …).
std::vector<std::string_view> action_fields(Action a);

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

  /// The ticker's step: the next supervision event (催办 → 督办 → 挂牌督办) when a higher level
  /// than the case's is due at @p now; std::nullopt otherwise. Call until it answers nullopt.
  std::optional<Event> supervise(Report& report, Instant now) const;

  /// The ticker's other step: one 报到超时 event naming every whistled department whose 报到
  /// deadline passed before @p now without a report-in and was not told of yet (each is marked
  /// WhistledDepartment::missed); std::nullopt when there is none or the case is not running.
  std::optional<Event> report_in_missed(Report& report, Instant now) const;

  /// The supervision level a case calls for at @p now (see Report::supervision).
  SupervisionLevel supervision_due(const Report& report, Instant now) const;

  /// The due time of a case of @p category dispatched at @p at.
  Instant due_at(const Category& category, Instant at) const;

  /// Whether @p actor answers for cases dispatched to @p report's assignee.
  static bool is_assignee(const Report& report, const Actor& actor);
  /// Whether @p actor may see @p report (residents: their own; grid workers: their grids and
  /// below; department staff: their department's cases; the others: all).
  static bool can_see(const Report& report, const Actor& actor);

 private:
  /// The co-handling departments of a whistle exist, differ from the lead and each other, and
  /// are at most ActionLimits::kMaxCoDepartments; only a whistle names them.
  void check_co_departments(const ActionRequest& request, const std::string& name) const;
  /// The whole check, in the order a caller learns the reason: role, state, scope, fields.
  void check(const Report& report, const ActionRequest& request, const Actor& actor,
             Instant now) const;
  /// Rules on the role alone (staff, supervisor, the ticker). @throws Error(forbidden).
  void check_role(const Report& report, const ActionRequest& request, const Actor& actor) const;
  /// The state, a pending extension, a due supervision level; the message lists what the
  /// caller could do instead. @throws Error(conflict).
  void check_state(const Report& report, const ActionRequest& request, const Actor& actor,
                   Instant now) const;
  /// Rules that depend on the assignee, the reporter, the finder or the whistle.
  /// @throws Error(forbidden).
  void check_scope(const Report& report, const ActionRequest& request, const Actor& actor) const;
  /// The parameters an action needs (reason, rating, target…). @throws Error(invalid_argument).
  void check_fields(const Report& report, const ActionRequest& request, const Actor& actor) const;
  /// The target (`to`) exists and fits the report. @throws Error(invalid_argument).
  void check_target(const Report& report, const ActionRequest& request) const;

  struct Step;  // one action being applied (workflow.cpp)
  /// Who handles it: dispatch, self_handle, escalate (吹哨), reassign, return (退回).
  void assign(Step& step) const;
  /// Along the loop: register, cancel, accept, report_in, handle, close, rework, evaluate.
  void progress(Step& step) const;
  /// The clock: extensions, suspend and resume, supervision.
  void reschedule(Step& step) const;
  void set_assignee(Step& step, Assignee assignee) const;
  /// The due time of @p report dispatched at @p now (one working day when its category is gone).
  Instant due_for(const Report& report, Instant now) const;
  /// Whether @p actor's role and scope fit a rule's `who` (an internal enum) on @p report.
  static bool may_take(int who, const Report& report, const Actor& actor);
  const ReferenceData& ref_;
};

}  // namespace wangge::dispatch
