// partition(): validation, units above the band, connected components, the number of grids of
// each component, the search per component (construction + repair, several restarts), the
// messages, and the final numbering of grids.
#include "wangge/regrid/partition.hpp"
#include "wangge/util/number.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

#include "local_graph.hpp"
#include "validate.hpp"

namespace wangge::regrid {

namespace {

using detail::Deadline;
using detail::Goal;
using detail::LocalGraph;
using detail::Random;

constexpr int kRestarts = 6;  // independent constructions + repairs; the best plan is kept

struct Component {
  std::vector<int> units;  // ascending
  std::int64_t households = 0;
  int fewest = 1, most = 1;  // grid counts that can put every grid in band, if fewest <= most
  int grids = 1;
  bool whole_parent = false;

  bool band_reachable() const { return fewest <= most; }
  bool count_in_range() const { return fewest <= grids && grids <= most; }
  std::string name() const {
    if (whole_parent) return "the parent";
    return "the component of unit " + std::to_string(units.front()) + " (" +
           std::to_string(units.size()) + (units.size() == 1 ? " unit)" : " units)");
  }
};

std::vector<Component> components_of(const UnitGraph& graph, const std::vector<char>& heavy) {
  std::vector<Component> out;
  std::vector<char> seen(heavy);
  for (int start = 0; start < graph.size(); ++start) {
    if (seen[start]) continue;
    Component c;
    c.units.push_back(start);
    seen[start] = 1;
    for (std::size_t i = 0; i < c.units.size(); ++i)
      for (const Neighbour& nb : graph.adjacency[c.units[i]])
        if (!seen[nb.unit]) seen[nb.unit] = 1, c.units.push_back(nb.unit);
    std::sort(c.units.begin(), c.units.end());
    for (int u : c.units) c.households += graph.households[u];
    out.push_back(std::move(c));
  }
  return out;
}

/// Fills fewest/most and the count nearest to households / target within them.
void choose_count(Component& c, const Band& band) {
  const std::int64_t h = c.households, n = static_cast<std::int64_t>(c.units.size());
  const std::int64_t fewest = std::max<std::int64_t>(1, (h + band.max - 1) / band.max);
  const std::int64_t most = band.min > 0 ? std::min(n, h / band.min) : n;
  c.fewest = static_cast<int>(fewest);
  c.most = static_cast<int>(std::max<std::int64_t>(0, most));
  const double ideal =
      static_cast<double>(h) / static_cast<double>(std::max<std::int64_t>(1, band.target));
  std::int64_t k = number::narrow<std::int64_t>(std::floor(ideal));  // ≤ h: target ≥ 1
  if (ideal - static_cast<double>(k) > 0.5) ++k;                     // ties go to fewer grids
  if (c.band_reachable()) {
    k = std::clamp<std::int64_t>(k, fewest, most);
  } else if (h >= band.min && fewest >= 2) {
    // No count is in band: take the one whose average misses the band by less (552 at
    // 300–500: two grids of 276, 24 short, rather than one of 552, 52 over).
    const double over =
        static_cast<double>(h) / static_cast<double>(fewest - 1) - static_cast<double>(band.max);
    const double under =
        static_cast<double>(band.min) - static_cast<double>(h) / static_cast<double>(fewest);
    k = std::clamp<std::int64_t>(under < over ? fewest : fewest - 1, 1, n);
  } else {
    k = std::clamp<std::int64_t>(k, 1, n);
  }
  c.grids = static_cast<int>(k);
}

/// Spreads @p wanted grids over the components, each keeping at least one and at most one per
/// unit, preferring counts that keep every grid in band and then the fullest grids.
void distribute(std::vector<Component>& components, int wanted) {
  auto total = [&] {
    return std::accumulate(components.begin(), components.end(), 0,
                           [](int s, const Component& c) { return s + c.grids; });
  };
  while (total() < wanted) {
    Component* pick = nullptr;
    auto key = [](const Component& c) {
      return std::make_pair(c.grids + 1 <= c.most,
                            static_cast<double>(c.households) / (c.grids + 1));
    };
    for (Component& c : components)
      if (c.grids < static_cast<int>(c.units.size()) && (!pick || key(c) > key(*pick))) pick = &c;
    if (!pick) break;
    ++pick->grids;
  }
  while (total() > wanted) {
    Component* pick = nullptr;
    auto key = [](const Component& c) {
      return std::make_pair(c.grids - 1 >= c.fewest,
                            -static_cast<double>(c.households) / (c.grids - 1));
    };
    for (Component& c : components)
      if (c.grids > 1 && (!pick || key(c) > key(*pick))) pick = &c;
    if (!pick) break;
    --pick->grids;
  }
}

std::string range_text(const Band& band) {
  return std::to_string(band.min) + "–" + std::to_string(band.max);
}

std::string unreachable_message(const Component& c, const Band& band) {
  const std::string h = std::to_string(c.households);
  if (c.households < band.min)
    return c.name() + " has " + h + " households, fewer than the band's minimum " +
           std::to_string(band.min) + ": one grid of " + h + " is the best possible";
  // fewest grids not above the maximum on average already fall below the minimum
  return c.name() + " has " + h + " households: no number of grids keeps each within " +
         range_text(band) + " (" + std::to_string(c.fewest - 1) + " would average above " +
         std::to_string(band.max) + ", " + std::to_string(c.fewest) + " below " +
         std::to_string(band.min) + "); it is split into " + std::to_string(c.grids) +
         (c.grids == 1 ? " grid" : " grids");
}

LocalGraph local_graph(const UnitGraph& graph, const std::vector<int>& units) {
  LocalGraph g;
  g.unit = units;
  std::vector<int> local(static_cast<std::size_t>(graph.size()), -1);
  for (std::size_t i = 0; i < units.size(); ++i) local[units[i]] = static_cast<int>(i);
  double shared_sum = 0;
  g.first.push_back(0);
  for (int u : units) {
    g.households.push_back(graph.households[u]);
    g.area_m2.push_back(graph.area_m2[u]);
    g.perimeter_m.push_back(graph.perimeter_m[u]);
    for (const Neighbour& nb : graph.adjacency[u]) {
      if (local[nb.unit] < 0) continue;
      g.arcs.push_back({local[nb.unit], nb.shared_m, nb.street});
      shared_sum += nb.shared_m;
    }
    g.first.push_back(static_cast<int>(g.arcs.size()));
  }
  if (!g.arcs.empty() && shared_sum > 0)
    g.mean_shared_m = shared_sum / static_cast<double>(g.arcs.size());
  return g;
}

/// The best of several constructions + repairs for one component; grid ids 0..grids-1.
std::vector<int> partition_component(const LocalGraph& graph, int grids, const Goal& goal,
                                     std::uint64_t seed, const Deadline& deadline) {
  if (grids <= 1) return std::vector<int>(static_cast<std::size_t>(graph.size()), 0);
  Random random(seed);
  detail::TreeSplitter splitter(graph, random);
  std::vector<int> all(static_cast<std::size_t>(graph.size()));
  std::iota(all.begin(), all.end(), 0);
  std::vector<int> best;
  double best_score = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < kRestarts; ++restart) {
    if (restart > 0 && deadline.passed()) break;
    detail::Plan plan = detail::make_plan(graph, splitter.split(all, grids, goal));
    detail::improve(graph, goal, plan, splitter, random, deadline);
    const double score = detail::objective(plan, goal);
    if (score < best_score) best_score = score, best = std::move(plan.grid);
  }
  return best;
}

/// Renumbers grids north to south, then west to east, by area-weighted centroid.
void number_grids(const UnitGraph& graph, Partition& plan) {
  std::vector<double> area(plan.grids, 0), cx(plan.grids, 0), cy(plan.grids, 0);
  for (int u = 0; u < graph.size(); ++u) {
    const int g = plan.grid_of[u];
    area[g] += graph.area_m2[u], cx[g] += graph.area_m2[u] * graph.x[u],
        cy[g] += graph.area_m2[u] * graph.y[u];
  }
  std::vector<int> order(plan.grids);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const double ya = cy[a] / area[a], yb = cy[b] / area[b];
    if (ya != yb) return ya > yb;
    return cx[a] / area[a] < cx[b] / area[b];
  });
  std::vector<int> rank(plan.grids);
  for (int i = 0; i < plan.grids; ++i) rank[order[i]] = i;
  for (int& g : plan.grid_of) g = rank[g];
}

[[maybe_unused]] bool every_grid_connected(const UnitGraph& graph, const Partition& plan) {
  return evaluate(graph, plan.grid_of, Band{0, std::numeric_limits<std::int64_t>::max(), 0})
             .noncontiguous == 0;
}

}  // namespace

Partition partition(const UnitGraph& graph, const Band& band, const PartitionOptions& options) {
  detail::validate(graph, band, options);
  const Deadline deadline(options.time_budget_s);
  Partition result;
  const int n = graph.size();
  result.grid_of.assign(static_cast<std::size_t>(n), -1);

  std::vector<char> heavy(static_cast<std::size_t>(n), 0);
  for (int u = 0; u < n; ++u) {
    if (graph.households[u] <= band.max) continue;
    heavy[u] = 1;
    result.grid_of[u] = result.grids++;
    result.feasible = false;
    result.problems.push_back("unit " + std::to_string(u) + " has " +
                              std::to_string(graph.households[u]) +
                              " households, more than the maximum " + std::to_string(band.max) +
                              ": it forms a grid on its own");
  }
  std::vector<Component> components = components_of(graph, heavy);
  const int fixed = result.grids;
  if (components.size() == 1 && fixed == 0) components[0].whole_parent = true;
  for (Component& c : components) choose_count(c, band);
  if (options.grids > 0) {
    const int least = fixed + static_cast<int>(components.size());
    if (options.grids < least) {
      result.problems.push_back(std::to_string(options.grids) +
                                " grids were requested, but the parent needs at least " +
                                std::to_string(least) +
                                ": units above the maximum and unconnected components each form "
                                "a grid of their own");
      for (Component& c : components) c.grids = 1;
    } else {
      distribute(components, options.grids - fixed);
      const int got =
          fixed + std::accumulate(components.begin(), components.end(), 0,
                                  [](int s, const Component& c) { return s + c.grids; });
      if (got < options.grids)
        result.problems.push_back(std::to_string(options.grids) +
                                  " grids were requested, but the parent has only " +
                                  std::to_string(n) + " units: using " + std::to_string(got));
    }
  }

  std::uint64_t seed = options.seed;
  std::vector<char> expected_in_band(static_cast<std::size_t>(result.grids), 0);  // heavy units
  for (const Component& c : components) {
    expected_in_band.resize(expected_in_band.size() + c.grids,
                            c.band_reachable() && c.count_in_range());
    if (!c.band_reachable()) {
      result.feasible = false;
      result.problems.push_back(unreachable_message(c, band));
    } else if (!c.count_in_range()) {
      result.feasible = false;
      result.problems.push_back(c.name() + " has " + std::to_string(c.households) +
                                " households: " + std::to_string(c.grids) +
                                " grids cannot each hold " + range_text(band) + " (" +
                                std::to_string(c.fewest) + " to " + std::to_string(c.most) +
                                " can)");
    }
    const LocalGraph local = local_graph(graph, c.units);
    const Goal goal{band.min, band.max, static_cast<double>(c.households) / c.grids};
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    const std::vector<int> labels = partition_component(local, c.grids, goal, seed, deadline);
    for (std::size_t i = 0; i < c.units.size(); ++i)
      result.grid_of[c.units[i]] = result.grids + labels[i];
    result.grids += c.grids;
  }

  // Grids that should be in band but are not: the search failed (granularity or shape).
  std::vector<std::int64_t> households(static_cast<std::size_t>(result.grids), 0);
  for (int u = 0; u < n; ++u) households[result.grid_of[u]] += graph.households[u];
  std::vector<char> missed(static_cast<std::size_t>(result.grids), 0);
  for (int g = 0; g < result.grids; ++g)
    missed[g] = expected_in_band[g] && (households[g] < band.min || households[g] > band.max);
  const std::vector<int> before = result.grid_of;
  number_grids(graph, result);
  std::vector<int> renumbered(static_cast<std::size_t>(result.grids), -1);
  for (int u = 0; u < n; ++u) renumbered[before[u]] = result.grid_of[u];
  for (int g = 0; g < result.grids; ++g)
    if (missed[g])
      result.problems.push_back("grid " + std::to_string(renumbered[g]) + " has " +
                                std::to_string(households[g]) + " households, outside " +
                                range_text(band) +
                                ": no contiguous plan with every grid in band was found");
  assert(every_grid_connected(graph, result));
  return result;
}

}  // namespace wangge::regrid
