#pragma once
// Topology validation of a grid hierarchy. Rules (each finding names its rule):
//   coordinate-range   a vertex is NaN/infinite or outside lon [-180,180] / lat [-90,90]
//   empty-geometry     a grid has no area
//   invalid-geometry   GEOS IsValid fails (self-intersection, ring self-touch, ...)
//   duplicate-id       two grids share an id
//   duplicate-code     two grids share a non-empty code
//   missing-parent     parent_id names no grid
//   parent-cycle       following parents never reaches a root
//   outside-parent     a child does not intersect its parent at all (beyond tolerance)
//   straddles-parent   part of a child larger than the overlap tolerance lies outside its parent
//   sibling-overlap    two grids with the same parent overlap by more than the tolerance (m²)
//   gap-in-parent      part of a parent larger than the gap tolerance is covered by no child
// GEOS 3.11 has no coverage validation (3.12+), so overlaps and gaps are computed here with
// pairwise intersections and parent − union(children). Areas are in m², measured in a local
// metric frame at each piece.

#include <string>
#include <vector>

#include "wangge/grid/finding.hpp"
#include "wangge/grid/grid.hpp"

namespace wangge::grid {

struct ValidationOptions {
  double overlap_tolerance_m2 = 1.0;  ///< sibling overlaps and parent overhangs up to this pass
  double gap_tolerance_m2 = 1.0;      ///< gaps inside a parent up to this pass
  bool fix = false;                   ///< repair invalid geometries with GEOS MakeValid
};

struct LevelSummary {
  int depth = 0;
  std::string name;
  std::size_t count = 0;
  double area_km2 = 0;
};

struct ValidationReport {
  std::vector<LevelSummary> levels;
  std::vector<Finding> findings;  ///< errors and warnings, in a stable order
  std::vector<Finding> repairs;   ///< what --fix changed (severity info)
  std::size_t errors() const;
};

/// Validates @p grids; with options.fix, invalid geometries in @p grids are replaced by their
/// MakeValid repair and each repair is reported.
ValidationReport validate(std::vector<Grid>& grids, const ValidationOptions& options);

}  // namespace wangge::grid
