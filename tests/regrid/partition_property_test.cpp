// Property tests on random lattices. Instances in the first suite are feasible by
// construction: a random contiguous witness plan (region growing) is drawn first and the
// households are dealt so that each witness grid holds 370–430, hence every grid of some plan
// is in band and households / target rounds to the witness's count.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "lattice.hpp"
#include "wangge/regrid/partition.hpp"

namespace wangge::regrid {
namespace {

const Band kBand{300, 500, 400};

struct Instance {
  UnitGraph graph;
  int witness_grids = 0;
};

/// A rows × cols lattice with a random witness plan of `grids` regions, each >= 8 cells.
std::optional<std::vector<int>> witness_plan(int rows, int cols, int grids, std::mt19937& rng) {
  const int n = rows * cols;
  std::vector<int> region(n, -1);
  std::vector<int> cells(n);
  for (int i = 0; i < n; ++i) cells[i] = i;
  std::shuffle(cells.begin(), cells.end(), rng);
  for (int g = 0; g < grids; ++g) region[cells[g]] = g;
  std::vector<int> frontier(cells.begin(), cells.begin() + grids);
  while (!frontier.empty()) {
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, frontier.size() - 1)(rng);
    const int v = frontier[i], r = v / cols, c = v % cols;
    std::vector<int> free;
    for (auto [dr, dc] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
      const int rr = r + dr, cc = c + dc;
      if (rr >= 0 && rr < rows && cc >= 0 && cc < cols && region[rr * cols + cc] < 0)
        free.push_back(rr * cols + cc);
    }
    if (free.empty()) {
      frontier.erase(frontier.begin() + static_cast<long>(i));
      continue;
    }
    const int w = free[std::uniform_int_distribution<std::size_t>(0, free.size() - 1)(rng)];
    region[w] = region[v];
    frontier.push_back(w);
  }
  std::vector<int> size(grids, 0);
  for (int g : region) ++size[g];
  if (*std::min_element(size.begin(), size.end()) < 8) return std::nullopt;
  return region;
}

Instance feasible_instance(unsigned seed) {
  std::mt19937 rng(seed);
  for (;;) {
    const int rows = std::uniform_int_distribution<int>(5, 16)(rng);
    const int cols = std::uniform_int_distribution<int>(5, 16)(rng);
    const int grids = std::uniform_int_distribution<int>(1, std::min(6, rows * cols / 12))(rng);
    const auto region = witness_plan(rows, cols, grids, rng);
    if (!region) continue;
    std::vector<int> households(rows * cols);
    for (int& h : households) h = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int g = 0; g < grids; ++g) {
      std::vector<int> members;
      for (int v = 0; v < rows * cols; ++v)
        if ((*region)[v] == g) members.push_back(v);
      int total = 0;
      for (int v : members) total += households[v];
      const int target = std::uniform_int_distribution<int>(370, 430)(rng);
      while (total != target) {  // deal or take one household at a time, within 0..60
        const int v =
            members[std::uniform_int_distribution<std::size_t>(0, members.size() - 1)(rng)];
        if (total < target && households[v] < 60) ++households[v], ++total;
        if (total > target && households[v] > 0) --households[v], --total;
      }
    }
    std::vector<std::vector<int>> drawing(rows, std::vector<int>(cols));
    for (int v = 0; v < rows * cols; ++v) drawing[v / cols][v % cols] = households[v];
    std::vector<bool> street_below(rows), street_right(cols);
    for (int r = 0; r < rows; ++r) street_below[r] = std::bernoulli_distribution(0.3)(rng);
    for (int c = 0; c < cols; ++c) street_right[c] = std::bernoulli_distribution(0.3)(rng);
    return {testing::lattice_graph(drawing, street_below, street_right), grids};
  }
}

TEST(PartitionProperty, FeasibleLatticesGetEveryGridContiguousAndInBand) {
  for (unsigned seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("instance seed " + std::to_string(seed));
    const Instance instance = feasible_instance(seed);
    PartitionOptions options;
    options.seed = seed;
    const Partition plan = partition(instance.graph, kBand, options);
    ASSERT_EQ(plan.grid_of.size(), instance.graph.households.size());
    EXPECT_TRUE(plan.feasible);
    ASSERT_EQ(plan.grids, instance.witness_grids);
    for (int g : plan.grid_of) ASSERT_TRUE(g >= 0 && g < plan.grids);
    EXPECT_TRUE(testing::every_grid_connected(instance.graph, plan.grid_of, plan.grids));
    for (std::int64_t h : testing::grid_households(instance.graph, plan.grid_of, plan.grids)) {
      EXPECT_GE(h, kBand.min);
      EXPECT_LE(h, kBand.max);
    }
    EXPECT_TRUE(plan.problems.empty()) << plan.problems.front();
  }
}

TEST(PartitionProperty, LatticesWithWaterKeepGridsContiguousAndReportEveryMiss) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("instance seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const int rows = std::uniform_int_distribution<int>(3, 14)(rng);
    const int cols = std::uniform_int_distribution<int>(3, 14)(rng);
    std::vector<std::vector<int>> drawing(rows, std::vector<int>(cols));
    for (auto& row : drawing)
      for (int& h : row)
        h = std::bernoulli_distribution(0.2)(rng) ? -1
                                                  : std::uniform_int_distribution<int>(0, 60)(rng);
    std::vector<bool> street_below(rows), street_right(cols);
    for (int r = 0; r < rows; ++r) street_below[r] = std::bernoulli_distribution(0.3)(rng);
    for (int c = 0; c < cols; ++c) street_right[c] = std::bernoulli_distribution(0.3)(rng);
    const UnitGraph graph = testing::lattice_graph(drawing, street_below, street_right);
    if (graph.size() == 0) continue;
    PartitionOptions options;
    options.seed = seed;
    const Partition plan = partition(graph, kBand, options);
    ASSERT_EQ(plan.grid_of.size(), graph.households.size());
    for (int g : plan.grid_of) ASSERT_TRUE(g >= 0 && g < plan.grids);
    EXPECT_TRUE(testing::every_grid_connected(graph, plan.grid_of, plan.grids));
    std::vector<int> units(plan.grids, 0);
    for (int g : plan.grid_of) ++units[g];
    EXPECT_EQ(std::count(units.begin(), units.end(), 0), 0) << "a grid without units";
    const auto households = testing::grid_households(graph, plan.grid_of, plan.grids);
    const bool all_in_band = std::all_of(households.begin(), households.end(), [](std::int64_t h) {
      return h >= kBand.min && h <= kBand.max;
    });
    EXPECT_EQ(plan.problems.empty(), all_in_band);
    if (!plan.feasible) {
      EXPECT_FALSE(plan.problems.empty());
    }
  }
}

}  // namespace
}  // namespace wangge::regrid
