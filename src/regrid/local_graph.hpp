#pragma once
// Internals of the partitioner shared by its files: one connected component of the unit graph
// in compressed rows, the band it is split against, the plan objective's weights, a seeded
// random source that is the same on every platform, and a deadline.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "wangge/util/number.hpp"

namespace wangge::regrid::detail {

inline constexpr double kPi = 3.14159265358979323846;

/// SplitMix64: tiny, seedable, identical on every standard library (unlike std distributions).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// @returns a uniform integer in [0, n), n > 0.
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (int i = static_cast<int>(items.size()) - 1; i > 0; --i)
      std::swap(items[i], items[below(i + 1)]);
  }

 private:
  std::uint64_t state_;
};

class Deadline {
 public:
  /// @param seconds from now, >= 0; capped at a year so the clock arithmetic cannot overflow
  explicit Deadline(double seconds)
      : end_(std::chrono::steady_clock::now() +
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                 std::chrono::nanoseconds(number::clamp_to<std::int64_t>(
                     seconds * 1e9, 0, std::int64_t{32000000} * 1000000000)))) {}
  bool passed() const { return std::chrono::steady_clock::now() >= end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

struct Arc {
  int to = 0;
  double shared_m = 0;
  bool street = false;
};

/// One connected component; nodes are numbered 0..size()-1 and map back to units.
struct LocalGraph {
  std::vector<int> unit;  ///< the UnitGraph index of each node
  std::vector<std::int64_t> households;
  std::vector<double> area_m2, perimeter_m;
  std::vector<int> first;  ///< arcs of node v are arcs[first[v]] .. arcs[first[v + 1] - 1]
  std::vector<Arc> arcs;
  double mean_shared_m = 1;  ///< the length unit of cut costs, so weights do not depend on scale

  int size() const noexcept { return static_cast<int>(unit.size()); }
  const Arc* begin(int v) const { return arcs.data() + first[v]; }
  const Arc* end(int v) const { return arcs.data() + first[v + 1]; }
  /// Cost of cutting the border @p a, in mean-border units: a border on a street costs a tenth
  /// (it still counts, as length, for compactness).
  double cut_cost(const Arc& a) const {
    return a.shared_m * (a.street ? 0.1 : 1.0) / mean_shared_m;
  }
};

/// What one component is split against: the band and the mean its grids should approach.
struct Goal {
  std::int64_t min = 0, max = 0;
  double mean = 0;  ///< households / grids of the component: the best reachable balance
};

/// Weights of the plan objective, in "cost of cutting one mean non-street border" units:
/// band violation dominates, then street-following borders, then compactness, then balance.
inline constexpr double kViolationWeight = 1000;  ///< per household outside the band
inline constexpr double kCompactnessWeight = 4;   ///< per unit of (1 - Polsby–Popper) of a grid
inline constexpr double kBalanceWeight =
    4;  ///< per squared relative deviation of a grid (25%: 0.25)

/// @returns households outside [goal.min, goal.max].
inline std::int64_t violation(std::int64_t households, const Goal& goal) {
  if (households < goal.min) return goal.min - households;
  if (households > goal.max) return households - goal.max;
  return 0;
}

/// Splits connected node sets into connected pieces along region-aware random spanning trees.
class TreeSplitter {
 public:
  TreeSplitter(const LocalGraph& graph, Random& random);
  /// Splits @p nodes (connected, non-empty) into @p parts connected pieces, each as close to
  /// the band and goal.mean as the trees allow; 1 <= parts <= nodes.size().
  std::vector<std::vector<int>> split(const std::vector<int>& nodes, int parts, const Goal& goal);

 private:
  struct Cut;
  std::vector<std::vector<int>> bisect(const std::vector<int>& nodes, int left_parts,
                                       int right_parts, const Goal& goal);
  void draw_tree(int n);
  /// Offers every cut of the current tree to @p best; @returns the best level in this tree.
  int scan_tree(int n, int left_parts, int right_parts, const Goal& goal, Cut& best);

  const LocalGraph& graph_;
  Random& random_;
  std::vector<int> position_;  ///< node -> index in the set being split, -1 outside
  // Per split, indices are positions in the set.
  struct Edge {
    int a, b;
    double cost;
    bool street;
  };
  std::vector<Edge> edges_;
  std::vector<int> first_edge_, incident_;  // edges at each position
  std::vector<int> order_, street_edges_, parent_, subtree_end_, union_find_, ancestor_;
  std::vector<int> tin_, next_child_, preorder_, stack_;
  std::vector<char> finished_;
  std::vector<std::int64_t> weight_below_;
  std::vector<double> cost_below_;
  std::vector<std::vector<int>> tree_;
  std::vector<int> nodes_;
};

/// A plan for one component and the per-grid sums the objective needs.
struct Plan {
  std::vector<int> grid;  ///< per node
  std::vector<std::int64_t> households;
  std::vector<double> area_m2, perimeter_m;
  std::vector<int> units;
  double cut = 0;  ///< sum of cut costs of the borders between grids
};

/// Builds the plan whose grid i is pieces[i].
Plan make_plan(const LocalGraph& graph, const std::vector<std::vector<int>>& pieces);
/// The objective of @p plan: lower is better.
double objective(const Plan& plan, const Goal& goal);
/// The objective's term of one grid.
double grid_term(std::int64_t households, double area_m2, double perimeter_m, const Goal& goal);

/// Repairs and improves @p plan in place: merge-and-re-split of out-of-band grids with their
/// neighbours, boundary moves that keep every grid connected (and in band once in band),
/// merge-and-re-split of adjacent pairs for shape. Stops early at @p deadline.
void improve(const LocalGraph& graph, const Goal& goal, Plan& plan, TreeSplitter& splitter,
             Random& random, const Deadline& deadline);

}  // namespace wangge::regrid::detail
