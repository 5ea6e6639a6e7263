// Households and their visits (入户走访台账) over HTTP. The rules live in dispatch/visits.hpp and
// service::VisitBook; these handlers parse, call it and render. Households are personal data:
// only grid workers of their grids and the office read them (Cache-Control: no-store).
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "params.hpp"
#include "wangge/service/visit_book.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
namespace vs = dispatch::visits;

json time_or_null(const Context& ctx, const std::optional<dispatch::Instant>& t) {
  return t ? json(iso(ctx, *t)) : json();
}

json household_json(const Context& ctx, const service::HouseholdView& v) {
  const vs::Household& h = v.row.household;
  json flags = json::array(), labels = json::array();
  for (const vs::Flag f : h.flags) {
    flags.push_back(std::string(to_string(f)));
    labels.push_back(std::string(label(f)));
  }
  return json{{"id", h.id},
              {"unit", h.unit},
              {"grid_chain", h.grid_chain},
              {"address", h.address},
              {"size", h.size},
              {"flags", flags},
              {"flag_labels", labels},
              {"contact_name", h.contact_name},
              {"contact_phone", h.contact_phone},
              {"lon", h.lon ? json(*h.lon) : json()},
              {"lat", h.lat ? json(*h.lat) : json()},
              {"registered_at", iso(ctx, h.registered_at)},
              {"last_visit_at", time_or_null(ctx, v.row.last_visit)},
              {"last_attempt_at", time_or_null(ctx, v.row.last_attempt)},
              {"interval_work_days", v.interval_work_days},
              {"next_due_at", iso(ctx, v.due)},
              {"overdue", v.overdue}};
}

json visit_json(const Context& ctx, const vs::Visit& v) {
  return json{{"id", v.id},
              {"household", v.household},
              {"grid_chain", v.grid_chain},
              {"visitor", v.visitor},
              {"at", iso(ctx, v.at)},
              {"recorded_at", iso(ctx, v.recorded_at)},
              {"outcome", std::string(to_string(v.outcome))},
              {"notes", v.notes},
              {"follow_up", v.follow_up.empty() ? json() : json(v.follow_up)}};
}

std::optional<vs::Flag> flag_param(const Request& req) {
  const auto f = req.param("flag");
  if (!f) return std::nullopt;
  auto flag = vs::parse_flag(*f);
  if (!flag)
    throw Error(ErrorCode::invalid_argument,
                "query parameter 'flag' must be elderly_alone, empty_nest, disabled, low_income, "
                "left_behind or special_care");
  return flag;
}

/// GET /api/v1/households?grid=&flag=&overdue=true&limit=&after=
Response households(Context& ctx, Request& req) {
  service::HouseholdQuery q;
  q.grid = req.param("grid").value_or("");
  q.flag = flag_param(req);
  if (const auto o = req.param("overdue")) {
    if (*o != "true" && *o != "false")
      throw Error(ErrorCode::invalid_argument, "query parameter 'overdue' must be true or false");
    q.overdue_only = *o == "true";
  }
  q.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 1000, 100));
  q.after = req.param("after").value_or("");
  const service::HouseholdList list = ctx.service.visits().households(q, caller_of(req), req.now);
  json items = json::array();
  for (const service::HouseholdView& v : list.items) items.push_back(household_json(ctx, v));
  return json_response(200, json{{"households", items},
                                 {"next", list.next.empty() ? json() : json(list.next)}}
                                .dump())
      .header("Cache-Control", "no-store");
}

/// GET /api/v1/households/{id}
Response household(Context& ctx, Request& req) {
  const std::string id = req.params.at("id");
  if (id.empty() || id.size() > 64)
    throw Error(ErrorCode::not_found, "household " + id.substr(0, 64) + " does not exist");
  return json_response(
             200, household_json(ctx, ctx.service.visits().household(id, caller_of(req), req.now))
                      .dump())
      .header("Cache-Control", "no-store");
}

/// GET /api/v1/visits?household=&grid=&visitor=&from=&to=&limit=&after=
Response visits(Context& ctx, Request& req) {
  const auto& zone = ctx.service.reference()->calendar.zone();
  store::VisitFilter f;
  f.household = req.param("household").value_or("");
  if (const auto g = req.param("grid")) f.in_grids = comma_list(*g);
  f.visitor = req.param("visitor").value_or("");
  if (req.param("from")) f.from = time_param(req, "from", zone);
  if (req.param("to")) f.to = time_param(req, "to", zone);
  f.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 1000, 50));
  f.after = req.param("after").value_or("");
  const store::VisitPage page = ctx.service.visits().visits(f, caller_of(req));
  json items = json::array();
  for (const vs::Visit& v : page.items) items.push_back(visit_json(ctx, v));
  return json_response(
             200,
             json{{"visits", items}, {"next", page.next.empty() ? json() : json(page.next)}}.dump())
      .header("Cache-Control", "no-store");
}

/// GET /api/v1/visits/{id}
Response visit(Context& ctx, Request& req) {
  const std::string id = req.params.at("id");
  if (id.empty() || id.size() > 64)
    throw Error(ErrorCode::not_found, "visit " + id.substr(0, 64) + " does not exist");
  return json_response(200, visit_json(ctx, ctx.service.visits().visit(id, caller_of(req))).dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/visits {household, at, outcome, notes, follow_up: {category, text}}
Response record(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  service::VisitRecording r;
  r.draft.household = f.text("household").value_or("");
  if (r.draft.household.empty() || r.draft.household.size() > 64)
    throw Error(ErrorCode::invalid_argument, "field 'household' must be a household's id");
  if (const auto at = f.text("at")) {
    r.draft.at = dispatch::parse_iso(*at, ctx.service.reference()->calendar.zone());
    if (!r.draft.at) throw Error(ErrorCode::invalid_argument, "field 'at' is not an ISO 8601 time");
  }
  const std::string outcome = f.text("outcome").value_or("ok");
  const auto parsed = vs::parse_outcome(outcome);
  if (!parsed)
    throw Error(ErrorCode::invalid_argument, "field 'outcome' must be ok, concern or not_home");
  r.draft.outcome = *parsed;
  r.draft.notes = f.text("notes").value_or("");
  if (auto follow = f.object("follow_up")) {
    Fields c(*follow, "follow_up.");
    dispatch::Submission s;
    s.category = c.text("category").value_or("");
    s.text = c.text("text").value_or("");
    c.no_others();
    s.reporter.name = req.actor.name;
    r.follow_up = s;
  }
  f.no_others();
  const service::VisitResult done = ctx.service.visits().record(r, caller_of(req), req.now);
  json out = visit_json(ctx, done.visit);
  out["points_earned"] = done.earned;
  return json_response(201, out.dump()).header("Location", "/api/v1/visits/" + done.visit.id);
}

}  // namespace

void add_visit_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"GET", "/api/v1/households", {}, to(households), worker});
  router.add({"GET", "/api/v1/households/{id}", {}, to(household), worker});
  router.add({"GET", "/api/v1/visits", {}, to(visits), worker});
  router.add({"POST", "/api/v1/visits", {}, to(record), worker});
  router.add({"GET", "/api/v1/visits/{id}", {}, to(visit), worker});
}

}  // namespace wangge::http
