#pragma once
// Parents, roads and buildings drawn in metres (x east, y north of an origin near Monaco, so
// that lon/lat carry all their digits as real data does), and an independent check that a
// plan's grids partition their parent.

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>
#include <vector>

#include "wangge/geo/local_projection.hpp"
#include "wangge/regrid/regrid.hpp"

namespace wangge::regrid::testing {

using Points = std::initializer_list<std::pair<double, double>>;

class Drawing {
 public:
  explicit Drawing(geo::LonLat origin = geo::LonLat::trusted(7.4213, 43.7384)) : frame_(origin) {}

  geo::XY at(double x, double y) const { return {frame_.lon_of(x), frame_.lat_of(y)}; }
  geo::Ring rect(double x0, double y0, double x1, double y1) const;
  /// A closed ring through @p points (closed here).
  geo::Ring ring(Points points) const;
  geo::Ring ring(const std::vector<std::pair<double, double>>& points) const;
  /// A regular @p n-gon of radius @p r around (cx, cy), counter-clockwise, closed.
  geo::Ring circle(double cx, double cy, double r, int n) const;
  Road road(Points points) const;
  /// A closed road around (cx, cy): a roundabout.
  Road roundabout(double cx, double cy, double r, int n) const;
  /// nx × ny buildings of @p households each, on a lattice inside [x0,x1]×[y0,y1].
  void fill(std::vector<Building>& out, double x0, double y0, double x1, double y1, int nx, int ny,
            std::int64_t households) const;

 private:
  geo::LocalProjection frame_;
};

grid::Grid parent_of(geo::MultiPolygon m, const std::string& code = "P01");
ParentOptions band(std::int64_t lo, std::int64_t hi);

/// Whether @p plan's grids partition @p parent, checked with GEOS directly (not with the plan's
/// own measures): no failure; every grid valid in lon/lat and once rounded to 9 decimals (as
/// GeoJSON is written), one polygon each; their union is the parent and their areas add up to
/// it (within 0.05 m²); each building of the parent lies in exactly the grid whose households
/// count it; and the project's validator finds nothing either.
::testing::AssertionResult partitions(const grid::Grid& parent, const ParentPlan& plan,
                                      const std::vector<Building>& buildings);

}  // namespace wangge::regrid::testing
