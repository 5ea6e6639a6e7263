#pragma once
// Writing grids to any OGR vector format through GDAL (format from the file extension),
// in WGS-84 (EPSG:4326, lon/lat order), with the standard attribute fields.

#include <string>
#include <vector>

#include "wangge/grid/grid.hpp"

namespace wangge::grid {

/// Writes @p grids to @p path (replacing it), one layer named @p layer. The file appears only
/// when complete (written under a temporary name, then renamed).
/// @throws Error(invalid_argument) for an unknown extension or an unwritable path.
void write_grids(const std::vector<Grid>& grids, const std::string& path, const std::string& layer);

}  // namespace wangge::grid
