#include "wangge/network/isochrone.hpp"

#include <cmath>
#include <limits>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::network {

SnapRaster::SnapRaster(const NearestService& service, double cell_m)
    : service_(service), cell_(cell_m) {
  const WalkingGraph* g = service.graph();
  const geo::BBox b = g ? g->bounds_m() : geo::BBox{};
  const double margin = service.config().max_snap_m;
  x0_ = (b.valid() ? b.min_x : 0) - margin;
  y0_ = (b.valid() ? b.min_y : 0) - margin;
}

std::pair<std::int64_t, std::int64_t> SnapRaster::cell_of(geo::XY p) const {
  // Projected metres of valid lon/lat (|v| < 4e7) over cells of at least 1 m.
  return {number::narrow<std::int64_t>(std::floor((p.x - x0_) / cell_)),
          number::narrow<std::int64_t>(std::floor((p.y - y0_) / cell_))};
}

std::shared_ptr<const SnapRaster::Tile> SnapRaster::tile(std::int64_t ti, std::int64_t tj) const {
  {
    std::lock_guard lock(mutex_);
    auto it = tiles_.find({ti, tj});
    if (it != tiles_.end()) return it->second;
  }
  auto t = std::make_shared<Tile>(kTile * kTile);
  const Snapper* snapper = service_.snapper();
  for (int j = 0; j < kTile; ++j) {
    for (int i = 0; i < kTile; ++i) {
      if (!snapper) continue;
      const auto s =
          snapper->snap(centre(ti * kTile + i, tj * kTile + j), service_.config().max_snap_m);
      if (s)
        (*t)[static_cast<std::size_t>(j * kTile + i)] =
            Cell{s->edge, s->offset_mm, static_cast<float>(s->distance_m)};
    }
  }
  std::lock_guard lock(mutex_);
  return tiles_.emplace(std::pair{ti, tj}, std::move(t))
      .first->second;  // a racing twin is identical
}

std::optional<Snap> SnapRaster::at(std::int64_t i, std::int64_t j) const {
  const auto floor_div = [](std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
  };
  const std::int64_t ti = floor_div(i, kTile), tj = floor_div(j, kTile);
  const auto t = tile(ti, tj);
  const Cell& c = (*t)[static_cast<std::size_t>((j - tj * kTile) * kTile + (i - ti * kTile))];
  if (c.edge == WalkingGraph::kNone) return std::nullopt;
  Snap s;
  s.edge = c.edge;
  s.offset_mm = c.offset_mm;
  s.distance_m = c.distance_m;
  s.at = centre(i, j);
  return s;
}

RasterGrid cost_raster(const NearestService& service, const SnapRaster& raster,
                       const NearestService::Field& field, const geo::BBox& box,
                       std::int64_t limit_mm) {
  const auto [i0, j0] = raster.cell_of(geo::XY{box.min_x, box.min_y});
  const auto [i1, j1] = raster.cell_of(geo::XY{box.max_x, box.max_y});
  RasterGrid grid;
  grid.cell = raster.cell_m();
  grid.x0 = raster.x0() + static_cast<double>(i0) * grid.cell;
  grid.y0 = raster.y0() + static_cast<double>(j0) * grid.cell;
  grid.width = static_cast<std::size_t>(i1 - i0 + 1);
  grid.height = static_cast<std::size_t>(j1 - j0 + 1);
  grid.values.assign(grid.width * grid.height, std::numeric_limits<double>::infinity());
  for (std::int64_t j = j0; j <= j1; ++j) {
    for (std::int64_t i = i0; i <= i1; ++i) {
      const auto s = raster.at(i, j);
      if (!s) continue;
      const auto [cost, owner] = service.cost_from(field, *s);
      if (owner < 0 || cost >= WalkingGraph::kUnreachable) continue;
      // The same total as NearestService::lookup: the network part plus the leg onto the street.
      const std::int64_t total =
          cost + number::narrow_round(static_cast<double>(s->distance_m) * 1000.0);  // ≤ max snap
      // Costs a little past the limit stay: they place the traced edge between the samples.
      if (total > 2 * limit_mm) continue;
      grid.values[static_cast<std::size_t>(j - j0) * grid.width +
                  static_cast<std::size_t>(i - i0)] = static_cast<double>(total);
    }
  }
  return grid;
}

geo::MultiPolygon to_lonlat(const WalkingGraph& graph, const geo::MultiPolygon& metres) {
  geo::MultiPolygon out = metres;
  auto convert = [&](geo::Ring& r) {
    for (geo::XY& p : r) {
      const geo::LonLat ll = graph.to_lonlat(p);
      p = {ll.lon(), ll.lat()};
    }
  };
  for (geo::Polygon& p : out.polygons) {
    convert(p.outer);
    for (geo::Ring& h : p.holes) convert(h);
  }
  return out;
}

geo::MultiPolygon isochrone(const NearestService& service, const SnapRaster& raster,
                            std::size_t index, const IsochroneOptions& options) {
  if (index >= service.points().size()) {
    throw Error(ErrorCode::not_found,
                "service point number " + std::to_string(index) + " does not exist");
  }
  const WalkingGraph* g = service.graph();
  if (!g) return {};
  WalkingConfig config = service.config();
  if (options.minutes) config.threshold_minutes = *options.minutes;
  const std::int64_t limit = config.threshold_mm();
  const NearestService::Field field = service.search({index}, limit);
  // Only the reached part of the network, plus the walk onto it, can be inside: every edge
  // touching a reached node (or holding the point), whole, then a snap distance around.
  geo::BBox box;
  for (std::uint32_t e = 0; e < g->edge_count(); ++e) {
    const auto& edge = g->edge(e);
    const auto [first, last] = field.on_edge(e);
    if (field.cost[edge.u] > limit && field.cost[edge.v] > limit && first == last) continue;
    for (const geo::XY* p = g->geometry_begin(e); p != g->geometry_end(e); ++p) box.extend(*p);
  }
  if (!box.valid()) return {};
  const double pad = config.max_snap_m + raster.cell_m() * 2;
  box = geo::BBox{box.min_x - pad, box.min_y - pad, box.max_x + pad, box.max_y + pad};
  const RasterGrid grid = cost_raster(service, raster, field, box, limit);
  return to_lonlat(*g, contour(grid, static_cast<double>(limit)));
}

}  // namespace wangge::network
