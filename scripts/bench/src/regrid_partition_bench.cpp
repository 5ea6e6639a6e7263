// wangge_bench_regrid_partition [UNITS [SEED]]: household-band partitioning of a generated
// district, ours against METIS 5.1 (METIS_PartGraphKway, CONTIG=1) on the same unit graphs.
//
// The district (seeded): ~20 parents, each a lattice of 15 m unit cells cut into street blocks
// by street lines every 3–7 cells (the edges across a street line are street edges); parents
// vary from half to one and a half times the mean size. Households per unit (buildings): 15%
// none (shops, schools), 60% low-rise with 1–20, 20% mid-rise with 20–60, 5% towers with
// 60–150 (below half the band's maximum, as units should be: reference/regridding.md §8).
// Band 300–500, target 400: grids of about 20 units, coarse enough for balance to be hard.
//
// Per parent, METIS gets the grid count our partitioner chose, vertex weights = households,
// edge weights 1 across streets and 10 inside blocks (cheap to cut along streets), and a
// UFACTOR that puts the largest allowed part at the band's maximum. Prints one table; asserts
// nothing about time.
#include <metis.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>

#include "wangge/grid/import.hpp"
#include "wangge/regrid/job.hpp"
#include "wangge/regrid/partition.hpp"
#include "wangge/regrid/regrid.hpp"

using namespace wangge::regrid;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kCell = 15;  // metres
const Band kBand{300, 500, 400};

UnitGraph parent_graph(int rows, int cols, std::mt19937_64& rng) {
  auto street_lines = [&](int n) {
    std::vector<bool> street(static_cast<std::size_t>(n), false);
    for (int at = std::uniform_int_distribution<int>(3, 7)(rng); at < n - 1;
         at += std::uniform_int_distribution<int>(3, 7)(rng))
      street[at - 1] = true;  // between cell at-1 and cell at
    return street;
  };
  const std::vector<bool> below = street_lines(rows), right = street_lines(cols);
  std::uniform_real_distribution<double> unit(0, 1);
  UnitGraph g;
  auto id = [cols](int r, int c) { return r * cols + c; };
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double draw = unit(rng);
      std::int64_t h = 0;
      if (draw > 0.95)
        h = std::uniform_int_distribution<int>(60, 150)(rng);
      else if (draw > 0.75)
        h = std::uniform_int_distribution<int>(20, 60)(rng);
      else if (draw > 0.15)
        h = std::uniform_int_distribution<int>(1, 20)(rng);
      g.households.push_back(h);
      g.x.push_back((c + 0.5) * kCell);
      g.y.push_back(-(r + 0.5) * kCell);
      g.area_m2.push_back(kCell * kCell);
      g.perimeter_m.push_back(4 * kCell);
      g.adjacency.emplace_back();
    }
  }
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (c + 1 < cols) {
        g.adjacency[id(r, c)].push_back({id(r, c + 1), kCell, right[c]});
        g.adjacency[id(r, c + 1)].push_back({id(r, c), kCell, right[c]});
      }
      if (r + 1 < rows) {
        g.adjacency[id(r, c)].push_back({id(r + 1, c), kCell, below[r]});
        g.adjacency[id(r + 1, c)].push_back({id(r, c), kCell, below[r]});
      }
    }
  }
  return g;
}

std::vector<int> metis_partition(const UnitGraph& g, int grids, std::uint64_t seed) {
  if (grids <= 1) return std::vector<int>(static_cast<std::size_t>(g.size()), 0);
  std::vector<idx_t> xadj{0}, adjncy, adjwgt, vwgt;
  std::int64_t total = 0;
  for (int u = 0; u < g.size(); ++u) {
    vwgt.push_back(static_cast<idx_t>(g.households[u]));
    total += g.households[u];
    for (const Neighbour& nb : g.adjacency[u]) {
      adjncy.push_back(nb.unit);
      adjwgt.push_back(nb.street ? 1 : 10);
    }
    xadj.push_back(static_cast<idx_t>(adjncy.size()));
  }
  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_CONTIG] = 1;
  options[METIS_OPTION_SEED] = static_cast<idx_t>(seed);
  // kway's balance is max part / mean part <= 1 + ufactor / 1000: the band's maximum.
  const double mean = static_cast<double>(total) / grids;
  options[METIS_OPTION_UFACTOR] =
      std::max<idx_t>(1, static_cast<idx_t>(std::floor((kBand.max / mean - 1) * 1000)));
  idx_t n = g.size(), ncon = 1, parts = grids, objval = 0;
  std::vector<idx_t> part(static_cast<std::size_t>(n));
  const int status =
      METIS_PartGraphKway(&n, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr,
                          adjwgt.data(), &parts, nullptr, nullptr, options, &objval, part.data());
  if (status != METIS_OK) {
    std::fprintf(stderr, "METIS_PartGraphKway failed with status %d\n", status);
    std::exit(1);
  }
  return {part.begin(), part.end()};
}

struct Totals {
  int grids = 0, in_band = 0, noncontiguous = 0, cut_edges = 0;
  double max_abs_dev = 0, pp_sum = 0, street_cut = 0, seconds = 0, slowest = 0;
  std::vector<double> devs;

  void add(const PlanMetrics& m, double s) {
    grids += m.grids;
    in_band += static_cast<int>(std::lround(m.share_in_band * m.grids));
    noncontiguous += m.noncontiguous;
    cut_edges += m.cut_edges;
    street_cut += m.street_share * m.cut_edges;  // every border is one cell side long
    max_abs_dev = std::max(max_abs_dev, m.max_abs_dev);
    pp_sum += m.pp_mean * m.grids;
    seconds += s;
    slowest = std::max(slowest, s);
  }
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void row(const char* name, double ours, double metis, const char* format) {
  char a[32], b[32], ratio[16] = "-";
  std::snprintf(a, sizeof a, format, ours);
  std::snprintf(b, sizeof b, format, metis);
  if (metis != 0) std::snprintf(ratio, sizeof ratio, "%.2f", ours / metis);
  std::printf("| %-34s | %12s | %12s | %7s |\n", name, a, b, ratio);
}

void print_table(const Totals& ours, const Totals& metis) {
  std::printf("| %-34s | %12s | %12s | %7s |\n", "", "ours", "METIS 5.1", "ratio");
  std::printf("|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(14, '-').c_str(),
              std::string(14, '-').c_str(), std::string(9, '-').c_str());
  row("grids", ours.grids, metis.grids, "%.0f");
  row("grids in band 300-500 (%)", 100.0 * ours.in_band / ours.grids,
      100.0 * metis.in_band / metis.grids, "%.2f");
  row("grids outside the band", ours.grids - ours.in_band, metis.grids - metis.in_band, "%.0f");
  row("max |households - 400| / 400", ours.max_abs_dev, metis.max_abs_dev, "%.3f");
  row("Polsby-Popper, mean", ours.pp_sum / ours.grids, metis.pp_sum / metis.grids, "%.3f");
  row("border along streets (%)", 100 * ours.street_cut / ours.cut_edges,
      100 * metis.street_cut / metis.cut_edges, "%.1f");
  row("cut edges", ours.cut_edges, metis.cut_edges, "%.0f");
  row("non-contiguous grids", ours.noncontiguous, metis.noncontiguous, "%.0f");
  row("time, all parents (ms)", 1000 * ours.seconds, 1000 * metis.seconds, "%.1f");
  row("time, slowest parent (ms)", 1000 * ours.slowest, 1000 * metis.slowest, "%.1f");
}

}  // namespace

/// Ours against METIS on the unit graphs wangge regrid builds for the sample's parents.
int sample_mode(char** argv) {
  const int level = std::stoi(argv[5]);
  const auto grids = wangge::grid::import_grids(argv[2], wangge::grid::ImportOptions{}).grids;
  const auto buildings = read_buildings(argv[3], "households");
  const auto roads = read_roads(argv[4]);
  Totals ours, metis;
  int units = 0, parents = 0;
  for (const wangge::grid::Grid& g : grids) {
    if (g.level.value_or(-1) != level) continue;
    const UnitGraph graph = parent_unit_graph(g, buildings, roads, kBand.max / 2);
    units += graph.size();
    ++parents;
    PartitionOptions options;
    auto t0 = Clock::now();
    const Partition plan = partition(graph, kBand, options);
    const double ours_s = seconds_since(t0);
    t0 = Clock::now();
    const std::vector<int> theirs = metis_partition(graph, plan.grids, options.seed);
    const double metis_s = seconds_since(t0);
    ours.add(evaluate(graph, plan.grid_of, kBand), ours_s);
    metis.add(evaluate(graph, theirs, kBand), metis_s);
  }
  std::printf(
      "%d parent(s) at level %d, %d units (street blocks, or Voronoi cells of the buildings of "
      "heavy blocks), band %lld-%lld\n\n",
      parents, level, units, static_cast<long long>(kBand.min), static_cast<long long>(kBand.max));
  print_table(ours, metis);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--sample") return sample_mode(argv);
  const int units = argc > 1 ? std::stoi(argv[1]) : 10000;
  const std::uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 1;
  if (units < 100 || argc > 3) {
    std::fprintf(stderr, "usage: wangge_bench_regrid_partition [UNITS >= 100 [SEED]]\n");
    return 2;
  }
  std::mt19937_64 rng(seed);
  constexpr int kParents = 20;
  std::vector<double> sizes(kParents);
  for (double& s : sizes) s = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  const double scale = units / std::accumulate(sizes.begin(), sizes.end(), 0.0);
  Totals ours, metis;
  int made_units = 0, failures = 0, largest = 0;
  std::int64_t households = 0;
  for (int p = 0; p < kParents; ++p) {
    const double size = sizes[p] * scale;
    const int cols = std::max(4, static_cast<int>(std::sqrt(size)));
    const int rows = std::max(4, static_cast<int>(std::lround(size / cols)));
    const UnitGraph g = parent_graph(rows, cols, rng);
    made_units += g.size();
    largest = std::max(largest, g.size());
    for (std::int64_t h : g.households) households += h;

    PartitionOptions options;
    options.seed = seed + static_cast<std::uint64_t>(p);
    auto t0 = Clock::now();
    const Partition plan = partition(g, kBand, options);
    const double ours_s = seconds_since(t0);
    failures += !plan.feasible;
    t0 = Clock::now();
    const std::vector<int> theirs = metis_partition(g, plan.grids, options.seed);
    const double metis_s = seconds_since(t0);
    ours.add(evaluate(g, plan.grid_of, kBand), ours_s);
    metis.add(evaluate(g, theirs, kBand), metis_s);
  }
  // One parent of ~1,000 units on its own, for the per-parent time.
  const UnitGraph big = parent_graph(32, 32, rng);
  auto t0 = Clock::now();
  const Partition big_plan = partition(big, kBand, PartitionOptions{seed, 5, 0});
  const double big_s = seconds_since(t0);

  std::printf(
      "district: %d parents, %d units, %lld households, band %lld-%lld (target %lld), "
      "seed %llu; %d parents infeasible\n\n",
      kParents, made_units, static_cast<long long>(households), static_cast<long long>(kBand.min),
      static_cast<long long>(kBand.max), static_cast<long long>(kBand.target),
      static_cast<unsigned long long>(seed), failures);
  print_table(ours, metis);
  std::printf(
      "\nlargest district parent: %d units; a separate parent of %d units: ours %.1f ms, "
      "%d grids\n",
      largest, big.size(), 1000 * big_s, big_plan.grids);
  return 0;
}
