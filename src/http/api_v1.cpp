// The native API v1 (contract: api/openapi.yaml). Handlers parse, call the service, serialise.
#include <cmath>
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "json_writer.hpp"
#include "params.hpp"
#include "wangge/network/isochrone.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

/// @p p (WGS-84) as GeoJSON coordinates in @p datum, to 1e-7 degrees (1 cm).
json position_json(geo::XY p, geo::Datum datum) {
  if (datum != geo::Datum::wgs84) {
    const geo::LonLat q = geo::from_wgs84(geo::LonLat::trusted(p.x, p.y), datum);
    p = {q.lon(), q.lat()};
  }
  return {std::round(p.x * 1e7) / 1e7, std::round(p.y * 1e7) / 1e7};
}

json ring_json(const geo::Ring& r, geo::Datum datum) {
  json a = json::array();
  for (const geo::XY& p : r) a.push_back(position_json(p, datum));
  return a;
}

json geometry_json(const geo::MultiPolygon& g, geo::Datum datum) {
  json polys = json::array();
  for (const geo::Polygon& p : g.polygons) {
    json rings = json::array({ring_json(p.outer, datum)});
    for (const geo::Ring& h : p.holes) rings.push_back(ring_json(h, datum));
    polys.push_back(rings);
  }
  return {{"type", "MultiPolygon"}, {"coordinates", polys}};
}

/// @p doc with a "datum" member when its coordinates are not WGS-84 (RFC 7946 allows foreign
/// members; a reader that ignores it is no worse off than with any shifted map).
json with_datum(json doc, geo::Datum datum) {
  if (datum != geo::Datum::wgs84) doc["datum"] = std::string(geo::to_string(datum));
  return doc;
}

json grid_feature(const grid::GridSet& set, std::size_t i, bool with_geometry, geo::Datum datum) {
  const grid::Grid& g = set[i];
  json props{{"id", g.id},
             {"code", g.code},
             {"name", g.name},
             {"level", set.level(i)},
             {"level_name", set.level_name(set.depth(i))},
             {"parent_id", g.parent_id.empty() ? json(nullptr) : json(g.parent_id)},
             {"leader", {{"name", g.leader.name}, {"role", g.leader.role}}},
             {"households", g.households ? json(*g.households) : json(nullptr)},
             {"residents", g.residents ? json(*g.residents) : json(nullptr)}};
  return {{"type", "Feature"},
          {"id", g.id},
          {"properties", props},
          {"geometry", with_geometry ? geometry_json(g.geometry, datum) : json(nullptr)}};
}

/// Reads as the public: every report, shown in its public view (ViewOptions decide the fields).
const dispatch::Actor kPublicViewer = dispatch::Actor::public_viewer();

/// Whose scope a read uses: the caller's, or the public's for anonymous callers. A resident
/// with a key lists their own reports and reads any other in its public view; staff read
/// only their scope (another grid's case is 404, not 403: no existence leak).
dispatch::Actor viewer_of(const Request& req) {
  return caller_of(req);
}

/// The idempotency key of a request, scoped by its key or client so clients cannot collide.
std::optional<service::ReplyOptions> reply_options(
    const Request& req, std::function<store::StoredReply(const dispatch::Report&)> render) {
  auto key = req.header("idempotency-key");
  if (!key) return std::nullopt;
  if (key->empty() || key->size() > 255) {
    throw Error(ErrorCode::invalid_argument, "Idempotency-Key must be 1 to 255 characters");
  }
  return service::ReplyOptions{"http:" + req.actor.id + ":" + req.path + ":" + *key,
                               sha256_hex(req.body), std::move(render)};
}

Response replayed_or(const std::optional<store::StoredReply>& reply, bool replayed,
                     Response fresh) {
  if (!reply) return fresh;
  Response r;
  r.status = reply->status;
  r.body = reply->body;
  r.headers = fresh.headers;
  if (replayed) r.header("Idempotent-Replayed", "true");
  return r;
}

/// "attributes": {"code": "answer" | 3 | ["key", ...]} as the answers of a submission.
dispatch::AttributeAnswers answers_from(const json& object) {
  dispatch::AttributeAnswers out;
  auto wrong = [](const std::string& code) {
    throw Error(ErrorCode::invalid_argument,
                "field 'attributes." + code.substr(0, 64) +
                    "' must be a string, a number or an array of strings");
  };
  for (auto it = object.begin(); it != object.end(); ++it) {
    std::vector<std::string>& answers = out[it.key()];
    auto one = [&](const json& v) {
      if (v.is_string())
        answers.push_back(v.get<std::string>());
      else if (v.is_number())
        answers.push_back(v.dump());  // finite: parse_object refused 1e400
      else
        wrong(it.key());
    };
    if (it.value().is_array()) {
      for (const json& v : it.value()) one(v);
    } else {
      one(it.value());
    }
  }
  return out;
}

dispatch::Submission submission_from(const json& body) {
  Fields f(body);
  dispatch::Submission s;
  if (auto loc = f.object("location")) {
    Fields l(*loc, "location.");
    s.lon = l.number("lon");
    s.lat = l.number("lat");
    s.datum = l.text("datum").value_or("wgs84");
    s.accuracy_m = l.number("accuracy_m");
    l.no_others();
  }
  s.category = f.text("category").value_or("");
  s.text = f.text("text").value_or("");
  s.media = f.texts("media");
  s.channel = f.text("channel").value_or("app");
  s.external_id = f.text("external_id").value_or("");
  s.address = f.text("address").value_or("");
  if (auto attributes = f.object("attributes")) s.attributes = answers_from(*attributes);
  if (auto rep = f.object("reporter")) {
    Fields r(*rep, "reporter.");
    s.reporter.name = r.text("name").value_or("");
    s.reporter.phone = r.text("phone").value_or("");
    s.reporter.email = r.text("email").value_or("");
    r.no_others();
  }
  f.no_others();
  return s;
}

dispatch::ActionRequest action_from(const json& body) {
  Fields f(body);
  dispatch::ActionRequest a;
  const std::string name = f.text("action").value_or("");
  auto action = dispatch::parse_action(name);
  if (!action) {
    throw Error(ErrorCode::invalid_argument,
                "action '" + name + "' is not one of " + dispatch::action_names());
  }
  a.action = *action;
  a.note = f.text("note").value_or("");
  a.public_reply = f.text("public_reply").value_or("");
  a.reason = f.text("reason").value_or("");
  a.media = f.texts("media");
  a.co_departments = f.texts("co");
  if (auto r = f.integer("rating", 1, 5)) a.rating = static_cast<int>(*r);
  if (auto h = f.integer("extension_work_hours", 1, 2000))
    a.extension_work_hours = static_cast<int>(*h);
  if (auto to = f.object("to")) {
    Fields t(*to, "to.");
    const std::string kind = t.text("kind").value_or("");
    if (kind != "grid" && kind != "department")
      throw Error(ErrorCode::invalid_argument, "field 'to.kind' must be grid or department");
    a.to = dispatch::Assignee{
        kind == "grid" ? dispatch::Assignee::Kind::grid : dispatch::Assignee::Kind::department,
        t.text("id").value_or(""), ""};
    t.no_others();
  }
  f.no_others();
  return a;
}

store::ReportFilter filter_from(const Request& req, const dispatch::TimeZone& zone) {
  store::ReportFilter f;
  if (auto s = req.param("state")) {
    for (std::string rest = *s; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string one = rest.substr(0, comma);
      auto st = dispatch::parse_report_state(one);
      if (!st)
        throw Error(ErrorCode::invalid_argument, "state '" + one + "' is not a report state");
      f.states.push_back(*st);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
  }
  if (auto v = req.param("category")) f.categories = comma_list(*v);
  if (auto v = req.param("grid")) f.grid = *v;
  if (auto v = req.param("leader")) f.leader = *v;
  if (auto v = req.param("department")) f.department = *v;
  if (auto v = req.param("external_id")) f.external_id = *v;
  if (auto v = req.param("bbox")) f.bbox = parse_bbox(*v, false);
  if (req.param("created_from")) f.created_from = time_param(req, "created_from", zone);
  if (req.param("created_to")) f.created_to = time_param(req, "created_to", zone);
  if (req.param("updated_from")) f.updated_from = time_param(req, "updated_from", zone);
  if (req.param("updated_to")) f.updated_to = time_param(req, "updated_to", zone);
  if (auto v = req.param("overdue")) f.overdue_only = *v == "true" || *v == "1";
  f.now = req.now;
  f.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 200, 50));
  if (auto v = req.param("after")) f.after = *v;
  return f;
}

/// The query string of @p req with `after` replaced, for `next` links.
std::string next_link(const Context& ctx, const Request& req, const std::string& after) {
  std::string q;
  auto enc = [](const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',')
        out += static_cast<char>(c);
      else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  for (const auto& [k, v] : req.query)
    if (k != "after" && k != "api_key") q += (q.empty() ? "?" : "&") + enc(k) + "=" + enc(v);
  q += (q.empty() ? "?" : "&") + std::string("after=") + enc(after);
  return ctx.base_url(req) + req.path + q;
}

// ---- handlers: parse, validate, call the service, render ------------------------------------

void write_grid_entry(JsonWriter& w, const service::ChainEntry& e) {
  w.begin_object().key("id").value(e.id).key("code").value(e.code).key("name").value(e.name);
  w.key("level").value(e.level).key("level_name").value(e.level_name);
  w.key("leader").begin_object().key("name").value(e.leader.name);
  w.key("role").value(e.leader.role).end_object();
  w.end_object();
}

void write_nearest(JsonWriter& w, const network::NearestAnswer& n, const std::string& type) {
  w.key("nearest_service").begin_object();
  if (n.point) {
    w.key("id").value(n.point->id).key("name").value(n.point->name);
    w.key("walk_m").number(std::round(n.walk_m * 10) / 10);
    w.key("minutes").number(std::round(n.minutes * 10) / 10);
    w.key("within_circle").value(n.within_circle).key("straight_line").value(n.straight_line);
  } else {
    w.key("service_point").null().key("within_circle").value(false);
  }
  w.key("service_type").value(type).end_object();
}

/// GET /api/v1/locate — the hottest route: written straight to text (no JSON tree).
Response locate(Context& ctx, Request& req) {
  const double lon = required_finite(req, "lon"), lat = required_finite(req, "lat");
  const std::string datum_name = req.param("datum").value_or("wgs84");
  const auto datum = geo::parse_datum(datum_name);
  if (!datum)
    throw Error(ErrorCode::invalid_argument,
                "datum '" + datum_name + "' is not one of wgs84, gcj02, bd09");
  const service::LocateAnswer a =
      ctx.service.locate(geo::LonLat::checked(geo::Longitude(lon), geo::Latitude(lat)), *datum);
  JsonWriter w;
  w.begin_object().key("input").begin_object().key("lon").number(lon).key("lat").number(lat);
  w.key("datum").value(datum_name).end_object();
  w.key("wgs84").begin_object().key("lon").number(a.wgs84.lon());
  w.key("lat").number(a.wgs84.lat()).end_object();
  w.key("status").value(service::to_string(a.status)).key("on_boundary").value(a.on_boundary);
  w.key("boundary_distance_m").number(std::round(a.boundary_distance_m * 10) / 10);
  w.key("covering").begin_array();
  for (const std::string& c : a.covering) w.value(c);
  w.end_array().key("chain").begin_array();
  for (const service::ChainEntry& e : a.chain) write_grid_entry(w, e);
  w.end_array().key("grid");
  if (a.chain.empty())
    w.null();
  else
    write_grid_entry(w, a.chain.front());
  if (auto nearest = ctx.service.nearest()) {
    const std::string type = req.param("service").value_or("");
    write_nearest(w, nearest->lookup(a.wgs84, type), type);
  }
  w.end_object();
  return json_response(200, w.take());
}

/// A report as the request's actor sees it, rendered.
std::string report_body(const Context& ctx, const Request& req, const dispatch::Report& r) {
  return service::report_view(r, *ctx.service.reference(), ctx.view_for(req, r)).dump();
}

const std::initializer_list<dispatch::Role> kReporters{
    dispatch::Role::resident,    dispatch::Role::grid_worker, dispatch::Role::department_staff,
    dispatch::Role::dispatcher,  dispatch::Role::supervisor,  dispatch::Role::admin,
    dispatch::Role::party_member};

/// POST /api/v1/reports
Response submit_report(Context& ctx, Request& req) {
  require(req, kReporters);
  const dispatch::Submission s = submission_from(parse_object(req.body));
  const auto options = reply_options(req, [&](const dispatch::Report& r) {
    return store::StoredReply{"", 201, report_body(ctx, req, r)};
  });
  const service::SubmitResult result =
      ctx.service.submit(s, req.actor, "", req.now, options ? &*options : nullptr);
  Response fresh = json_response(201, result.reply ? "" : report_body(ctx, req, result.report));
  if (!result.replayed)
    fresh.header("Location", ctx.base_url(req) + "/api/v1/reports/" + result.report.id);
  return replayed_or(result.reply, result.replayed, std::move(fresh));
}

/// GET /api/v1/reports
Response list_reports(Context& ctx, Request& req) {
  const dispatch::ReferenceData& ref = *ctx.service.reference();
  const store::ReportPage page =
      ctx.service.list(filter_from(req, ref.calendar.zone()), viewer_of(req));
  json items = json::array();
  for (const dispatch::Report& r : page.items)
    items.push_back(service::report_view(r, ref, ctx.view_for(req, r)));
  Response res = json_response(200, "");
  json body{{"reports", items}, {"next", nullptr}};
  if (!page.next.empty()) {
    const std::string link = next_link(ctx, req, page.next);
    body["next"] = link;
    res.header("Link", "<" + link + ">; rel=\"next\"");
  }
  res.body = body.dump();
  return res;
}

/// The report of the path's {id} and the viewer it was read as: a resident reads their own
/// reports whole and any other in its public view; 404 when the viewer may not see it.
std::pair<dispatch::Report, dispatch::Actor> report_of_path(Context& ctx, const Request& req) {
  const std::string& id = req.params.at("id");
  dispatch::Actor viewer = viewer_of(req);
  auto r = ctx.service.report(id, viewer);
  if (!r && req.authenticated && dispatch::reports_as_resident(req.actor.role))
    r = ctx.service.report(id, viewer = kPublicViewer);
  if (!r) throw Error(ErrorCode::not_found, "report " + id + " does not exist");
  return {std::move(*r), viewer};
}

/// GET /api/v1/reports/{id}
Response get_report(Context& ctx, Request& req) {
  return json_response(200, report_body(ctx, req, report_of_path(ctx, req).first));
}

/// GET /api/v1/reports/{id}/events
Response report_events(Context& ctx, Request& req) {
  const auto [report, viewer] = report_of_path(ctx, req);
  const service::ViewOptions v = ctx.view_for(req, report);
  json events = json::array();
  for (const dispatch::Event& e : ctx.service.events(report.id, viewer))
    events.push_back(service::event_view(e, *ctx.service.reference(), v));
  return json_response(200, json{{"report", report.id}, {"events", events}}.dump());
}

/// POST /api/v1/reports/{id}/actions
Response act_on_report(Context& ctx, Request& req) {
  require(req, kReporters);
  const dispatch::ActionRequest a = action_from(parse_object(req.body));
  const auto options = reply_options(req, [&](const dispatch::Report& r) {
    return store::StoredReply{"", 200, report_body(ctx, req, r)};
  });
  const service::ActResult result = ctx.service.act(req.params.at("id"), a, req.actor, req.now,
                                                    options.value_or(service::ReplyOptions{}));
  Response fresh = json_response(200, result.reply ? "" : report_body(ctx, req, result.report));
  return replayed_or(result.reply, result.replayed, std::move(fresh));
}

Response geojson(json body) {
  Response r = json_response(200, body.dump());
  r.content_type = "application/geo+json";
  return r;
}

/// GET /api/v1/grids
Response list_grids(Context& ctx, Request& req) {
  const auto index = ctx.service.grid_index();
  const grid::GridSet& set = index->grids();
  const auto level = integer_param(req, "level", 0, 99);
  const auto parent = req.param("parent");
  const geo::Datum datum = datum_param(req, true);
  json features = json::array();
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (level && set.level(i) != *level) continue;
    if (parent && set[i].parent_id != *parent) continue;
    features.push_back(grid_feature(set, i, true, datum));
  }
  return geojson(with_datum({{"type", "FeatureCollection"},
                             {"generation", ctx.service.active_generation()},
                             {"features", features}},
                            datum));
}

/// GET /api/v1/grids/{id}
Response get_grid(Context& ctx, Request& req) {
  const auto index = ctx.service.grid_index();
  const grid::GridSet& set = index->grids();
  const auto i = set.find(req.params.at("id"));
  if (!i) throw Error(ErrorCode::not_found, "grid " + req.params.at("id") + " does not exist");
  const geo::Datum datum = datum_param(req, true);
  json f = with_datum(grid_feature(set, *i, true, datum), datum);
  json children = json::array(), chain = json::array();
  for (std::size_t c : set.children(*i)) children.push_back(set[c].id);
  for (std::optional<std::size_t> g = set.parent(*i); g; g = set.parent(*g))
    chain.push_back(set[*g].id);
  f["properties"]["children"] = children;
  f["properties"]["ancestors"] = chain;
  return geojson(f);
}

json point_json(const geo::LonLat& p, geo::Datum datum) {
  return {{"type", "Point"}, {"coordinates", position_json({p.lon(), p.lat()}, datum)}};
}

/// GET /api/v1/service-points
Response list_service_points(Context& ctx, Request& req) {
  const geo::Datum datum = datum_param(req, true);
  json features = json::array();
  if (auto nearest = ctx.service.nearest()) {
    for (const network::ServicePoint& p : nearest->points()) {
      json props{{"id", p.id},
                 {"name", p.name},
                 {"kind", p.kind},
                 {"services", p.services},
                 {"opening_hours", p.opening_hours},
                 {"address", p.address}};
      features.push_back({{"type", "Feature"},
                          {"id", p.id},
                          {"properties", props},
                          {"geometry", point_json(p.position, datum)}});
    }
  }
  return geojson(with_datum({{"type", "FeatureCollection"}, {"features", features}}, datum));
}

/// The questions of a category, in the form categories.json takes them.
json attributes_json(const std::vector<dispatch::CategoryAttribute>& attributes) {
  json out = json::array();
  for (const dispatch::CategoryAttribute& a : attributes) {
    json q = {{"code", a.code},
              {"description", a.description},
              {"datatype", to_string(a.datatype)},
              {"datatype_description", a.datatype_description},
              {"required", a.required}};
    if (!a.values.empty()) {
      q["values"] = json::array();
      for (const dispatch::AttributeChoice& v : a.values)
        q["values"].push_back({{"key", v.key}, {"name", v.name}});
    }
    out.push_back(std::move(q));
  }
  return out;
}

/// GET /api/v1/categories (and the departments they are handed to)
Response list_categories(Context& ctx, Request&) {
  const dispatch::ReferenceData& ref = *ctx.service.reference();
  json out = json::array();
  for (const dispatch::Category& c : ref.categories.all()) {
    json d = c.deadline ? json{{"value", c.deadline->value}, {"unit", to_string(c.deadline->unit)}}
                        : json(nullptr);
    out.push_back({{"code", c.code},
                   {"parent", c.parent.empty() ? json(nullptr) : json(c.parent)},
                   {"name", c.name},
                   {"kind", to_string(c.kind)},
                   {"description", c.description},
                   {"department", c.department},
                   {"deadline", d},
                   {"responsibility", to_string(*c.rule)},
                   {"reportable", ref.categories.is_reportable(c)},
                   {"public", *c.is_public},
                   {"attributes", attributes_json(*c.attributes)}});
  }
  // The departments (责任方) a case may be handed or whistled to, by id and name.
  json departments = json::array();
  for (const dispatch::Department& d : ref.departments)
    departments.push_back({{"id", d.id}, {"name", d.name}});
  return json_response(200, json{{"categories", out}, {"departments", departments}}.dump());
}

/// GET /api/v1/stats
Response stats(Context& ctx, Request& req) {
  require(req, {dispatch::Role::grid_worker, dispatch::Role::department_staff,
                dispatch::Role::dispatcher, dispatch::Role::supervisor, dispatch::Role::admin});
  const dispatch::TimeZone& zone = ctx.service.reference()->calendar.zone();
  dispatch::StatsQuery q;
  const std::string group = req.param("group_by").value_or("total");
  auto g = dispatch::parse_stats_group(group);
  if (!g)
    throw Error(ErrorCode::invalid_argument,
                "group_by '" + group +
                    "' is not one of total, grid, leader, department, category, day, week, month, "
                    "channel");
  q.group = *g;
  // A grid worker sees the figures of his grids, department staff those of their department.
  if (req.actor.role == dispatch::Role::grid_worker) q.grids = req.actor.grids;
  if (req.actor.role == dispatch::Role::department_staff) q.department = req.actor.department;
  // Depths of the active generation only: a level it does not have is a mistake.
  const int deepest = ctx.service.grid_index()->grids().max_depth();
  if (auto level = integer_param(req, "level", 0, deepest)) q.grid_depth = static_cast<int>(*level);
  if (req.param("from")) q.from = time_param(req, "from", zone);
  if (req.param("to")) q.to = time_param(req, "to", zone);
  q.now = req.now;
  const std::string format = req.param("format").value_or("json");
  if (format != "json") {
    // The office's Excel (or CSV with a byte-order mark), Chinese column names.
    Response r;
    r.body = ctx.service.exports().stats_file(ctx.service.stats(q), q.group, format);
    r.content_type = format == "xlsx"
                         ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                         : "text/csv; charset=utf-8";
    r.header("Content-Disposition", "attachment; filename=\"stats-" + group + "." + format + "\"");
    return r;
  }
  // Each row named as the export names it: the grid's, department's or category's name.
  std::vector<dispatch::StatsRow> rows = ctx.service.stats(q);
  for (dispatch::StatsRow& row : rows) row.label = ctx.service.exports().stats_label(row, q.group);
  return json_response(200, json{{"group_by", group}, {"rows", service::stats_view(rows)}}.dump());
}

/// POST /api/v1/admin/reload — the reference data read again from the store (admins).
Response reload_reference(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  const auto ref = ctx.service.reload_reference();
  return json_response(200, json{{"categories", ref->categories.all().size()},
                                 {"staff", ref->staff.size()},
                                 {"departments", ref->departments.size()}}
                                .dump());
}

/// GET /api/v1/isochrones
Response isochrones(Context& ctx, Request& req) {
  const geo::Datum datum = datum_param(req, true);
  const auto areas = ctx.service.tiles().isochrones(req.param("service_point").value_or(""),
                                                    decimal_param(req, "minutes", 1, 60));
  json features = json::array();
  for (const service::IsochroneArea& a : areas) {
    features.push_back({{"type", "Feature"},
                        {"id", a.point.id},
                        {"properties",
                         {{"service_point", a.point.id},
                          {"name", a.point.name},
                          {"minutes", a.minutes},
                          {"speed_kmh", a.speed_kmh},
                          {"area_km2", area_m2(a.area) / 1e6}}},
                        {"geometry", geometry_json(a.area, datum)}});
  }
  return geojson(with_datum({{"type", "FeatureCollection"}, {"features", features}}, datum));
}

}  // namespace

void add_v1_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution io = Execution::inline_io, worker = Execution::worker;
  router.add({"GET", "/api/v1/locate", {}, to(locate), io});
  router.add({"POST", "/api/v1/reports", {}, to(submit_report), worker});
  router.add({"GET", "/api/v1/reports", {}, to(list_reports), worker});
  router.add({"GET", "/api/v1/reports/{id}", {}, to(get_report), worker});
  router.add({"GET", "/api/v1/reports/{id}/events", {}, to(report_events), worker});
  router.add({"POST", "/api/v1/reports/{id}/actions", {}, to(act_on_report), worker});
  router.add({"GET", "/api/v1/grids", {}, to(list_grids), io});
  router.add({"GET", "/api/v1/grids/{id}", {}, to(get_grid), io});
  router.add({"GET", "/api/v1/service-points", {}, to(list_service_points), io});
  router.add({"GET", "/api/v1/categories", {}, to(list_categories), io});
  router.add({"GET", "/api/v1/stats", {}, to(stats), worker});
  router.add({"GET", "/api/v1/isochrones", {}, to(isochrones), worker});
  router.add({"POST", "/api/v1/admin/reload", {}, to(reload_reference), worker});
}

}  // namespace wangge::http
