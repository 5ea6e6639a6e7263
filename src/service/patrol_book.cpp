// The patrol book (巡查台账; see patrol_book.hpp).
#include "wangge/service/patrol_book.hpp"

#include <algorithm>
#include <map>

#include "wangge/dispatch/intake.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace ps = dispatch::patrols;
using dispatch::Role;
using Day = dispatch::WorkCalendar::Day;

/// The grids @p by's listings are narrowed to (nobody but the office and grid workers reads
/// patrols).
std::vector<std::string> scope_of(const dispatch::Actor& by) {
  return dispatch::ledger_scope(by, "patrols");
}

void check_period(const PatrolPeriod& p) {
  if (p.to < p.from) throw Error(ErrorCode::invalid_argument, "from must not be after to");
  if ((p.to - p.from).count() + 1 > kMaxPatrolDays)
    throw Error(ErrorCode::invalid_argument,
                "a period is at most " + std::to_string(kMaxPatrolDays) + " days");
}

[[noreturn]] void no_such(const std::string& id) {
  throw Error(ErrorCode::not_found, "patrol route " + id.substr(0, 64) + " does not exist");
}

}  // namespace

PatrolBook::PatrolBook(store::Store& store, Reference reference, Chain chain)
    : store_(store), reference_(std::move(reference)), chain_(std::move(chain)) {}

PatrolPeriod PatrolBook::today(dispatch::Instant now) const {
  const Day d = reference_()->calendar.day_of(now);
  return {d, d};
}

std::vector<ps::CheckIn> PatrolBook::in_period(const std::string& route,
                                               const std::vector<std::string>& grids,
                                               const PatrolPeriod& period) {
  const dispatch::TimeZone& zone = reference_()->calendar.zone();
  const auto start = [&](Day d) {
    return zone.to_instant(std::chrono::local_time<dispatch::Milliseconds>(d.time_since_epoch()));
  };
  store::CheckInFilter f;
  f.route = route;
  f.in_grids = grids;
  f.from = start(period.from);
  f.to = start(period.to + std::chrono::days(1));
  f.limit = 5000;
  std::vector<ps::CheckIn> out;
  while (true) {
    store::CheckInPage page = store_.patrols().checkins(f);
    std::move(page.items.begin(), page.items.end(), std::back_inserter(out));
    if (page.next.empty()) return out;
    f.after = page.next;
  }
}

RouteStatus PatrolBook::status_of(const ps::Route& route, std::vector<std::string> chain,
                                  const std::vector<ps::CheckIn>& checkins,
                                  const PatrolPeriod& period, dispatch::Instant now) const {
  RouteStatus s;
  s.tally = ps::tally(route, checkins, period.from, period.to, now, reference_()->calendar);
  s.route = route;
  s.chain = std::move(chain);
  return s;
}

std::vector<RouteStatus> PatrolBook::routes(const std::string& grid, const PatrolPeriod& period,
                                            const dispatch::Actor& by, dispatch::Instant now) {
  std::vector<std::string> scope = scope_of(by);
  check_period(period);
  if (!grid.empty()) {
    const std::vector<std::string> chain = chain_(grid);
    if (chain.empty())
      throw Error(ErrorCode::invalid_argument, "grid '" + grid.substr(0, 64) + "' does not exist");
    if (!scope.empty() && !dispatch::covers(scope, chain))
      throw Error(ErrorCode::forbidden,
                  "grid " + grid + " is outside the grids " + by.id + " answers for");
    scope = {grid};
  }
  const auto ref = reference_();
  // One read of the period's check-ins under the scope, shared out by route.
  std::map<std::string, std::vector<ps::CheckIn>> by_route;
  for (ps::CheckIn& c : in_period("", scope, period)) by_route[c.route].push_back(std::move(c));
  std::vector<RouteStatus> out;
  for (const ps::Route& r : ref->patrols.routes) {
    std::vector<std::string> chain = chain_(r.grid);
    if (chain.empty()) continue;  // its grid is not in the active generation
    if (!scope.empty() && !dispatch::covers(scope, chain)) continue;
    out.push_back(status_of(r, std::move(chain), by_route[r.id], period, now));
  }
  return out;
}

RouteStatus PatrolBook::route(const std::string& id, const PatrolPeriod& period,
                              const dispatch::Actor& by, dispatch::Instant now) {
  scope_of(by);
  check_period(period);
  const auto ref = reference_();
  const ps::Route* r = ref->patrols.route(id);
  if (!r) no_such(id);
  std::vector<std::string> chain = chain_(r->grid);
  if (chain.empty() || !ps::may_see(chain, by)) no_such(id);
  // Only the check-ins made on the route where it runs now (a route moved to another grid
  // does not show its old grid's workers' positions to the new one's).
  return status_of(*r, std::move(chain), in_period(r->id, {r->grid}, period), period, now);
}

ps::CheckIn PatrolBook::check_in(const std::string& id, const ps::CheckInDraft& draft,
                                 const dispatch::Actor& by, dispatch::Instant now) {
  scope_of(by);
  const auto ref = reference_();
  const ps::Route* r = ref->patrols.route(id);
  if (!r) no_such(id);
  const std::vector<std::string> chain = chain_(r->grid);
  if (chain.empty())
    throw Error(ErrorCode::conflict, "patrol route " + id + " is in grid " + r->grid +
                                         ", which the active grid generation does not have");
  if (!ps::may_see(chain, by)) no_such(id);
  ps::CheckIn c =
      ps::check_in(*r, chain, draft, by, "c" + dispatch::new_report_id(now).substr(1), now);
  // A bound on what one route keeps a day, whatever a client sends: ten times what it
  // requires (taps repeated, phones retrying), so that a day's tally reads a bounded list.
  const std::size_t cap = std::min<std::size_t>(
      5000, 10 * static_cast<std::size_t>(r->times_per_day) * r->points.size());
  const dispatch::WorkCalendar& calendar = reference_()->calendar;
  store::CheckInFilter f;
  f.route = r->id;
  f.from = calendar.zone().to_instant(
      std::chrono::local_time<dispatch::Milliseconds>(calendar.day_of(c.at).time_since_epoch()));
  f.to = *f.from + std::chrono::days(1);
  f.limit = cap;
  if (store_.patrols().checkins(f).items.size() >= cap)
    throw Error(ErrorCode::rate_limited, "route " + r->id + " has " + std::to_string(cap) +
                                             " check-ins on that day already, the most it keeps");
  store_.write([&](store::WriteTx& tx) { tx.insert_checkin(c); });
  return c;
}

store::CheckInPage PatrolBook::checkins(const std::string& id, store::CheckInFilter filter,
                                        const dispatch::Actor& by) {
  scope_of(by);
  const auto ref = reference_();
  const ps::Route* r = ref->patrols.route(id);
  if (!r) no_such(id);
  const std::vector<std::string> chain = chain_(r->grid);
  if (chain.empty() || !ps::may_see(chain, by)) no_such(id);
  filter.route = r->id;
  filter.in_grids = {r->grid};  // as route(): the check-ins made where it runs now
  return store_.patrols().checkins(filter);
}

}  // namespace wangge::service
