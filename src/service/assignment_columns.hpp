#pragma once
// The columns `wangge assign` appends to every input row, and their values for one point.
// Private to the service module.

#include <array>
#include <string>
#include <vector>

#include "wangge/grid/grid_index.hpp"

namespace wangge::service {

/// Every assignment column, in default order.
const std::vector<std::string>& all_assignment_columns();

/// A chosen list of assignment columns with everything that depends only on the grid
/// (id, code, names, chain, leaders) formatted once per grid, so a row costs a few appends.
class AssignmentColumns {
 public:
  /// @param names  columns to write, in this order; empty: all, in default order
  /// @throws Error(invalid_argument) naming an unknown or repeated column and listing the known
  /// ones.
  AssignmentColumns(const grid::GridSet& set, const std::vector<std::string>& names);

  const std::vector<std::string>& names() const noexcept { return names_; }

  /// The chosen columns' values for a located point ("" where a value does not apply).
  std::vector<std::string> values(const grid::Location& loc) const;
  /// The chosen columns' values for a rejected row: status "rejected" and the reason.
  std::vector<std::string> rejected(const std::string& reason) const;

  /// Appends "," and the chosen columns of a located point, CSV-escaped, to @p out.
  void append_csv(const grid::Location& loc, std::string& out) const;
  /// An upper bound of the bytes append_csv writes for a point covered by one grid.
  std::size_t max_csv_size() const noexcept { return max_csv_size_; }

 private:
  enum Column : int;
  static constexpr std::size_t kPerGrid = 9;  // grid_id .. leader_chain
  std::string value(Column c, const grid::Location& loc) const;

  const grid::GridSet& set_;
  std::vector<std::string> names_;
  std::vector<Column> columns_;
  std::vector<std::array<std::string, kPerGrid>> raw_;      // per grid
  std::vector<std::array<std::string, kPerGrid>> escaped_;  // per grid, CSV-escaped
  std::size_t max_csv_size_ = 0;
};

}  // namespace wangge::service
