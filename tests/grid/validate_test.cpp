#include "wangge/grid/validate.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../support/ascii_map.hpp"

namespace wangge::grid {
namespace {

using testing::AsciiMap;

std::vector<const Finding*> with_rule(const ValidationReport& r, const std::string& rule) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings)
    if (f.rule == rule) out.push_back(&f);
  return out;
}

// A parent P with children drawn in `children`; P is the union of the parent drawing's 'P'.
std::vector<Grid> family(std::string_view parent_drawing, std::string_view children_drawing) {
  std::vector<Grid> grids{AsciiMap(parent_drawing).grid('P')};
  for (Grid& g : AsciiMap(children_drawing).grids("P")) grids.push_back(std::move(g));
  return grids;
}

TEST(Validate, ACleanNestedHierarchyHasNoFindingsAndSummarisesLevels) {
  auto grids = family("PPP\nPPP", "AAB\nCCB");
  const ValidationReport r = validate(grids, {});
  EXPECT_TRUE(r.findings.empty()) << r.findings.front().message;
  ASSERT_EQ(r.levels.size(), 2u);
  EXPECT_EQ(r.levels[0].count, 1u);
  EXPECT_EQ(r.levels[1].count, 3u);
  EXPECT_NEAR(r.levels[0].area_km2, r.levels[1].area_km2, 1e-9);
  EXPECT_NEAR(r.levels[0].area_km2, 6 * 0.0984 * 0.1109, 0.002);  // six 0.001° cells at 27.9°N
}

TEST(Validate, FindsAGapWithItsAreaAndPlace) {
  auto grids = family("PPP\nPPP", "AA.\nCCB");
  const ValidationReport r = validate(grids, {});
  const auto gaps = with_rule(r, "gap-in-parent");
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_NEAR(*gaps[0]->area_m2, 0.0984 * 0.1109 * 1e6, 50);
  ASSERT_TRUE(gaps[0]->where);
  const AsciiMap m("PPP");
  EXPECT_GT(gaps[0]->where->x, m.corner(0, 2).x);  // inside the empty cell
  EXPECT_EQ(gaps[0]->grid_ids, std::vector<std::string>{"P"});
}

TEST(Validate, FindsSiblingOverlapsAboveTheTolerance) {
  auto grids = family("PPP", "AAB");
  // Make B overlap A by one cell: B becomes the two east cells.
  grids[2].geometry = AsciiMap(".BB").area('B');
  ValidationReport r = validate(grids, {});
  auto overlaps = with_rule(r, "sibling-overlap");
  ASSERT_EQ(overlaps.size(), 1u);
  EXPECT_EQ(overlaps[0]->grid_ids, (std::vector<std::string>{"A", "B"}));
  EXPECT_NEAR(*overlaps[0]->area_m2, 0.0984 * 0.1109 * 1e6, 50);
  // With a tolerance above the overlap's area it passes.
  ValidationOptions lax;
  lax.overlap_tolerance_m2 = 20000;
  r = validate(grids, lax);
  EXPECT_TRUE(with_rule(r, "sibling-overlap").empty());
}

TEST(Validate, FindsChildrenOutsideOrStraddlingTheirParent) {
  auto grids = family("PP..", "AB..");
  grids[2].geometry = AsciiMap(".BB.").area('B');  // straddles: one cell out
  Grid c = AsciiMap("...C").grid('C', "P");        // entirely outside
  grids.push_back(c);
  const ValidationReport r = validate(grids, {});
  ASSERT_EQ(with_rule(r, "straddles-parent").size(), 1u);
  EXPECT_EQ(with_rule(r, "straddles-parent")[0]->grid_ids.front(), "B");
  ASSERT_EQ(with_rule(r, "outside-parent").size(), 1u);
  EXPECT_EQ(with_rule(r, "outside-parent")[0]->grid_ids.front(), "C");
}

TEST(Validate, FindsSelfIntersectionsAndRepairsThemWithFix) {
  auto grids = AsciiMap("AB").grids();
  // A bow-tie: the ring crosses itself in the middle.
  const AsciiMap m("AB");
  const geo::XY nw = m.corner(0, 0), se = m.corner(1, 1);
  grids[0].geometry =
      geo::MultiPolygon{{geo::Polygon{{nw, se, {se.x, nw.y}, {nw.x, se.y}, nw}, {}}}};
  ValidationReport r = validate(grids, {});
  auto invalid = with_rule(r, "invalid-geometry");
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_NE(invalid[0]->message.find("Self-intersection"), std::string::npos)
      << invalid[0]->message;
  ASSERT_TRUE(invalid[0]->where);
  EXPECT_NEAR(invalid[0]->where->x, (nw.x + se.x) / 2, 1e-9);

  ValidationOptions fix;
  fix.fix = true;
  r = validate(grids, fix);
  EXPECT_TRUE(with_rule(r, "invalid-geometry").empty());
  ASSERT_EQ(r.repairs.size(), 1u);
  EXPECT_NE(r.repairs[0].message.find("MakeValid"), std::string::npos);
  EXPECT_EQ(grids[0].geometry.polygons.size(), 2u);  // the bow-tie becomes two triangles
}

TEST(Validate, FindsDuplicateIdsCodesMissingParentsAndBadCoordinates) {
  auto grids = AsciiMap("ABCD").grids();
  grids[1].id = "A";
  grids[2].code = "D";
  grids[3].parent_id = "ghost";
  Grid bad = AsciiMap("E").grid('E');
  bad.geometry.polygons[0].outer[1].y = 95.0;
  grids.push_back(bad);
  const ValidationReport r = validate(grids, {});
  EXPECT_EQ(with_rule(r, "duplicate-id").size(), 1u);
  EXPECT_EQ(with_rule(r, "duplicate-code").size(), 1u);
  ASSERT_EQ(with_rule(r, "missing-parent").size(), 1u);
  EXPECT_NE(with_rule(r, "missing-parent")[0]->message.find("'ghost'"), std::string::npos);
  ASSERT_EQ(with_rule(r, "coordinate-range").size(), 1u);
  EXPECT_NE(with_rule(r, "coordinate-range")[0]->message.find("95.0"), std::string::npos);
  EXPECT_EQ(r.errors(), 4u);
}

TEST(Validate, FindsParentCycles) {
  auto grids = AsciiMap("AB").grids();
  grids[0].parent_id = "B";
  grids[1].parent_id = "A";
  const ValidationReport r = validate(grids, {});
  EXPECT_FALSE(with_rule(r, "parent-cycle").empty());
}

}  // namespace
}  // namespace wangge::grid
