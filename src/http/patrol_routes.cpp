// Patrol routes and their check-ins (巡查台账) over HTTP. The rules live in dispatch/patrols.hpp
// and service::PatrolBook; these handlers parse, call it and render. A check-in is a worker's
// position: only the grid workers of the route's grid and the office read it (no-store).
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "params.hpp"
#include "wangge/service/patrol_book.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
namespace ps = dispatch::patrols;

json tally_json(const Context& ctx, const ps::Tally& t) {
  return json{{"required", t.required},
              {"done", t.done},
              {"missed", t.missed},
              {"outstanding", t.outstanding},
              {"last_at", t.last ? json(iso(ctx, *t.last)) : json()}};
}

std::string day_text(std::chrono::local_days d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

json route_json(const Context& ctx, const service::RouteStatus& s) {
  const ps::Route& r = s.route;
  json points = json::array();
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const ps::Point& p = r.points[i];
    json pj{
        {"id", p.id}, {"name", p.name}, {"lon", p.lon}, {"lat", p.lat}, {"radius_m", p.radius_m}};
    pj.update(tally_json(ctx, s.tally.points[i].tally));
    points.push_back(std::move(pj));
  }
  json out{{"id", r.id},
           {"name", r.name},
           {"kind", r.kind},
           {"grid", r.grid},
           {"grid_chain", s.chain},
           {"times_per_day", r.times_per_day},
           {"min_gap_minutes", r.min_gap.count()},
           {"work_days_only", r.work_days_only},
           {"points", points}};
  out.update(tally_json(ctx, s.tally.tally));
  return out;
}

json checkin_json(const Context& ctx, const ps::CheckIn& c) {
  return json{{"id", c.id},
              {"route", c.route},
              {"point", c.point},
              {"grid_chain", c.grid_chain},
              {"worker", c.worker},
              {"at", iso(ctx, c.at)},
              {"recorded_at", iso(ctx, c.recorded_at)},
              {"lon", c.lon},
              {"lat", c.lat},
              {"accuracy_m", c.accuracy_m},
              {"distance_m", c.distance_m},
              {"notes", c.notes}};
}

/// The period of ?from=&to= (local dates; each defaults to the other, both to today).
service::PatrolPeriod period_of(Context& ctx, const Request& req) {
  const auto& zone = ctx.service.reference()->calendar.zone();
  service::PatrolPeriod p = ctx.service.patrols().today(req.now);
  const auto from = day_param(req, "from", zone), to = day_param(req, "to", zone);
  if (from) p.from = p.to = *from;
  if (to) p.to = *to;
  if (to && !from) p.from = *to;
  return p;
}

std::string route_id(const Request& req) {
  const std::string id = req.params.at("id");
  if (id.empty() || id.size() > 64)
    throw Error(ErrorCode::not_found, "patrol route " + id.substr(0, 64) + " does not exist");
  return id;
}

/// GET /api/v1/patrols?grid=&from=&to=
Response routes(Context& ctx, Request& req) {
  const service::PatrolPeriod p = period_of(ctx, req);
  const auto list =
      ctx.service.patrols().routes(req.param("grid").value_or(""), p, caller_of(req), req.now);
  json items = json::array();
  ps::Tally sum;
  for (const service::RouteStatus& s : list) {
    items.push_back(route_json(ctx, s));
    sum.required += s.tally.tally.required;
    sum.done += s.tally.tally.done;
    sum.missed += s.tally.tally.missed;
    sum.outstanding += s.tally.tally.outstanding;
  }
  json out{{"routes", items}, {"from", day_text(p.from)}, {"to", day_text(p.to)}};
  out["total"] = tally_json(ctx, sum);
  out["total"].erase("last_at");
  return json_response(200, out.dump()).header("Cache-Control", "no-store");
}

/// GET /api/v1/patrols/{id}?from=&to=
Response route(Context& ctx, Request& req) {
  const service::PatrolPeriod p = period_of(ctx, req);
  json out =
      route_json(ctx, ctx.service.patrols().route(route_id(req), p, caller_of(req), req.now));
  out["from"] = day_text(p.from);
  out["to"] = day_text(p.to);
  return json_response(200, out.dump()).header("Cache-Control", "no-store");
}

/// GET /api/v1/patrols/{id}/checkins?worker=&from=&to=&limit=&after=
Response checkins(Context& ctx, Request& req) {
  const auto& zone = ctx.service.reference()->calendar.zone();
  store::CheckInFilter f;
  f.worker = req.param("worker").value_or("");
  if (req.param("from")) f.from = time_param(req, "from", zone);
  if (req.param("to")) f.to = time_param(req, "to", zone);
  f.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 1000, 50));
  f.after = req.param("after").value_or("");
  const store::CheckInPage page = ctx.service.patrols().checkins(route_id(req), f, caller_of(req));
  json items = json::array();
  for (const ps::CheckIn& c : page.items) items.push_back(checkin_json(ctx, c));
  return json_response(
             200, json{{"checkins", items}, {"next", page.next.empty() ? json() : json(page.next)}}
                      .dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/patrols/{id}/checkins {point, lon, lat, accuracy_m, at, notes}
Response check_in(Context& ctx, Request& req) {
  const std::string id = route_id(req);
  const json body = parse_object(req.body);
  Fields f(body);
  ps::CheckInDraft d;
  d.point = f.text("point").value_or("");
  if (d.point.empty() || d.point.size() > 64)
    throw Error(ErrorCode::invalid_argument, "field 'point' must be a check-in point's id");
  d.lon = f.number("lon", -180, 180);
  d.lat = f.number("lat", -90, 90);
  d.accuracy_m = f.number("accuracy_m", 0, 1e6).value_or(0);
  if (const auto at = f.text("at")) {
    d.at = dispatch::parse_iso(*at, ctx.service.reference()->calendar.zone());
    if (!d.at) throw Error(ErrorCode::invalid_argument, "field 'at' is not an ISO 8601 time");
  }
  d.notes = f.text("notes").value_or("");
  f.no_others();
  const ps::CheckIn c = ctx.service.patrols().check_in(id, d, caller_of(req), req.now);
  return json_response(201, checkin_json(ctx, c).dump())
      .header("Location", "/api/v1/patrols/" + id + "/checkins");
}

}  // namespace

void add_patrol_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"GET", "/api/v1/patrols", {}, to(routes), worker});
  router.add({"GET", "/api/v1/patrols/{id}", {}, to(route), worker});
  router.add({"GET", "/api/v1/patrols/{id}/checkins", {}, to(checkins), worker});
  router.add({"POST", "/api/v1/patrols/{id}/checkins", {}, to(check_in), worker});
}

}  // namespace wangge::http
