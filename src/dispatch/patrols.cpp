// Patrols (巡查; see patrols.hpp).
#include "wangge/dispatch/patrols.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "wangge/geo/local_projection.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch::patrols {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw Error(ErrorCode::invalid_data, "patrols.json " + where + ": " + why);
}

bool id_text(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

std::string text_field(const json& o, const char* key, const std::string& where, std::size_t max,
                       bool required = true) {
  const auto it = o.find(key);
  if (it == o.end() && !required) return {};
  if (it == o.end() || !it->is_string() || it->get<std::string>().empty())
    bad(where, std::string("'") + key + "' must be a non-empty string");
  std::string v = it->get<std::string>();
  if (v.size() > max)
    bad(where, std::string("'") + key + "' must be at most " + std::to_string(max) + " bytes");
  if (!text::valid_utf8(v)) bad(where, std::string("'") + key + "' must be UTF-8 text");
  return v;
}

std::int64_t whole(const json& o, const char* key, const std::string& where, std::int64_t lo,
                   std::int64_t hi, std::int64_t fallback) {
  const auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi)
    bad(where, std::string("'") + key + "' must be a whole number from " + std::to_string(lo) +
                   " to " + std::to_string(hi));
  return it->get<std::int64_t>();
}

double real(const json& o, const char* key, const std::string& where, double lo, double hi,
            std::optional<double> fallback) {
  const auto it = o.find(key);
  if (it == o.end() && fallback) return *fallback;
  if (it == o.end() || !it->is_number() || !std::isfinite(it->get<double>()) ||
      it->get<double>() < lo || it->get<double>() > hi) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", lo, hi);
    bad(where, std::string("'") + key + "' must be a number from " + range);
  }
  return it->get<double>();
}

Point parse_point(const json& p, const std::string& where) {
  if (!p.is_object()) bad(where, "expected an object");
  Point out;
  out.id = text_field(p, "id", where, 64);
  if (!id_text(out.id)) bad(where, "'id' must be letters, digits, '-', '_' or '.'");
  out.name = text_field(p, "name", where, 200);
  out.lon = real(p, "lon", where, -180, 180, std::nullopt);
  out.lat = real(p, "lat", where, -90, 90, std::nullopt);
  out.radius_m = real(p, "radius_m", where, 5, 500, 30.0);
  return out;
}

Route parse_route(const json& r, const std::string& where) {
  if (!r.is_object()) bad(where, "expected an object");
  Route out;
  out.id = text_field(r, "id", where, 64);
  if (!id_text(out.id)) bad(where, "'id' must be letters, digits, '-', '_' or '.'");
  out.name = text_field(r, "name", where, 200);
  out.kind = text_field(r, "kind", where, 64, false);
  out.grid = text_field(r, "grid", where, 64);
  out.times_per_day = static_cast<int>(whole(r, "times_per_day", where, 1, 12, 1));
  out.min_gap = std::chrono::minutes(whole(r, "min_gap_minutes", where, 0, 720, 120));
  if (out.times_per_day * out.min_gap > std::chrono::hours(24))
    bad(where, "times_per_day check-ins min_gap_minutes apart do not fit in a day");
  if (const auto since = r.find("since"); since != r.end()) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    const std::string text = since->is_string() ? since->get<std::string>() : "";
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
      bad(where, "'since' must be a date YYYY-MM-DD");
    const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m),
                                          std::chrono::day(d)};
    if (!day.ok()) bad(where, "'since' must be a date YYYY-MM-DD");
    out.since = std::chrono::local_days(day);
  }
  if (const auto w = r.find("work_days_only"); w != r.end()) {
    if (!w->is_boolean()) bad(where, "'work_days_only' must be true or false");
    out.work_days_only = w->get<bool>();
  }
  const auto points = r.find("points");
  if (points == r.end() || !points->is_array() || points->empty() || points->size() > 100)
    bad(where, "'points' must be an array of 1 to 100 {id, name, lon, lat, radius_m}");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < points->size(); ++i) {
    Point p = parse_point((*points)[i], where + ".points[" + std::to_string(i) + "]");
    if (!seen.insert(p.id).second) bad(where, "point '" + p.id + "' is listed twice on the route");
    out.points.push_back(std::move(p));
  }
  return out;
}

std::string metres(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f m", m);
  return buf;
}

/// How many of one day's check-ins count: taken in time order, each at least @p gap after the
/// last one counted, at most @p cap.
int counted(std::vector<Instant>& times, std::chrono::minutes gap, int cap) {
  std::sort(times.begin(), times.end());
  int n = 0;
  std::optional<Instant> last;
  for (const Instant t : times) {
    if (n == cap) break;
    if (last && t - *last < gap) continue;
    last = t;
    ++n;
  }
  return n;
}

}  // namespace

const Point* Route::point(const std::string& point_id) const {
  for (const Point& p : points)
    if (p.id == point_id) return &p;
  return nullptr;
}

const Route* Plan::route(const std::string& route_id) const {
  for (const Route& r : routes)
    if (r.id == route_id) return &r;
  return nullptr;
}

Plan parse_plan(const std::string& json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                "patrols.json is not valid JSON: error at byte " + std::to_string(e.byte));
  } catch (const json::exception&) {  // a number beyond a double's range (1e400)
    throw Error(ErrorCode::invalid_data, "patrols.json holds a number out of range");
  }
  if (!doc.is_object()) bad("", "expected an object with 'routes'");
  const auto routes = doc.find("routes");
  if (routes == doc.end() || !routes->is_array() || routes->size() > 10000)
    bad("routes", "must be an array of at most 10,000 routes");
  Plan plan;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    Route r = parse_route((*routes)[i], "routes[" + std::to_string(i) + "]");
    if (!seen.insert(r.id).second)
      bad("routes[" + std::to_string(i) + "]", "route '" + r.id + "' is listed twice");
    plan.routes.push_back(std::move(r));
  }
  return plan;
}

bool may_see(const std::vector<std::string>& chain, const Actor& by) {
  if (by.anonymous || by.id.empty()) return false;
  if (in_office(by.role)) return true;
  return by.role == Role::grid_worker && covers(by.grids, chain);
}

CheckIn check_in(const Route& route, const std::vector<std::string>& chain, const CheckInDraft& d,
                 const Actor& by, const std::string& id, Instant now) {
  if (by.role != Role::grid_worker || by.id.empty())
    throw Error(ErrorCode::forbidden, "patrols are checked in by grid workers (网格员), not by " +
                                          std::string(to_string(by.role)));
  if (!covers(by.grids, chain))
    throw Error(ErrorCode::forbidden, "route " + route.id + " is patrolled in grid " + route.grid +
                                          ", outside the grids " + by.id + " answers for");
  const Point* point = route.point(d.point);
  if (!point)
    throw Error(ErrorCode::invalid_argument,
                "point '" + d.point.substr(0, 64) + "' is not on route " + route.id);
  if (!d.lon || !d.lat)
    throw Error(ErrorCode::invalid_argument, "lon and lat are required: a check-in is a position");
  if (!std::isfinite(*d.lon) || *d.lon < -180 || *d.lon > 180)
    throw Error(ErrorCode::invalid_argument, "lon must be a number from -180 to 180");
  if (!std::isfinite(*d.lat) || *d.lat < -90 || *d.lat > 90)
    throw Error(ErrorCode::invalid_argument, "lat must be a number from -90 to 90");
  if (!std::isfinite(d.accuracy_m) || d.accuracy_m < 0)
    throw Error(ErrorCode::invalid_argument, "accuracy_m must be a number of metres, 0 or more");
  if (d.accuracy_m > kMaxAccuracyM)
    throw Error(ErrorCode::invalid_argument,
                "accuracy_m " + metres(d.accuracy_m) + " is worse than " + metres(kMaxAccuracyM) +
                    ": wait for a better fix (in the open, away from walls)");
  const double distance = geo::haversine_m(geo::LonLat::trusted(*d.lon, *d.lat),
                                           geo::LonLat::trusted(point->lon, point->lat));
  if (distance > point->radius_m + d.accuracy_m)
    throw Error(ErrorCode::invalid_argument,
                "lon/lat is " + metres(distance) + " from " + point->name + " (" + point->id +
                    "): a check-in must be within " + metres(point->radius_m) +
                    " of it, plus the fix's accuracy " + metres(d.accuracy_m));
  if (d.notes.size() > kMaxNotes)
    throw Error(ErrorCode::invalid_argument,
                "notes must be at most " + std::to_string(kMaxNotes) + " bytes");
  if (!text::valid_utf8(d.notes))
    throw Error(ErrorCode::invalid_argument, "notes must be UTF-8 text");
  for (const unsigned char c : d.notes)
    if (c < 0x20 && c != '\n' && c != '\t')
      throw Error(ErrorCode::invalid_argument, "notes must not hold control characters");
  const Instant at = d.at.value_or(now);
  if (at > now + std::chrono::minutes(5))
    throw Error(ErrorCode::invalid_argument, "at is in the future");
  if (at < now - kLateRecording)
    throw Error(ErrorCode::invalid_argument,
                "at is more than 24 hours ago: a check-in is recorded within a day");
  CheckIn c;
  c.id = id;
  c.route = route.id;
  c.point = point->id;
  c.grid_chain = chain;
  c.worker = by.id;
  c.at = at;
  c.recorded_at = now;
  c.lon = *d.lon;
  c.lat = *d.lat;
  c.accuracy_m = d.accuracy_m;
  c.distance_m = distance;
  c.notes = d.notes;
  return c;
}

RouteTally tally(const Route& route, const std::vector<CheckIn>& checkins, WorkCalendar::Day from,
                 WorkCalendar::Day to, Instant now, const WorkCalendar& calendar) {
  // Each point's check-in times, by local day.
  std::map<std::string, std::map<WorkCalendar::Day, std::vector<Instant>>> by_point;
  std::map<std::string, Instant> last;
  for (const CheckIn& c : checkins) {
    if (c.route != route.id) continue;
    const WorkCalendar::Day day = calendar.day_of(c.at);
    if (day < from || day > to) continue;
    by_point[c.point][day].push_back(c.at);
    auto [it, fresh] = last.emplace(c.point, c.at);
    if (!fresh) it->second = std::max(it->second, c.at);
  }
  const WorkCalendar::Day today = calendar.day_of(now);
  RouteTally out;
  for (const Point& p : route.points) {
    PointTally pt{p.id, {}};
    for (WorkCalendar::Day d = from; d <= to && d <= today; d += std::chrono::days(1)) {
      if (route.work_days_only && !calendar.is_working_day(d)) continue;
      if (route.since && d < *route.since) continue;
      std::vector<Instant> times;
      if (auto pi = by_point.find(p.id); pi != by_point.end())
        if (auto di = pi->second.find(d); di != pi->second.end()) times = di->second;
      const int done = counted(times, route.min_gap, route.times_per_day);
      pt.tally.required += route.times_per_day;
      pt.tally.done += done;
      (d < today ? pt.tally.missed : pt.tally.outstanding) += route.times_per_day - done;
    }
    if (auto l = last.find(p.id); l != last.end()) pt.tally.last = l->second;
    out.tally.required += pt.tally.required;
    out.tally.done += pt.tally.done;
    out.tally.missed += pt.tally.missed;
    out.tally.outstanding += pt.tally.outstanding;
    if (pt.tally.last && (!out.tally.last || *pt.tally.last > *out.tally.last))
      out.tally.last = pt.tally.last;
    out.points.push_back(std::move(pt));
  }
  return out;
}

}  // namespace wangge::dispatch::patrols
