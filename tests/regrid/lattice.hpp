#pragma once
// Unit-graph fixtures drawn in ASCII: every number is a square unit cell of 10 m with that many
// households, '.' is no unit (water, a hole), '|' between two cells is a street between them,
// and a row of '=' (with '+' at crossings) is a street between the unit rows around it.
//
//   Lattice map(R"(
//       50 50 | 50 50
//       50 50 | 50 50
//       ======+======
//       50  . | 50 50
//   )");
//   int u = map.unit_at(0, 2);   // the unit of row 0, column 2 (cells only count columns)
//
// Units are numbered row by row from the north-west; neighbours share a side (10 m).

#include <string_view>
#include <vector>

#include "wangge/regrid/partition.hpp"

namespace wangge::regrid::testing {

class Lattice {
 public:
  explicit Lattice(std::string_view drawing);

  const UnitGraph& graph() const noexcept { return graph_; }
  /// @returns the unit at (row, col), or -1 where there is none.
  int unit_at(int row, int col) const;
  int rows() const noexcept { return static_cast<int>(cells_.size()); }

 private:
  UnitGraph graph_;
  std::vector<std::vector<int>> cells_;  // unit per (row, col), -1 for none
};

/// Builds a lattice graph directly: households[r][c] < 0 means no unit; street_below[r] marks a
/// street between rows r and r + 1, street_right[c] between columns c and c + 1.
UnitGraph lattice_graph(const std::vector<std::vector<int>>& households,
                        const std::vector<bool>& street_below,
                        const std::vector<bool>& street_right);

/// @returns whether every grid of @p grid_of is connected in @p graph, by a search of its own
/// (independent of the partitioner and of evaluate()).
bool every_grid_connected(const UnitGraph& graph, const std::vector<int>& grid_of, int grids);

/// @returns households per grid.
std::vector<std::int64_t> grid_households(const UnitGraph& graph, const std::vector<int>& grid_of,
                                          int grids);

}  // namespace wangge::regrid::testing
