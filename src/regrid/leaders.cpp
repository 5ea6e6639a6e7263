// Leaders carried over by household overlap, and the households that change grid.
#include "leaders.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace wangge::regrid {

void carry_leaders(ParentPlan& plan, const std::vector<const grid::Grid*>& old_children,
                   const std::vector<Building>& buildings,
                   const std::vector<int>& new_of_building) {
  std::vector<int> old_of_building(buildings.size(), -1);
  std::map<std::pair<int, int>, std::int64_t> overlap;  // (old, new) → households
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    if (new_of_building[i] < 0) continue;
    for (std::size_t o = 0; o < old_children.size(); ++o) {
      if (geo::locate_point(old_children[o]->geometry, buildings[i].at) !=
          geo::PointLocation::outside) {
        old_of_building[i] = static_cast<int>(o);
        overlap[{static_cast<int>(o), new_of_building[i]}] += buildings[i].households;
        break;
      }
    }
  }
  std::vector<std::tuple<std::int64_t, int, int>> pairs;
  for (const auto& [k, h] : overlap) pairs.emplace_back(h, k.first, k.second);
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    return std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
  });
  std::vector<int> new_of_old(old_children.size(), -1), old_of_new(plan.grids.size(), -1);
  for (const auto& [h, o, n] : pairs) {
    if (new_of_old[static_cast<std::size_t>(o)] >= 0 ||
        old_of_new[static_cast<std::size_t>(n)] >= 0)
      continue;
    new_of_old[static_cast<std::size_t>(o)] = n;
    old_of_new[static_cast<std::size_t>(n)] = o;
  }
  for (std::size_t n = 0; n < plan.grids.size(); ++n) {
    const int o = old_of_new[n];
    if (o >= 0 && !old_children[static_cast<std::size_t>(o)]->leader.name.empty()) {
      plan.grids[n].leader = old_children[static_cast<std::size_t>(o)]->leader;
      plan.leader_from.push_back(old_children[static_cast<std::size_t>(o)]->code);
    } else {
      plan.vacant.push_back(plan.grids[n].code);
      plan.leader_from.emplace_back();
    }
  }
  for (std::size_t o = 0; o < old_children.size(); ++o) {
    if (new_of_old[o] < 0 && !old_children[o]->leader.name.empty())
      plan.unplaced.push_back(old_children[o]->code + " (" + old_children[o]->leader.name + ")");
  }
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    if (new_of_building[i] < 0) continue;
    const int o = old_of_building[i];
    if (o < 0 || new_of_old[static_cast<std::size_t>(o)] != new_of_building[i])
      plan.households_moved += buildings[i].households;
  }
}

}  // namespace wangge::regrid
