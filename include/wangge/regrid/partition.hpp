#pragma once
// Household-band partitioning of a parent area (a block or a community) into grids.
//
// The parent is given as a graph of units (buildings, address-point cells or street blocks)
// with their households. A plan puts every unit in exactly one grid, every grid is connected
// in the unit graph (a hard invariant: units that are not adjacent are never joined), and every
// grid's household total lies within a band [min, max] whenever the parent allows it.
//
// The method: per connected component of the unit
// graph, choose the number of grids, split recursively along random spanning trees in which
// streets are crossed last (GerryChain's region-aware `bipartition_tree`), then repair and
// improve with contiguity-safe boundary moves and merge-and-re-split (ReCom) steps. Several
// restarts, the best plan is kept. Pure: no I/O, no geometry library.

#include <cstdint>
#include <string>
#include <vector>

namespace wangge::regrid {

/// One side of an adjacency: the neighbouring unit and the border the two units share.
struct Neighbour {
  int unit = 0;         ///< index of the neighbouring unit in the UnitGraph
  double shared_m = 0;  ///< length of the shared border, metres, >= 0
  bool street = false;  ///< the shared border runs along a street: grids should be cut here
};

/// The units of one parent area. All vectors have one entry per unit.
struct UnitGraph {
  std::vector<std::int64_t> households;  ///< households of each unit, >= 0
  std::vector<double> x, y;              ///< representative point, metres in a local projection
  std::vector<double> area_m2;           ///< area of each unit, m², > 0
  /// The unit's own perimeter, metres, > 0. A grid's perimeter is the sum of its units'
  /// perimeters minus twice the borders they share, which gives Polsby–Popper of a union.
  std::vector<double> perimeter_m;
  /// Symmetric adjacency: if unit a lists b, then b lists a once, with the same shared_m and
  /// street. No unit lists itself.
  std::vector<std::vector<Neighbour>> adjacency;

  int size() const noexcept { return static_cast<int>(households.size()); }
};

/// The household band every grid should fall in: min <= households <= max, ideally target.
struct Band {
  std::int64_t min = 300;
  std::int64_t max = 500;
  std::int64_t target = 400;  ///< in [min, max]
};

struct PartitionOptions {
  std::uint64_t seed = 1;  ///< the same seed, graph and band give the same plan
  /// Wall-clock budget for the whole call, seconds. Restarts stop early when it runs out (the
  /// plan is then the best so far, and may depend on the machine's speed); at least one
  /// complete construction and repair always runs.
  double time_budget_s = 5;
  /// Number of grids wanted, 0 to choose it: per connected component, the number nearest to
  /// households / target with number × min <= households <= number × max.
  int grids = 0;
};

/// A plan of grids.
struct Partition {
  std::vector<int> grid_of;  ///< grid of each unit, 0 .. grids-1; grids are numbered north to
                             ///< south, then west to east, by their area-weighted centroid
  int grids = 0;
  /// Whether every grid can be in band in principle: no unit above the maximum, and for every
  /// connected component a number of grids exists (or the requested number fits) with
  /// number × min <= households <= number × max.
  bool feasible = true;
  /// Why some grid is or may be outside the band (and why a requested number of grids was not
  /// used), one English sentence each, naming the units and households concerned. Empty when
  /// every grid is in band and the request, if any, was honoured.
  std::vector<std::string> problems;
};

/// Partitions @p graph into contiguous grids within @p band whenever that is feasible.
///
/// Units heavier than band.max become grids of their own; every other connected component of
/// the remaining units is partitioned on its own, and a component that cannot reach the band
/// stays a grid of its own (never joined to units it does not touch). Each such case is
/// described in Partition::problems and clears Partition::feasible.
///
/// @throws Error(invalid_argument) when the band is not 0 <= min <= target <= max with max > 0,
///         or options.grids is negative;
///         Error(invalid_data) when the graph's vectors differ in length, a household count is
///         negative, an area or perimeter is not positive and finite, or the adjacency is not
///         symmetric (the message names the unit).
Partition partition(const UnitGraph& graph, const Band& band, const PartitionOptions& options = {});

/// Quality figures of a plan (reference/regridding.md §9).
struct PlanMetrics {
  int grids = 0;             ///< 1 + the largest grid id; an id without units is a grid of 0
  std::int64_t min_h = 0;    ///< smallest grid's households
  std::int64_t max_h = 0;    ///< largest grid's households
  double mean_h = 0;         ///< mean households per grid
  double cv = 0;             ///< population standard deviation / mean of grid households
  double share_in_band = 0;  ///< share of grids with min <= households <= max
  double max_abs_dev = 0;    ///< max over grids of |households - target| / target
  int noncontiguous = 0;     ///< grids whose units form more than one connected piece
  double pp_min = 0;         ///< smallest Polsby–Popper 4πA/P² of a grid (0 for empty grids)
  double pp_mean = 0;        ///< mean Polsby–Popper
  /// Share of the internal grid-border length (shared_m of edges between different grids)
  /// that runs along streets; 1 when there is no internal border.
  double street_share = 1;
  int cut_edges = 0;  ///< adjacencies whose units are in different grids
};

/// Measures the plan @p grid_of (one non-negative grid id per unit) of @p graph against @p band.
/// @throws Error(invalid_argument) when grid_of's length differs from the number of units or
///         an id is negative.
PlanMetrics evaluate(const UnitGraph& graph, const std::vector<int>& grid_of, const Band& band);

}  // namespace wangge::regrid
