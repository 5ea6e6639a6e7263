// OGC API - Features, Part 1 Core, at /ogc: landing page, conformance, collections (grids,
// service_points, isochrones, reports with public fields only), items with bbox, datetime,
// limit, offset and property filters, next links and numberMatched, single items. GeoJSON,
// WGS-84. Reports are filtered and paged in the store (one indexed query with a LIMIT, `next`
// links carry a keyset cursor); the small in-memory collections are sliced after checks.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "ogc_items.hpp"
#include "params.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {

using json = nlohmann::json;

namespace {

using ogc::Collection;
using ogc::Item;

const char* kGeoJson = "application/geo+json";
const char* kCrs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const dispatch::Actor kPublic = dispatch::Actor::public_viewer();
/// numberMatched is counted up to this many reports and left out beyond (it is optional).
constexpr std::size_t kMatchedCountCap = 100000;

struct Interval {
  std::optional<dispatch::Instant> from, to;  ///< both inclusive (RFC 3339 intervals are closed)
};

Interval parse_datetime(const std::string& s, const dispatch::TimeZone& zone) {
  auto one = [&](const std::string& part) -> std::optional<dispatch::Instant> {
    if (part.empty() || part == "..") return std::nullopt;
    auto t = dispatch::parse_iso(part, zone);
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

/// The parameters of an items request, checked.
struct ItemsQuery {
  std::size_t limit = 100;
  std::size_t offset = 0;
  std::string after;  ///< reports: the keyset cursor of a `next` link
  std::optional<geo::BBox> bbox;
  Interval when;
  std::map<std::string, std::string> filters;  ///< queryable property = value
};

ItemsQuery items_query(const Request& req, const Collection& c, const dispatch::TimeZone& zone) {
  ItemsQuery q;
  // Parameters: the spec's, and the collection's queryables; anything else is 400.
  for (const auto& [name, value] : req.query) {
    if (name == "limit" || name == "bbox" || name == "datetime" || name == "offset" ||
        name == "f" || name == "bbox-crs" || name == "api_key" || (name == "after" && c.temporal))
      continue;
    if (std::find(c.queryables.begin(), c.queryables.end(), name) == c.queryables.end()) {
      std::string known;
      for (const std::string& n : c.queryables) known += ", " + n;
      throw Error(ErrorCode::invalid_argument,
                  "unknown parameter '" + name.substr(0, 40) +
                      "'; this collection takes limit, offset, bbox, datetime" + known);
    }
    q.filters[name] = value;
  }
  if (auto crs = req.param("bbox-crs"); crs && *crs != kCrs84)
    throw Error(ErrorCode::invalid_argument, std::string("bbox-crs must be ") + kCrs84);
  if (auto f = req.param("f"); f && *f != "json" && *f != "geojson")
    throw Error(ErrorCode::invalid_argument, "f must be json or geojson");
  q.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 10000, 100));
  q.offset = static_cast<std::size_t>(
      integer_param(req, "offset", 0, static_cast<long long>(store::kMaxListOffset), 0));
  q.after = req.param("after").value_or("");
  if (auto b = req.param("bbox")) q.bbox = parse_bbox(*b, true);
  if (auto d = req.param("datetime"); d && c.temporal) q.when = parse_datetime(*d, zone);
  if (auto d = req.param("datetime"); d && !c.temporal) parse_datetime(*d, zone);  // still valid
  return q;
}

/// One page of a collection: its items, numberMatched when known, and what the next page is.
struct Page {
  std::vector<Item> items;
  std::optional<std::size_t> matched;
  std::string next_after;  ///< reports: the cursor after the last item ("" at the end)
};

Page report_page(service::Service& service, const ItemsQuery& q, dispatch::Instant now) {
  store::ReportFilter f;
  f.bbox = q.bbox;
  f.created_from = q.when.from;
  if (q.when.to) f.created_to = *q.when.to + std::chrono::milliseconds(1);
  for (const auto& [name, value] : q.filters) {
    if (name == "category") f.categories = {value};
    if (name == "grid") f.finest_grid = value;
    if (name == "state") {
      const auto s = dispatch::parse_report_state(value);
      if (!s)
        throw Error(ErrorCode::invalid_argument,
                    "state '" + value.substr(0, 40) + "' is not a report state");
      f.states = {*s};
    }
  }
  f.now = now;
  f.order = store::ListOrder::oldest_first;  // a stable order for clients that page
  f.limit = q.limit;
  f.offset = q.offset;
  f.after = q.after;
  const store::ReportPage found = service.list(f, kPublic);
  Page page;
  const auto ref = service.reference();
  for (const dispatch::Report& r : found.items)
    page.items.push_back(ogc::report_item(dispatch::public_report(r, *ref, service.privacy(), now),
                                          ref->calendar.zone()));
  page.next_after = found.next;
  if (const std::size_t n = service.count(f, kPublic, kMatchedCountCap); n < kMatchedCountCap)
    page.matched = n;
  return page;
}

Page memory_page(service::Service& service, const Collection& c, const ItemsQuery& q) {
  std::vector<Item> all = ogc::memory_items(c, service, q.bbox);
  std::erase_if(all, [&](const Item& it) {
    for (const auto& [name, value] : q.filters)
      if (ogc::property_text(it, name) != value) return true;
    return false;
  });
  Page page;
  page.matched = all.size();
  // offset and limit are checked (at most 10,000 each): the slice stays inside the vector.
  const std::size_t first = std::min(q.offset, all.size());
  const std::size_t last = std::min(all.size(), first + q.limit);
  page.items.assign(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(first)),
                    std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(last)));
  return page;
}

/// The request's parameters for a link, without @p dropped ones (and never the API key).
std::string link_query(const Request& req, std::initializer_list<const char*> dropped) {
  std::string out;
  for (const auto& [name, value] : req.query) {
    bool keep = name != "api_key";
    for (const char* d : dropped) keep = keep && name != d;
    if (keep) out += "&" + text::url_encode(name) + "=" + text::url_encode(value);
  }
  return out;
}

json link(const Context& ctx, const Request& req, const std::string& path, const std::string& rel,
          const std::string& type, const std::string& title) {
  return json{{"href", ctx.base_url(req) + path}, {"rel", rel}, {"type", type}, {"title", title}};
}

json collection_json(const Context& ctx, const Request& req, const Collection& c) {
  geo::BBox b;
  for (const grid::Grid& g : ctx.service.grid_index()->grids().grids())
    b.extend(geo::bbox_of(g.geometry));
  const std::string path = "/ogc/collections/" + c.id;
  json j{{"id", c.id},
         {"title", c.title},
         {"description", c.description},
         {"itemType", "feature"},
         {"crs", {kCrs84}},
         {"extent",
          {{"spatial", {{"bbox", {{b.min_x, b.min_y, b.max_x, b.max_y}}}, {"crs", kCrs84}}}}},
         {"links",
          {link(ctx, req, path, "self", "application/json", c.title),
           link(ctx, req, path + "/items", "items", kGeoJson, c.title + " as GeoJSON")}}};
  if (c.temporal) j["extent"]["temporal"] = {{"interval", {{nullptr, nullptr}}}};
  return j;
}

// ---- handlers: parse, validate, call the service, render ------------------------------------

/// GET /ogc — the landing page.
Response landing(Context& ctx, Request& req) {
  json j{{"title", "wangge OGC API - Features"},
         {"description",
          "Grids, service points, walking isochrones and public reports of the subdistrict"},
         {"links",
          {link(ctx, req, "/ogc", "self", "application/json", "This document"),
           link(ctx, req, "/api/openapi.json", "service-desc",
                "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
           link(ctx, req, "/api/openapi.yaml", "service-desc",
                "application/vnd.oai.openapi;version=3.0", "The API definition (YAML)"),
           link(ctx, req, "/ogc/conformance", "conformance", "application/json",
                "Conformance classes"),
           link(ctx, req, "/ogc/collections", "data", "application/json", "The collections")}}};
  return json_response(200, j.dump());
}

/// GET /ogc/conformance
Response conformance(Context&, Request&) {
  json j{{"conformsTo",
          {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"}}};
  return json_response(200, j.dump());
}

/// GET /ogc/collections
Response collections(Context& ctx, Request& req) {
  json list = json::array();
  for (const Collection& c : ogc::collections()) list.push_back(collection_json(ctx, req, c));
  json j{{"links",
          {link(ctx, req, "/ogc/collections", "self", "application/json", "The collections")}},
         {"collections", list}};
  return json_response(200, j.dump());
}

/// GET /ogc/collections/{collection}
Response collection(Context& ctx, Request& req) {
  return json_response(
      200, collection_json(ctx, req, ogc::collection(req.params.at("collection"))).dump());
}

/// The links of an items page: self, next (also in a Link header) and prev.
json page_links(const Context& ctx, const Request& req, const Collection& c, const ItemsQuery& q,
                const Page& page, Response& r) {
  const std::string base = "/ogc/collections/" + c.id + "/items";
  json links = json::array();
  const std::string same = link_query(req, {});
  links.push_back(link(ctx, req, base + (same.empty() ? "" : "?" + same.substr(1)), "self",
                       kGeoJson, "This page"));
  std::string next;
  if (!page.next_after.empty())
    next =
        base + "?after=" + text::url_encode(page.next_after) + link_query(req, {"offset", "after"});
  else if (c.id != "reports" && page.matched && q.offset + q.limit < *page.matched)
    next = base + "?offset=" + std::to_string(q.offset + q.limit) + link_query(req, {"offset"});
  if (!next.empty()) {
    links.push_back(link(ctx, req, next, "next", kGeoJson, "The next page"));
    r.header("Link",
             "<" + ctx.base_url(req) + next + ">; rel=\"next\"; type=\"application/geo+json\"");
  }
  if (q.offset > 0 && q.after.empty()) {
    const std::string prev = std::to_string(q.offset - std::min(q.offset, q.limit));
    links.push_back(link(ctx, req, base + "?offset=" + prev + link_query(req, {"offset"}), "prev",
                         kGeoJson, "The previous page"));
  }
  return links;
}

/// GET /ogc/collections/{collection}/items
Response items(Context& ctx, Request& req) {
  const Collection& c = ogc::collection(req.params.at("collection"));
  const ItemsQuery q = items_query(req, c, ctx.service.reference()->calendar.zone());
  const Page page =
      c.id == "reports" ? report_page(ctx.service, q, req.now) : memory_page(ctx.service, c, q);
  json features = json::array();
  for (const Item& it : page.items) {
    features.push_back({{"type", "Feature"},
                        {"id", it.id},
                        {"properties", it.properties},
                        {"geometry", it.geometry}});
  }
  Response r;
  json body{{"type", "FeatureCollection"},
            {"features", features},
            {"numberReturned", page.items.size()},
            {"timeStamp",
             dispatch::format_iso(req.now, dispatch::TimeZone{"UTC", std::chrono::minutes(0)})},
            {"links", page_links(ctx, req, c, q, page, r)}};
  if (page.matched) {
    body["numberMatched"] = *page.matched;
    r.header("OGC-NumberMatched", std::to_string(*page.matched));
  }
  r.status = 200;
  r.content_type = kGeoJson;
  r.body = body.dump();
  return r;
}

/// GET /ogc/collections/{collection}/items/{id}
Response item(Context& ctx, Request& req) {
  const Collection& c = ogc::collection(req.params.at("collection"));
  const std::string& id = req.params.at("id");
  std::optional<Item> item;
  if (c.id == "reports") {  // one look-up by id
    if (auto r = ctx.service.report(id, kPublic)) {
      const auto ref = ctx.service.reference();
      item = ogc::report_item(dispatch::public_report(*r, *ref, ctx.service.privacy(), req.now),
                              ref->calendar.zone());
    }
  } else {
    for (Item& it : ogc::memory_items(c, ctx.service, std::nullopt))
      if (it.id == id) item = std::move(it);
  }
  if (!item)
    throw Error(ErrorCode::not_found,
                "feature '" + id.substr(0, 60) + "' does not exist in " + c.id);
  const std::string path = "/ogc/collections/" + c.id;
  json f{
      {"type", "Feature"},
      {"id", item->id},
      {"properties", item->properties},
      {"geometry", item->geometry},
      {"links",
       {link(ctx, req, path + "/items/" + text::url_encode(id), "self", kGeoJson, "This feature"),
        link(ctx, req, path, "collection", "application/json", c.title)}}};
  Response r = json_response(200, f.dump());
  r.content_type = kGeoJson;
  return r;
}

}  // namespace

void add_ogc_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  router.add({"GET", "/ogc", {}, to(landing), Execution::inline_io});
  router.add({"GET", "/ogc/conformance", {}, to(conformance), Execution::inline_io});
  router.add({"GET", "/ogc/collections", {}, to(collections), Execution::inline_io});
  router.add({"GET", "/ogc/collections/{collection}", {}, to(collection), Execution::inline_io});
  router.add({"GET", "/ogc/collections/{collection}/items", {}, to(items), Execution::worker});
  router.add({"GET", "/ogc/collections/{collection}/items/{id}", {}, to(item), Execution::worker});
}

}  // namespace wangge::http
