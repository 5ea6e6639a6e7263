// Vector tiles of the service's data: which features each layer holds, with which public
// attributes, and when cached tiles go stale.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>

#include "wangge/geo/datum.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/network/basemap.hpp"
#include "wangge/network/coverage.hpp"
#include "wangge/network/isochrone.hpp"
#include "wangge/service/tile_service.hpp"
#include "wangge/service/views.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/tiles/tile_math.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::service {

using tiles::LayerEncoder;
using tiles::Property;
using tiles::TileId;

namespace {

constexpr std::uint32_t kExtent = 4096;
constexpr std::uint32_t kBuffer = 64;
constexpr double kMargin = static_cast<double>(kBuffer) / kExtent;

/// What a grid's tile shows of the cases and visits under it (each counted for its whole chain).
struct GridFigures {
  std::int64_t open = 0, overdue = 0;  ///< reports
  std::int64_t households = 0;         ///< households on record (入户走访's list)
  std::int64_t not_visited = 0;        ///< of them, nobody found at home this month
};

/// The figures per grid, as of an epoch of changes.
struct Counts {
  std::map<std::string, GridFigures> by_grid;
  bool visits = false;            ///< households and not_visited were counted (a store holds them)
  dispatch::Instant month_start;  ///< the month whose visits not_visited counts
  std::uint64_t epoch = ~std::uint64_t{0};
  dispatch::Instant at;
};

/// Whether @p b touches the tile box @p padded.
bool touches(const geo::BBox& padded, const geo::BBox& b) {
  return b.max_x >= padded.min_x && b.min_x <= padded.max_x && b.max_y >= padded.min_y &&
         b.min_y <= padded.max_y;
}

/// Calls @p fn with each grid id of the stored grid path @p path ("/a/b/c/").
template <class Fn>
void each_in_path(std::string_view path, Fn fn) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view id = path.substr(0, slash);
    if (!id.empty()) fn(std::string(id));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
}

/// The figures per grid as the store counts them: one row per finest grid that has open
/// reports or households (bounded by the grids, not the reports), each for its whole chain.
Counts figures_by_grid(const std::vector<store::GridPathCount>& open,
                       const std::optional<std::vector<store::GridPathVisits>>& visits,
                       dispatch::Instant now, std::uint64_t epoch) {
  Counts counts;
  counts.visits = visits.has_value();
  counts.epoch = epoch;
  counts.at = now;
  for (const store::GridPathCount& c : open) {
    each_in_path(c.grid_path, [&](const std::string& id) {
      GridFigures& n = counts.by_grid[id];
      n.open += static_cast<std::int64_t>(c.open);
      n.overdue += static_cast<std::int64_t>(c.overdue);
    });
  }
  if (!visits) return counts;
  for (const store::GridPathVisits& v : *visits) {
    each_in_path(v.grid_path, [&](const std::string& id) {
      GridFigures& n = counts.by_grid[id];
      n.households += static_cast<std::int64_t>(v.households);
      n.not_visited += static_cast<std::int64_t>(v.not_visited);
    });
  }
  return counts;
}

/// The datums tiles are made in (Web Mercator maps: BD-09 maps have their own projection).
constexpr std::array<geo::Datum, 2> kTileDatums{geo::Datum::wgs84, geo::Datum::gcj02};

/// The cache key of a layer's tiles at @p version in @p datum.
std::string cache_key(const std::string& layer, const std::string& version, geo::Datum datum) {
  std::string key = layer + "@" + version;
  if (datum != geo::Datum::wgs84) (key += "~") += geo::to_string(datum);
  return key;
}

/// @p p (WGS-84 lon/lat) in @p datum.
geo::XY shift(geo::XY p, geo::Datum datum) {
  if (datum == geo::Datum::wgs84) return p;
  const geo::LonLat q = geo::from_wgs84(geo::LonLat::trusted(p.x, p.y), datum);
  return {q.lon(), q.lat()};
}

geo::MultiPolygon shift(const geo::MultiPolygon& m, geo::Datum datum) {
  if (datum == geo::Datum::wgs84) return m;
  geo::MultiPolygon out = m;
  for (geo::Polygon& p : out.polygons) {
    for (geo::XY& v : p.outer) v = shift(v, datum);
    for (geo::Ring& h : p.holes)
      for (geo::XY& v : h) v = shift(v, datum);
  }
  return out;
}

/// The box holding @p b moved by @p move (a datum shift or its inverse): the shift changes by
/// well under a metre across a tile, so the moved corners and edge midpoints, widened by
/// ~10 m, hold everything the box held.
template <class Move>
geo::BBox moved_box(const geo::BBox& b, Move move) {
  geo::BBox out;
  const double mx = (b.min_x + b.max_x) / 2, my = (b.min_y + b.max_y) / 2;
  for (const geo::XY p :
       {geo::XY{b.min_x, b.min_y}, geo::XY{b.max_x, b.min_y}, geo::XY{b.min_x, b.max_y},
        geo::XY{b.max_x, b.max_y}, geo::XY{mx, b.min_y}, geo::XY{mx, b.max_y}, geo::XY{b.min_x, my},
        geo::XY{b.max_x, my}})
    out.extend(move(p));
  constexpr double kSlack = 1e-4;
  return {out.min_x - kSlack, out.min_y - kSlack, out.max_x + kSlack, out.max_y + kSlack};
}

/// @p b (WGS-84) in @p datum, and back.
geo::BBox shift(const geo::BBox& b, geo::Datum datum) {
  if (datum == geo::Datum::wgs84 || !b.valid()) return b;
  return moved_box(b, [datum](geo::XY p) { return shift(p, datum); });
}
geo::BBox unshift(const geo::BBox& b, geo::Datum datum) {
  if (datum == geo::Datum::wgs84) return b;
  return moved_box(b, [datum](geo::XY p) {
    const geo::LonLat q = geo::to_wgs84(
        geo::LonLat::trusted(std::clamp(p.x, -180.0, 180.0), std::clamp(p.y, -85.06, 85.06)),
        datum);
    return geo::XY{q.lon(), q.lat()};
  });
}

std::size_t datum_slot(geo::Datum datum) {
  return static_cast<std::size_t>(datum);
}

/// The grids of one index in one datum, prepared for tiles.
struct GridGeometry {
  std::shared_ptr<const std::vector<geo::BBox>> boxes;
  // In Web Mercator, prepared once per zoom (simplified by one tile unit, rounded and
  // validated), for the grids layer.
  std::vector<std::shared_ptr<const std::vector<tiles::PreparedPolygon>>> by_zoom =
      std::vector<std::shared_ptr<const std::vector<tiles::PreparedPolygon>>>(tiles::kMaxZoom + 1);
};

}  // namespace

struct TileService::State {
  tiles::TileCache cache{std::size_t{256} << 20};
  std::atomic<std::uint64_t> epoch{0};  // bumped by every report or visit change
  // When the grids' "this month" ends (ms since the epoch; 0: not known yet): its tiles' visit
  // figures go stale then.
  std::atomic<std::int64_t> month_ends_ms{0};

  std::mutex counting;  // held while the figures are counted (one count at a time)
  std::mutex mutex;     // guards what follows
  Counts counts;
  std::shared_ptr<const std::vector<TileLayerInfo>>
      layers;  // for layers_key ("generation/network")
  std::string layers_key;
  std::shared_ptr<const network::NearestService>
      derived_for;  // the network the cached areas belong to
  std::shared_ptr<const grid::GridIndex> gaps_for;
  std::shared_ptr<const network::SnapRaster> raster;
  std::shared_ptr<const std::vector<std::pair<network::ServicePoint, geo::MultiPolygon>>>
      isochrones;
  std::shared_ptr<const geo::MultiPolygon> gaps;
  std::array<GridGeometry, 3> grids;  // per datum (datum_slot)
  std::shared_ptr<const grid::GridIndex> grids_for;
  std::shared_ptr<const std::vector<std::optional<geo::XY>>> grid_labels;  // lon/lat per grid
  std::shared_ptr<const grid::GridIndex> labels_for;
  std::shared_ptr<const network::Basemap> basemap;
};

TileService::TileService(TileSource source)
    : source_(std::move(source)), state_(std::make_unique<State>()) {}
TileService::~TileService() = default;

std::shared_ptr<const grid::GridIndex> TileService::grid_index() const {
  auto index = source_.grids();
  if (!index) throw Error(ErrorCode::not_found, "no grids are loaded");
  return index;
}

namespace {
/// The offline basemap's layer at @p version.
TileLayerInfo basemap_layer(const std::string& version) {
  return {"basemap",
          "The offline basemap from OpenStreetMap: streets and paths (major, secondary, minor, "
          "path, rail), rivers and streams, water, parks and buildings, and named places (city, "
          "town, suburb, village, neighbourhood); kind and name, each from the zoom it is worth "
          "drawing at",
          "mixed",
          0,
          18,
          {{"kind", "String"}, {"name", "String"}},
          version,
          86400};
}
}  // namespace

std::shared_ptr<const std::vector<TileLayerInfo>> TileService::layers() const {
  // Asked on every tile request (cache hits included): built once per data version.
  std::string generation = source_.generation();
  const std::string network = source_.nearest() ? "n1" : "n0";
  std::shared_ptr<const network::Basemap> basemap;
  {
    std::lock_guard lock(state_->mutex);
    basemap = state_->basemap;
  }
  std::string key = generation + "/" + network + "/" + (basemap ? basemap->version() : "");
  {
    std::lock_guard lock(state_->mutex);
    if (state_->layers && state_->layers_key == key) return state_->layers;
  }
  // The grids layer and its label points carry the same attributes.
  const decltype(TileLayerInfo::fields) grid_fields{{"id", "String"},
                                                    {"code", "String"},
                                                    {"name", "String"},
                                                    {"level", "Number"},
                                                    {"level_name", "String"},
                                                    {"leader_name", "String"},
                                                    {"leader_role", "String"},
                                                    {"households", "Number"},
                                                    {"open_reports", "Number"},
                                                    {"overdue_reports", "Number"},
                                                    {"households_listed", "Number"},
                                                    {"not_visited_month", "Number"}};
  std::shared_ptr<const std::vector<TileLayerInfo>> layers = std::make_shared<
      const std::vector<TileLayerInfo>>(std::vector<TileLayerInfo>{
      {"grids",
       "Grid polygons of every level (街道, 片区, 小组, 邻) with their leaders, open and "
       "overdue report counts, and visit coverage: the households on record under each and, of "
       "them, those nobody has found at home this month (本月未走访)",
       "polygon", 0, 18, grid_fields, generation, 60},
      {"grid_labels",
       "One point per grid, where its name and leader are best shown (the centre of the largest "
       "circle inside it), in the one tile of each zoom that holds it: a label drawn from the "
       "grids layer would repeat in every tile the grid crosses",
       "point", 0, 18, grid_fields, generation, 60},
      {"service_points",
       "Service points (党群服务中心, 便民服务站) with their services and opening hours",
       "point",
       0,
       18,
       {{"id", "String"},
        {"name", "String"},
        {"kind", "String"},
        {"services", "String"},
        {"opening_hours", "String"}},
       network,
       3600},
      {"isochrones",
       "The area within the walking threshold (15 minutes by default) of each service point",
       "polygon",
       0,
       18,
       {{"service_point", "String"}, {"name", "String"}, {"minutes", "Number"}},
       network,
       3600},
      {"coverage_gaps",
       "Parts of the grids outside every service point's walking circle",
       "polygon",
       0,
       18,
       {{"area_m2", "Number"}},
       generation + "-" + network,
       3600},
      {"reports",
       "Open reports: category, state, age and overdue flag; no personal data, positions "
       "rounded. Below zoom 15, reports sharing a cell of 1/16 of the tile are one point with "
       "cluster=true, point_count and overdue_count (and overdue when any is)",
       "point",
       10,
       18,
       {{"id", "String"},
        {"category", "String"},
        {"category_name", "String"},
        {"state", "String"},
        {"created_at", "Number"},
        {"age_hours", "Number"},
        {"overdue", "Boolean"},
        {"cluster", "Boolean"},
        {"point_count", "Number"},
        {"overdue_count", "Number"}},
       "live",
       30},
  });
  if (basemap) {
    auto with = std::make_shared<std::vector<TileLayerInfo>>(*layers);
    with->push_back(basemap_layer(basemap->version()));
    layers = with;
  }
  std::lock_guard lock(state_->mutex);
  state_->layers = layers;
  state_->layers_key = std::move(key);
  return layers;
}

tiles::TileCacheStats TileService::cache_stats() const {
  return state_->cache.stats();
}

namespace {
/// The most reports one tile of the reports layer shows (the newest): a tile is bounded work
/// however many cases are open under it.
constexpr std::size_t kMaxTileReports = 20000;
constexpr int kClusterBelow = 15;                 // zooms below it cluster the reports layer
constexpr std::uint32_t kClusterCell = 256;       // tile units (of 4096) per cluster cell
constexpr std::chrono::seconds kReportsTtl{300};  // ages move on; changes invalidate at once
std::chrono::seconds ttl_of(const std::string& layer) {
  return layer == "reports" ? kReportsTtl : std::chrono::seconds(0);
}
}  // namespace

std::shared_ptr<const tiles::TileData> TileService::cached(const std::string& layer,
                                                           const TileId& t,
                                                           geo::Datum datum) const {
  if (!tiles::valid(t)) return nullptr;
  for (const TileLayerInfo& l : *layers()) {
    if (l.id == layer) return cached(l, t, datum);
  }
  return nullptr;
}

std::shared_ptr<const tiles::TileData> TileService::cached(const TileLayerInfo& layer,
                                                           const TileId& t,
                                                           geo::Datum datum) const {
  if (!tiles::valid(t)) return nullptr;
  // A grids tile of a month that has ended is built again (tile() rolls the month over).
  if ((layer.id == "grids" || layer.id == "grid_labels") && month_over()) return nullptr;
  return state_->cache.peek(cache_key(layer.id, layer.version, datum), t, ttl_of(layer.id));
}

bool TileService::month_over() const {
  if (!source_.visit_coverage) return false;
  const std::int64_t ends = state_->month_ends_ms.load(std::memory_order_relaxed);
  return ends != 0 && std::chrono::duration_cast<std::chrono::milliseconds>(
                          dispatch::now_utc().time_since_epoch())
                              .count() >= ends;
}

void TileService::load_basemap(const std::string& osm_path) {
  auto basemap = network::import_basemap(osm_path);
  std::lock_guard lock(state_->mutex);
  state_->basemap = std::move(basemap);
}

geo::BBox TileService::basemap_bounds() const {
  std::lock_guard lock(state_->mutex);
  return state_->basemap ? state_->basemap->bounds() : geo::BBox{};
}

std::shared_ptr<const network::SnapRaster> TileService::snap_raster(
    const std::shared_ptr<const network::NearestService>& net) {
  std::lock_guard lock(state_->mutex);
  if (state_->derived_for != net || !state_->raster) {
    state_->raster = std::make_shared<const network::SnapRaster>(*net);
    state_->isochrones.reset();
    state_->gaps.reset();
    state_->derived_for = net;
  }
  return state_->raster;
}

std::vector<std::pair<network::ServicePoint, geo::MultiPolygon>> TileService::isochrones() {
  const auto net = source_.nearest();
  if (!net) return {};
  {
    std::lock_guard lock(state_->mutex);
    if (state_->derived_for == net && state_->isochrones) return *state_->isochrones;
  }
  const auto raster = snap_raster(net);
  auto areas = std::make_shared<std::vector<std::pair<network::ServicePoint, geo::MultiPolygon>>>();
  for (std::size_t i = 0; i < net->points().size(); ++i) {
    areas->emplace_back(net->points()[i], network::isochrone(*net, *raster, i));
  }
  std::lock_guard lock(state_->mutex);
  if (state_->derived_for == net) state_->isochrones = areas;
  return *areas;
}

std::vector<IsochroneArea> TileService::isochrones(const std::string& id,
                                                   std::optional<double> minutes) {
  const auto net = source_.nearest();
  if (!net) throw Error(ErrorCode::not_found, "no walking network is loaded");
  const auto& points = net->points();
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (id.empty() || points[i].id == id) which.push_back(i);
  if (which.empty()) throw Error(ErrorCode::not_found, "service point '" + id + "' does not exist");
  const auto raster = snap_raster(net);
  network::IsochroneOptions options;
  options.minutes = minutes;
  std::vector<IsochroneArea> out;
  for (std::size_t i : which) {
    out.push_back({points[i], minutes.value_or(net->config().threshold_minutes),
                   net->config().speed_kmh, network::isochrone(*net, *raster, i, options)});
  }
  return out;
}

geo::MultiPolygon TileService::coverage_gaps() {
  const auto net = source_.nearest();
  if (!net) return {};
  const auto index = grid_index();
  {
    std::lock_guard lock(state_->mutex);
    if (state_->derived_for == net && state_->gaps_for == index && state_->gaps)
      return *state_->gaps;
  }
  const auto raster = snap_raster(net);
  const std::vector<network::Coverage> c = network::coverage(*net, *raster, *index, {""});
  auto gaps = std::make_shared<const geo::MultiPolygon>(c.empty() ? geo::MultiPolygon{}
                                                                  : c.front().uncovered);
  std::lock_guard lock(state_->mutex);
  if (state_->derived_for == net) state_->gaps = gaps, state_->gaps_for = index;
  return *gaps;
}

void TileService::report_changed(const dispatch::Report& r) {
  ++state_->epoch;
  const geo::XY at{r.position.lon(), r.position.lat()};
  for (const geo::Datum d : kTileDatums)
    state_->cache.invalidate_point(cache_key("reports", "live", d), shift(at, d), kMargin);
  // The grids of its chain show its count: their tiles go too (at every zoom).
  grids_changed(r.grid_chain);
}

void TileService::visits_changed(const std::vector<std::string>& grid_chain) {
  ++state_->epoch;
  if (grid_chain.empty()) {
    const std::string generation = source_.generation();
    for (const geo::Datum d : kTileDatums) {
      state_->cache.invalidate_layer(cache_key("grids", generation, d));
      state_->cache.invalidate_layer(cache_key("grid_labels", generation, d));
    }
    return;
  }
  grids_changed(grid_chain);
}

void TileService::grids_changed(const std::vector<std::string>& grid_chain) {
  if (grid_chain.empty()) return;
  const auto index = source_.grids();
  if (!index) return;
  const std::string generation = source_.generation();
  for (const std::string& id : grid_chain) {
    if (auto i = index->grids().find(id)) {
      const geo::BBox box = geo::bbox_of(index->grids()[*i].geometry);
      for (const geo::Datum d : kTileDatums) {
        state_->cache.invalidate_box(cache_key("grids", generation, d), shift(box, d), kMargin);
        state_->cache.invalidate_box(cache_key("grid_labels", generation, d), shift(box, d),
                                     kMargin);  // its counts
      }
    }
  }
}

void TileService::reports_changed() {
  ++state_->epoch;
  const std::string generation = source_.generation();
  for (const geo::Datum d : kTileDatums) {
    state_->cache.invalidate_layer(cache_key("reports", "live", d));
    state_->cache.invalidate_layer(cache_key("grids", generation, d));
    state_->cache.invalidate_layer(cache_key("grid_labels", generation, d));
  }
}

std::shared_ptr<const tiles::TileData> TileService::tile(const std::string& layer, const TileId& t,
                                                         const TileRequest& request) {
  if (!tiles::valid(t)) {
    throw Error(ErrorCode::invalid_argument,
                "tile " + t.str() + " does not exist (z 0-22, x and y below 2^z)");
  }
  const auto all = layers();
  const TileLayerInfo* info = nullptr;
  for (const TileLayerInfo& l : *all) {
    if (l.id == layer) info = &l;
  }
  if (!info) throw Error(ErrorCode::not_found, "tile layer '" + layer + "' does not exist");
  const geo::Datum datum = request.datum;
  if (datum == geo::Datum::bd09) {
    throw Error(ErrorCode::invalid_argument,
                "datum 'bd09' has no tiles: Baidu's maps use their own projection (wgs84 or "
                "gcj02)");
  }
  const geo::BBox box = tiles::lonlat_bounds(t);
  const double pad_x = (box.max_x - box.min_x) * kMargin, pad_y = (box.max_y - box.min_y) * kMargin;
  const geo::BBox padded{box.min_x - pad_x, box.min_y - pad_y, box.max_x + pad_x,
                         box.max_y + pad_y};
  // A grids tile counts this month's visits: a request that waited past the month's end counts
  // the month it runs in, never the one before (its tile would be kept after the roll).
  const dispatch::Instant at = std::max(request.now, dispatch::now_utc());
  if (layer == "grids" || layer == "grid_labels") roll_month(at);
  std::function<std::string()> build = [&] {
    if (layer == "grids") return grids_tile(t, padded, at, false, datum);
    if (layer == "grid_labels") return grids_tile(t, padded, at, true, datum);
    if (layer == "service_points") return service_points_tile(t, datum);
    if (layer == "isochrones") return isochrones_tile(t, padded, datum);
    if (layer == "coverage_gaps") return coverage_gaps_tile(t, padded, datum);
    if (layer == "basemap") return basemap_tile(t, padded, datum);
    return reports_tile(t, info->minzoom, padded, request.now, datum);
  };
  return state_->cache.get(cache_key(layer, info->version, datum), t, build, ttl_of(layer));
}

std::shared_ptr<const std::vector<std::optional<geo::XY>>> TileService::grid_label_points(
    const std::shared_ptr<const grid::GridIndex>& index) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->labels_for == index && state_->grid_labels) return state_->grid_labels;
  }
  // In Web Mercator, as the map draws it; to a hundredth of the grid's size.
  const geos::Context ctx;
  auto labels = std::make_shared<std::vector<std::optional<geo::XY>>>();
  for (const grid::Grid& g : index->grids().grids()) {
    const geo::MultiPolygon m = tiles::to_mercator(g.geometry);
    const geo::BBox b = geo::bbox_of(m);
    const double tolerance = std::max(b.max_x - b.min_x, b.max_y - b.min_y) / 100;
    const auto at = geos::label_point(ctx, geos::to_geos(ctx, m).get(), std::max(tolerance, 0.01));
    labels->push_back(at ? std::optional<geo::XY>(tiles::to_lonlat(*at)) : std::nullopt);
  }
  std::lock_guard lock(state_->mutex);
  state_->grid_labels = labels;
  state_->labels_for = index;
  return labels;
}

std::optional<std::pair<dispatch::Instant, dispatch::Instant>> TileService::this_month(
    dispatch::Instant now) const {
  const auto ref = source_.reference ? source_.reference() : nullptr;
  if (!ref) return std::nullopt;
  const dispatch::TimeZone& zone = ref->calendar.zone();
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(zone.to_local(now))};
  const std::chrono::year_month ym{day.year(), day.month()};
  const auto instant = [&](std::chrono::local_days d) {
    return zone.to_instant(std::chrono::local_time<dispatch::Milliseconds>(d.time_since_epoch()));
  };
  return std::pair{instant(std::chrono::local_days(ym / 1)),
                   instant(std::chrono::local_days((ym + std::chrono::months(1)) / 1))};
}

void TileService::roll_month(dispatch::Instant now) {
  if (!source_.visit_coverage) return;
  const std::int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t ends = state_->month_ends_ms.load();
  if (ends != 0 && ms < ends) return;
  const auto month = this_month(now);
  if (!month) return;
  const std::int64_t next =
      std::chrono::duration_cast<std::chrono::milliseconds>(month->second.time_since_epoch())
          .count();
  std::int64_t expected = ends;
  // One caller rolls the month over; its grids tiles counted the month before.
  if (state_->month_ends_ms.compare_exchange_strong(expected, next) && ends != 0)
    visits_changed({});
}

std::string TileService::grids_tile(const TileId& t, const geo::BBox& padded, dispatch::Instant now,
                                    bool labels, geo::Datum datum) {
  const auto index = grid_index();
  std::shared_ptr<const std::vector<geo::BBox>> boxes;
  std::shared_ptr<const std::vector<tiles::PreparedPolygon>> simplified;
  Counts counts;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->grids_for != index) {
      state_->grids = {};
      state_->grids_for = index;
    }
    GridGeometry& geometry = state_->grids[datum_slot(datum)];
    if (!geometry.boxes) {
      auto b = std::make_shared<std::vector<geo::BBox>>();
      for (const grid::Grid& g : index->grids().grids())
        b->push_back(shift(geo::bbox_of(g.geometry), datum));
      geometry.boxes = b;
    }
    boxes = geometry.boxes;
    auto& zoom = geometry.by_zoom[static_cast<std::size_t>(t.z)];
    if (!zoom) {
      auto m = std::make_shared<std::vector<tiles::PreparedPolygon>>();
      for (const grid::Grid& g : index->grids().grids()) {
        m->push_back(tiles::prepare_for_zoom(tiles::to_mercator(shift(g.geometry, datum)), t.z));
      }
      zoom = m;
    }
    simplified = zoom;
    counts = state_->counts;
  }
  const std::uint64_t epoch = state_->epoch.load();
  const auto month = this_month(now);
  const auto stale = [&](const Counts& c) {
    return c.epoch != epoch || now - c.at > std::chrono::minutes(1) ||
           (month && c.month_start != month->first);
  };
  if (source_.open_counts && stale(counts)) {
    // One count at a time: the builds that wait for it use it instead of counting again.
    std::lock_guard counting(state_->counting);
    {
      std::lock_guard lock(state_->mutex);
      counts = state_->counts;
    }
    if (stale(counts)) {
      counts = figures_by_grid(
          source_.open_counts(now),
          source_.visit_coverage && month ? source_.visit_coverage(month->first) : std::nullopt,
          now, epoch);
      if (month) counts.month_start = month->first;
      std::lock_guard lock(state_->mutex);
      if (epoch >= state_->counts.epoch || state_->counts.epoch == ~std::uint64_t{0})
        state_->counts = counts;
    }
  }
  const grid::GridSet& set = index->grids();
  const auto points = labels ? grid_label_points(index) : nullptr;
  LayerEncoder enc(labels ? "grid_labels" : "grids", t, kExtent, kBuffer,
                   0);  // simplified per zoom already
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (!touches(padded, (*boxes)[i])) continue;
    // A label in the one tile of this zoom that holds its point (MapLibre places each once).
    std::optional<geo::XY> label;
    if (labels && (*points)[i]) label = shift(*(*points)[i], datum);
    if (labels && (!label || !(tiles::tile_of(*label, t.z) == t))) continue;
    const grid::Grid& g = set[i];
    std::vector<Property> p{{"id", g.id},
                            {"code", g.code.empty() ? g.id : g.code},
                            {"name", g.name},
                            {"level", std::int64_t{set.level(i)}},
                            {"level_name", set.level_name(set.depth(i))},
                            {"leader_name", g.leader.name},
                            {"leader_role", g.leader.role}};
    if (g.households) p.push_back({"households", std::int64_t{*g.households}});
    const auto c = counts.by_grid.find(g.id);
    const GridFigures n = c == counts.by_grid.end() ? GridFigures{} : c->second;
    p.push_back({"open_reports", n.open});
    p.push_back({"overdue_reports", n.overdue});
    // The privacy policy: no household figures for a grid of too few households.
    if (counts.visits && n.households >= dispatch::PrivacyPolicy::kMinHouseholdsShown) {
      p.push_back({"households_listed", n.households});
      p.push_back({"not_visited_month", n.not_visited});
    }
    if (labels)
      enc.add_point(tiles::feature_id(g.id), *label, p);
    else
      enc.add_prepared(tiles::feature_id(g.id), (*simplified)[i], p);
  }
  return enc.finish();
}

std::string TileService::service_points_tile(const TileId& t, geo::Datum datum) {
  LayerEncoder enc("service_points", t, kExtent, kBuffer);
  if (const auto net = source_.nearest()) {
    for (const network::ServicePoint& sp : net->points()) {
      std::string services;
      for (const std::string& s : sp.services) services += (services.empty() ? "" : ",") + s;
      enc.add_point(tiles::feature_id(sp.id),
                    shift(geo::XY{sp.position.lon(), sp.position.lat()}, datum),
                    {{"id", sp.id},
                     {"name", sp.name},
                     {"kind", sp.kind},
                     {"services", services},
                     {"opening_hours", sp.opening_hours}});
    }
  }
  return enc.finish();
}

std::string TileService::isochrones_tile(const TileId& t, const geo::BBox& padded,
                                         geo::Datum datum) {
  LayerEncoder enc("isochrones", t, kExtent, kBuffer);
  const auto net = source_.nearest();
  for (const auto& [sp, area] : isochrones()) {
    if (area.empty() || !touches(padded, shift(geo::bbox_of(area), datum))) continue;
    enc.add_polygon(tiles::feature_id(sp.id), shift(area, datum),
                    {{"service_point", sp.id},
                     {"name", sp.name},
                     {"minutes", net->config().threshold_minutes}});
  }
  return enc.finish();
}

std::string TileService::coverage_gaps_tile(const TileId& t, const geo::BBox& padded,
                                            geo::Datum datum) {
  LayerEncoder enc("coverage_gaps", t, kExtent, kBuffer);
  const geo::MultiPolygon gaps = coverage_gaps();
  for (std::size_t i = 0; i < gaps.polygons.size(); ++i) {
    geo::MultiPolygon one{{gaps.polygons[i]}};
    if (!touches(padded, shift(geo::bbox_of(one), datum))) continue;
    enc.add_polygon(i + 1, shift(one, datum), {{"area_m2", std::round(area_m2(one))}});
  }
  return enc.finish();
}

std::string TileService::reports_tile(const TileId& t, int minzoom, const geo::BBox& padded,
                                      dispatch::Instant now, geo::Datum datum) {
  LayerEncoder enc("reports", t, kExtent, kBuffer);
  if (t.z < minzoom || !source_.public_reports) return enc.finish();
  const auto ref = source_.reference();
  if (!ref) return enc.finish();
  store::ReportFilter f;
  f.states = dispatch::open_states();
  // The store finds reports by their exact position, the tile places them by their rounded
  // public one: the query reaches out by the rounding, so none at an edge is lost.
  const double rounding = 0.5 * std::pow(10.0, -source_.privacy().decimals);
  const geo::BBox query = unshift(padded, datum);
  f.bbox = geo::BBox{query.min_x - rounding, query.min_y - rounding, query.max_x + rounding,
                     query.max_y + rounding};
  f.now = now;
  f.limit = 1000;
  // Below kClusterBelow, reports that share a cell of kClusterCell tile units (about 32 screen
  // pixels) are one point with their count: a thousand cases stay readable at a district's
  // zoom. Cells are aligned to the tile, and a cluster is kept only in the tile that holds its
  // cell, so neighbouring tiles never draw it twice.
  const bool clustering = t.z < kClusterBelow;
  struct Cell {
    std::size_t count = 0, overdue = 0;
    double sum_x = 0, sum_y = 0;
    std::optional<std::pair<geo::XY, std::vector<Property>>> single;
  };
  std::map<std::pair<int, int>, Cell> cells;
  const tiles::TileProjection project(t, kExtent);
  const dispatch::PrivacyPolicy& privacy = source_.privacy();
  source_.public_reports(f, kMaxTileReports, [&](const dispatch::Report& r) {
    const dispatch::PublicReport p = dispatch::public_report(r, *ref, privacy, now);
    const double age_h = std::chrono::duration<double>(now - p.created_at).count() / 3600.0;
    const auto created_s =
        std::chrono::duration_cast<std::chrono::seconds>(p.created_at.time_since_epoch()).count();
    const geo::XY at = shift(geo::XY{p.lon, p.lat}, datum);
    std::vector<Property> properties{{"id", p.id},
                                     {"category", p.category},
                                     {"category_name", p.category_name},
                                     {"state", std::string(to_string(p.state))},
                                     {"created_at", std::int64_t{created_s}},
                                     {"age_hours", std::round(age_h * 10) / 10},
                                     {"overdue", p.overdue}};
    if (!clustering) {
      enc.add_point(tiles::feature_id(p.id), at, properties);
      return;
    }
    const geo::XY u = project(at);
    if (!(u.x >= 0 && u.x < kExtent && u.y >= 0 && u.y < kExtent)) return;  // its own tile's
    // u is within [0, kExtent), checked above: the cell is within [0, kExtent / kClusterCell).
    Cell& c =
        cells[{number::narrow<int>(u.x / kClusterCell), number::narrow<int>(u.y / kClusterCell)}];
    ++c.count;
    c.overdue += p.overdue;
    c.sum_x += at.x;
    c.sum_y += at.y;
    if (c.count == 1)
      c.single.emplace(at, std::move(properties));
    else
      c.single.reset();
  });
  for (const auto& [key, c] : cells) {
    if (c.single) {
      enc.add_point(tiles::feature_id(std::get<std::string>(c.single->second[0].value)),
                    c.single->first, c.single->second);
      continue;
    }
    const std::string id =
        t.str() + "/" + std::to_string(key.first) + "," + std::to_string(key.second);
    enc.add_point(tiles::feature_id(id), {c.sum_x / c.count, c.sum_y / c.count},
                  {{"cluster", true},
                   {"point_count", static_cast<std::int64_t>(c.count)},
                   {"overdue_count", static_cast<std::int64_t>(c.overdue)},
                   {"overdue", c.overdue > 0}});
  }
  return enc.finish();
}

namespace {
/// The most basemap features one tile holds: a tile is bounded work whatever the file.
constexpr std::size_t kMaxBasemapFeatures = 50000;
}  // namespace

std::string TileService::basemap_tile(const TileId& t, const geo::BBox& padded, geo::Datum datum) {
  LayerEncoder enc("basemap", t, kExtent, kBuffer);
  std::shared_ptr<const network::Basemap> basemap;
  {
    std::lock_guard lock(state_->mutex);
    basemap = state_->basemap;
  }
  if (!basemap) return enc.finish();
  const auto hits = basemap->query(unshift(padded, datum), t.z);
  std::size_t n = 0;
  // In file order; the style decides what is drawn over what.
  for (const network::BasemapFeature* f : hits) {
    if (++n > kMaxBasemapFeatures) break;
    std::vector<Property> p{{"kind", f->kind}};
    if (!f->name.empty()) p.push_back({"name", f->name});
    switch (f->shape) {
      case network::BasemapFeature::Shape::area:
        enc.add_polygon(f->osm_id, shift(f->area, datum), p);
        break;
      case network::BasemapFeature::Shape::line: {
        std::vector<geo::XY> line = f->line;
        for (geo::XY& v : line) v = shift(v, datum);
        enc.add_line(f->osm_id, line, p);
        break;
      }
      case network::BasemapFeature::Shape::point:
        enc.add_point(f->osm_id, shift(f->point, datum), p);
        break;
    }
  }
  return enc.finish();
}

}  // namespace wangge::service
