#include "wangge/geo/polygon.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "wangge/geo/geos.hpp"
#include "wangge/geo/local_projection.hpp"

namespace wangge::geo {
namespace {

Polygon square(double x0, double y0, double size) {
  return {{{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}}, {}};
}

TEST(PointInPolygon, InsideOutsideAndExactBoundary) {
  const MultiPolygon g{{square(0, 0, 1)}};
  EXPECT_EQ(locate_point(g, {0.5, 0.5}), PointLocation::inside);
  EXPECT_EQ(locate_point(g, {1.5, 0.5}), PointLocation::outside);
  EXPECT_EQ(locate_point(g, {1.0, 0.25}), PointLocation::boundary);
  EXPECT_EQ(locate_point(g, {0.0, 0.0}), PointLocation::boundary);  // a vertex
  EXPECT_EQ(locate_point(g, {0.5, 1.0}), PointLocation::boundary);
  // A ray through a vertex must not double count.
  const MultiPolygon diamond{{Polygon{{{0, 1}, {1, 0}, {2, 1}, {1, 2}, {0, 1}}, {}}}};
  EXPECT_EQ(locate_point(diamond, {0.5, 1.0}), PointLocation::inside);
  EXPECT_EQ(locate_point(diamond, {-0.5, 1.0}), PointLocation::outside);
}

TEST(PointInPolygon, HolesAreOutsideAndTheirRingsAreBoundary) {
  Polygon p = square(0, 0, 4);
  p.holes.push_back({{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}});
  const MultiPolygon g{{p}};
  EXPECT_EQ(locate_point(g, {2, 2}), PointLocation::outside);
  EXPECT_EQ(locate_point(g, {1, 2}), PointLocation::boundary);
  EXPECT_EQ(locate_point(g, {0.5, 2}), PointLocation::inside);
}

TEST(PointInPolygon, AgreesWithGeosOnRandomPointsAndPolygons) {
  geos::Context ctx;
  // A star-shaped 12-gon with a hole, tested against GEOS covers on a dense sample.
  Polygon star;
  for (int i = 0; i <= 12; ++i) {
    const double a = (i % 12) * M_PI / 6, r = i % 2 ? 1.0 : 2.0;
    star.outer.push_back({r * std::cos(a), r * std::sin(a)});
  }
  star.holes.push_back({{-0.3, -0.3}, {-0.3, 0.3}, {0.3, 0.3}, {0.3, -0.3}, {-0.3, -0.3}});
  const MultiPolygon g{{star}};
  auto geom = geos::to_geos(ctx, g);
  int disagreements = 0, inside = 0;
  for (int i = 0; i < 200; ++i) {
    for (int j = 0; j < 200; ++j) {
      const XY p{-2.2 + i * 0.0221, -2.2 + j * 0.0219};
      geos::Geometry pt = geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx.handle(), p.x, p.y));
      const bool covers = GEOSCovers_r(ctx.handle(), geom.get(), pt.get()) == 1;
      const PointLocation ours = locate_point(g, p);
      if (covers != (ours != PointLocation::outside)) ++disagreements;
      inside += covers;
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(inside, 1000);
}

TEST(Measures, AreaAndBoundaryDistanceInMetres) {
  // A 0.01° square at 27.9°N: 0.01° of latitude ≈ 1,109 m, of longitude ≈ 984 m.
  const MultiPolygon g{{square(112.9, 27.9, 0.01)}};
  const LocalProjection proj(LonLat::checked(Longitude(112.905), Latitude(27.905)));
  const double expected = 0.01 * proj.metres_per_degree_lon() * 0.01 * proj.metres_per_degree_lat();
  EXPECT_NEAR(area_m2(g), expected, expected * 1e-4);
  EXPECT_NEAR(area_m2(g) / 1e6, 1.09, 0.02);
  // 0.001° east of the west edge ≈ 98.4 m.
  EXPECT_NEAR(boundary_distance_m(g, {112.901, 27.905}), 0.001 * proj.metres_per_degree_lon(), 0.2);
  EXPECT_DOUBLE_EQ(boundary_distance_m(g, {112.9, 27.905}), 0.0);
}

TEST(Measures, CoordinateRangeCheckFindsTheOffendingVertex) {
  MultiPolygon g{{square(112.9, 89.99, 0.02)}};  // reaches latitude 90.01
  XY where{0, 0};
  EXPECT_FALSE(coordinates_in_range(g, &where));
  EXPECT_NEAR(where.y, 90.01, 1e-9);
  g.polygons[0].outer[1].y = std::nan("");
  EXPECT_FALSE(coordinates_in_range(g, &where));
  EXPECT_TRUE(coordinates_in_range(MultiPolygon{{square(0, 0, 1)}}));
}

}  // namespace
}  // namespace wangge::geo
