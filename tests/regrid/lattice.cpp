#include "lattice.hpp"

#include <cassert>
#include <sstream>
#include <string>

namespace wangge::regrid::testing {

namespace {

constexpr double kCell = 10;  // metres

bool is_street_row(const std::string& line) {
  return line.find('=') != std::string::npos &&
         line.find_first_not_of("=+- \t") == std::string::npos;
}

}  // namespace

UnitGraph lattice_graph(const std::vector<std::vector<int>>& households,
                        const std::vector<bool>& street_below,
                        const std::vector<bool>& street_right) {
  UnitGraph g;
  std::vector<std::vector<int>> unit(households.size());
  for (std::size_t r = 0; r < households.size(); ++r) {
    for (std::size_t c = 0; c < households[r].size(); ++c) {
      unit[r].push_back(households[r][c] < 0 ? -1 : g.size());
      if (households[r][c] < 0) continue;
      g.households.push_back(households[r][c]);
      g.x.push_back(static_cast<double>(c) * kCell + kCell / 2);
      g.y.push_back(-static_cast<double>(r) * kCell - kCell / 2);
      g.area_m2.push_back(kCell * kCell);
      g.perimeter_m.push_back(4 * kCell);
      g.adjacency.emplace_back();
    }
  }
  auto link = [&](int a, int b, bool street) {
    if (a < 0 || b < 0) return;
    g.adjacency[a].push_back({b, kCell, street});
    g.adjacency[b].push_back({a, kCell, street});
  };
  for (std::size_t r = 0; r < unit.size(); ++r) {
    for (std::size_t c = 0; c < unit[r].size(); ++c) {
      if (c + 1 < unit[r].size())
        link(unit[r][c], unit[r][c + 1], c < street_right.size() && street_right[c]);
      if (r + 1 < unit.size() && c < unit[r + 1].size())
        link(unit[r][c], unit[r + 1][c], r < street_below.size() && street_below[r]);
    }
  }
  return g;
}

Lattice::Lattice(std::string_view drawing) {
  std::istringstream in{std::string(drawing)};
  std::vector<std::vector<int>> households;
  std::vector<std::vector<bool>> street_after;  // per row, per column: '|' after the cell
  std::vector<bool> street_below;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (is_street_row(line)) {
      assert(!households.empty());
      street_below.back() = true;
      continue;
    }
    std::istringstream tokens(line);
    households.emplace_back();
    street_after.emplace_back();
    street_below.push_back(false);
    for (std::string t; tokens >> t;) {
      if (t == "|") {
        assert(!street_after.back().empty());
        street_after.back().back() = true;
      } else {
        households.back().push_back(t == "." ? -1 : std::stoi(t));
        street_after.back().push_back(false);
      }
    }
  }
  // Column streets are drawn per row; the builder takes them per row through a merged graph.
  std::vector<bool> none;
  graph_ = lattice_graph(households, street_below, none);
  cells_.resize(households.size());
  int next = 0;
  for (std::size_t r = 0; r < households.size(); ++r)
    for (int h : households[r]) cells_[r].push_back(h < 0 ? -1 : next++);
  for (std::size_t r = 0; r < households.size(); ++r) {
    for (std::size_t c = 0; c + 1 < households[r].size(); ++c) {
      if (!street_after[r][c]) continue;
      const int a = cells_[r][c], b = cells_[r][c + 1];
      if (a < 0 || b < 0) continue;
      for (Neighbour& nb : graph_.adjacency[a])
        if (nb.unit == b) nb.street = true;
      for (Neighbour& nb : graph_.adjacency[b])
        if (nb.unit == a) nb.street = true;
    }
  }
}

int Lattice::unit_at(int row, int col) const {
  if (row < 0 || row >= rows() || col < 0 || col >= static_cast<int>(cells_[row].size())) return -1;
  return cells_[row][col];
}

bool every_grid_connected(const UnitGraph& graph, const std::vector<int>& grid_of, int grids) {
  std::vector<int> seen_pieces(static_cast<std::size_t>(grids), 0);
  std::vector<char> seen(grid_of.size(), 0);
  for (std::size_t s = 0; s < grid_of.size(); ++s) {
    if (seen[s]) continue;
    if (++seen_pieces[grid_of[s]] > 1) return false;
    std::vector<int> stack{static_cast<int>(s)};
    seen[s] = 1;
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      for (const Neighbour& nb : graph.adjacency[u])
        if (!seen[nb.unit] && grid_of[nb.unit] == grid_of[s])
          seen[nb.unit] = 1, stack.push_back(nb.unit);
    }
  }
  return true;
}

std::vector<std::int64_t> grid_households(const UnitGraph& graph, const std::vector<int>& grid_of,
                                          int grids) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(grids), 0);
  for (std::size_t u = 0; u < grid_of.size(); ++u) out[grid_of[u]] += graph.households[u];
  return out;
}

}  // namespace wangge::regrid::testing
