// OGC API - Features, Part 1 Core, at /ogc: landing page, conformance, collections (grids,
// service_points, isochrones, reports with public fields only), items with bbox, datetime,
// limit and property filters, next links and numberMatched, single items. GeoJSON, WGS-84.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {

using json = nlohmann::json;

namespace {

const char* kGeoJson = "application/geo+json";
const Actor kPublic{"a-public", "public", Role::admin, {}, {}};

struct Item {
  std::string id;
  json properties;
  json geometry;
  BBox box;
  std::optional<Instant> time;
};

struct Collection {
  std::string id, title, description;
  bool temporal = false;
  std::vector<std::string> queryables;  ///< properties that can filter (?name=value)
};

const std::vector<Collection>& collections() {
  static const std::vector<Collection> all{
      {"grids",
       "Grids",
       "Grid polygons of every level with their leaders (no phone numbers)",
       false,
       {"level", "level_name", "parent_id", "code", "name", "leader_name", "leader_role"}},
      {"service_points",
       "Service points",
       "Service points with their services and opening hours",
       false,
       {"kind", "name"}},
      {"isochrones",
       "Walking isochrones",
       "The area within the walking threshold of each service point",
       false,
       {"service_point"}},
      {"reports",
       "Reports",
       "Reports with public fields only: category, state, times, grid; positions rounded",
       true,
       {"category", "state", "grid"}},
  };
  return all;
}

const Collection& collection(const std::string& id) {
  for (const Collection& c : collections()) {
    if (c.id == id) return c;
  }
  throw Error(ErrorCode::not_found, "collection '" + id + "' does not exist");
}

json polygon_json(const MultiPolygon& g) {
  json polys = json::array();
  for (const Polygon& p : g.polygons) {
    json rings = json::array();
    auto ring = [](const Ring& r) {
      json out = json::array();
      for (const XY& v : r) out.push_back({v.x, v.y});
      return out;
    };
    rings.push_back(ring(p.outer));
    for (const Ring& h : p.holes) rings.push_back(ring(h));
    polys.push_back(rings);
  }
  return {{"type", "MultiPolygon"}, {"coordinates", polys}};
}

json point_json(double lon, double lat) {
  return {{"type", "Point"}, {"coordinates", {lon, lat}}};
}

struct Interval {
  std::optional<Instant> from, to;
};

Interval parse_datetime(const std::string& s, const TimeZone& zone) {
  auto one = [&](const std::string& part) -> std::optional<Instant> {
    if (part.empty() || part == "..") return std::nullopt;
    auto t = parse_iso(part, zone);
    if (!t) {
      throw Error(ErrorCode::invalid_argument, "datetime '" + part.substr(0, 40) +
                                                   "' is not RFC 3339 (e.g. 2026-11-01T00:00:00Z)");
    }
    return t;
  };
  const std::size_t slash = s.find('/');
  if (slash == std::string::npos) {
    auto t = one(s);
    return {t, t};
  }
  return {one(s.substr(0, slash)), one(s.substr(slash + 1))};
}

std::optional<BBox> parse_bbox(const Request& req) {
  auto v = req.param("bbox");
  if (!v) return std::nullopt;
  std::vector<double> n;
  for (std::string rest = *v; !rest.empty();) {
    const auto comma = rest.find(',');
    auto d = text::parse_double(rest.substr(0, comma));
    if (!d)
      throw Error(ErrorCode::invalid_argument,
                  "bbox must be 4 (or 6) numbers: minlon,minlat,maxlon,maxlat");
    n.push_back(*d);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  if (n.size() == 6) n = {n[0], n[1], n[3], n[4]};
  if (n.size() != 4 || n[0] > n[2] || n[1] > n[3]) {
    throw Error(ErrorCode::invalid_argument,
                "bbox must be minlon,minlat,maxlon,maxlat with min <= max");
  }
  return BBox{n[0], n[1], n[2], n[3]};
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

void add_ogc_routes(Router& router, Context& ctx) {
  Service& service = ctx.service;

  auto link = [&ctx](const std::string& path, const std::string& rel, const std::string& type,
                     const std::string& title) {
    return json{{"href", ctx.base_url() + path}, {"rel", rel}, {"type", type}, {"title", title}};
  };

  auto extent_of = [&service]() {
    BBox b;
    for (const Grid& g : service.grid_index()->grids().grids()) b.extend(bbox_of(g.geometry));
    return b;
  };

  auto collection_json = [link, extent_of](const Collection& c) {
    const BBox b = extent_of();
    json j{{"id", c.id},
           {"title", c.title},
           {"description", c.description},
           {"itemType", "feature"},
           {"crs", {"http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
           {"extent",
            {{"spatial",
              {{"bbox", {{b.min_x, b.min_y, b.max_x, b.max_y}}},
               {"crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}}},
           {"links",
            {link("/ogc/collections/" + c.id, "self", "application/json", c.title),
             link("/ogc/collections/" + c.id + "/items", "items", kGeoJson,
                  c.title + " as GeoJSON")}}};
    if (c.temporal) j["extent"]["temporal"] = {{"interval", {{nullptr, nullptr}}}};
    return j;
  };

  // Every item of a collection that passes the bbox and datetime filters (properties later).
  auto items_of = [&service, &ctx](const Collection& c, const std::optional<BBox>& bbox,
                                   const Interval& when, Instant now) {
    std::vector<Item> out;
    auto keep = [&](const BBox& b) {
      return !bbox || (b.max_x >= bbox->min_x && b.min_x <= bbox->max_x && b.max_y >= bbox->min_y &&
                       b.min_y <= bbox->max_y);
    };
    if (c.id == "grids") {
      const auto index = service.grid_index();
      const GridSet& set = index->grids();
      for (std::size_t i = 0; i < set.size(); ++i) {
        const Grid& g = set[i];
        const BBox b = bbox_of(g.geometry);
        if (!keep(b)) continue;
        json p{{"code", g.code.empty() ? g.id : g.code},
               {"name", g.name},
               {"level", set.level(i)},
               {"level_name", set.level_name(set.depth(i))},
               {"parent_id", g.parent_id},
               {"leader_name", g.leader.name},
               {"leader_role", g.leader.role},
               {"households", g.households ? json(*g.households) : json(nullptr)},
               {"residents", g.residents ? json(*g.residents) : json(nullptr)},
               {"area_m2", std::round(area_m2(g.geometry))}};
        out.push_back({g.id, p, polygon_json(g.geometry), b, std::nullopt});
      }
    } else if (c.id == "service_points") {
      if (auto net = service.nearest()) {
        for (const ServicePoint& sp : net->points()) {
          const BBox b{sp.position.lon(), sp.position.lat(), sp.position.lon(), sp.position.lat()};
          if (!keep(b)) continue;
          out.push_back({sp.id,
                         {{"name", sp.name},
                          {"kind", sp.kind},
                          {"services", sp.services},
                          {"opening_hours", sp.opening_hours},
                          {"address", sp.address}},
                         point_json(sp.position.lon(), sp.position.lat()),
                         b,
                         std::nullopt});
        }
      }
    } else if (c.id == "isochrones") {
      const auto net = service.nearest();
      for (const auto& [sp, area] : service.isochrones()) {
        const BBox b = bbox_of(area);
        if (area.empty() || !keep(b)) continue;
        out.push_back({sp.id,
                       {{"service_point", sp.id},
                        {"name", sp.name},
                        {"minutes", net->config().threshold_minutes},
                        {"area_m2", std::round(area_m2(area))}},
                       polygon_json(area),
                       b,
                       std::nullopt});
      }
    } else {  // reports: the public view only
      const auto ref = service.reference();
      ReportFilter f;
      if (bbox) f.bbox = *bbox;
      f.created_from = when.from;
      f.created_to = when.to;
      f.now = now;
      f.limit = 1000;
      for (;;) {
        const ReportPage page = service.list(f, kPublic);
        for (const Report& r : page.items) {
          const Category* cat = ref->categories.find(r.category);
          const double lon = rounded(r.position.lon(), ctx.config.public_decimals);
          const double lat = rounded(r.position.lat(), ctx.config.public_decimals);
          const TimeZone& zone = ref->calendar.zone();
          out.push_back({r.id,
                         {{"category", r.category},
                          {"category_name", cat ? cat->name : ""},
                          {"state", std::string(to_string(r.state))},
                          {"created_at", format_iso(r.created_at, zone)},
                          {"updated_at", format_iso(r.updated_at, zone)},
                          {"due_at", r.due_at ? json(format_iso(*r.due_at, zone)) : json(nullptr)},
                          {"overdue", r.overdue(now)},
                          {"grid", r.grid_id()}},
                         point_json(lon, lat),
                         BBox{lon, lat, lon, lat},
                         r.created_at});
        }
        if (page.next.empty()) break;
        f.after = page.next;
      }
      // The store lists newest first; OGC clients page in a stable order: oldest first.
      std::reverse(out.begin(), out.end());
    }
    return out;
  };

  router.add(
      {"GET",
       "/ogc",
       {},
       [link](Request&) {
         json j{
             {"title", "wangge OGC API - Features"},
             {"description",
              "Grids, service points, walking isochrones and public reports of the subdistrict"},
             {"links",
              {link("/ogc", "self", "application/json", "This document"),
               link("/api/openapi.json", "service-desc",
                    "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
               link("/api/openapi.yaml", "service-desc", "application/vnd.oai.openapi;version=3.0",
                    "The API definition (YAML)"),
               link("/ogc/conformance", "conformance", "application/json", "Conformance classes"),
               link("/ogc/collections", "data", "application/json", "The collections")}}};
         return json_response(200, j.dump());
       },
       Execution::inline_io});

  router.add({"GET",
              "/ogc/conformance",
              {},
              [](Request&) {
                json j{{"conformsTo",
                        {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                         "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                         "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"}}};
                return json_response(200, j.dump());
              },
              Execution::inline_io});

  router.add({"GET",
              "/ogc/collections",
              {},
              [link, collection_json](Request&) {
                json list = json::array();
                for (const Collection& c : collections()) list.push_back(collection_json(c));
                json j{{"links",
                        {link("/ogc/collections", "self", "application/json", "The collections")}},
                       {"collections", list}};
                return json_response(200, j.dump());
              },
              Execution::inline_io});

  router.add({"GET",
              "/ogc/collections/{collection}",
              {},
              [collection_json](Request& req) {
                return json_response(
                    200, collection_json(collection(req.params.at("collection"))).dump());
              },
              Execution::inline_io});

  router.add(
      {"GET",
       "/ogc/collections/{collection}/items",
       {},
       [&ctx, &service, link, items_of](Request& req) {
         const Collection& c = collection(req.params.at("collection"));
         // Parameters: the spec's, and the collection's queryables; anything else is 400.
         std::map<std::string, std::string> filters;
         for (const auto& [name, value] : req.query) {
           if (name == "limit" || name == "bbox" || name == "datetime" || name == "offset" ||
               name == "f" || name == "bbox-crs" || name == "api_key")
             continue;
           if (std::find(c.queryables.begin(), c.queryables.end(), name) == c.queryables.end()) {
             std::string known;
             for (const std::string& q : c.queryables) known += ", " + q;
             throw Error(ErrorCode::invalid_argument,
                         "unknown parameter '" + name.substr(0, 40) +
                             "'; this collection takes limit, offset, bbox, datetime" + known);
           }
           filters[name] = value;
         }
         if (auto crs = req.param("bbox-crs");
             crs && *crs != "http://www.opengis.net/def/crs/OGC/1.3/CRS84") {
           throw Error(ErrorCode::invalid_argument,
                       "bbox-crs must be http://www.opengis.net/def/crs/OGC/1.3/CRS84");
         }
         if (auto f = req.param("f"); f && *f != "json" && *f != "geojson") {
           throw Error(ErrorCode::invalid_argument, "f must be json or geojson");
         }
         long long limit = 100, offset = 0;
         if (auto v = req.param("limit")) {
           auto n = text::parse_double(*v);
           if (!n || *n != std::floor(*n) || *n < 1 || *n > 10000) {
             throw Error(ErrorCode::invalid_argument, "limit must be an integer from 1 to 10000");
           }
           limit = static_cast<long long>(*n);
         }
         if (auto v = req.param("offset")) {
           auto n = text::parse_double(*v);
           if (!n || *n != std::floor(*n) || *n < 0)
             throw Error(ErrorCode::invalid_argument, "offset must be a non-negative integer");
           offset = static_cast<long long>(*n);
         }
         const auto bbox = parse_bbox(req);
         Interval when;
         if (auto d = req.param("datetime"))
           when = parse_datetime(*d, service.reference()->calendar.zone());
         std::vector<Item> items = items_of(c, bbox, c.temporal ? when : Interval{}, req.now);
         if (!filters.empty()) {
           std::erase_if(items, [&](const Item& it) {
             for (const auto& [name, value] : filters) {
               const std::string have = name == "grid"
                                            ? value_text(it.properties.value("grid", json()))
                                            : value_text(it.properties.value(name, json()));
               if (have != value) return true;
             }
             return false;
           });
         }
         const long long matched = static_cast<long long>(items.size());
         json features = json::array();
         for (long long i = offset; i < matched && i < offset + limit; ++i) {
           const Item& it = items[static_cast<std::size_t>(i)];
           features.push_back({{"type", "Feature"},
                               {"id", it.id},
                               {"properties", it.properties},
                               {"geometry", it.geometry}});
         }
         // Links keep every parameter but offset.
         std::string query;
         for (const auto& [name, value] : req.query) {
           if (name == "offset") continue;
           query += "&" + name + "=" + text::url_encode(value);
         }
         const std::string base = "/ogc/collections/" + c.id + "/items";
         json links = json::array();
         links.push_back(link(base + "?offset=" + std::to_string(offset) + query, "self", kGeoJson,
                              "This page"));
         Response r;
         if (offset + limit < matched) {
           const std::string next = base + "?offset=" + std::to_string(offset + limit) + query;
           links.push_back(link(next, "next", kGeoJson, "The next page"));
           r.header("Link",
                    "<" + ctx.base_url() + next + ">; rel=\"next\"; type=\"application/geo+json\"");
         }
         if (offset > 0) {
           links.push_back(
               link(base + "?offset=" + std::to_string(std::max(0LL, offset - limit)) + query,
                    "prev", kGeoJson, "The previous page"));
         }
         const long long returned = static_cast<long long>(features.size());
         json body{{"type", "FeatureCollection"},
                   {"features", features},
                   {"numberMatched", matched},
                   {"numberReturned", returned},
                   {"timeStamp", format_iso(req.now, TimeZone{"UTC", std::chrono::minutes(0)})},
                   {"links", links}};
         r.status = 200;
         r.content_type = kGeoJson;
         r.body = body.dump();
         r.header("OGC-NumberMatched", std::to_string(matched));
         return r;
       }});

  router.add(
      {"GET", "/ogc/collections/{collection}/items/{id}", {}, [link, items_of](Request& req) {
         const Collection& c = collection(req.params.at("collection"));
         const std::string& id = req.params.at("id");
         for (const Item& it : items_of(c, std::nullopt, Interval{}, req.now)) {
           if (it.id != id) continue;
           json f{{"type", "Feature"},
                  {"id", it.id},
                  {"properties", it.properties},
                  {"geometry", it.geometry},
                  {"links",
                   {link("/ogc/collections/" + c.id + "/items/" + id, "self", kGeoJson,
                         "This feature"),
                    link("/ogc/collections/" + c.id, "collection", "application/json", c.title)}}};
           Response r = json_response(200, f.dump());
           r.content_type = kGeoJson;
           return r;
         }
         throw Error(ErrorCode::not_found,
                     "feature '" + id.substr(0, 60) + "' does not exist in " + c.id);
       }});
}

}  // namespace wangge::http
