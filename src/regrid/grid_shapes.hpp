#pragma once
// Grid polygons as unions of their units, made robust to floating point (internal to
// regrid_geo), and the check that they still partition their parent.
//
// Why: the units are computed in a metric frame, and a plain union of units whose shared edges
// were computed separately leaves slits and spikes a few 1e-14 m wide. Such a polygon is valid
// in metres by a hair and no longer once its vertices are converted to lon/lat (or written with
// 9 decimals): "Self-intersection", "Too few points in geometry component" (Monaco's
// quartiers). So every union is snap-rounded in metres on a 1 µm grid, which removes the
// slits and keeps vertices ≥ 0.5 µm away from edges they do not touch (three orders above the
// conversion's rounding). A polygon that is still not valid in lon/lat, or would not be once
// written with 9 decimals (GeoJSON), is snap-rounded again on that 1e-9° grid (≈ 0.1 mm), so
// writing it moves nothing; one still invalid after that is repaired with GEOS MakeValid.
// Whatever the path, the grids are then checked again as a partition of the parent.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "units.hpp"
#include "wangge/geo/feature_writer.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/grid/grid.hpp"

namespace wangge::regrid {

/// Metres: the snap-rounding grid of unions in the parent's metric frame.
inline constexpr double kMetreGrid = 1e-6;
/// Degrees: the grid of the output (GeoJSON is written with 9 decimals).
inline constexpr double kDegreeGrid = geo::kGeoJsonGridDegrees;
/// m²: a separate piece of a grid smaller than this (10 cm × 10 cm) is a fleck, not a part.
inline constexpr double kFleckM2 = 0.01;

/// @p g with every vertex converted to the metric frame of @p proj, and back.
geo::MultiPolygon to_metres(const geo::MultiPolygon& g, const geo::LocalProjection& proj);
geo::MultiPolygon to_lonlat(const geo::MultiPolygon& g, const geo::LocalProjection& proj);

struct GridShapes {
  std::vector<geo::MultiPolygon> lonlat;  ///< one per grid, WGS-84, valid
  std::vector<geos::Geometry> metres;     ///< the same polygons in the parent's metric frame
  /// Polygons in the union of each grid's units before any conversion or repair (a unit may
  /// be two polygons: a piece without a neighbour joins the nearest unit within 0.5 m).
  std::vector<int> union_parts;
  std::vector<std::string> repairs;    ///< one sentence per grid MakeValid had to repair
  std::optional<std::string> failure;  ///< set when some grid has no valid polygon
};

/// The polygon of each of @p grids grids: the snap-rounded union of the units @p grid_of puts
/// in it, in lon/lat through @p proj. Never throws for GEOS failures: they become `failure`.
GridShapes grid_shapes(const geos::Context& ctx, const UnitSet& units,
                       const std::vector<int>& grid_of, int grids,
                       const geo::LocalProjection& proj);

/// Gap, overlap and escape areas (m²) of @p shapes against @p parent, both in metres.
struct Coverage {
  double gap_m2 = 0, overlap_m2 = 0, escape_m2 = 0;
};
Coverage coverage_of(const geos::Context& ctx, const std::vector<geos::Geometry>& shapes,
                     const GEOSGeometry* parent);

/// What a grid must still hold after its polygon was made: the buildings of its units (lon/lat)
/// and how many polygons it may be: the connected pieces of its units in the unit graph, or
/// the polygons of their union if more (GridShapes::union_parts).
struct GridContents {
  std::vector<geo::XY> buildings;
  std::vector<std::int64_t> households;
  int pieces = 1;
};

/// Why @p grids (children of @p parent, with their final codes) do not partition the parent,
/// or std::nullopt when they do: the grid validator (validity, nothing outside the parent, no
/// sibling overlap, no gap, each above 1 m²), no grid in more polygons than it may be (so
/// snap-rounding and repair did not cut it apart), and every building inside (or within 1 cm of)
/// its grid's polygon, so the household counts hold.
std::optional<std::string> partition_failure(const grid::Grid& parent,
                                             const std::vector<grid::Grid>& grids,
                                             const std::vector<GridContents>& contents);

}  // namespace wangge::regrid
