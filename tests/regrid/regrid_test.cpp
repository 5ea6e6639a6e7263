// regrid_parent on drawn parents: street blocks, Voronoi units, grid polygons, leaders and the
// coverage measures, checked with GEOS areas computed here (independent of the plan's own).
#include "wangge/regrid/regrid.hpp"

#include <gtest/gtest.h>

#include <random>

#include "wangge/geo/geos.hpp"
#include "wangge/geo/local_projection.hpp"

namespace wangge::regrid {
namespace {

const geo::LocalProjection kFrame(geo::LonLat::trusted(112.9, 27.85));

geo::XY at(double x, double y) {
  return {kFrame.lon_of(x), kFrame.lat_of(y)};
}

geo::Ring rect(double x0, double y0, double x1, double y1) {
  return {at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)};
}

grid::Grid parent_of(geo::MultiPolygon m) {
  grid::Grid g;
  g.id = g.code = "430302009001";
  g.name = "测试片区";
  g.level = 1;
  g.geometry = std::move(m);
  return g;
}

grid::Grid child(const std::string& code, geo::Ring r, const std::string& leader) {
  grid::Grid g;
  g.id = g.code = code;
  g.parent_id = "430302009001";
  g.level = 2;
  g.leader.name = leader;
  g.geometry.polygons.push_back({std::move(r), {}});
  return g;
}

/// Buildings of @p households each on a regular lattice inside [x0,x1]×[y0,y1] (metres).
void fill(std::vector<Building>& out, double x0, double y0, double x1, double y1, int nx, int ny,
          std::int64_t households) {
  for (int i = 0; i < nx; ++i) {
    for (int j = 0; j < ny; ++j) {
      out.push_back({"b" + std::to_string(out.size()),
                     at(x0 + (x1 - x0) * (i + 0.5) / nx, y0 + (y1 - y0) * (j + 0.5) / ny),
                     households});
    }
  }
}

double area_m2_of(const grid::Grid& g) {
  return area_m2(g.geometry);
}

ParentOptions band(std::int64_t lo, std::int64_t hi) {
  ParentOptions o;
  o.band = {lo, hi, (lo + hi) / 2};
  return o;
}

TEST(Regrid, ABlockSplitsAlongItsMiddleStreet) {
  //  +---------+---------+
  //  | 8 × 50  | 8 × 50  |   a 200 m × 100 m block, a street at x = 100,
  //  |         |         |   400 households each side, band 300–500
  //  +---------+---------+
  geo::MultiPolygon m;
  m.polygons.push_back({rect(0, 0, 200, 100), {}});
  std::vector<Building> b;
  fill(b, 5, 5, 95, 95, 4, 2, 50);
  fill(b, 105, 5, 195, 95, 4, 2, 50);
  const std::vector<Road> roads{{at(100, -20), at(100, 120)}};
  const grid::Grid old_a = child("430302009001001", rect(0, 0, 120, 100), "张三");
  const grid::Grid old_b = child("430302009001002", rect(120, 0, 200, 100), "李四");
  const ParentPlan plan = regrid_parent(parent_of(m), {&old_a, &old_b}, b, roads, band(300, 500));
  ASSERT_EQ(plan.grids.size(), 2u);
  EXPECT_TRUE(plan.feasible);
  EXPECT_EQ(plan.blocks, 2);
  for (const grid::Grid& g : plan.grids) {
    EXPECT_EQ(g.households.value_or(0), 400) << g.code;
    EXPECT_NEAR(area_m2_of(g), 10000, 1) << g.code;  // exactly one side of the street
    EXPECT_EQ(g.parent_id, "430302009001");
    EXPECT_EQ(g.level, 2);
  }
  // West first; each takes the old leader it shares most households with.
  EXPECT_EQ(plan.grids[0].code, "430302009001001");
  EXPECT_LT(geo::bbox_of(plan.grids[0].geometry).max_x,
            geo::bbox_of(plan.grids[1].geometry).min_x + 1e-9);
  EXPECT_EQ(plan.grids[0].leader.name, "张三");
  EXPECT_EQ(plan.grids[1].leader.name, "李四");
  // Old A held 400 + 100 of the east side: 100 households change grid.
  EXPECT_EQ(plan.households_moved, 100);
  EXPECT_DOUBLE_EQ(plan.street_border_m, plan.border_m);
  EXPECT_NEAR(plan.border_m, 100, 0.5);
  EXPECT_LT(plan.gap_m2, 0.01);
  EXPECT_LT(plan.overlap_m2, 0.01);
}

TEST(Regrid, AnInfeasibleBandIsReportedAndOneGridDrawn) {
  geo::MultiPolygon m;
  m.polygons.push_back({rect(0, 0, 100, 100), {}});
  std::vector<Building> b;
  fill(b, 5, 5, 95, 95, 5, 5, 10);  // 250 households
  const ParentPlan plan = regrid_parent(parent_of(m), {}, b, {}, band(300, 500));
  ASSERT_EQ(plan.grids.size(), 1u);
  EXPECT_FALSE(plan.feasible);
  ASSERT_FALSE(plan.problems.empty());
  EXPECT_NE(plan.problems[0].find("250"), std::string::npos) << plan.problems[0];
  EXPECT_NE(plan.problems[0].find("300"), std::string::npos) << plan.problems[0];
  EXPECT_EQ(plan.vacant.size(), 1u);  // no old grid: no leader to carry over
  EXPECT_NEAR(area_m2_of(plan.grids[0]), 10000, 1);
}

TEST(Regrid, ABuildingHeavierThanTheMaximumIsAGridOfItsOwn) {
  geo::MultiPolygon m;
  m.polygons.push_back({rect(0, 0, 300, 100), {}});
  std::vector<Building> b;
  fill(b, 5, 5, 195, 95, 8, 4, 25);  // 800 light households
  b.push_back({"tower", at(260, 50), 620});
  const ParentPlan plan = regrid_parent(parent_of(m), {}, b, {}, band(300, 500));
  bool own = false;
  for (const grid::Grid& g : plan.grids) own |= g.households.value_or(0) == 620;
  EXPECT_TRUE(own);
  EXPECT_FALSE(plan.problems.empty());
  bool named = false;
  for (const auto& p : plan.problems) named |= p.find("620") != std::string::npos;
  EXPECT_TRUE(named);
  std::int64_t light_in_band = 0;
  for (const grid::Grid& g : plan.grids) {
    const auto h = g.households.value_or(0);
    if (h != 620) light_in_band += h >= 300 && h <= 500;
  }
  EXPECT_EQ(light_in_band, static_cast<std::int64_t>(plan.grids.size()) - 1);
}

TEST(Regrid, AParentWithAHoleIsCoveredExactlyAndTheHoleStaysOut) {
  geo::MultiPolygon m;
  m.polygons.push_back({rect(0, 0, 300, 300), {rect(100, 100, 200, 200)}});
  std::vector<Building> b;
  fill(b, 5, 5, 295, 95, 6, 2, 40);     // south strip: 480
  fill(b, 5, 205, 295, 295, 6, 2, 40);  // north strip: 480
  const std::vector<Road> roads{{at(150, -10), at(150, 310)}};
  const ParentPlan plan = regrid_parent(parent_of(m), {}, b, roads, band(300, 500));
  double sum = 0;
  for (const grid::Grid& g : plan.grids) {
    sum += area_m2_of(g);
    EXPECT_EQ(g.geometry.polygons.size(), 1u) << g.code;
    const auto h = g.households.value_or(0);
    EXPECT_TRUE(h >= 300 && h <= 500) << g.code << " " << h;
  }
  EXPECT_NEAR(sum, 300 * 300 - 100 * 100, 1);
  EXPECT_LT(plan.gap_m2, 0.01);
  EXPECT_LT(plan.escape_m2, 0.01);
  EXPECT_EQ(plan.metrics.noncontiguous, 0);
}

TEST(Regrid, NoGridSpansTheTwoPartsOfAMultipolygonParent) {
  geo::MultiPolygon m;
  m.polygons.push_back({rect(0, 0, 100, 100), {}});
  m.polygons.push_back({rect(300, 0, 400, 100), {}});
  std::vector<Building> b;
  fill(b, 5, 5, 95, 95, 4, 4, 25);     // 400
  fill(b, 305, 5, 395, 95, 4, 4, 25);  // 400
  const ParentPlan plan = regrid_parent(parent_of(m), {}, b, {}, band(300, 500));
  ASSERT_EQ(plan.grids.size(), 2u);
  EXPECT_EQ(plan.multipart, 0);
  for (const grid::Grid& g : plan.grids) {
    EXPECT_EQ(g.geometry.polygons.size(), 1u);
    EXPECT_EQ(g.households.value_or(0), 400);
  }
}

TEST(Regrid, RandomParentsAreCoveredExactlyWithContiguousGrids) {
  std::mt19937 rng(7);
  for (int round = 0; round < 12; ++round) {
    std::uniform_real_distribution<double> w(300, 700), h(200, 500);
    const double W = w(rng), H = h(rng);
    geo::MultiPolygon m;
    m.polygons.push_back({rect(0, 0, W, H), {}});
    std::vector<Building> b;
    std::uniform_real_distribution<double> ux(2, W - 2), uy(2, H - 2);
    std::uniform_int_distribution<int> hh(1, 40);
    for (int i = 0; i < 120; ++i)
      b.push_back({"b" + std::to_string(i), at(ux(rng), uy(rng)), hh(rng)});
    std::vector<Road> roads;
    for (double x = 80 + ux(rng) / 10; x < W; x += 120) roads.push_back({at(x, -5), at(x, H + 5)});
    for (double y = 70 + uy(rng) / 10; y < H; y += 110) roads.push_back({at(-5, y), at(W + 5, y)});
    const ParentPlan plan = regrid_parent(parent_of(m), {}, b, roads, band(300, 500));
    std::int64_t total = 0;
    double area = 0;
    for (const grid::Grid& g : plan.grids) {
      total += g.households.value_or(0);
      area += area_m2_of(g);
    }
    std::int64_t expected = 0;
    for (const Building& x : b) expected += x.households;
    EXPECT_EQ(total, expected) << "round " << round;
    EXPECT_NEAR(area, area_m2(m), area_m2(m) * 1e-6) << "round " << round;  // same measure
    EXPECT_LT(plan.gap_m2, 0.01) << "round " << round;
    EXPECT_LT(plan.overlap_m2, 0.01) << "round " << round;
    EXPECT_EQ(plan.metrics.noncontiguous, 0) << "round " << round;
    EXPECT_EQ(plan.multipart, 0) << "round " << round;
    // In band everywhere, or the plan says why not.
    EXPECT_TRUE(plan.metrics.share_in_band == 1.0 || !plan.problems.empty()) << "round " << round;
  }
}

}  // namespace
}  // namespace wangge::regrid
