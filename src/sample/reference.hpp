#pragma once
// The sample's reference data: categories (categories.json), departments and staff
// (organisation.json) and the work calendar (calendar.json), in the formats wangge imports.

#include <string>
#include <vector>

#include "wangge/grid/grid.hpp"

namespace wangge::sample {

/// Writes the three documents into @p dir; staff include one grid worker per grid leader.
void write_reference(const std::string& dir, const std::vector<grid::Grid>& grids);

}  // namespace wangge::sample
