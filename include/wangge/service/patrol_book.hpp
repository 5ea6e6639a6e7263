#pragma once
// The patrol book (巡查台账) as people use it, over the check-ins port (store/patrols.hpp), the
// plan in the reference data (patrols.json) and the rules (dispatch/patrols.hpp): the routes one
// may see with how each fared over some days (required, done, missed, still to do today), a
// check-in at a point, and the check-ins of a route.
//
// Who: grid workers see and walk the routes of their grids (and of the grids below); the office
// (dispatchers, supervisors, admins) sees every route. A check-in carries a worker's position:
// nobody else reads it.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/patrols.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// The local days a tally covers, both included; at most kMaxPatrolDays.
struct PatrolPeriod {
  dispatch::WorkCalendar::Day from, to;
};
inline constexpr int kMaxPatrolDays = 62;

/// A route as its worker reads it: where it runs and how it fared over the period.
struct RouteStatus {
  dispatch::patrols::Route route;
  std::vector<std::string> chain;  ///< the route's grid first, then its parents
  dispatch::patrols::RouteTally tally;
};

class PatrolBook {
 public:
  using Reference = std::function<std::shared_ptr<const dispatch::ReferenceData>()>;
  /// The grid chain (it first) of a grid id; empty for an unknown id.
  using Chain = std::function<std::vector<std::string>(const std::string&)>;

  PatrolBook(store::Store& store, Reference reference, Chain chain);

  /// Today, as the work calendar reads @p now.
  PatrolPeriod today(dispatch::Instant now) const;

  /// The routes @p by may see (under @p grid when given), each tallied over @p period.
  /// @throws Error(unauthorized) for an anonymous caller, Error(forbidden) for one who sees no
  /// routes or a grid outside his own, Error(invalid_argument) for an unknown grid or a period
  /// that is reversed or longer than kMaxPatrolDays.
  std::vector<RouteStatus> routes(const std::string& grid, const PatrolPeriod& period,
                                  const dispatch::Actor& by, dispatch::Instant now);
  /// @throws Error(not_found) when it does not exist or @p by may not see it.
  RouteStatus route(const std::string& id, const PatrolPeriod& period, const dispatch::Actor& by,
                    dispatch::Instant now);
  /// Checks @p by in at a point of route @p id. @throws Error(not_found) for a route @p by may
  /// not see, Error(conflict) when its grid is not in the active generation, and the rules'
  /// errors (dispatch::patrols::check_in); nothing is written then.
  dispatch::patrols::CheckIn check_in(const std::string& id,
                                      const dispatch::patrols::CheckInDraft& draft,
                                      const dispatch::Actor& by, dispatch::Instant now);
  /// The check-ins of route @p id, narrowed by @p filter (its route is set here).
  /// @throws Error(not_found) for a route @p by may not see.
  store::CheckInPage checkins(const std::string& id, store::CheckInFilter filter,
                              const dispatch::Actor& by);

 private:
  /// The check-ins of @p route in @p period, read in pages (bounded by the period's length).
  std::vector<dispatch::patrols::CheckIn> in_period(const std::string& route,
                                                    const std::vector<std::string>& grids,
                                                    const PatrolPeriod& period);
  RouteStatus status_of(const dispatch::patrols::Route& route, std::vector<std::string> chain,
                        const std::vector<dispatch::patrols::CheckIn>& checkins,
                        const PatrolPeriod& period, dispatch::Instant now) const;

  store::Store& store_;
  Reference reference_;
  Chain chain_;
};

}  // namespace wangge::service
