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

Instant time_param(const Request& req, const char* name, const TimeZone& zone) {
  auto t = parse_iso(*req.param(name), zone);
  if (!t)
    throw Error(ErrorCode::invalid_argument,
                std::string("query parameter '") + name + "' is not an ISO 8601 time");
  return *t;
}

json ring_json(const Ring& r) {
  json a = json::array();
  for (const XY& p : r) a.push_back({std::round(p.x * 1e7) / 1e7, std::round(p.y * 1e7) / 1e7});
  return a;
}

json geometry_json(const MultiPolygon& g) {
  json polys = json::array();
  for (const Polygon& p : g.polygons) {
    json rings = json::array({ring_json(p.outer)});
    for (const Ring& h : p.holes) rings.push_back(ring_json(h));
    polys.push_back(rings);
  }
  return {{"type", "MultiPolygon"}, {"coordinates", polys}};
}

json grid_feature(const GridSet& set, std::size_t i, bool with_geometry) {
  const Grid& g = set[i];
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
          {"geometry", with_geometry ? geometry_json(g.geometry) : json(nullptr)}};
}

/// Reads as the public: every report, shown in its public view (ViewOptions decide the fields).
const Actor kPublicViewer{"a-public", "public", Role::admin, {}, {}};

/// Whose scope a read uses: the caller's, or the public's for anonymous callers. A resident
/// with a key lists their own reports and reads any other in its public view; staff read
/// only their scope (another grid's case is 404, not 403: no existence leak).
Actor viewer_of(const Request& req) {
  return req.authenticated ? req.actor : kPublicViewer;
}

/// The idempotency key of a request, scoped by its key or client so clients cannot collide.
std::optional<ReplyOptions> reply_options(const Request& req,
                                          std::function<StoredReply(const Report&)> render) {
  auto key = req.header("idempotency-key");
  if (!key) return std::nullopt;
  if (key->empty() || key->size() > 255) {
    throw Error(ErrorCode::invalid_argument, "Idempotency-Key must be 1 to 255 characters");
  }
  return ReplyOptions{"http:" + req.actor.id + ":" + req.path + ":" + *key, sha256_hex(req.body),
                      std::move(render)};
}

Response replayed_or(const std::optional<StoredReply>& reply, bool replayed, Response fresh) {
  if (!reply) return fresh;
  Response r;
  r.status = reply->status;
  r.body = reply->body;
  r.headers = fresh.headers;
  if (replayed) r.header("Idempotent-Replayed", "true");
  return r;
}

Submission submission_from(const json& body) {
  Fields f(body);
  Submission s;
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
  if (auto rep = f.object("reporter")) {
    Fields r(*rep, "reporter.");
    s.reporter.name = r.text("name").value_or("");
    s.reporter.phone = r.text("phone").value_or("");
    r.no_others();
  }
  f.no_others();
  return s;
}

ActionRequest action_from(const json& body) {
  Fields f(body);
  ActionRequest a;
  const std::string name = f.text("action").value_or("");
  auto action = parse_action(name);
  if (!action || *action == Action::supervise) {
    throw Error(ErrorCode::invalid_argument,
                "action '" + name + "' is not one of " + action_names());
  }
  a.action = *action;
  a.note = f.text("note").value_or("");
  a.reason = f.text("reason").value_or("");
  a.media = f.texts("media");
  if (auto r = f.integer("rating", 1, 5)) a.rating = static_cast<int>(*r);
  if (auto h = f.integer("extension_work_hours", 1, 2000))
    a.extension_work_hours = static_cast<int>(*h);
  if (auto to = f.object("to")) {
    Fields t(*to, "to.");
    const std::string kind = t.text("kind").value_or("");
    if (kind != "grid" && kind != "department")
      throw Error(ErrorCode::invalid_argument, "field 'to.kind' must be grid or department");
    a.to = Assignee{kind == "grid" ? Assignee::Kind::grid : Assignee::Kind::department,
                    t.text("id").value_or(""), ""};
    t.no_others();
  }
  if (a.note.size() > 4000 || a.reason.size() > 1000)
    throw Error(ErrorCode::payload_too_large, "note is limited to 4000 bytes, reason to 1000");
  f.no_others();
  return a;
}

/// "a,b,,c" → {"a", "b", "c"}.
std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  for (std::string rest = s; !rest.empty();) {
    const auto comma = rest.find(',');
    std::string one(text::trim(rest.substr(0, comma)));
    if (!one.empty()) out.push_back(std::move(one));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

ReportFilter filter_from(const Request& req, const TimeZone& zone) {
  ReportFilter f;
  if (auto s = req.param("state")) {
    for (std::string rest = *s; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string one = rest.substr(0, comma);
      auto st = parse_report_state(one);
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
  return ctx.base_url() + req.path + q;
}

}  // namespace

void add_v1_routes(Router& router, Context& ctx) {
  Service& service = ctx.service;

  router.add(
      {"GET",
       "/api/v1/locate",
       {},
       [&](Request& req) {
         const double lon = required_finite(req, "lon"), lat = required_finite(req, "lat");
         const std::string datum_name = req.param("datum").value_or("wgs84");
         const auto datum = parse_datum(datum_name);
         if (!datum)
           throw Error(ErrorCode::invalid_argument,
                       "datum '" + datum_name + "' is not one of wgs84, gcj02, bd09");
         const LonLat p = LonLat::checked(Longitude(lon), Latitude(lat));
         const LocateAnswer a = service.locate(p, *datum);
         // The hottest route: written straight to text (no JSON tree).
         auto leader = [](JsonWriter& w, const ChainEntry& e) {
           w.begin_object().key("id").value(e.id).key("code").value(e.code).key("name").value(
               e.name);
           w.key("level").value(e.level).key("level_name").value(e.level_name);
           w.key("leader")
               .begin_object()
               .key("name")
               .value(e.leader.name)
               .key("role")
               .value(e.leader.role)
               .end_object();
           w.end_object();
         };
         JsonWriter w;
         w.begin_object();
         w.key("input")
             .begin_object()
             .key("lon")
             .number(lon)
             .key("lat")
             .number(lat)
             .key("datum")
             .value(datum_name)
             .end_object();
         w.key("wgs84")
             .begin_object()
             .key("lon")
             .number(a.wgs84.lon())
             .key("lat")
             .number(a.wgs84.lat())
             .end_object();
         w.key("status").value(to_string(a.status)).key("on_boundary").value(a.on_boundary);
         w.key("boundary_distance_m").number(std::round(a.boundary_distance_m * 10) / 10);
         w.key("covering").begin_array();
         for (const std::string& c : a.covering) w.value(c);
         w.end_array();
         w.key("chain").begin_array();
         for (const ChainEntry& e : a.chain) leader(w, e);
         w.end_array();
         w.key("grid");
         if (a.chain.empty())
           w.null();
         else
           leader(w, a.chain.front());
         if (auto nearest = service.nearest()) {
           const std::string type = req.param("service").value_or("");
           const NearestAnswer n = nearest->lookup(a.wgs84, type);
           w.key("nearest_service").begin_object();
           if (n.point) {
             w.key("id").value(n.point->id).key("name").value(n.point->name);
             w.key("walk_m")
                 .number(std::round(n.walk_m * 10) / 10)
                 .key("minutes")
                 .number(std::round(n.minutes * 10) / 10);
             w.key("within_circle")
                 .value(n.within_circle)
                 .key("straight_line")
                 .value(n.straight_line);
           } else {
             w.key("service_point").null().key("within_circle").value(false);
           }
           w.key("service_type").value(type).end_object();
         }
         w.end_object();
         return json_response(200, w.take());
       },
       Execution::inline_io});

  router.add({"POST", "/api/v1/reports", {}, [&](Request& req) {
                require(req, {Role::resident, Role::grid_worker, Role::department_staff,
                              Role::dispatcher, Role::supervisor, Role::admin});
                const Submission s = submission_from(parse_object(req.body));
                const auto options = reply_options(req, [&](const Report& r) {
                  return StoredReply{
                      "", 201, report_view(r, *service.reference(), ctx.view_for(req, r)).dump()};
                });
                const SubmitResult result =
                    service.submit(s, req.actor, "", req.now, options ? &*options : nullptr);
                Response fresh = json_response(
                    201, result.reply ? ""
                                      : report_view(result.report, *service.reference(),
                                                    ctx.view_for(req, result.report))
                                            .dump());
                if (!result.replayed)
                  fresh.header("Location", ctx.base_url() + "/api/v1/reports/" + result.report.id);
                return replayed_or(result.reply, result.replayed, std::move(fresh));
              }});

  router.add({"GET", "/api/v1/reports", {}, [&](Request& req) {
                const ReferenceData& ref = *service.reference();
                ReportFilter f = filter_from(req, ref.calendar.zone());
                const ReportPage page = service.list(f, viewer_of(req));
                json items = json::array();
                for (const Report& r : page.items)
                  items.push_back(report_view(r, ref, ctx.view_for(req, r)));
                Response res = json_response(200, "");
                json body{{"reports", items}, {"next", nullptr}};
                if (!page.next.empty()) {
                  const std::string link = next_link(ctx, req, page.next);
                  body["next"] = link;
                  res.header("Link", "<" + link + ">; rel=\"next\"");
                }
                res.body = body.dump();
                return res;
              }});

  router.add({"GET", "/api/v1/reports/{id}", {}, [&](Request& req) {
                const std::string& id = req.params.at("id");
                auto r = service.report(id, viewer_of(req));
                if (!r && req.authenticated && req.actor.role == Role::resident)
                  r = service.report(id, kPublicViewer);
                if (!r) throw Error(ErrorCode::not_found, "report " + id + " does not exist");
                return json_response(
                    200, report_view(*r, *service.reference(), ctx.view_for(req, *r)).dump());
              }});

  router.add({"GET", "/api/v1/reports/{id}/events", {}, [&](Request& req) {
                const std::string& id = req.params.at("id");
                Actor viewer = viewer_of(req);
                auto r = service.report(id, viewer);
                if (!r && req.authenticated && req.actor.role == Role::resident)
                  r = service.report(id, viewer = kPublicViewer);
                if (!r) throw Error(ErrorCode::not_found, "report " + id + " does not exist");
                const ViewOptions v = ctx.view_for(req, *r);
                json events = json::array();
                for (const Event& e : service.events(id, viewer))
                  events.push_back(event_view(e, *service.reference(), v));
                return json_response(200, json{{"report", id}, {"events", events}}.dump());
              }});

  router.add({"POST", "/api/v1/reports/{id}/actions", {}, [&](Request& req) {
                require(req, {Role::resident, Role::grid_worker, Role::department_staff,
                              Role::dispatcher, Role::supervisor, Role::admin});
                const ActionRequest a = action_from(parse_object(req.body));
                const auto options = reply_options(req, [&](const Report& r) {
                  return StoredReply{
                      "", 200, report_view(r, *service.reference(), ctx.view_for(req, r)).dump()};
                });
                const ActResult result = service.act(req.params.at("id"), a, req.actor, req.now,
                                                     options.value_or(ReplyOptions{}));
                Response fresh = json_response(
                    200, result.reply ? ""
                                      : report_view(result.report, *service.reference(),
                                                    ctx.view_for(req, result.report))
                                            .dump());
                return replayed_or(result.reply, result.replayed, std::move(fresh));
              }});

  router.add({"GET",
              "/api/v1/grids",
              {},
              [&](Request& req) {
                const auto index = service.grid_index();
                const GridSet& set = index->grids();
                const auto level = integer_param(req, "level", 0, 99);
                const auto parent = req.param("parent");
                json features = json::array();
                for (std::size_t i = 0; i < set.size(); ++i) {
                  if (level && set.level(i) != *level) continue;
                  if (parent && set[i].parent_id != *parent) continue;
                  features.push_back(grid_feature(set, i, true));
                }
                Response r = json_response(200, json{{"type", "FeatureCollection"},
                                                     {"generation", service.active_generation()},
                                                     {"features", features}}
                                                    .dump());
                r.content_type = "application/geo+json";
                return r;
              },
              Execution::inline_io});

  router.add({"GET",
              "/api/v1/grids/{id}",
              {},
              [&](Request& req) {
                const auto index = service.grid_index();
                const GridSet& set = index->grids();
                const auto i = set.find(req.params.at("id"));
                if (!i)
                  throw Error(ErrorCode::not_found,
                              "grid " + req.params.at("id") + " does not exist");
                json f = grid_feature(set, *i, true);
                json children = json::array(), chain = json::array();
                for (std::size_t c : set.children(*i)) children.push_back(set[c].id);
                for (std::optional<std::size_t> g = set.parent(*i); g; g = set.parent(*g))
                  chain.push_back(set[*g].id);
                f["properties"]["children"] = children;
                f["properties"]["ancestors"] = chain;
                Response r = json_response(200, f.dump());
                r.content_type = "application/geo+json";
                return r;
              },
              Execution::inline_io});

  router.add({"GET",
              "/api/v1/service-points",
              {},
              [&](Request&) {
                auto nearest = service.nearest();
                json features = json::array();
                if (nearest) {
                  for (const ServicePoint& p : nearest->points()) {
                    features.push_back({{"type", "Feature"},
                                        {"id", p.id},
                                        {"properties",
                                         {{"id", p.id},
                                          {"name", p.name},
                                          {"kind", p.kind},
                                          {"services", p.services},
                                          {"opening_hours", p.opening_hours},
                                          {"address", p.address}}},
                                        {"geometry",
                                         {{"type", "Point"},
                                          {"coordinates", {p.position.lon(), p.position.lat()}}}}});
                  }
                }
                Response r = json_response(
                    200, json{{"type", "FeatureCollection"}, {"features", features}}.dump());
                r.content_type = "application/geo+json";
                return r;
              },
              Execution::inline_io});

  router.add({"GET",
              "/api/v1/categories",
              {},
              [&](Request&) {
                const ReferenceData& ref = *service.reference();
                json out = json::array();
                for (const Category& c : ref.categories.all()) {
                  json d = c.deadline ? json{{"value", c.deadline->value},
                                             {"unit", to_string(c.deadline->unit)}}
                                      : json(nullptr);
                  out.push_back({{"code", c.code},
                                 {"parent", c.parent.empty() ? json(nullptr) : json(c.parent)},
                                 {"name", c.name},
                                 {"kind", to_string(c.kind)},
                                 {"description", c.description},
                                 {"department", c.department},
                                 {"deadline", d},
                                 {"responsibility", to_string(*c.rule)},
                                 {"reportable", ref.categories.is_reportable(c)}});
                }
                return json_response(200, json{{"categories", out}}.dump());
              },
              Execution::inline_io});

  router.add(
      {"GET", "/api/v1/stats", {}, [&](Request& req) {
         require(req, {Role::grid_worker, Role::department_staff, Role::dispatcher,
                       Role::supervisor, Role::admin});
         const TimeZone& zone = service.reference()->calendar.zone();
         StatsQuery q;
         const std::string group = req.param("group_by").value_or("total");
         auto g = parse_stats_group(group);
         if (!g)
           throw Error(
               ErrorCode::invalid_argument,
               "group_by '" + group +
                   "' is not one of total, grid, leader, department, category, day, week, month");
         q.group = *g;
         // Depths of the active generation only: a level it does not have is a mistake.
         const int deepest = service.grid_index()->grids().max_depth();
         if (auto level = integer_param(req, "level", 0, deepest))
           q.grid_depth = static_cast<int>(*level);
         if (req.param("from")) q.from = time_param(req, "from", zone);
         if (req.param("to")) q.to = time_param(req, "to", zone);
         q.now = req.now;
         return json_response(
             200, json{{"group_by", group}, {"rows", stats_view(service.stats(q))}}.dump());
       }});

  router.add({"GET", "/api/v1/isochrones", {}, [&](Request& req) {
                auto nearest = service.nearest();
                if (!nearest) throw Error(ErrorCode::not_found, "no walking network is loaded");
                const std::string id = req.param("service_point").value_or("");
                const auto& points = nearest->points();
                std::vector<std::size_t> which;
                for (std::size_t i = 0; i < points.size(); ++i)
                  if (id.empty() || points[i].id == id) which.push_back(i);
                if (which.empty())
                  throw Error(ErrorCode::not_found, "service point '" + id + "' does not exist");
                IsochroneOptions options;
                options.minutes = decimal_param(req, "minutes", 1, 60);
                // One cache of snapped raster cells per loaded network, shared by all requests.
                static std::mutex raster_mutex;
                static std::shared_ptr<const NearestService> raster_owner;
                static std::shared_ptr<const SnapRaster> cached;
                std::shared_ptr<const SnapRaster> raster;
                {
                  std::lock_guard lock(raster_mutex);
                  if (raster_owner != nearest)
                    cached = std::make_shared<const SnapRaster>(*nearest), raster_owner = nearest;
                  raster = cached;
                }
                json features = json::array();
                for (std::size_t i : which) {
                  const MultiPolygon area = isochrone(*nearest, *raster, i, options);
                  features.push_back(
                      {{"type", "Feature"},
                       {"id", points[i].id},
                       {"properties",
                        {{"service_point", points[i].id},
                         {"name", points[i].name},
                         {"minutes", options.minutes.value_or(nearest->config().threshold_minutes)},
                         {"speed_kmh", nearest->config().speed_kmh},
                         {"area_km2", area_m2(area) / 1e6}}},
                       {"geometry", geometry_json(area)}});
                }
                Response r = json_response(
                    200, json{{"type", "FeatureCollection"}, {"features", features}}.dump());
                r.content_type = "application/geo+json";
                return r;
              }});
}

}  // namespace wangge::http
