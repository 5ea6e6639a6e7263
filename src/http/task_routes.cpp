// Tasks residents and volunteers take on (圆单 help requests, 揭榜挂帅 posts) over HTTP. The
// rules live in dispatch/tasks.hpp and service::TaskBoard; these handlers parse, call it and
// render.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "params.hpp"
#include "wangge/service/task_board.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
namespace tk = dispatch::tasks;

json time_or_null(const Context& ctx, const std::optional<dispatch::Instant>& t) {
  return t ? json(iso(ctx, *t)) : json();
}

json task_json(const Context& ctx, const tk::Task& t, dispatch::Instant now) {
  return json{{"id", t.id},
              {"kind", std::string(to_string(t.kind))},
              {"state", std::string(to_string(t.state))},
              {"title", t.title},
              {"text", t.text},
              {"grid", t.grid()},
              {"grid_chain", t.grid_chain},
              {"points", t.points},
              {"requester", t.requester},
              {"claimant", t.claimant.empty() ? json() : json(t.claimant)},
              {"created_at", iso(ctx, t.created_at)},
              {"updated_at", iso(ctx, t.updated_at)},
              {"due_at", time_or_null(ctx, t.due_at)},
              {"claimed_at", time_or_null(ctx, t.claimed_at)},
              {"done_at", time_or_null(ctx, t.done_at)},
              {"confirmed_at", time_or_null(ctx, t.confirmed_at)},
              {"rating", t.rating ? json(t.rating) : json()},
              {"overdue", t.overdue(now)}};
}

json view_json(const Context& ctx, const service::TaskView& v, dispatch::Instant now) {
  json out = task_json(ctx, v.task, now);
  json events = json::array(), allowed = json::array();
  for (const tk::TaskEvent& e : v.events)
    events.push_back({{"seq", e.seq},
                      {"at", iso(ctx, e.at)},
                      {"actor", e.actor},
                      {"action", e.action},
                      {"from", std::string(to_string(e.from))},
                      {"to", std::string(to_string(e.to))},
                      {"note", e.note}});
  for (tk::Action a : v.allowed) allowed.push_back(std::string(to_string(a)));
  out["events"] = events;
  out["allowed_actions"] = allowed;
  return out;
}

std::string id_param(const Request& req) {
  const std::string id = req.params.at("id");
  if (id.empty() || id.size() > 64)
    throw Error(ErrorCode::not_found, "task " + id.substr(0, 64) + " does not exist");
  return id;
}

/// GET /api/v1/tasks?state=open,claimed&kind=help_request&limit=50&after=…
Response list(Context& ctx, Request& req) {
  store::TaskFilter f;
  if (const auto s = req.param("state"))
    for (const std::string& name : comma_list(*s)) {
      const auto state = tk::parse_state(name);
      if (!state)
        throw Error(ErrorCode::invalid_argument,
                    "query parameter 'state' must list open, claimed, done, confirmed, rated or "
                    "cancelled");
      f.states.push_back(*state);
    }
  if (const auto k = req.param("kind")) {
    f.kind = tk::parse_kind(*k);
    if (!f.kind)
      throw Error(ErrorCode::invalid_argument,
                  "query parameter 'kind' must be help_request or challenge");
  }
  f.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 500, 50));
  f.after = req.param("after").value_or("");
  const store::TaskPage page = ctx.service.tasks().list(f, caller_of(req));
  json items = json::array();
  for (const tk::Task& t : page.items) items.push_back(task_json(ctx, t, req.now));
  return json_response(
             200,
             json{{"tasks", items}, {"next", page.next.empty() ? json() : json(page.next)}}.dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/tasks {kind, title, text, location | grid, points, due_at}
Response publish(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  service::TaskDraft d;
  if (const auto k = f.text("kind")) {
    const auto kind = tk::parse_kind(*k);
    if (!kind)
      throw Error(ErrorCode::invalid_argument, "field 'kind' must be help_request or challenge");
    d.kind = *kind;
  }
  d.title = f.text("title").value_or("");
  d.text = f.text("text").value_or("");
  if (auto loc = f.object("location")) {
    Fields l(*loc, "location.");
    const auto lon = l.number("lon"), lat = l.number("lat");
    const auto datum = l.text("datum").value_or("wgs84");
    l.no_others();
    if (!lon || !lat)
      throw Error(ErrorCode::invalid_argument,
                  "fields 'location.lon' and 'location.lat' are required");
    const auto parsed = geo::parse_datum(datum);
    if (!parsed)
      throw Error(ErrorCode::invalid_argument,
                  "field 'location.datum' must be wgs84, cgcs2000, gcj02 or bd09");
    d.position = geo::LonLat::checked(geo::Longitude(*lon), geo::Latitude(*lat));
    d.datum = *parsed;
  }
  d.grid = f.text("grid").value_or("");
  d.points = f.integer("points", 1, tk::kMaxTaskPoints);
  if (const auto due = f.text("due_at")) {
    d.due_at = dispatch::parse_iso(*due, ctx.service.reference()->calendar.zone());
    if (!d.due_at)
      throw Error(ErrorCode::invalid_argument, "field 'due_at' is not an ISO 8601 time");
  }
  f.no_others();
  const tk::Task t = ctx.service.tasks().publish(d, caller_of(req), req.now);
  return json_response(201, task_json(ctx, t, req.now).dump())
      .header("Location", "/api/v1/tasks/" + t.id);
}

/// GET /api/v1/tasks/{id}
Response get(Context& ctx, Request& req) {
  return json_response(
             200, view_json(ctx, ctx.service.tasks().view(id_param(req), caller_of(req)), req.now)
                      .dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/tasks/{id}/actions {action, note, rating}
Response act(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  tk::Request r;
  const std::string name = f.text("action").value_or("");
  const auto action = tk::parse_action(name);
  if (!action)
    throw Error(ErrorCode::invalid_argument,
                "field 'action' must be claim, release, complete, reject, confirm, rate or cancel");
  r.action = *action;
  r.note = f.text("note").value_or("");
  r.rating = static_cast<int>(f.integer("rating", 1, 5).value_or(0));
  f.no_others();
  return json_response(
      200,
      view_json(ctx, ctx.service.tasks().act(id_param(req), r, caller_of(req), req.now), req.now)
          .dump());
}

}  // namespace

void add_task_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"GET", "/api/v1/tasks", {}, to(list), worker});
  router.add({"POST", "/api/v1/tasks", {}, to(publish), worker});
  router.add({"GET", "/api/v1/tasks/{id}", {}, to(get), worker});
  router.add({"POST", "/api/v1/tasks/{id}/actions", {}, to(act), worker});
}

}  // namespace wangge::http
