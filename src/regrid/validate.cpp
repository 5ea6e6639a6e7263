#include "validate.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/util/error.hpp"

namespace wangge::regrid::detail {

namespace {

[[noreturn]] void bad_data(const std::string& message) {
  throw Error(ErrorCode::invalid_data, message);
}

void check_length(const char* what, std::size_t got, std::size_t units) {
  if (got != units)
    bad_data("the unit graph has " + std::to_string(units) + " household counts but " +
             std::to_string(got) + " " + what);
}

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0;
}

}  // namespace

void validate(const UnitGraph& graph, const Band& band, const PartitionOptions& options) {
  if (!(0 <= band.min && band.min <= band.target && band.target <= band.max && band.max > 0))
    throw Error(ErrorCode::invalid_argument, "the band min " + std::to_string(band.min) +
                                                 ", target " + std::to_string(band.target) +
                                                 ", max " + std::to_string(band.max) +
                                                 " breaks 0 <= min <= target <= max, max > 0");
  if (options.grids < 0)
    throw Error(
        ErrorCode::invalid_argument,
        "the number of grids must be 0 (choose) or positive, not " + std::to_string(options.grids));
  if (!(options.time_budget_s >= 0) || !std::isfinite(options.time_budget_s))
    throw Error(ErrorCode::invalid_argument, "the time budget must be finite and >= 0 seconds");

  const std::size_t n = graph.households.size();
  check_length("x coordinates", graph.x.size(), n);
  check_length("y coordinates", graph.y.size(), n);
  check_length("areas", graph.area_m2.size(), n);
  check_length("perimeters", graph.perimeter_m.size(), n);
  check_length("adjacency lists", graph.adjacency.size(), n);
  std::vector<std::vector<Neighbour>> sorted(n);
  for (std::size_t u = 0; u < n; ++u) {
    const std::string unit = "unit " + std::to_string(u);
    if (graph.households[u] < 0)
      bad_data(unit + " has " + std::to_string(graph.households[u]) +
               " households; counts must be >= 0");
    if (!positive_finite(graph.area_m2[u]))
      bad_data(unit + " has area " + std::to_string(graph.area_m2[u]) +
               " m²; areas must be positive and finite");
    if (!positive_finite(graph.perimeter_m[u]))
      bad_data(unit + " has perimeter " + std::to_string(graph.perimeter_m[u]) +
               " m; perimeters must be positive and finite");
    if (!std::isfinite(graph.x[u]) || !std::isfinite(graph.y[u]))
      bad_data(unit + " has a representative point that is not finite");
    sorted[u] = graph.adjacency[u];
    for (const Neighbour& nb : sorted[u]) {
      if (nb.unit < 0 || static_cast<std::size_t>(nb.unit) >= n)
        bad_data(unit + " lists neighbour " + std::to_string(nb.unit) +
                 ", but units are numbered 0.." + std::to_string(n - 1));
      if (static_cast<std::size_t>(nb.unit) == u) bad_data(unit + " lists itself as a neighbour");
      if (!(nb.shared_m >= 0) || !std::isfinite(nb.shared_m))
        bad_data("the border of " + unit + " with unit " + std::to_string(nb.unit) +
                 " has length " + std::to_string(nb.shared_m) +
                 " m; lengths must be finite and >= 0");
    }
    std::sort(sorted[u].begin(), sorted[u].end(),
              [](const Neighbour& a, const Neighbour& b) { return a.unit < b.unit; });
    for (std::size_t i = 1; i < sorted[u].size(); ++i)
      if (sorted[u][i].unit == sorted[u][i - 1].unit)
        bad_data(unit + " lists unit " + std::to_string(sorted[u][i].unit) + " twice");
  }
  for (std::size_t u = 0; u < n; ++u) {
    for (const Neighbour& nb : sorted[u]) {
      const auto& back = sorted[nb.unit];
      const auto it = std::lower_bound(back.begin(), back.end(), static_cast<int>(u),
                                       [](const Neighbour& a, int v) { return a.unit < v; });
      const bool same = it != back.end() && it->unit == static_cast<int>(u) &&
                        it->street == nb.street &&
                        std::abs(it->shared_m - nb.shared_m) <= 1e-6 * std::max(1.0, nb.shared_m);
      if (!same)
        bad_data("unit " + std::to_string(u) + " lists unit " + std::to_string(nb.unit) +
                 " as a neighbour, but unit " + std::to_string(nb.unit) +
                 " does not list it back with the same border");
    }
  }
}

}  // namespace wangge::regrid::detail
