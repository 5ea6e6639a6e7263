#include "wangge/regrid/partition.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "lattice.hpp"
#include "wangge/util/error.hpp"

namespace wangge::regrid {
namespace {

using testing::grid_households;
using testing::Lattice;

const Band kBand{300, 500, 400};

bool mentions(const std::vector<std::string>& problems, const std::vector<std::string>& words) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
    return std::all_of(words.begin(), words.end(),
                       [&](const std::string& w) { return p.find(w) != std::string::npos; });
  });
}

TEST(Partition, SplitsTwoHalvesAlongTheMiddleStreet) {
  // 320 | 480. Rows 0-1 against rows 2-3 would be 400 | 400, but inside the band a border on
  // the street beats balance.
  const Lattice map(R"(
      40 40 | 60 60
      40 40 | 60 60
      40 40 | 60 60
      40 40 | 60 60
  )");
  const Partition plan = partition(map.graph(), kBand);
  ASSERT_EQ(plan.grids, 2);
  EXPECT_TRUE(plan.feasible);
  EXPECT_TRUE(plan.problems.empty());
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(plan.grid_of[map.unit_at(r, 0)], plan.grid_of[map.unit_at(0, 0)]);
    EXPECT_EQ(plan.grid_of[map.unit_at(r, 1)], plan.grid_of[map.unit_at(0, 0)]);
    EXPECT_EQ(plan.grid_of[map.unit_at(r, 2)], plan.grid_of[map.unit_at(0, 3)]);
    EXPECT_EQ(plan.grid_of[map.unit_at(r, 3)], plan.grid_of[map.unit_at(0, 3)]);
  }
  EXPECT_NE(plan.grid_of[map.unit_at(0, 0)], plan.grid_of[map.unit_at(0, 3)]);
  const PlanMetrics m = evaluate(map.graph(), plan.grid_of, kBand);
  EXPECT_EQ(m.street_share, 1.0);
  EXPECT_EQ(m.cut_edges, 4);
  EXPECT_EQ(m.min_h, 320);
  EXPECT_EQ(m.max_h, 480);
}

TEST(Partition, BalancesWhenNoStreetHelps) {
  // The same block without the street: the balanced split wins.
  const Lattice map(R"(
      40 40 60 60
      40 40 60 60
      40 40 60 60
      40 40 60 60
  )");
  const Partition plan = partition(map.graph(), kBand);
  ASSERT_EQ(plan.grids, 2);
  const auto households = grid_households(map.graph(), plan.grid_of, plan.grids);
  EXPECT_EQ(households[0], 400);
  EXPECT_EQ(households[1], 400);
}

TEST(Partition, ReportsAParentBelowTheMinimumAndKeepsOneGrid) {
  const Lattice map(R"(
      50 50 50
      50 50  .
  )");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.grids, 1);
  EXPECT_EQ(plan.grid_of, std::vector<int>(5, 0));
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0],
            "the parent has 250 households, fewer than the band's minimum 300: one grid of 250 is "
            "the best possible");
}

TEST(Partition, ReportsAParentBetweenTwoCounts) {
  // 550: one grid is 50 above 500, two average 25 below 300: two miss the band by less.
  const Lattice map("50 50 50 50 50 50 50 50 50 50 50");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.grids, 2);
  EXPECT_TRUE(mentions(plan.problems, {"550", "300–500", "split into 2 grids"}));
}

TEST(Partition, ReportsAParentJustAboveTheMaximum) {
  // 520: one grid is 20 above 500, two average 40 below 300: one grid misses by less.
  const Lattice map("40 40 40 40 40 40 40 40 40 40 40 40 40");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.grids, 1);
  EXPECT_TRUE(mentions(plan.problems, {"520", "split into 1 grid"}));
}

TEST(Partition, GivesAUnitAboveTheMaximumAGridOfItsOwn) {
  const Lattice map(R"(
      620 40 40 40 40 40
       40 40 40 40 40 40
       40 40 40 40 40 40
  )");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_FALSE(plan.feasible);
  const int heavy = map.unit_at(0, 0);
  for (int u = 0; u < map.graph().size(); ++u) {
    if (u == heavy) continue;
    EXPECT_NE(plan.grid_of[u], plan.grid_of[heavy]);
  }
  EXPECT_TRUE(mentions(plan.problems, {"unit 0 ", "620", "500"}));
  EXPECT_EQ(plan.problems.size(), 1u);  // the other 680 households are in band
  const auto households = grid_households(map.graph(), plan.grid_of, plan.grids);
  ASSERT_EQ(plan.grids, 3);
  for (int g = 0; g < plan.grids; ++g) {
    if (g == plan.grid_of[heavy]) continue;
    EXPECT_GE(households[g], 300);
    EXPECT_LE(households[g], 500);
  }
}

TEST(Partition, NeverJoinsUnitsOfSeparateComponents) {
  // A multipolygon parent: water ('.') separates the west island (400) from the east (800).
  const Lattice map(R"(
      50 50 . 50 50 50 50
      50 50 . 50 50 50 50
      50 50 . 50 50 50 50
      50 50 . 50 50 50 50
  )");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_TRUE(plan.feasible);
  EXPECT_TRUE(plan.problems.empty());
  ASSERT_EQ(plan.grids, 3);
  EXPECT_TRUE(testing::every_grid_connected(map.graph(), plan.grid_of, plan.grids));
  for (int r = 0; r < 4; ++r)
    for (int c : {0, 1})
      for (int e = 3; e < 7; ++e)
        EXPECT_NE(plan.grid_of[map.unit_at(r, c)], plan.grid_of[map.unit_at(r, e)]);
  for (std::int64_t h : grid_households(map.graph(), plan.grid_of, plan.grids)) {
    EXPECT_GE(h, 300);
    EXPECT_LE(h, 500);
  }
}

TEST(Partition, ReportsAnIslandThatCannotReachTheBand) {
  const Lattice map(R"(
      50 50 50 50 . 40
      50 50 50 50 . 40
      ============+===
      50 50 50 50 . 40
      50 50 50 50 .  .
  )");
  const Partition plan = partition(map.graph(), kBand);
  EXPECT_FALSE(plan.feasible);
  ASSERT_EQ(plan.grids, 3);
  EXPECT_TRUE(testing::every_grid_connected(map.graph(), plan.grid_of, plan.grids));
  const int island = map.unit_at(0, 5);
  EXPECT_EQ(plan.grid_of[map.unit_at(1, 5)], plan.grid_of[island]);
  EXPECT_EQ(plan.grid_of[map.unit_at(2, 5)], plan.grid_of[island]);
  for (int u = 0; u < map.graph().size(); ++u) {
    if (map.graph().x[u] > 40) continue;
    EXPECT_NE(plan.grid_of[u], plan.grid_of[island]);
  }
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0],
            "the component of unit 4 (3 units) has 120 households, fewer than the band's minimum "
            "300: one grid of 120 is the best possible");
  // The mainland still splits along its street.
  EXPECT_EQ(plan.grid_of[map.unit_at(0, 0)], plan.grid_of[map.unit_at(1, 3)]);
  EXPECT_NE(plan.grid_of[map.unit_at(1, 0)], plan.grid_of[map.unit_at(2, 0)]);
}

TEST(Partition, SplitsARingAroundAHole) {
  const Lattice map(R"(
      50 50 50 50 50
      50  .  .  . 50
      50  .  .  . 50
      50  .  .  . 50
      50 50 50 50 50
  )");
  const Partition plan = partition(map.graph(), kBand);
  ASSERT_EQ(plan.grids, 2);
  EXPECT_TRUE(plan.problems.empty());
  EXPECT_TRUE(testing::every_grid_connected(map.graph(), plan.grid_of, plan.grids));
  for (std::int64_t h : grid_households(map.graph(), plan.grid_of, plan.grids)) {
    EXPECT_GE(h, 300);
    EXPECT_LE(h, 500);
  }
}

TEST(Partition, UsesTheRequestedNumberOfGrids) {
  const Lattice map(R"(
      50 50 50 50 50 50
      50 50 50 50 50 50
      50 50 50 50 50 50
      50 50 50 50 50 50
  )");
  PartitionOptions options;
  options.grids = 3;  // 1200 households: 400 each
  const Partition plan = partition(map.graph(), kBand, options);
  ASSERT_EQ(plan.grids, 3);
  EXPECT_TRUE(plan.feasible);
  for (std::int64_t h : grid_households(map.graph(), plan.grid_of, plan.grids)) {
    EXPECT_GE(h, 300);
    EXPECT_LE(h, 500);
  }
  options.grids = 5;  // 240 each: the band cannot hold that many
  const Partition crowded = partition(map.graph(), kBand, options);
  EXPECT_EQ(crowded.grids, 5);
  EXPECT_FALSE(crowded.feasible);
  EXPECT_TRUE(mentions(crowded.problems, {"1200", "5 grids cannot each hold 300–500", "3 to 4"}));
}

TEST(Partition, IsDeterministicForASeed) {
  std::vector<std::vector<int>> households(12, std::vector<int>(12));
  for (int r = 0; r < 12; ++r)
    for (int c = 0; c < 12; ++c) households[r][c] = (r * 7 + c * 13) % 41;
  const UnitGraph graph = testing::lattice_graph(households, {false, false, true}, {false, true});
  PartitionOptions options;
  options.seed = 7;
  EXPECT_EQ(partition(graph, kBand, options).grid_of, partition(graph, kBand, options).grid_of);
}

TEST(Partition, RefusesBrokenInput) {
  const Lattice map("50 50 50");
  UnitGraph one_sided = map.graph();
  one_sided.adjacency[2].clear();
  try {
    partition(one_sided, kBand);
    FAIL() << "an asymmetric adjacency was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_data);
    EXPECT_STREQ(e.what(),
                 "unit 1 lists unit 2 as a neighbour, but unit 2 does not list it back with the "
                 "same border");
  }
  UnitGraph negative = map.graph();
  negative.households[1] = -3;
  EXPECT_THROW(partition(negative, kBand), Error);
  try {
    partition(map.graph(), Band{500, 400, 300});
    FAIL() << "an unordered band was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

TEST(Evaluate, MatchesAHandComputation) {
  // 100 200      grid 0 = top row (300), grid 1 = bottom row (700)
  // =======
  // 300 400
  const Lattice map(R"(
      100 200
      =======
      300 400
  )");
  const Band band{250, 450, 350};
  PlanMetrics m = evaluate(map.graph(), {0, 0, 1, 1}, band);
  EXPECT_EQ(m.grids, 2);
  EXPECT_EQ(m.min_h, 300);
  EXPECT_EQ(m.max_h, 700);
  EXPECT_DOUBLE_EQ(m.mean_h, 500);
  EXPECT_DOUBLE_EQ(m.cv, 0.4);             // sd 200 / mean 500
  EXPECT_DOUBLE_EQ(m.share_in_band, 0.5);  // 300 in, 700 out
  EXPECT_DOUBLE_EQ(m.max_abs_dev, 1.0);    // |700 - 350| / 350
  EXPECT_EQ(m.noncontiguous, 0);
  const double pp = 4 * std::numbers::pi * 200 / (60.0 * 60.0);  // a 20 × 10 m rectangle
  EXPECT_NEAR(m.pp_min, pp, 1e-12);
  EXPECT_NEAR(m.pp_mean, pp, 1e-12);
  EXPECT_EQ(m.cut_edges, 2);
  EXPECT_DOUBLE_EQ(m.street_share, 1.0);

  m = evaluate(map.graph(), {0, 1, 0, 1}, band);  // columns: cut across the street's sides
  EXPECT_EQ(m.cut_edges, 2);
  EXPECT_DOUBLE_EQ(m.street_share, 0.0);

  m = evaluate(map.graph(), {0, 1, 1, 0}, band);  // diagonals touch at corners only
  EXPECT_EQ(m.noncontiguous, 2);
  EXPECT_EQ(m.cut_edges, 4);
  EXPECT_NEAR(m.pp_min, 4 * std::numbers::pi * 200 / (80.0 * 80.0), 1e-12);  // two squares, apart
}

}  // namespace
}  // namespace wangge::regrid
