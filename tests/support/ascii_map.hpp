#pragma once
// ASCII-art map fixtures (after Valhalla's gurka): draw grids as letters, one character per
// square cell; a letter's area is the union of its cells. '.' and ' ' are no grid.
//
//   AsciiMap map(R"(
//       AAB
//       AAB
//       CCB
//   )");
//   Grid a = map.grid('A');               // id "A", code "A"
//   XY p = map.corner(1, 2);              // the corner shared by A, B and C... etc.
//
// Row 0 is the northern row; column 0 the western. Cells are `cell` degrees square, the map's
// north-west corner at `north_west`.

#include <string>
#include <string_view>
#include <vector>

#include "wangge/grid/grid.hpp"

namespace wangge::testing {

class AsciiMap {
 public:
  explicit AsciiMap(std::string_view drawing, double cell = 0.001,
                    geo::XY north_west = {112.90, 27.90});

  /// Union of the cells drawn with @p letter (GEOS unary union), possibly a multipolygon or with
  /// holes.
  geo::MultiPolygon area(char letter) const;
  /// A grid with id and code "<letter>", the given parent and level name.
  grid::Grid grid(char letter, const std::string& parent = "",
                  const std::string& level_name = "") const;
  /// One grid per distinct letter, in alphabetical order, all with @p parent.
  std::vector<grid::Grid> grids(const std::string& parent = "",
                                const std::string& level_name = "") const;

  /// The centre of cell (row, col).
  geo::XY centre(double row, double col) const;
  /// The north-west corner of cell (row, col); corner(rows, cols) is the south-east corner.
  geo::XY corner(int row, int col) const;

  int rows() const noexcept { return static_cast<int>(rows_.size()); }

 private:
  std::vector<std::string> rows_;
  double cell_;
  geo::XY north_west_;
};

}  // namespace wangge::testing
