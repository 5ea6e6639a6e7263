#pragma once
// Re-gridding a parent area (a block, a community) into contiguous grids whose households lie
// in a band: the geometry around the pure partitioner of partition.hpp.
//
// Per parent, in a local metric frame:
//  1. Street blocks: the parent's boundary and the roads inside it (snapped to the boundary
//     within half a metre) are noded and polygonised; faces outside the parent (holes) are
//     dropped. Without roads the parent's polygons are the blocks.
//  2. Units: a block whose households exceed max/2 is cut into the Voronoi cells of its
//     buildings (clipped to the block); a lighter block stays one unit, so grid borders follow
//     streets wherever the band allows. Slivers and cut-off pieces join their neighbour.
//  3. The unit graph (households, shared border lengths, street borders = borders between
//     blocks) is partitioned (regrid::partition); each grid is the union of its units, so the
//     grids cover the parent exactly and nest inside it.
//  4. Grid polygons are snap-rounded (1 µm in metres, then the 1e-9° grid of the output), so
//     they stay valid in lon/lat; MakeValid is the last resort. The grids are then checked
//     again as a partition of the parent (validity, coverage, no overlap, contiguity, every
//     building inside its grid); a parent that fails is reported with the reason, not drawn.
//  5. Codes run west→east in rows north→south under the parent's code; each new grid takes the
//     leader of the old child grid it shares the most households with (one old leader leads at
//     most one new grid; the rest are reported as vacant).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wangge/grid/grid.hpp"
#include "wangge/regrid/partition.hpp"

namespace wangge::regrid {

/// A building or address point with its households (lon/lat, WGS-84).
struct Building {
  std::string id;
  geo::XY at;
  std::int64_t households = 0;
};

/// A road centre line (lon/lat).
using Road = std::vector<geo::XY>;

struct ParentOptions {
  Band band;
  std::uint64_t seed = 1;
  double time_budget_s = 5;
  int code_digits = 3;  ///< the sequence under the parent's code: 001, 002, …
};

/// What one parent's re-gridding gives and measures.
struct ParentPlan {
  std::vector<grid::Grid> grids;  ///< the new grids, children of the parent, level = parent's + 1
  /// Why no valid partition of this parent could be drawn (then `grids` is empty and the parent
  /// keeps its old grids); std::nullopt when the grids are drawn.
  std::optional<std::string> failure;
  std::vector<std::string> repairs;  ///< grids whose polygon MakeValid had to repair, and why
  bool feasible = true;
  std::vector<std::string> problems;  ///< precise messages (infeasible band, heavy units…)
  int blocks = 0, units = 0;
  std::int64_t households = 0;
  PlanMetrics metrics;                       ///< on the unit graph (band, contiguity, street share)
  double pp_min = 0, pp_mean = 0;            ///< Polsby–Popper of the grid polygons
  int multipart = 0;                         ///< grids whose polygon has more than one part
  double border_m = 0, street_border_m = 0;  ///< internal grid borders, and those on streets
  double gap_m2 = 0, overlap_m2 = 0, escape_m2 = 0;  ///< coverage of the parent
  std::int64_t households_moved = 0;  ///< vs the old child grids, after matching leaders
  std::vector<std::string> vacant;    ///< new grid codes without a carried-over leader
  std::vector<std::string> unplaced;  ///< old child grids whose leader leads no new grid
  /// For each new grid, the old child whose leader it took ("" when vacant).
  std::vector<std::string> leader_from;
  double seconds = 0;
};

/// Re-grids @p parent. @p old_children are its current child grids (for leaders and the
/// households-moved figure); @p buildings and @p roads may extend beyond the parent (only what
/// lies inside counts). Thread-safe for distinct parents. The grids returned are valid and
/// partition the parent (checked by the grid validator), or the plan names its failure.
/// @throws Error(invalid_data) when the parent's own polygon is invalid,
///         Error(invalid_argument) when the band or options break their rules.
ParentPlan regrid_parent(const grid::Grid& parent,
                         const std::vector<const grid::Grid*>& old_children,
                         const std::vector<Building>& buildings, const std::vector<Road>& roads,
                         const ParentOptions& options);

/// The unit graph regrid_parent partitions for @p parent, with blocks above @p heavy
/// households cut into Voronoi units (benchmarks compare partitioners on it).
UnitGraph parent_unit_graph(const grid::Grid& parent, const std::vector<Building>& buildings,
                            const std::vector<Road>& roads, std::int64_t heavy);

}  // namespace wangge::regrid
