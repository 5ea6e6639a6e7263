#pragma once
// Patrols (巡查): routes of check-in points a grid's workers walk so many times a day — the
// hazard list of a subdistrict (水域 water spots where children drown, building sites, fire
// lanes), each route with its required frequency. A worker checks in at a point with the
// phone's position and its accuracy; a check-in far from the point is refused. A day's required
// check-ins that never came are missed patrols, counted like overdue cases.
//
// The plan is reference data (patrols.json); the rules here are pure: the store keeps the
// check-ins, the service applies these.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/calendar.hpp"
#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::dispatch::patrols {

/// A check-in point: a place to be seen at, with the distance within which one has been there.
struct Point {
  std::string id;           ///< unique within its route
  std::string name;         ///< "湘江河堤3号踏步"
  double lon = 0, lat = 0;  ///< WGS-84
  double radius_m = 30;     ///< 5 to 500
};

struct Route {
  std::string id;
  std::string name;       ///< "雨湖防溺水巡查线"
  std::string kind;       ///< what is watched, free text: 防溺水 (drowning), 消防 (fire) …
  std::string grid;       ///< the grid whose workers walk it (any level)
  int times_per_day = 1;  ///< 1 to 12 check-ins at every point each patrol day
  std::chrono::minutes min_gap{120};  ///< check-ins at a point closer than this count once
  bool work_days_only = false;        ///< patrolled on working days only (else every day)
  /// The first local day it is patrolled (days before require nothing); none: always.
  std::optional<WorkCalendar::Day> since;
  std::vector<Point> points;  ///< 1 to 100

  const Point* point(const std::string& id) const;
};

/// The subdistrict's patrol routes (patrols.json). Empty when there is none.
struct Plan {
  std::vector<Route> routes;
  const Route* route(const std::string& id) const;
};

/// Parses patrols.json: {"routes": [{id, name, kind, grid, times_per_day, min_gap_minutes,
/// work_days_only, since ("YYYY-MM-DD"), points: [{id, name, lon, lat, radius_m}]}]}.
/// @throws Error(invalid_data) naming the entry and the rule; Error(unreadable_source) for text
/// that is not JSON.
Plan parse_plan(const std::string& json_text);

inline constexpr std::size_t kMaxNotes = 500;
/// A fix worse than this is refused: the point cannot be told from its neighbours.
inline constexpr double kMaxAccuracyM = 100;
/// A check-in is recorded within this long after it took place (a phone that was offline).
inline constexpr auto kLateRecording = std::chrono::hours(24);

struct CheckIn {
  std::string id;
  std::string route, point;
  std::vector<std::string> grid_chain;  ///< the route's grid first, then its parents
  std::string worker;                   ///< the grid worker's actor id
  Instant at;                           ///< when the worker was there
  Instant recorded_at;
  double lon = 0, lat = 0, accuracy_m = 0;  ///< the phone's fix
  double distance_m = 0;                    ///< from the point, as measured
  std::string notes;
};

/// What a worker sends.
struct CheckInDraft {
  std::string point;
  std::optional<double> lon, lat;
  double accuracy_m = 0;      ///< the phone's reported horizontal accuracy (68 %), metres
  std::optional<Instant> at;  ///< default: now
  std::string notes;
};

/// Whether @p by may see @p route and its check-ins: the grid workers of its grid or a grid
/// above it (the route's @p chain), and the office.
bool may_see(const std::vector<std::string>& chain, const Actor& by);

/// A check-in at a point of @p route (whose grid chain is @p chain) by @p by.
/// @throws Error(forbidden) unless @p by is a grid worker of the chain; Error(invalid_argument)
/// for an unknown point, a missing or out-of-range position, an accuracy that is negative, not
/// a number or worse than kMaxAccuracyM, a position farther from the point than its radius plus
/// the accuracy (the message gives both), a time in the future or more than kLateRecording ago,
/// notes too long or not text.
CheckIn check_in(const Route& route, const std::vector<std::string>& chain,
                 const CheckInDraft& draft, const Actor& by, const std::string& id, Instant now);

/// How a point (or a route) fared over some days.
struct Tally {
  int required = 0;             ///< check-ins required on the days counted
  int done = 0;                 ///< of those, made (at most times_per_day a day, min_gap apart)
  int missed = 0;               ///< required on days that are over and not made
  int outstanding = 0;          ///< still to make today
  std::optional<Instant> last;  ///< the latest check-in in the period
};

struct PointTally {
  std::string point;
  Tally tally;
};

struct RouteTally {
  Tally tally;  ///< the sum over its points
  std::vector<PointTally> points;
};

/// Tallies @p route over the local days [@p from, @p to] of @p calendar, given its check-ins
/// (any order; others ignored). Days after @p now's day require nothing; days before it that
/// were short count as missed; today's shortfall is outstanding. On a route patrolled on
/// working days only, days off require nothing; nor do days before the route's since.
RouteTally tally(const Route& route, const std::vector<CheckIn>& checkins, WorkCalendar::Day from,
                 WorkCalendar::Day to, Instant now, const WorkCalendar& calendar);

}  // namespace wangge::dispatch::patrols
