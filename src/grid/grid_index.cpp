#include "wangge/grid/grid_index.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <numeric>

#include "wangge/geo/local_projection.hpp"
#include "wangge/util/error.hpp"

namespace wangge {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BoxPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<BoxPoint>;
using Entry = std::pair<Box, std::uint32_t>;

struct GridIndex::Tree {
  bgi::rtree<Entry, bgi::rstar<16>> rtree;
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
  entries.reserve(set.size());
  for (std::uint32_t i = 0; i < set.size(); ++i) {
    const BBox b = bbox_of(set[i].geometry);
    if (!b.valid()) continue;  // empty geometry: nothing to find
    entries.emplace_back(Box(BoxPoint(b.min_x, b.min_y), BoxPoint(b.max_x, b.max_y)), i);
  }
  tree_->rtree = decltype(tree_->rtree)(entries.begin(), entries.end());  // packed bulk load
}

GridIndex::~GridIndex() = default;
GridIndex::GridIndex(GridIndex&&) noexcept = default;
GridIndex& GridIndex::operator=(GridIndex&&) noexcept = default;

Location GridIndex::locate(LonLat point) const {
  const GridSet& set = *grids_;
  const XY p{point.lon(), point.lat()};
  Location out;

  // Candidates whose box covers the point; a small fixed buffer avoids allocation.
  std::uint32_t stack_buffer[64];
  std::vector<std::uint32_t> heap_buffer;
  std::size_t count = 0;
  auto sink = [&](const Entry& e) {
    if (count < 64) stack_buffer[count] = e.second;
    else {
      if (heap_buffer.empty()) heap_buffer.assign(stack_buffer, stack_buffer + 64);
      heap_buffer.push_back(e.second);
    }
    ++count;
  };
  tree_->rtree.query(bgi::intersects(BoxPoint(p.x, p.y)), boost::make_function_output_iterator(sink));
  std::uint32_t* cand = count <= 64 ? stack_buffer : heap_buffer.data();

  // Deepest first; equal depth in rank order so the first boundary hit is the rule's choice.
  std::sort(cand, cand + count, [&](std::uint32_t a, std::uint32_t b) {
    if (set.depth(a) != set.depth(b)) return set.depth(a) > set.depth(b);
    return rank_[a] < rank_[b];
  });
  int found_depth = -1;
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint32_t i = cand[k];
    if (found_depth >= 0 && set.depth(i) < found_depth) break;
    const PointLocation where = locate_point(set[i].geometry, p);
    if (where == PointLocation::outside) continue;
    if (found_depth < 0) {
      found_depth = set.depth(i);
      out.status = LocateStatus::inside;
      out.grid = i;
      out.on_boundary = where == PointLocation::boundary;
    }
    out.covering.push_back(i);
  }

  if (found_depth < 0) {
    if (tolerance_m_ <= 0) return out;
    // Search the boxes within the tolerance, converted to degrees with a 10% margin.
    const LocalProjection proj(point);
    const double dx = tolerance_m_ * 1.1 / proj.metres_per_degree_lon();
    const double dy = tolerance_m_ * 1.1 / proj.metres_per_degree_lat();
    const Box near(BoxPoint(p.x - dx, p.y - dy), BoxPoint(p.x + dx, p.y + dy));
    double best = tolerance_m_;
    bool any = false;
    auto consider = [&](const Entry& e) {
      const std::uint32_t i = e.second;
      const double d = boundary_distance_m(set[i].geometry, p);
      if (d > tolerance_m_) return;
      const bool better =
          !any || d < best ||
          (d == best && (set.depth(i) > set.depth(out.grid) ||
                         (set.depth(i) == set.depth(out.grid) && rank_[i] < rank_[out.grid])));
      if (better) {
        any = true;
        best = d;
        out.grid = i;
      }
    };
    tree_->rtree.query(bgi::intersects(near), boost::make_function_output_iterator(consider));
    if (!any) return out;
    out.status = LocateStatus::outside;
    out.boundary_distance_m = best;
  } else {
    out.boundary_distance_m =
        out.on_boundary ? 0.0 : boundary_distance_m(set[out.grid].geometry, p);
  }

  for (std::optional<std::size_t> g = out.grid; g; g = set.parent(*g)) out.chain.push_back(*g);
  return out;
}

}  // namespace wangge
