#include "wangge/grid/grid_index.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <numeric>

#include "wangge/geo/local_projection.hpp"
#include "wangge/util/error.hpp"

namespace wangge::grid {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BoxPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<BoxPoint>;
using Entry = std::pair<Box, std::uint32_t>;

using RTree = bgi::rtree<Entry, bgi::rstar<16>>;

// One tree per depth, so a point inside a neighbourhood unit never even fetches the boxes of
// its group, block and subdistrict; and one over every grid for the search outside them.
struct GridIndex::Tree {
  std::vector<RTree> by_depth;
  RTree rtree;
};

GridIndex::GridIndex(std::shared_ptr<const GridSet> grids, double outside_tolerance_m)
    : grids_(std::move(grids)), tolerance_m_(outside_tolerance_m), tree_(std::make_unique<Tree>()) {
  if (!(tolerance_m_ >= 0)) {
    throw Error(ErrorCode::invalid_argument, "outside tolerance must be a number of metres >= 0");
  }
  const GridSet& set = *grids_;
  std::vector<std::uint32_t> order(set.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (set[a].code != set[b].code) return set[a].code < set[b].code;
    return set[a].id < set[b].id;
  });
  rank_.resize(set.size());
  for (std::uint32_t r = 0; r < order.size(); ++r) rank_[order[r]] = r;

  std::vector<Entry> entries;
  std::vector<std::vector<Entry>> by_depth(static_cast<std::size_t>(set.max_depth()) + 1);
  entries.reserve(set.size());
  scale_.resize(set.size(), Scale{0, 0});
  for (std::uint32_t i = 0; i < set.size(); ++i) {
    const geo::BBox b = geo::bbox_of(set[i].geometry);
    if (!b.valid()) continue;  // empty geometry: nothing to find
    const geo::XY c = b.centre();
    const geo::LocalProjection frame(
        geo::LonLat::trusted(std::clamp(c.x, -180.0, 180.0), std::clamp(c.y, -90.0, 90.0)));
    scale_[i] = {frame.metres_per_degree_lon(), frame.metres_per_degree_lat()};
    entries.emplace_back(Box(BoxPoint(b.min_x, b.min_y), BoxPoint(b.max_x, b.max_y)), i);
    by_depth[static_cast<std::size_t>(set.depth(i))].push_back(entries.back());
  }
  // Packed bulk loads.
  tree_->rtree = RTree(entries.begin(), entries.end());
  for (const auto& level : by_depth) tree_->by_depth.emplace_back(level.begin(), level.end());
}

GridIndex::~GridIndex() = default;
GridIndex::GridIndex(GridIndex&&) noexcept = default;
GridIndex& GridIndex::operator=(GridIndex&&) noexcept = default;

Location GridIndex::locate(geo::LonLat point) const {
  const GridSet& set = *grids_;
  const geo::XY p{point.lon(), point.lat()};
  Location out;

  // Deepest level first: the first level with a grid covering the point gives the answer.
  // Candidates are the grids of that level whose box holds the point, tested in rank order so
  // the first boundary hit is the rule's choice; a small fixed buffer avoids allocation.
  std::uint32_t stack_buffer[64];
  std::vector<std::uint32_t> heap_buffer;
  std::size_t count = 0;
  auto sink = [&](const Entry& e) {
    if (count < 64)
      stack_buffer[count] = e.second;
    else {
      if (heap_buffer.empty()) heap_buffer.assign(stack_buffer, stack_buffer + 64);
      heap_buffer.push_back(e.second);
    }
    ++count;
  };
  int found_depth = -1;
  for (int depth = set.max_depth(); depth >= 0 && found_depth < 0; --depth) {
    count = 0;
    heap_buffer.clear();
    tree_->by_depth[static_cast<std::size_t>(depth)].query(
        bgi::intersects(BoxPoint(p.x, p.y)), boost::make_function_output_iterator(sink));
    std::uint32_t* cand = count <= 64 ? stack_buffer : heap_buffer.data();
    std::sort(cand, cand + count,
              [&](std::uint32_t a, std::uint32_t b) { return rank_[a] < rank_[b]; });
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint32_t i = cand[k];
      const geo::PointLocation where = geo::locate_point(set[i].geometry, p);
      if (where == geo::PointLocation::outside) continue;
      if (found_depth < 0) {
        found_depth = depth;
        out.status = LocateStatus::inside;
        out.grid = i;
        out.on_boundary = where == geo::PointLocation::boundary;
      }
      out.covering.push_back(i);
    }
  }
  if (found_depth < 0) return locate_outside(point, std::move(out));

  const Scale& scale = scale_[out.grid];
  out.boundary_distance_m = out.on_boundary
                                ? 0.0
                                : boundary_distance_m(set[out.grid].geometry, p,
                                                      scale.metres_per_lon, scale.metres_per_lat);
  for (std::optional<std::size_t> g = out.grid; g; g = set.parent(*g)) out.chain.push_back(*g);
  return out;
}

// Rule 3: covered by no grid. The nearest grid within the tolerance, ties to the deeper, then
// to the first in code order. Candidates are visited nearest box first, and the scan stops
// once a box is farther than the best distance found (a box is never farther than its grid).
Location GridIndex::locate_outside(geo::LonLat point, Location out) const {
  if (tolerance_m_ <= 0) return out;
  const GridSet& set = *grids_;
  const geo::XY p{point.lon(), point.lat()};
  const geo::LocalProjection proj(point);
  const double kx = proj.metres_per_degree_lon();
  const double ky = proj.metres_per_degree_lat();
  // The boxes within the tolerance, converted to degrees with a 10% margin.
  const double dx = tolerance_m_ * 1.1 / kx;
  const double dy = tolerance_m_ * 1.1 / ky;
  const Box near(BoxPoint(p.x - dx, p.y - dy), BoxPoint(p.x + dx, p.y + dy));
  std::vector<std::pair<double, std::uint32_t>> candidates;  // (box distance m, grid)
  auto collect = [&](const Entry& e) {
    const double ex =
        std::max({0.0, e.first.min_corner().get<0>() - p.x, p.x - e.first.max_corner().get<0>()}) *
        kx;
    const double ey =
        std::max({0.0, e.first.min_corner().get<1>() - p.y, p.y - e.first.max_corner().get<1>()}) *
        ky;
    const double d = std::sqrt(ex * ex + ey * ey);
    if (d <= tolerance_m_) candidates.emplace_back(d, e.second);
  };
  tree_->rtree.query(bgi::intersects(near), boost::make_function_output_iterator(collect));
  std::sort(candidates.begin(), candidates.end());
  double best = tolerance_m_;
  bool any = false;
  for (const auto& [box_distance, i] : candidates) {
    if (box_distance > best) break;
    // One frame (at the point) for every candidate, so equal distances compare equal.
    const double d = boundary_distance_m(set[i].geometry, p, kx, ky);
    if (d > tolerance_m_) continue;
    const bool better =
        !any || d < best ||
        (d == best && (set.depth(i) > set.depth(out.grid) ||
                       (set.depth(i) == set.depth(out.grid) && rank_[i] < rank_[out.grid])));
    if (better) {
      any = true;
      best = d;
      out.grid = i;
    }
  }
  if (!any) return out;
  out.status = LocateStatus::outside;
  out.boundary_distance_m = best;
  for (std::optional<std::size_t> g = out.grid; g; g = set.parent(*g)) out.chain.push_back(*g);
  return out;
}

}  // namespace wangge::grid
