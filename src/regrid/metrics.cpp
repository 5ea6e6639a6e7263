// evaluate(): the plan figures of reference/regridding.md §9 that need no geometry library.
#include <algorithm>
#include <cmath>

#include "local_graph.hpp"
#include "wangge/regrid/partition.hpp"
#include "wangge/util/error.hpp"

namespace wangge::regrid {

PlanMetrics evaluate(const UnitGraph& graph, const std::vector<int>& grid_of, const Band& band) {
  const int n = graph.size();
  if (static_cast<int>(grid_of.size()) != n)
    throw Error(ErrorCode::invalid_argument, "the plan has " + std::to_string(grid_of.size()) +
                                                 " grid ids for " + std::to_string(n) + " units");
  PlanMetrics m;
  for (int u = 0; u < n; ++u) {
    if (grid_of[u] < 0)
      throw Error(ErrorCode::invalid_argument,
                  "unit " + std::to_string(u) + " has grid id " + std::to_string(grid_of[u]));
    m.grids = std::max(m.grids, grid_of[u] + 1);
  }
  if (m.grids == 0) return m;
  const std::size_t k = static_cast<std::size_t>(m.grids);
  std::vector<std::int64_t> households(k, 0);
  std::vector<double> area(k, 0), perimeter(k, 0);
  std::vector<int> units(k, 0);
  double border = 0, street_border = 0;
  for (int u = 0; u < n; ++u) {
    const int g = grid_of[u];
    households[g] += graph.households[u];
    area[g] += graph.area_m2[u];
    perimeter[g] += graph.perimeter_m[u];
    ++units[g];
    for (const Neighbour& nb : graph.adjacency[u]) {
      if (grid_of[nb.unit] == g) {
        perimeter[g] -= nb.shared_m;  // seen from both units: twice in all
      } else if (nb.unit > u) {
        ++m.cut_edges;
        border += nb.shared_m;
        if (nb.street) street_border += nb.shared_m;
      }
    }
  }
  m.street_share = border > 0 ? street_border / border : 1;

  m.min_h = *std::min_element(households.begin(), households.end());
  m.max_h = *std::max_element(households.begin(), households.end());
  double sum = 0, pp_sum = 0;
  int in_band = 0;
  m.pp_min = 1;
  for (std::size_t g = 0; g < k; ++g) {
    const double h = static_cast<double>(households[g]);
    sum += h;
    in_band += households[g] >= band.min && households[g] <= band.max;
    if (band.target > 0)
      m.max_abs_dev = std::max(m.max_abs_dev, std::abs(h - static_cast<double>(band.target)) /
                                                  static_cast<double>(band.target));
    const double pp = units[g] > 0 && perimeter[g] > 0
                          ? 4 * detail::kPi * area[g] / (perimeter[g] * perimeter[g])
                          : 0;
    pp_sum += pp;
    m.pp_min = std::min(m.pp_min, pp);
  }
  m.mean_h = sum / static_cast<double>(k);
  double squares = 0;
  for (std::int64_t h : households)
    squares += (static_cast<double>(h) - m.mean_h) * (static_cast<double>(h) - m.mean_h);
  m.cv = m.mean_h > 0 ? std::sqrt(squares / static_cast<double>(k)) / m.mean_h : 0;
  m.share_in_band = static_cast<double>(in_band) / static_cast<double>(k);
  m.pp_mean = pp_sum / static_cast<double>(k);

  // Contiguity: a grid is contiguous when a search from one of its units reaches them all.
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  std::vector<int> pieces(k, 0);
  std::vector<int> queue;
  for (int s = 0; s < n; ++s) {
    const int g = grid_of[s];
    if (seen[s]) continue;
    if (++pieces[g] == 2) ++m.noncontiguous;
    queue.assign(1, s);
    seen[s] = 1;
    for (std::size_t i = 0; i < queue.size(); ++i)
      for (const Neighbour& nb : graph.adjacency[queue[i]])
        if (!seen[nb.unit] && grid_of[nb.unit] == g) seen[nb.unit] = 1, queue.push_back(nb.unit);
  }
  return m;
}

}  // namespace wangge::regrid
