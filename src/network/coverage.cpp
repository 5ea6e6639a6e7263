#include "wangge/network/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "wangge/util/error.hpp"

namespace wangge::network {

std::vector<Coverage> coverage(const NearestService& service, const SnapRaster& raster,
                               const grid::GridIndex& index,
                               const std::vector<std::string>& types) {
  const grid::GridSet& set = index.grids();
  const WalkingGraph* graph = service.graph();
  if (!graph) throw Error(ErrorCode::invalid_argument, "coverage needs a walking network");
  // The raster over the grids, in the network's frame.
  geo::BBox box;
  for (const grid::Grid& g : set.grids())
    for (const geo::Polygon& p : g.geometry.polygons)
      for (const geo::XY& ll : p.outer)
        box.extend(graph->to_metres(geo::LonLat::trusted(ll.x, ll.y)));
  if (!box.valid()) return {};
  const auto [i0, j0] = raster.cell_of({box.min_x, box.min_y});
  const auto [i1, j1] = raster.cell_of({box.max_x, box.max_y});
  const double cell_area = raster.cell_m() * raster.cell_m();
  // Which finest grid each cell centre lies in (the same rule as reports).
  const std::size_t width = static_cast<std::size_t>(i1 - i0 + 1),
                    height = static_cast<std::size_t>(j1 - j0 + 1);
  std::vector<std::int32_t> leaf(width * height, -1);
  for (std::int64_t j = j0; j <= j1; ++j) {
    for (std::int64_t i = i0; i <= i1; ++i) {
      const grid::Location loc = index.locate(graph->to_lonlat(raster.centre(i, j)));
      if (loc.status == grid::LocateStatus::inside)
        leaf[static_cast<std::size_t>(j - j0) * width + static_cast<std::size_t>(i - i0)] =
            static_cast<std::int32_t>(loc.grid);
    }
  }
  std::vector<Coverage> out;
  for (const std::string& type : types) {
    const auto& known = service.types();
    if (std::find(known.begin(), known.end(), type) == known.end()) {
      std::string list;
      for (const auto& t : known)
        list += (list.empty() ? "" : ", ") + (t.empty() ? std::string("(any)") : t);
      throw Error(ErrorCode::invalid_argument,
                  "service type '" + type + "' is offered by no service point; types: " + list);
    }
    const std::int64_t limit = service.config().threshold_mm();
    const RasterGrid cost = cost_raster(service, raster, service.field(type), box, limit);
    Coverage c;
    c.service_type = type;
    c.rows.resize(set.size());
    for (std::size_t g = 0; g < set.size(); ++g) c.rows[g].grid = g;
    RasterGrid gaps = cost;  // 0 where a grid's cell is not covered, +inf elsewhere
    for (std::size_t k = 0; k < leaf.size(); ++k) {
      const bool covered = cost.values[k] <= static_cast<double>(limit);
      gaps.values[k] = leaf[k] >= 0 && !covered ? 0.0 : std::numeric_limits<double>::infinity();
      if (leaf[k] < 0) continue;
      for (std::optional<std::size_t> g = static_cast<std::size_t>(leaf[k]); g;
           g = set.parent(*g)) {
        c.rows[*g].area_m2 += cell_area;
        if (covered) c.rows[*g].covered_m2 += cell_area;
      }
    }
    // Households: each finest grid's, spread evenly over its area, rolled up.
    for (std::size_t g = 0; g < set.size(); ++g) {
      if (!set.children(g).empty() || !set[g].households || c.rows[g].area_m2 <= 0) continue;
      const double h = static_cast<double>(*set[g].households);
      const double covered = h * c.rows[g].covered_m2 / c.rows[g].area_m2;
      for (std::optional<std::size_t> a = g; a; a = set.parent(*a)) {
        c.rows[*a].households += h;
        c.rows[*a].covered_households += covered;
      }
    }
    c.uncovered = to_lonlat(*graph, contour(gaps, 0.5));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace wangge::network
