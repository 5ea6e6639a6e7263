#pragma once
// Light polygon types for grid geometry, in degrees (x = longitude, y = latitude) unless a
// function says metres. Rings are closed (first point == last point). Heavy geometry
// libraries (Boost.Geometry, GEOS) stay behind .cpp files; these headers stay small.

#include <limits>
#include <vector>

namespace wangge::geo {

struct XY {
  double x;
  double y;
  friend bool operator==(const XY&, const XY&) = default;
};

using Ring = std::vector<XY>;

struct Polygon {
  Ring outer;
  std::vector<Ring> holes;
};

struct MultiPolygon {
  std::vector<Polygon> polygons;
  bool empty() const noexcept { return polygons.empty(); }
};

struct BBox {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();

  bool valid() const noexcept { return min_x <= max_x && min_y <= max_y; }
  void extend(XY p) noexcept;
  void extend(const BBox& b) noexcept;
  bool contains(XY p) const noexcept {
    return p.x >= min_x && p.x <= max_x && p.y >= min_y && p.y <= max_y;
  }
  XY centre() const noexcept { return {(min_x + max_x) / 2, (min_y + max_y) / 2}; }
};

/// Where a point lies relative to an area.
enum class PointLocation { outside, boundary, inside };

BBox bbox_of(const MultiPolygon& g) noexcept;

/// Classifies @p p against @p g by the crossing rule with an exact on-segment test for the
/// boundary. Holes are excluded from the interior; a hole's ring is boundary.
PointLocation locate_point(const MultiPolygon& g, XY p) noexcept;
PointLocation locate_point(const Polygon& g, XY p) noexcept;

/// Shortest distance in metres from @p p to any ring of @p g (its boundary), measured in a
/// local metric frame at @p p.
double boundary_distance_m(const MultiPolygon& g, XY p) noexcept;
/// Same, with the frame's scale given: @p metres_per_lon and @p metres_per_lat are metres per
/// degree near @p g (precomputed once per grid; over a subdistrict the scale changes < 0.05%).
double boundary_distance_m(const MultiPolygon& g, XY p, double metres_per_lon,
                           double metres_per_lat) noexcept;

/// Area in square metres (holes subtracted), in a local metric frame at the bbox centre.
double area_m2(const MultiPolygon& g) noexcept;

/// @returns whether every coordinate is finite and within lon [-180,180], lat [-90,90];
/// otherwise sets @p where to the first offending vertex.
bool coordinates_in_range(const MultiPolygon& g, XY* where = nullptr) noexcept;

}  // namespace wangge::geo
