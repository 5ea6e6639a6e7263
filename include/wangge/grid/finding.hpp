#pragma once
// A finding of the validator or importer: which rule is broken, by which grids, where.

#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::grid {

enum class Severity { error, warning, info };

struct Finding {
  std::string rule;  ///< stable rule name, e.g. "sibling-overlap"
  Severity severity = Severity::error;
  std::string message;                ///< full sentence naming grids, place and measure
  std::vector<std::string> grid_ids;  ///< grids involved
  std::optional<long long> fid;       ///< source feature id of the first grid, when known
  std::optional<geo::XY> where;       ///< a coordinate (lon/lat) at the problem
  std::optional<double> area_m2;      ///< size of the problem area, when it has one
};

std::string_view to_string(Severity s) noexcept;

}  // namespace wangge::grid
