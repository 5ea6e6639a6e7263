#pragma once
// Leaders carried over from the old child grids to the new ones (internal to regrid_geo).

#include <vector>

#include "wangge/regrid/regrid.hpp"

namespace wangge::regrid {

/// Gives each new grid of @p plan the leader of the old child it shares the most households
/// with, one new grid per old leader (ties: the lower old, then new, index), and fills the
/// plan's vacant, unplaced, leader_from and households_moved. @p new_of_building is the index
/// into plan.grids of each of @p buildings, or -1 for a building outside the parent.
void carry_leaders(ParentPlan& plan, const std::vector<const grid::Grid*>& old_children,
                   const std::vector<Building>& buildings, const std::vector<int>& new_of_building);

}  // namespace wangge::regrid
