// Vector tiles over HTTP: /tiles/{layers}/{z}/{x}/{y}.mvt (comma-separated layers make one
// composite tile) and TileJSON 3.0 at /tiles/{layers}.json. Empty tiles are 204; a strong ETag
// answers If-None-Match with 304; gzip when accepted; Cache-Control per layer; CORS by the server.
#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "params.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {

using json = nlohmann::json;

namespace {

std::vector<std::string> layer_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string one =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (one.empty()) throw Error(ErrorCode::invalid_argument, "an empty layer name in '" + s + "'");
    for (const std::string& seen : out) {
      if (seen == one)
        throw Error(ErrorCode::invalid_argument, "layer '" + one + "' is listed twice");
    }
    out.push_back(one);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 8) throw Error(ErrorCode::invalid_argument, "at most 8 layers in one tile");
  return out;
}

tiles::TileId tile_id(const Request& req) {
  // z first: it sets the range of x and y (0 to 2^z - 1).
  const auto z = number::parse_integer_in(req.params.at("z"), "tile zoom z", 0, 22);
  const long long last = (1LL << z) - 1;
  const std::string side = " (tiles at z " + std::to_string(z) + ")";
  const auto x = number::parse_integer_in(req.params.at("x"), "tile column x" + side, 0, last);
  const auto y = number::parse_integer_in(req.params.at("y"), "tile row y" + side, 0, last);
  const tiles::TileId t{static_cast<int>(z), static_cast<std::uint32_t>(x),
                        static_cast<std::uint32_t>(y)};
  assert(tiles::valid(t));
  return t;
}

std::string fnv_hex(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

/// The layer @p name of @p infos. @throws Error(not_found).
const service::TileLayerInfo& layer_info(const std::vector<service::TileLayerInfo>& infos,
                                         const std::string& name) {
  for (const service::TileLayerInfo& l : infos)
    if (l.id == name) return l;
  throw Error(ErrorCode::not_found, "tile layer '" + name + "' does not exist");
}

/// The reply for a tile made of @p parts (one per layer): 204 when empty, 304 when the client
/// has it, gzip when accepted; a single layer's cached bytes are shared, not copied.
Response tile_response(const Request& req,
                       const std::vector<std::shared_ptr<const tiles::TileData>>& parts,
                       int max_age) {
  const bool gz = accepts_gzip(req);
  Response r;
  r.content_type = "application/vnd.mapbox-vector-tile";
  std::string etag, body;
  std::shared_ptr<const std::string> shared;
  if (parts.size() == 1) {
    etag = parts[0]->etag;
    shared = std::shared_ptr<const std::string>(parts[0], gz ? &parts[0]->gzip : &parts[0]->mvt);
  } else {
    std::string tags;
    for (const auto& p : parts) {
      body += p->mvt;  // MVT layers concatenate into one tile
      tags += p->etag;
    }
    etag = "\"" + fnv_hex(tags) + "-c\"";
    if (gz) body = tiles::gzip(body);
  }
  const bool stale =
      std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p->stale; });
  // A stale tile (the store is down, stale-if-error) is shown but must not be kept.
  r.header("Cache-Control",
           stale ? std::string("no-store") : "public, max-age=" + std::to_string(max_age));
  if (stale) r.header("Warning", "110 - \"Response is Stale\"");
  r.header("Vary", "Accept-Encoding");
  if (shared ? shared->empty() : body.empty()) {  // no feature: 204, as MapLibre and QGIS expect
    r.status = 204;
    return r;
  }
  if (answer_conditionally(r, req, etag, gz)) return r;
  if (shared)
    r.shared_body = std::move(shared);
  else
    r.body = std::move(body);
  return r;
}

/// The tile of the request: built when @p build, else only from the cache (std::nullopt when
/// a layer is not cached). A bad request throws before any work.
std::optional<Response> tile_answer(Context& ctx, Request& req, bool build) {
  const std::vector<std::string> names = layer_list(req.params.at("layers"));
  const tiles::TileId t = tile_id(req);
  const geo::Datum datum = datum_param(req, false);
  const auto infos = ctx.service.tiles().layers();
  std::vector<std::shared_ptr<const tiles::TileData>> parts;
  int max_age = 86400;
  for (const std::string& name : names) {
    const service::TileLayerInfo& info = layer_info(*infos, name);
    max_age = std::min(max_age, info.max_age_s);
    auto data = build ? ctx.service.tiles().tile(name, t, service::TileRequest{req.now, datum})
                      : ctx.service.tiles().cached(info, t, datum);
    if (!data) return std::nullopt;
    parts.push_back(std::move(data));
  }
  return tile_response(req, parts, max_age);
}

/// GET /tiles/{layers}/{z}/{x}/{y}.mvt
Response tile(Context& ctx, Request& req) {
  return *tile_answer(ctx, req, true);
}

/// GET /tiles/{layers}.json — TileJSON 3.0.0.
Response tilejson(Context& ctx, Request& req) {
  const std::string joined = req.params.at("layers");
  const geo::Datum datum = datum_param(req, false);
  const auto infos = ctx.service.tiles().layers();
  json vector_layers = json::array();
  std::string version, description;
  int minzoom = 22, maxzoom = 0;
  for (const std::string& name : layer_list(joined)) {
    const service::TileLayerInfo& info = layer_info(*infos, name);
    json fields = json::object();
    for (const auto& [f, type] : info.fields) fields[f] = type;
    vector_layers.push_back({{"id", info.id},
                             {"description", info.description},
                             {"minzoom", info.minzoom},
                             {"maxzoom", info.maxzoom},
                             {"fields", fields}});
    version += (version.empty() ? "" : "-") + info.version;
    description += (description.empty() ? "" : "; ") + info.description;
    minzoom = std::min(minzoom, info.minzoom);
    maxzoom = std::max(maxzoom, info.maxzoom);
  }
  geo::BBox bounds;
  const auto index = ctx.service.grid_index();
  for (const grid::Grid& g : index->grids().grids()) bounds.extend(geo::bbox_of(g.geometry));
  if (joined == "basemap") bounds = ctx.service.tiles().basemap_bounds();
  // The corners in the datum asked for (the shift is smooth: corners suffice to a metre).
  if (datum != geo::Datum::wgs84 && bounds.valid()) {
    const geo::LonLat lo = geo::from_wgs84(geo::LonLat::trusted(bounds.min_x, bounds.min_y), datum);
    const geo::LonLat hi = geo::from_wgs84(geo::LonLat::trusted(bounds.max_x, bounds.max_y), datum);
    bounds = {lo.lon(), lo.lat(), hi.lon(), hi.lat()};
  }
  const std::string datum_query =
      datum == geo::Datum::wgs84 ? "" : "&datum=" + std::string(geo::to_string(datum));
  json tj{
      {"tilejson", "3.0.0"},
      {"name", "wangge " + joined},
      {"description", description},
      {"version", "1.0.0"},
      {"attribution", "wangge grid data"},
      {"scheme", "xyz"},
      // The version in the URL changes with the data it names (a new grid generation), so
      // caches in between never serve an old generation.
      {"tiles",
       {ctx.base_url(req) + "/tiles/" + joined + "/{z}/{x}/{y}.mvt?v=" + version + datum_query}},
      {"minzoom", minzoom},
      {"maxzoom", maxzoom},
      {"bounds", {bounds.min_x, bounds.min_y, bounds.max_x, bounds.max_y}},
      {"center", {bounds.centre().x, bounds.centre().y, 14}},
      {"vector_layers", vector_layers}};
  Response r = json_response(200, tj.dump());
  r.header("Cache-Control", "public, max-age=60");
  return r;
}

}  // namespace

void add_tile_routes(Router& router, Context& ctx) {
  Route tile_route{"GET", "/tiles/{layers}/{z}/{x}/{y}", {"mvt", "pbf"}, with_context(ctx, tile)};
  // A tile already in the cache is answered on the I/O thread, without a hop to the workers
  // (and a bad request is answered there too: tile_answer() throws before any work).
  tile_route.inline_answer = [&ctx](Request& req) { return tile_answer(ctx, req, false); };
  router.add(std::move(tile_route));
  router.add(
      {"GET", "/tiles/{layers}", {"json"}, with_context(ctx, tilejson), Execution::inline_io});
}

}  // namespace wangge::http
