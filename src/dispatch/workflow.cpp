#include "wangge/dispatch/workflow.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::dispatch {
namespace {

using S = ReportState;

constexpr std::array<std::string_view, 20> kActionNames{"register",
                                                        "cancel",
                                                        "dispatch",
                                                        "accept",
                                                        "handle",
                                                        "close",
                                                        "rework",
                                                        "evaluate",
                                                        "escalate",
                                                        "reassign",
                                                        "request_extension",
                                                        "approve_extension",
                                                        "reject_extension",
                                                        "suspend",
                                                        "resume",
                                                        "self_handle",
                                                        "supervise",
                                                        "report_in",
                                                        "return",
                                                        "report_in_missed"};

/// Who may take an action, apart from the state.
enum class Who {
  staff,
  assignee,
  assignee_or_staff,
  supervisor,
  reporter_or_staff,
  assignee_staff_or_reporter,  ///< 吹哨: also the resident or party member who reported it
  finder,                      ///< the grid worker who reported it, in one of his grids
  co_handler,           ///< the staff of a whistled co-handling department not yet reported in
  department_assignee,  ///< the staff of the department the case is assigned to
  supervisor_or_system,
  system
};

struct Rule {
  std::vector<S> from;
  Who who;
};

const Rule& rule_of(Action a) {
  static const std::array<Rule, 20> kRules{{
      {{S::received}, Who::staff},                                            // register
      {{S::received, S::registered}, Who::staff},                             // cancel
      {{S::registered}, Who::staff},                                          // dispatch
      {{S::dispatched}, Who::assignee},                                       // accept
      {{S::accepted}, Who::assignee},                                         // handle
      {{S::handled}, Who::staff},                                             // close
      {{S::handled}, Who::staff},                                             // rework
      {{S::closed}, Who::reporter_or_staff},                                  // evaluate
      {{S::dispatched, S::accepted}, Who::assignee_staff_or_reporter},        // escalate
      {{S::dispatched, S::accepted}, Who::staff},                             // reassign
      {{S::dispatched, S::accepted}, Who::assignee},                          // request_extension
      {{S::dispatched, S::accepted, S::handled}, Who::supervisor},            // approve_extension
      {{S::dispatched, S::accepted, S::handled}, Who::supervisor},            // reject_extension
      {{S::dispatched, S::accepted}, Who::supervisor},                        // suspend
      {{S::suspended}, Who::supervisor},                                      // resume
      {{S::received}, Who::finder},                                           // self_handle
      {{S::dispatched, S::accepted, S::handled}, Who::supervisor_or_system},  // supervise
      {{S::dispatched, S::accepted}, Who::co_handler},                        // report_in
      {{S::dispatched, S::accepted}, Who::department_assignee},               // return
      {{S::dispatched, S::accepted}, Who::system},                            // report_in_missed
  }};
  return kRules[static_cast<std::size_t>(a)];
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string assignee_text(const Assignee& a) {
  return std::string(to_string(a.kind)) + " '" + a.id + "'";
}

std::string iso(Instant t, const ReferenceData& ref) {
  return format_iso(t, ref.calendar.zone());
}

}  // namespace

std::string_view to_string(Action a) noexcept {
  return kActionNames[static_cast<std::size_t>(a)];
}

std::optional<Action> parse_action(std::string_view s) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i)
    if (kActionNames[i] == s) return static_cast<Action>(i);
  return std::nullopt;
}

std::string action_names() {
  std::string out;
  for (std::size_t i = 0; i < kActionNames.size(); ++i)
    out += (i ? ", " : "") + std::string(kActionNames[i]);
  return out;
}

bool Workflow::may_take(int who, const Report& r, const Actor& actor) {
  switch (static_cast<Who>(who)) {
    case Who::staff:
      return in_office(actor.role);
    case Who::assignee:
      return is_assignee(r, actor);
    case Who::assignee_or_staff:
      return in_office(actor.role) || is_assignee(r, actor);
    case Who::supervisor:
      return actor.role == Role::supervisor || actor.role == Role::admin;
    case Who::reporter_or_staff:
      return in_office(actor.role) || (reports_as_resident(actor.role) && !actor.id.empty() &&
                                       (actor.id == r.submitted_by || r.followed_by(actor.id)));
    case Who::assignee_staff_or_reporter:
      return in_office(actor.role) || is_assignee(r, actor) ||
             (reports_as_resident(actor.role) && !actor.id.empty() && actor.id == r.submitted_by);
    case Who::finder: {
      if (actor.role != Role::grid_worker || actor.id.empty() || actor.id != r.submitted_by)
        return false;
      for (const std::string& g : actor.grids)
        if (std::find(r.grid_chain.begin(), r.grid_chain.end(), g) != r.grid_chain.end())
          return true;
      return false;
    }
    case Who::supervisor_or_system:
      return actor.role == Role::supervisor || actor.role == Role::admin ||
             actor.id == Actor::system().id;
    case Who::co_handler:
      if (actor.role != Role::department_staff) return false;
      for (const WhistledDepartment& w : r.whistle)
        if (!w.lead && w.department == actor.department && !w.reported_in_at) return true;
      return false;
    case Who::department_assignee:
      return actor.role == Role::department_staff &&
             r.assignee.kind == Assignee::Kind::department && r.assignee.id == actor.department;
    case Who::system:
      return actor.id == Actor::system().id;
  }
  return false;
}

std::vector<std::string_view> action_fields(Action a) {
  switch (a) {
    case Action::cancel:
    case Action::rework:
    case Action::suspend:
    case Action::reject_extension:
      return {"reason"};
    case Action::escalate:
      return {"reason", "to"};
    case Action::return_case:
      return {"reason"};
    case Action::reassign:
      return {"to"};
    case Action::evaluate:
      return {"rating"};
    case Action::request_extension:
      return {"reason", "extension_work_hours"};
    case Action::self_handle:
      return {"media"};
    default:
      return {};
  }
}

bool Workflow::is_assignee(const Report& r, const Actor& actor) {
  if (actor.role == Role::admin) return true;
  if (r.assignee.kind == Assignee::Kind::department) {
    return actor.role == Role::department_staff && actor.department == r.assignee.id;
  }
  if (r.assignee.kind != Assignee::Kind::grid || actor.role != Role::grid_worker) return false;
  // The assigned grid and everything above it in the report's chain.
  auto it = std::find(r.grid_chain.begin(), r.grid_chain.end(), r.assignee.id);
  std::vector<std::string> answerable(it, r.grid_chain.end());
  if (answerable.empty()) answerable.push_back(r.assignee.id);
  for (const std::string& g : actor.grids)
    if (std::find(answerable.begin(), answerable.end(), g) != answerable.end()) return true;
  return false;
}

bool Workflow::can_see(const Report& r, const Actor& actor) {
  switch (actor.role) {
    case Role::resident:
    case Role::party_member:
      return !actor.id.empty() && (r.submitted_by == actor.id || r.followed_by(actor.id));
    case Role::grid_worker:
      if (!actor.id.empty() && r.submitted_by == actor.id) return true;
      if (is_assignee(r, actor)) return true;
      for (const std::string& g : actor.grids)
        if (std::find(r.grid_chain.begin(), r.grid_chain.end(), g) != r.grid_chain.end())
          return true;
      return false;
    case Role::department_staff:
      if (r.assignee.kind == Assignee::Kind::department && r.assignee.id == actor.department)
        return true;
      if (r.responsible.kind == Assignee::Kind::department && r.responsible.id == actor.department)
        return true;
      for (const WhistledDepartment& w : r.whistle)  // 协办: a co-handling department
        if (w.department == actor.department) return true;
      return false;
    case Role::dispatcher:
    case Role::supervisor:
    case Role::admin:
      return true;
  }
  return false;
}

Instant Workflow::due_at(const Category& c, Instant at) const {
  const Deadline d = c.deadline.value_or(Deadline{1, DeadlineUnit::work_days});
  switch (d.unit) {
    case DeadlineUnit::work_hours:
      return ref_.calendar.add_work_time(at, std::chrono::hours(d.value));
    case DeadlineUnit::work_days:
      return ref_.calendar.add_work_days(at, d.value);
    case DeadlineUnit::calendar_hours:
      return at + std::chrono::hours(d.value);
  }
  return at;
}

std::vector<Action> Workflow::allowed(const Report& r, const Actor& actor) const {
  std::vector<Action> out;
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    const Action a = static_cast<Action>(i);
    try {
      ActionRequest probe;
      probe.action = a;
      check(r, probe, actor, r.updated_at);
      out.push_back(a);
    } catch (const Error& e) {
      // invalid_argument only means the probe lacks parameters: the action itself is allowed.
      if (e.code() == ErrorCode::invalid_argument) out.push_back(a);
    }
  }
  return out;
}

namespace {

/// @throws Error(forbidden): @p actor may not take @p req on @p r, for @p rule_text.
[[noreturn]] void forbid(const Report& r, const ActionRequest& req, const Actor& actor,
                         const std::string& rule_text) {
  throw Error(ErrorCode::forbidden, std::string(to_string(actor.role)) + " '" + actor.id +
                                        "' may not " + std::string(to_string(req.action)) +
                                        " report " + r.id + ": " + rule_text);
}

}  // namespace

void Workflow::check(const Report& r, const ActionRequest& req, const Actor& actor,
                     Instant now) const {
  // Rules on the role alone come first: a resident who tries to dispatch hears that residents
  // may not, not which actions the state would allow to others. Then the state, then the
  // rules that depend on the assignee (which the state decides), then the fields.
  check_role(r, req, actor);
  check_state(r, req, actor, now);
  check_scope(r, req, actor);
  check_fields(r, req, actor);
}

void Workflow::check_role(const Report& r, const ActionRequest& req, const Actor& actor) const {
  const Who who = rule_of(req.action).who;
  switch (who) {
    case Who::staff:
      if (!in_office(actor.role))
        forbid(r, req, actor, "only a dispatcher, supervisor or admin may");
      break;
    case Who::supervisor:
      if (actor.role != Role::supervisor && actor.role != Role::admin)
        forbid(r, req, actor, "only a supervisor or admin may");
      break;
    case Who::system:
      if (actor.id != Actor::system().id) forbid(r, req, actor, "only the supervision ticker may");
      break;
    case Who::supervisor_or_system:
      if (!may_take(static_cast<int>(who), r, actor))
        forbid(r, req, actor, "only a supervisor or admin (or the supervision ticker) may");
      break;
    default:
      break;  // depend on the assignee: check_scope
  }
}

void Workflow::check_state(const Report& r, const ActionRequest& req, const Actor& actor,
                           Instant now) const {
  const Rule& rule = rule_of(req.action);
  const bool state_ok = std::find(rule.from.begin(), rule.from.end(), r.state) != rule.from.end();
  const bool pending_ok =
      (req.action != Action::approve_extension && req.action != Action::reject_extension) ||
      r.pending_extension.has_value();
  // The ticker raises a level only when it is due; a supervisor may 督办 a running case any time.
  const bool supervise_ok = req.action != Action::supervise || actor.id != Actor::system().id ||
                            supervision_due(r, now) > r.supervision;
  if (state_ok && pending_ok && supervise_ok) return;
  // Only what this caller could do now: a resident is not told that a dispatcher may close.
  std::vector<std::string> allowed_now;
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    const Action other = static_cast<Action>(i);
    const Rule& o = rule_of(other);
    if (std::find(o.from.begin(), o.from.end(), r.state) == o.from.end()) continue;
    if (!may_take(static_cast<int>(o.who), r, actor)) continue;
    if ((other == Action::approve_extension || other == Action::reject_extension) &&
        !r.pending_extension)
      continue;
    allowed_now.push_back(std::string(kActionNames[i]));
  }
  const std::string why = !state_ok     ? "it is '" + std::string(to_string(r.state)) + "'"
                          : !pending_ok ? "it has no pending extension request"
                                        : "no further supervision level is due";
  throw Error(ErrorCode::conflict,
              "cannot " + std::string(to_string(req.action)) + " report " + r.id + ": " + why +
                  "; allowed now: " +
                  (allowed_now.empty() ? "none for " + std::string(to_string(actor.role))
                                       : join(allowed_now)));
}

void Workflow::check_scope(const Report& r, const ActionRequest& req, const Actor& actor) const {
  const Who who = rule_of(req.action).who;
  const std::string assignee = assignee_text(r.assignee);
  const char* rule_text = nullptr;
  switch (who) {
    case Who::assignee:
      if (!is_assignee(r, actor)) forbid(r, req, actor, "only the assignee (" + assignee + ") may");
      return;
    case Who::assignee_or_staff:
      if (!in_office(actor.role) && !is_assignee(r, actor))
        forbid(r, req, actor, "only the assignee (" + assignee + ") or a dispatcher may");
      return;
    case Who::assignee_staff_or_reporter:
      if (!may_take(static_cast<int>(who), r, actor))
        forbid(r, req, actor,
               "only the assignee (" + assignee +
                   "), a dispatcher, or the resident or party member who reported it may");
      return;
    case Who::reporter_or_staff:
      rule_text = "only a resident who reported it, or staff recording a callback, may";
      break;
    case Who::finder:
      rule_text =
          "only the grid worker who found it, in his own grid, may handle it at once (即报即办)";
      break;
    case Who::co_handler:
      rule_text =
          "only a co-handling department (协办) of the whistle that has not reported in may";
      break;
    case Who::department_assignee:
      rule_text = "only the department the case is assigned to may send it back";
      break;
    default:
      return;  // check_role
  }
  if (!may_take(static_cast<int>(who), r, actor)) forbid(r, req, actor, rule_text);
}

void Workflow::check_fields(const Report& r, const ActionRequest& req, const Actor& actor) const {
  const std::string name(to_string(req.action));
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw Error(ErrorCode::invalid_argument, name + " needs " + what);
  };
  switch (req.action) {
    case Action::cancel:
    case Action::rework:
    case Action::suspend:
    case Action::reject_extension:
      need(!req.reason.empty(), "a reason");
      break;
    case Action::return_case:
      need(!req.reason.empty(), "a reason (why the case is not this department's)");
      break;
    case Action::escalate:
      need(!req.reason.empty(), "a reason (why the whistle is blown)");
      need(req.to && req.to->kind == Assignee::Kind::department, "a department to escalate to");
      check_co_departments(req, name);
      break;
    case Action::evaluate:
      need(req.rating && *req.rating >= 1 && *req.rating <= 5, "a rating from 1 to 5");
      break;
    case Action::self_handle:
      need(!req.media.empty(), "a photo of the result (media)");
      break;
    case Action::supervise:
      if (actor.id != Actor::system().id)
        need(!req.note.empty(), "a note (督办意见, what must be done)");
      break;
    case Action::request_extension:
      need(!req.reason.empty(), "a reason");
      need(req.extension_work_hours && *req.extension_work_hours > 0 &&
               *req.extension_work_hours <= 2000,
           "extension_work_hours between 1 and 2000");
      break;
    case Action::reassign:
      need(req.to.has_value(), "a new assignee");
      break;
    default:
      break;
  }
  check_target(r, req);
}

void Workflow::check_target(const Report& r, const ActionRequest& req) const {
  const std::string name(to_string(req.action));
  if (req.to && req.to->kind == Assignee::Kind::department && !ref_.department(req.to->id)) {
    throw Error(ErrorCode::invalid_argument,
                name + ": department '" + req.to->id + "' does not exist");
  }
  if (req.to && req.to->kind == Assignee::Kind::grid &&
      std::find(r.grid_chain.begin(), r.grid_chain.end(), req.to->id) == r.grid_chain.end()) {
    throw Error(ErrorCode::invalid_argument,
                name + ": grid '" + req.to->id + "' is not the report's grid or one above it (" +
                    (r.grid_chain.empty()
                         ? std::string("the report is in no grid: dispatch it to a department")
                         : join(r.grid_chain)) +
                    ")");
  }
  if (req.to && req.to->kind == Assignee::Kind::none) {
    throw Error(ErrorCode::invalid_argument,
                name + ": the assignee must be a grid or a department");
  }
  if (req.action == Action::dispatch && !req.to && r.responsible.kind == Assignee::Kind::none) {
    throw Error(
        ErrorCode::invalid_argument,
        "dispatch needs an assignee: the report has no responsible party (it is in no grid and its "
        "category has no department)");
  }
}

void Workflow::check_co_departments(const ActionRequest& req, const std::string& name) const {
  if (req.co_departments.size() > ActionLimits::kMaxCoDepartments) {
    throw Error(ErrorCode::invalid_argument, name + ": at most " +
                                                 std::to_string(ActionLimits::kMaxCoDepartments) +
                                                 " co-handling departments (co)");
  }
  for (std::size_t i = 0; i < req.co_departments.size(); ++i) {
    const std::string& id = req.co_departments[i];
    if (!ref_.department(id))
      throw Error(ErrorCode::invalid_argument,
                  name + ": co-handling department '" + id.substr(0, 64) + "' does not exist");
    if (req.to && req.to->id == id)
      throw Error(ErrorCode::invalid_argument,
                  name + ": department '" + id + "' leads; it cannot also co-handle (co)");
    if (std::find(req.co_departments.begin(), req.co_departments.begin() + i, id) !=
        req.co_departments.begin() + i)
      throw Error(ErrorCode::invalid_argument,
                  name + ": department '" + id + "' is named twice in co");
  }
}

bool is_media_url(std::string_view url) {
  if (!url.starts_with("https://") || url.size() <= 8) return false;
  for (unsigned char c : url)
    if (c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  return true;
}

bool is_media_id(std::string_view s) {
  if (s.size() != 24 || !s.starts_with("m_")) return false;
  for (unsigned char c : s.substr(2))
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  return true;
}

bool is_media_reference(std::string_view s) {
  return is_media_id(s) || is_media_url(s);
}

namespace {

void check_sizes(const ActionRequest& req) {
  using L = ActionLimits;
  if (req.note.size() > L::kMaxNoteBytes || req.public_reply.size() > L::kMaxNoteBytes ||
      req.reason.size() > L::kMaxReasonBytes)
    throw Error(ErrorCode::payload_too_large,
                "note and public_reply are limited to " + std::to_string(L::kMaxNoteBytes) +
                    " bytes each, reason to " + std::to_string(L::kMaxReasonBytes));
  if (req.media.size() > L::kMaxMedia)
    throw Error(ErrorCode::payload_too_large,
                "an action may carry at most " + std::to_string(L::kMaxMedia) + " media URLs");
  for (const std::string& url : req.media) {
    if (url.size() > L::kMaxMediaUrlBytes)
      throw Error(ErrorCode::payload_too_large,
                  "a media URL is limited to " + std::to_string(L::kMaxMediaUrlBytes) + " bytes");
    if (!is_media_reference(url))
      throw Error(ErrorCode::invalid_argument,
                  "media '" + url.substr(0, 80) +
                      "' is neither an uploaded photo's id (m_…) nor an https URL (javascript:, "
                      "file:, data: and plain http are refused)");
  }
}

}  // namespace

/// One action being applied: the changed copy of the report and the event that records it.
struct Workflow::Step {
  Report& r;
  Event& e;
  const ActionRequest& req;
  const Actor& actor;
  Instant now;
};

Event Workflow::apply(Report& report, const ActionRequest& req, const Actor& actor,
                      Instant now) const {
  check_sizes(req);
  if (!req.co_departments.empty() && req.action != Action::escalate) {
    throw Error(ErrorCode::invalid_argument,
                std::string(to_string(req.action)) +
                    ": co (co-handling departments) belongs to a whistle (escalate) only");
  }
  check(report, req, actor, now);
  Report r = report;  // changed copy; committed to `report` at the end
  Event e;
  e.report_id = r.id;
  e.seq = r.version + 1;
  e.at = now;
  e.actor_id = actor.id;
  e.role = actor.role;
  e.action = std::string(to_string(req.action));
  e.from = r.state;
  e.note = req.note;
  if (!req.public_reply.empty()) e.data["public_reply"] = req.public_reply;
  e.media = req.media;
  if (!req.reason.empty()) e.data["reason"] = req.reason;
  Step step{r, e, req, actor, now};
  switch (req.action) {
    case Action::dispatch:
    case Action::escalate:
    case Action::reassign:
    case Action::return_case:
    case Action::self_handle:
      assign(step);
      break;
    case Action::request_extension:
    case Action::approve_extension:
    case Action::reject_extension:
    case Action::suspend:
    case Action::resume:
    case Action::supervise:
      reschedule(step);
      break;
    default:
      progress(step);
      break;
  }
  e.to = r.state;
  r.updated_at = now;
  r.version = e.seq;
  report = std::move(r);
  return e;
}

void Workflow::set_assignee(Step& s, Assignee a) const {
  if (a.kind == Assignee::Kind::department && a.name.empty()) a.name = ref_.department(a.id)->name;
  s.r.assignee = a;
  s.e.data["assignee_kind"] = std::string(to_string(a.kind));
  s.e.data["assignee_id"] = a.id;
}

Instant Workflow::due_for(const Report& r, Instant now) const {
  const Category* c = ref_.categories.find(r.category);
  return c ? due_at(*c, now) : ref_.calendar.add_work_days(now, 1);
}

void Workflow::assign(Step& s) const {
  Report& r = s.r;
  auto& data = s.e.data;
  switch (s.req.action) {
    case Action::dispatch:
      r.whistle.clear();
      set_assignee(s, s.req.to.value_or(r.responsible));
      r.state = S::dispatched;
      r.dispatched_at = s.now;
      r.due_at = due_for(r, s.now);
      data["due_at"] = iso(*r.due_at, ref_);
      break;
    case Action::self_handle:
      // Registered, dispatched to the finder's grid, accepted, handled and closed at once.
      set_assignee(s, r.responsible.kind == Assignee::Kind::grid && r.responsible.id == r.grid_id()
                          ? r.responsible
                          : Assignee{Assignee::Kind::grid, r.grid_id(), r.leader.name});
      r.state = S::closed;
      r.registered_at = r.dispatched_at = r.accepted_at = r.handled_at = r.closed_at = s.now;
      r.due_at = due_for(r, s.now);
      data["due_at"] = iso(*r.due_at, ref_);
      data["on_time"] = "true";
      data["self_handled"] = "true";
      break;
    case Action::escalate: {
      set_assignee(s, *s.req.to);
      r.state = S::dispatched;  // the new assignee must report in (接单) again
      const Instant due =
          ref_.calendar.add_work_time(s.now, std::chrono::hours(ref_.rules.report_in_work_hours));
      r.whistle.clear();
      r.whistle.push_back(WhistledDepartment{r.assignee.id, r.assignee.name, true, due, {}, false});
      std::string co;
      for (const std::string& id : s.req.co_departments) {
        r.whistle.push_back(
            WhistledDepartment{id, ref_.department(id)->name, false, due, {}, false});
        co += (co.empty() ? "" : ",") + id;
      }
      if (!co.empty()) data["co"] = co;
      data["report_in_due"] = iso(due, ref_);
      break;
    }
    case Action::reassign:
      r.whistle.clear();
      set_assignee(s, *s.req.to);
      r.state = S::dispatched;  // the new assignee must report in (接单) again
      break;
    case Action::return_case:
      data["returned_by"] = r.assignee.id;
      r.assignee = Assignee{};
      r.whistle.clear();
      r.state = S::registered;  // the dispatcher sends it where it belongs
      break;
    default:
      break;
  }
}

void Workflow::progress(Step& s) const {
  Report& r = s.r;
  auto& data = s.e.data;
  const Instant now = s.now;
  switch (s.req.action) {
    case Action::register_case:
      r.state = S::registered;
      r.registered_at = now;
      break;
    case Action::cancel:
      r.state = S::cancelled;
      r.cancel_reason = s.req.reason;
      r.closed_at.reset();
      break;
    case Action::accept:
      r.state = S::accepted;
      if (!r.accepted_at) r.accepted_at = now;
      // The lead department of a whistle reports in (报到) by accepting.
      if (!r.whistle.empty() && r.whistle.front().lead && !r.whistle.front().reported_in_at &&
          s.actor.role == Role::department_staff &&
          s.actor.department == r.whistle.front().department) {
        r.whistle.front().reported_in_at = now;
        data["reported_in"] = r.whistle.front().department;
        data["late"] = now > r.whistle.front().report_in_due ? "true" : "false";
      }
      break;
    case Action::report_in:
      for (WhistledDepartment& w : r.whistle) {
        if (w.lead || w.department != s.actor.department || w.reported_in_at) continue;
        w.reported_in_at = now;
        data["reported_in"] = w.department;
        data["late"] = now > w.report_in_due ? "true" : "false";
      }
      break;
    case Action::report_in_missed: {
      std::string missed;
      for (WhistledDepartment& w : r.whistle) {
        if (w.reported_in_at || w.missed || w.report_in_due >= now) continue;
        w.missed = true;
        missed += (missed.empty() ? "" : ",") + w.department;
        data["report_in_due"] = iso(w.report_in_due, ref_);
      }
      data["missed"] = missed;
      break;
    }
    case Action::handle:
      r.state = S::handled;
      r.handled_at = now;
      break;
    case Action::close:
      r.state = S::closed;
      r.closed_at = now;
      if (r.due_at) data["on_time"] = now <= *r.due_at ? "true" : "false";
      break;
    case Action::rework:
      r.state = S::accepted;
      ++r.rework_count;
      data["rework_count"] = std::to_string(r.rework_count);
      break;
    case Action::evaluate:
      r.evaluated_at = now;
      r.rating = s.req.rating;
      r.rating_comment = s.req.note;
      data["rating"] = std::to_string(*s.req.rating);
      if (*s.req.rating <= ref_.rules.reopen_rating) {
        // 不满意: the case goes back to its assignee as 返工 (rework), with the resident's words.
        r.state = S::accepted;
        r.closed_at.reset();
        r.handled_at.reset();
        ++r.rework_count;
        data["reopened"] = "true";
        data["rework_count"] = std::to_string(r.rework_count);
      } else {
        r.state = S::evaluated;
      }
      break;
    default:
      break;
  }
}

void Workflow::reschedule(Step& s) const {
  Report& r = s.r;
  auto& data = s.e.data;
  const Instant now = s.now;
  switch (s.req.action) {
    case Action::request_extension: {
      const Instant base = r.due_at.value_or(now);
      const Instant requested =
          ref_.calendar.add_work_time(base, std::chrono::hours(*s.req.extension_work_hours));
      r.pending_extension = ExtensionRequest{requested, s.req.reason, s.actor.id};
      data["requested_due_at"] = iso(requested, ref_);
      data["extension_work_hours"] = std::to_string(*s.req.extension_work_hours);
      break;
    }
    case Action::approve_extension:
      r.due_at = r.pending_extension->requested_due;
      r.pending_extension.reset();
      // A new deadline starts supervision again from the level it now calls for.
      r.supervision = std::min(r.supervision, supervision_due(r, now));
      data["due_at"] = iso(*r.due_at, ref_);
      break;
    case Action::reject_extension:
      r.pending_extension.reset();
      break;
    case Action::suspend:
      r.resume_state = r.state;
      r.state = S::suspended;
      r.suspended_at = now;
      r.remaining_work_minutes =
          r.due_at ? ref_.calendar.work_time_between(now, *r.due_at).count() : 0;
      data["remaining_work_minutes"] = std::to_string(*r.remaining_work_minutes);
      break;
    case Action::resume:
      r.state = r.resume_state;
      if (r.due_at) {
        r.due_at = ref_.calendar.add_work_time(
            now, std::chrono::minutes(r.remaining_work_minutes.value_or(0)));
        data["due_at"] = iso(*r.due_at, ref_);
      }
      r.suspended_at.reset();
      r.remaining_work_minutes.reset();
      r.supervision = std::min(r.supervision, supervision_due(r, now));
      break;
    case Action::supervise: {
      const bool ticker = s.actor.id == Actor::system().id;
      // The ticker raises one level at a time (each an audited event); a supervisor's hand
      // raises to 督办 at least.
      r.supervision = ticker ? static_cast<SupervisionLevel>(static_cast<int>(r.supervision) + 1)
                             : std::max(r.supervision, SupervisionLevel::supervised);
      data["level"] = std::string(to_string(r.supervision));
      if (!ticker) data["manual"] = "true";
      if (r.due_at) data["due_at"] = iso(*r.due_at, ref_);
      break;
    }
    default:
      break;
  }
}

SupervisionLevel Workflow::supervision_due(const Report& r, Instant now) const {
  if (!is_running(r.state) || !r.due_at) return SupervisionLevel::none;
  if (now > *r.due_at) {
    const Instant listed = ref_.calendar.add_work_days(*r.due_at, ref_.rules.list_after_work_days);
    return now >= listed ? SupervisionLevel::listed : SupervisionLevel::supervised;
  }
  if (r.dispatched_at && *r.due_at > *r.dispatched_at) {
    const auto allowed = *r.due_at - *r.dispatched_at;
    // remind_fraction is in [0.05, 1] (reference.cpp): the product is at most `allowed`.
    const auto remind =
        *r.dispatched_at + Instant::duration(number::narrow_round(
                               static_cast<double>(allowed.count()) * ref_.rules.remind_fraction));
    if (now >= remind) return SupervisionLevel::reminded;
  }
  return SupervisionLevel::none;
}

std::optional<Event> Workflow::supervise(Report& report, Instant now) const {
  if (supervision_due(report, now) <= report.supervision) return std::nullopt;
  ActionRequest req;
  req.action = Action::supervise;
  const SupervisionLevel next =
      static_cast<SupervisionLevel>(static_cast<int>(report.supervision) + 1);
  req.note = std::string(label_zh(next)) + ": due " + iso(*report.due_at, ref_);
  return apply(report, req, Actor::system(), now);
}

std::optional<Event> Workflow::report_in_missed(Report& report, Instant now) const {
  if (report.state != S::dispatched && report.state != S::accepted) return std::nullopt;
  const auto waiting = report_in_waiting(report.whistle);
  if (!waiting || *waiting >= now) return std::nullopt;
  ActionRequest req;
  req.action = Action::report_in_missed;
  req.note = "报到超时: due " + iso(*waiting, ref_);
  return apply(report, req, Actor::system(), now);
}

}  // namespace wangge::dispatch
