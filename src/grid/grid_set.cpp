#include "wangge/grid/grid_set.hpp"

#include <algorithm>

#include "wangge/util/error.hpp"

namespace wangge::grid {

std::string describe(const Grid& grid) {
  std::string out = "grid '" + grid.id + "'";
  if (grid.fid >= 0) out += " (feature " + std::to_string(grid.fid) + ")";
  return out;
}

GridSet GridSet::build(std::vector<Grid> grids) {
  GridSet set;
  set.grids_ = std::move(grids);
  const std::size_t n = set.grids_.size();
  std::vector<std::string> problems;
  auto note = [&](std::string p) {
    if (problems.size() < 5)
      problems.push_back(std::move(p));
    else if (problems.size() == 5)
      problems.push_back("...");
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!set.by_id_.emplace(set.grids_[i].id, i).second) {
      note("duplicate id '" + set.grids_[i].id + "'");
    }
  }
  set.parent_.assign(n, -1);
  set.children_.assign(n, {});
  for (std::size_t i = 0; i < n; ++i) {
    const Grid& g = set.grids_[i];
    if (g.parent_id.empty()) continue;
    auto it = set.by_id_.find(g.parent_id);
    if (it == set.by_id_.end()) {
      note(describe(g) + " names parent '" + g.parent_id + "', which does not exist");
      continue;
    }
    set.parent_[i] = static_cast<std::ptrdiff_t>(it->second);
    set.children_[it->second].push_back(i);
  }
  set.depth_.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    // Walk up to a grid of known depth (or the root), with a step limit to catch cycles.
    std::vector<std::size_t> path;
    std::ptrdiff_t cur = static_cast<std::ptrdiff_t>(i);
    while (cur >= 0 && set.depth_[cur] < 0 && path.size() <= n) {
      path.push_back(static_cast<std::size_t>(cur));
      cur = set.parent_[cur];
    }
    if (path.size() > n) {
      note(describe(set.grids_[i]) + " is part of a parent cycle");
      for (std::size_t p : path) set.depth_[p] = 0;
      continue;
    }
    int d = cur >= 0 ? set.depth_[cur] + 1 : 0;
    for (auto it = path.rbegin(); it != path.rend(); ++it) set.depth_[*it] = d++;
  }
  if (!problems.empty()) {
    std::string msg = "the grid hierarchy cannot be indexed (run `wangge validate`): ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw Error(ErrorCode::invalid_topology, msg);
  }
  for (int d : set.depth_) set.max_depth_ = std::max(set.max_depth_, d);
  set.level_names_.assign(static_cast<std::size_t>(set.max_depth_) + 1, "");
  for (std::size_t i = 0; i < n; ++i) {
    std::string& name = set.level_names_[static_cast<std::size_t>(set.depth_[i])];
    if (name.empty()) name = set.grids_[i].level_name;
  }
  for (std::size_t d = 0; d < set.level_names_.size(); ++d) {
    if (set.level_names_[d].empty()) set.level_names_[d] = "level " + std::to_string(d);
  }
  return set;
}

std::optional<std::size_t> GridSet::parent(std::size_t i) const {
  if (parent_[i] < 0) return std::nullopt;
  return static_cast<std::size_t>(parent_[i]);
}

std::optional<std::size_t> GridSet::find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

const std::string& GridSet::level_name(int depth) const {
  return level_names_.at(static_cast<std::size_t>(depth));
}

int GridSet::level(std::size_t i) const {
  return grids_[i].level.value_or(depth_[i]);
}

}  // namespace wangge::grid
