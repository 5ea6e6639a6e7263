#pragma once
// GridIndex: point → finest grid and its chain of leaders, in microseconds.
//
// Immutable and thread-safe after construction (any number of threads may call locate).
// An R-tree (Boost.Geometry) over every grid's bounding box yields candidates; an exact
// point-in-polygon test (crossing rule with an exact on-segment test) decides.
//
// Rules, in order:
//  1. The answer is the deepest grid whose area covers the point (interior or boundary).
//  2. A point on a boundary shared by several grids of that depth is covered by all of them
//     (listed in `covering`); it is assigned to the one whose code sorts first, then id — and
//     since codes are numbered west→east, north→south, that is the north-western grid.
//  3. A point covered by no grid but within `outside_tolerance_m` (GPS error, default 50 m) of
//     one goes to the nearest grid (ties: deeper, then code order) with status `outside`.
//  4. Beyond that the point is `not_covered`: never a guess.
// The chain is the finest grid followed by its parents up to the root (administrative
// links of the set, not re-tested geometrically).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "wangge/geo/lonlat.hpp"
#include "wangge/grid/grid_set.hpp"

namespace wangge::grid {

enum class LocateStatus { inside, outside, not_covered };

struct Location {
  LocateStatus status = LocateStatus::not_covered;
  /// Index of the assigned (finest) grid in the GridSet; meaningless when not covered.
  std::size_t grid = 0;
  /// The assigned grid followed by its ancestors to the root.
  std::vector<std::size_t> chain;
  /// Grids of the assigned depth that cover the point (≥ 2 only on a shared boundary).
  std::vector<std::size_t> covering;
  /// The point lies exactly on the assigned grid's boundary.
  bool on_boundary = false;
  /// Metres from the point to the assigned grid's boundary (inside: how deep inside;
  /// outside: how far outside).
  double boundary_distance_m = 0;
};

class GridIndex {
 public:
  /// @param outside_tolerance_m  how far outside every grid a point may be and still be
  ///        assigned to the nearest one (metres, ≥ 0).
  explicit GridIndex(std::shared_ptr<const GridSet> grids, double outside_tolerance_m = 50.0);
  ~GridIndex();
  GridIndex(GridIndex&&) noexcept;
  GridIndex& operator=(GridIndex&&) noexcept;

  Location locate(geo::LonLat point) const;

  const GridSet& grids() const noexcept { return *grids_; }
  double outside_tolerance_m() const noexcept { return tolerance_m_; }

 private:
  struct Tree;
  std::shared_ptr<const GridSet> grids_;
  double tolerance_m_;
  struct Scale {
    double metres_per_lon;
    double metres_per_lat;
  };
  Location locate_outside(geo::LonLat point, Location out) const;

  std::vector<std::uint32_t> rank_;  // position of each grid in (code, id) order
  std::vector<Scale> scale_;         // metres per degree at each grid's centre
  std::unique_ptr<Tree> tree_;
};

}  // namespace wangge::grid
