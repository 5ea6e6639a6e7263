#pragma once
// A report (案卷) and the events of its life. A report is created by intake, then changed only
// by the workflow, each change recorded as an append-only event.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/time.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/geo/lonlat.hpp"
#include "wangge/grid/grid.hpp"
#include "wangge/grid/grid_index.hpp"

namespace wangge::dispatch {

/// The standard loop: received → registered (立案) | cancelled (注销) → dispatched (派遣) →
/// accepted (接单) → handled (处置完成) → closed (核查结案) → evaluated (评价); handled → accepted
/// again on rework (返工); dispatched/accepted ⇄ suspended (挂账).
enum class ReportState {
  received,
  registered,
  cancelled,
  dispatched,
  accepted,
  handled,
  closed,
  evaluated,
  suspended
};

std::string_view to_string(ReportState s) noexcept;
/// What a resident reads for @p s (zh-CN): 待受理, 已立案, 已派遣, 处置中, 已处置, 已结案, 已评价,
/// 已挂起, 已取消.
std::string_view label_zh(ReportState s) noexcept;
std::optional<ReportState> parse_report_state(std::string_view s);
/// Open: neither cancelled, closed nor evaluated.
bool is_open(ReportState s) noexcept;
/// Every open state, and every other one (for store filters).
std::vector<ReportState> open_states();
std::vector<ReportState> closed_states();
/// Under the SLA clock: dispatched, accepted or handled.
bool is_running(ReportState s) noexcept;

enum class Channel { app, mini_program, patrol, hotline };
std::string_view to_string(Channel c) noexcept;
std::optional<Channel> parse_channel(std::string_view s);

/// Who a case is dispatched to: the leader of a grid, or a department.
enum class SupervisionLevel { none = 0, reminded = 1, supervised = 2, listed = 3 };
/// "none", "reminded", "supervised", "listed".
std::string_view to_string(SupervisionLevel l) noexcept;
/// 催办, 督办, 挂牌督办 ("" for none).
std::string_view label_zh(SupervisionLevel l) noexcept;

struct Assignee {
  enum class Kind { none, grid, department };
  Kind kind = Kind::none;
  std::string id;    ///< grid id or department id
  std::string name;  ///< grid name + leader, or department name (for display)
  friend bool operator==(const Assignee&, const Assignee&) = default;
};
std::string_view to_string(Assignee::Kind k) noexcept;

/// A department a whistle (吹哨报到) called: the lead (the new assignee, who reports in by
/// accepting) or a co-handling one (协办), which reports in (报到) on its own; each by its
/// deadline on the work calendar.
struct WhistledDepartment {
  std::string department;  ///< id
  std::string name;
  bool lead = false;
  Instant report_in_due;
  std::optional<Instant> reported_in_at;
  /// 报到超时: the deadline passed without a report-in, and the ticker has said so (once).
  bool missed = false;
  friend bool operator==(const WhistledDepartment&, const WhistledDepartment&) = default;
};

/// The earliest 报到 deadline of @p whistle still waiting: a department not yet reported in
/// whose missed deadline has not been told; std::nullopt when none waits (what the ticker's
/// candidates are found by).
std::optional<Instant> report_in_waiting(const std::vector<WhistledDepartment>& whistle);

/// Personal data: never in public outputs or logs.
struct Reporter {
  std::string name;
  std::string phone;
  std::string email;  ///< private contact, as given (Open311's email)
};

/// The nearest service point by walking, at intake (see network/nearest.hpp).
struct NearestServiceInfo {
  std::string id;
  std::string name;
  double walk_m = 0;
  double minutes = 0;
  bool within_circle = false;
  bool straight_line = false;  ///< no network answer: crow-fly distance × detour factor
};

struct ExtensionRequest {
  Instant requested_due;
  std::string reason;
  std::string requested_by;
};

struct Report {
  std::string id;
  Instant created_at;
  Instant updated_at;
  ReportState state = ReportState::received;
  std::string category;  ///< category code
  Channel channel = Channel::app;
  std::string text;
  std::vector<std::string> media;  ///< media URLs
  std::string submitted_by;        ///< actor id of the submitter ("" anonymous)
  Reporter reporter;

  // Where, as given and normalised.
  geo::LonLat position = geo::LonLat::trusted(0, 0);  ///< WGS-84
  geo::LonLat input = geo::LonLat::trusted(0, 0);     ///< as reported, in `datum`
  geo::Datum datum = geo::Datum::wgs84;
  std::optional<double> accuracy_m;

  // Assignment by the grid index, under the generation active at intake.
  std::string generation;
  grid::LocateStatus grid_status = grid::LocateStatus::not_covered;
  std::vector<std::string> grid_chain;  ///< finest grid first, then its ancestors
  grid::Leader leader;                  ///< the finest grid's leader at intake
  bool on_boundary = false;
  double boundary_distance_m = 0;

  std::optional<NearestServiceInfo> nearest_service;  ///< when a walking network is loaded

  std::string duplicate_of;  ///< an open report this one probably repeats (suggestion)
  std::string external_id;   ///< the channel's ticket number (12345 工单号), "" when none
  std::string address;       ///< as the reporter gave it (Open311's address_string), "" when none
  /// Answers to the category's questions (see CategoryAttribute), checked: code → answer.
  std::map<std::string, std::string> attributes;
  /// Residents who reported the same problem again (their reports are its duplicates): they
  /// follow this case, see its public view and may rate it when it is closed.
  std::vector<std::string> followers;
  static constexpr std::size_t kMaxFollowers = 100;
  /// The departments of the last whistle (吹哨), lead first; empty when none was blown.
  std::vector<WhistledDepartment> whistle;
  bool followed_by(const std::string& actor_id) const;
  Assignee responsible;  ///< by the category's responsibility rule, at intake
  Assignee assignee;     ///< the current one, once dispatched

  std::optional<Instant> registered_at, dispatched_at, accepted_at, handled_at, closed_at,
      evaluated_at;
  std::optional<Instant> due_at;
  /// How far supervision has gone: none, 催办 (reminded at rules.remind_fraction of the time
  /// allowed), 督办 (overdue, or by a supervisor's hand), 挂牌督办 (listed: still overdue
  /// rules.list_after_work_days working days after the due time).
  SupervisionLevel supervision = SupervisionLevel::none;
  int rework_count = 0;
  std::optional<int> rating;  ///< 1–5
  std::string rating_comment;
  std::optional<ExtensionRequest> pending_extension;
  std::optional<Instant> suspended_at;
  std::optional<std::int64_t> remaining_work_minutes;  ///< while suspended
  ReportState resume_state = ReportState::dispatched;
  std::string cancel_reason;
  int version = 0;  ///< number of events

  const std::string& grid_id() const;  ///< the finest grid, or "" when not covered
  bool overdue(Instant now) const { return is_running(state) && due_at && now > *due_at; }
  bool closed_late() const { return closed_at && due_at && *closed_at > *due_at; }
};

/// One step of a report's life. Append-only.
struct Event {
  std::string report_id;
  int seq = 0;  ///< 1, 2, … per report
  Instant at;
  std::string actor_id;
  Role role = Role::resident;
  std::string action;  ///< "submit", "register", "dispatch", …
  ReportState from = ReportState::received;
  ReportState to = ReportState::received;
  std::string note;
  std::vector<std::string> media;
  std::map<std::string, std::string> data;  ///< action details: assignee, due, rating, reason…
};

}  // namespace wangge::dispatch
