#include "wangge/grid/grid_index.hpp"

#include <gtest/gtest.h>

#include "../support/ascii_map.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/util/error.hpp"

namespace wangge::grid {
namespace {

using testing::AsciiMap;

geo::LonLat at(geo::XY p) {
  return geo::LonLat::checked(geo::Longitude(p.x), geo::Latitude(p.y));
}

GridIndex index_of(std::vector<Grid> grids, double tolerance_m = 50) {
  return GridIndex(std::make_shared<const GridSet>(GridSet::build(std::move(grids))), tolerance_m);
}

std::string id_of(const GridIndex& idx, const Location& loc) {
  return idx.grids()[loc.grid].id;
}

TEST(GridIndex, AssignsInteriorPointsToTheirGrid) {
  const AsciiMap map(R"(
      AAB
      AAB
      CCB
  )");
  const GridIndex idx = index_of(map.grids());
  for (auto [row, col, want] :
       {std::tuple{0, 0, "A"}, {1, 1, "A"}, {0, 2, "B"}, {2, 2, "B"}, {2, 0, "C"}}) {
    const Location loc = idx.locate(at(map.centre(row, col)));
    EXPECT_EQ(loc.status, LocateStatus::inside);
    EXPECT_EQ(id_of(idx, loc), want) << row << "," << col;
    EXPECT_FALSE(loc.on_boundary);
    EXPECT_EQ(loc.covering.size(), 1u);
  }
}

TEST(GridIndex, SharedEdgeGoesToTheFirstCodeAndListsEveryCoveringGrid) {
  const AsciiMap map(R"(
      AB
      CD
  )");
  const GridIndex idx = index_of(map.grids());
  // On the edge between B and D (east column): both cover it; B sorts first.
  const geo::XY edge_bd{map.corner(1, 1).x + 0.0005, map.corner(1, 1).y};
  Location loc = idx.locate(at(edge_bd));
  EXPECT_TRUE(loc.on_boundary);
  EXPECT_EQ(id_of(idx, loc), "B");
  ASSERT_EQ(loc.covering.size(), 2u);
  EXPECT_EQ(idx.grids()[loc.covering[1]].id, "D");
  EXPECT_EQ(loc.boundary_distance_m, 0.0);
  // The vertex shared by all four: covered by all, assigned to A.
  loc = idx.locate(at(map.corner(1, 1)));
  EXPECT_TRUE(loc.on_boundary);
  EXPECT_EQ(id_of(idx, loc), "A");
  EXPECT_EQ(loc.covering.size(), 4u);
}

TEST(GridIndex, BoundaryRuleDoesNotDependOnInputOrder) {
  const AsciiMap map("AB");
  std::vector<Grid> grids = map.grids();
  std::reverse(grids.begin(), grids.end());
  const GridIndex idx = index_of(grids);
  const Location loc = idx.locate(at(geo::XY{map.corner(0, 1).x, map.centre(0, 0).y}));
  EXPECT_EQ(id_of(idx, loc), "A");
}

TEST(GridIndex, PointInAHoleBelongsToTheGridInsideIt) {
  const AsciiMap map(R"(
      AAAAA
      AABAA
      AAAAA
  )");
  const GridIndex idx = index_of(map.grids());
  EXPECT_EQ(id_of(idx, idx.locate(at(map.centre(1, 2)))), "B");
  EXPECT_EQ(id_of(idx, idx.locate(at(map.centre(1, 1)))), "A");
  EXPECT_EQ(map.area('A').polygons.at(0).holes.size(), 1u);
}

TEST(GridIndex, MultipolygonPartsAllBelongToTheirGrid) {
  const AsciiMap map(R"(
      A.A
      BBB
  )");
  const GridIndex idx = index_of(map.grids());
  EXPECT_EQ(map.area('A').polygons.size(), 2u);
  EXPECT_EQ(id_of(idx, idx.locate(at(map.centre(0, 0)))), "A");
  EXPECT_EQ(id_of(idx, idx.locate(at(map.centre(0, 2)))), "A");
  // The notch between A's parts is no grid, but within 50 m of A (half a cell east-west,
  // ≈ 49.2 m) and of B (half a cell north-south, ≈ 55.4 m): the nearest, A, wins.
  const Location notch = idx.locate(at(map.centre(0, 1)));
  EXPECT_EQ(notch.status, LocateStatus::outside);
  EXPECT_EQ(id_of(idx, notch), "A");
  EXPECT_NEAR(notch.boundary_distance_m, 49.2, 0.2);
}

TEST(GridIndex, NestedGridsGiveTheFinestAndTheChainToTheRoot) {
  // Root R covers everything; blocks X (west) and Y (east); X has units a, b; Y has no units.
  const AsciiMap units(R"(
      ab..
      ab..
  )");
  const AsciiMap blocks(R"(
      XXYY
      XXYY
  )");
  std::vector<Grid> grids;
  Grid root;
  root.id = "R";
  root.code = "R";
  root.geometry = AsciiMap("RRRR\nRRRR").area('R');
  grids.push_back(root);
  grids.push_back(blocks.grid('X', "R"));
  grids.push_back(blocks.grid('Y', "R"));
  grids.push_back(units.grid('a', "X"));
  grids.push_back(units.grid('b', "X"));
  const GridIndex idx = index_of(grids);
  Location loc = idx.locate(at(units.centre(0, 1)));
  ASSERT_EQ(loc.chain.size(), 3u);
  EXPECT_EQ(idx.grids()[loc.chain[0]].id, "b");
  EXPECT_EQ(idx.grids()[loc.chain[1]].id, "X");
  EXPECT_EQ(idx.grids()[loc.chain[2]].id, "R");
  // Y has no children: the finest grid there is Y itself.
  loc = idx.locate(at(units.centre(1, 3)));
  EXPECT_EQ(id_of(idx, loc), "Y");
  EXPECT_EQ(loc.chain.size(), 2u);
}

TEST(GridIndex, NearbyOutsidePointsGoToTheNearestGridFartherOnesAreNotCovered) {
  const AsciiMap map("A", 0.001);  // one cell ≈ 98 m × 111 m
  const GridIndex idx = index_of(map.grids(), 50.0);
  const geo::LocalProjection proj(at(map.centre(0, 0)));
  const double east = map.corner(0, 1).x;
  const double mid_y = map.centre(0, 0).y;
  const Location near = idx.locate(at(geo::XY{east + 30.0 / proj.metres_per_degree_lon(), mid_y}));
  EXPECT_EQ(near.status, LocateStatus::outside);
  EXPECT_NEAR(near.boundary_distance_m, 30.0, 0.05);
  EXPECT_EQ(id_of(idx, near), "A");
  const Location far = idx.locate(at(geo::XY{east + 60.0 / proj.metres_per_degree_lon(), mid_y}));
  EXPECT_EQ(far.status, LocateStatus::not_covered);
  EXPECT_TRUE(far.chain.empty());
  // With no tolerance even 1 m outside is not covered.
  const GridIndex strict = index_of(map.grids(), 0.0);
  EXPECT_EQ(strict.locate(at(geo::XY{east + 1.0 / proj.metres_per_degree_lon(), mid_y})).status,
            LocateStatus::not_covered);
}

TEST(GridIndex, ReportsDistanceToTheBoundaryInMetres) {
  const AsciiMap map("A", 0.001);
  const GridIndex idx = index_of(map.grids());
  const geo::LocalProjection proj(at(map.centre(0, 0)));
  const Location loc = idx.locate(at(map.centre(0, 0)));
  // Centre of a 0.001° cell: half the narrower (east-west) side.
  EXPECT_NEAR(loc.boundary_distance_m, 0.0005 * proj.metres_per_degree_lon(), 0.05);
}

TEST(GridSet, RefusesHierarchiesThatCannotBeIndexed) {
  const AsciiMap map("AB");
  std::vector<Grid> dup = map.grids();
  dup[1].id = "A";
  EXPECT_THROW(GridSet::build(dup), Error);
  std::vector<Grid> orphan = map.grids();
  orphan[1].parent_id = "nobody";
  try {
    GridSet::build(orphan);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_topology);
    EXPECT_NE(std::string(e.what()).find("'nobody'"), std::string::npos) << e.what();
  }
  std::vector<Grid> cycle = map.grids();
  cycle[0].parent_id = "B";
  cycle[1].parent_id = "A";
  EXPECT_THROW(GridSet::build(cycle), Error);
}

}  // namespace
}  // namespace wangge::grid
