#pragma once
// Marching squares with linear interpolation: the region of a raster where value ≤ threshold,
// as polygons (outer rings counter-clockwise, holes clockwise). Values are sampled at cell
// centres; the raster is padded with "outside" so every ring closes; saddles are resolved by
// the mean of the four corners.

#include <cstdint>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::network {

struct RasterGrid {
  double x0 = 0, y0 = 0;  ///< lower-left corner of cell (0, 0), same unit as cell
  double cell = 1;
  std::size_t width = 0, height = 0;
  std::vector<double> values;  ///< row-major from the bottom row; +inf = outside
  double at(std::size_t i, std::size_t j) const { return values[j * width + i]; }
};

/// The region value ≤ @p threshold, in the raster's coordinates.
geo::MultiPolygon contour(const RasterGrid& grid, double threshold);

}  // namespace wangge::network
