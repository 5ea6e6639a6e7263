#pragma once
// GridSet: one generation of a grid hierarchy with parents resolved to indices. Building a set
// checks the structure (unique ids, existing parents, no cycles); geometry rules are the
// validator's job (grid/validate.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/grid/grid.hpp"

namespace wangge::grid {

class GridSet {
 public:
  /// @throws Error(invalid_topology) listing duplicate ids, missing parents or cycles.
  static GridSet build(std::vector<Grid> grids);

  std::size_t size() const noexcept { return grids_.size(); }
  const Grid& operator[](std::size_t i) const { return grids_[i]; }
  const std::vector<Grid>& grids() const noexcept { return grids_; }

  std::optional<std::size_t> parent(std::size_t i) const;
  const std::vector<std::size_t>& children(std::size_t i) const { return children_[i]; }
  /// 0 for a root, 1 for its children, ...
  int depth(std::size_t i) const { return depth_[i]; }
  int max_depth() const noexcept { return max_depth_; }
  std::optional<std::size_t> find(std::string_view id) const;

  /// The display name of a depth: the first non-empty level_name of a grid at that depth,
  /// else "level N".
  const std::string& level_name(int depth) const;
  /// The display level number of grid @p i: its source level when given, else its depth.
  int level(std::size_t i) const;

 private:
  std::vector<Grid> grids_;
  std::vector<std::ptrdiff_t> parent_;
  std::vector<std::vector<std::size_t>> children_;
  std::vector<int> depth_;
  std::unordered_map<std::string, std::size_t> by_id_;
  int max_depth_ = 0;
  std::vector<std::string> level_names_;  // by depth
};

}  // namespace wangge::grid
