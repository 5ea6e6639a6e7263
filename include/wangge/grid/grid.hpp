#pragma once
// The grid model: one grid (网格) of a hierarchy such as subdistrict (街道) → block (片区) →
// group (小组) → neighbourhood unit (邻), with its responsible leader.

#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::grid {

/// The person responsible for a grid (片长 / 组长 / 邻长 / 网格长 ...). Personal data.
struct Leader {
  std::string name;
  std::string role;
  std::string phone;
};

/// One grid as read from a source. Geometry is WGS-84 lon/lat.
struct Grid {
  std::string id;            ///< unique id within the set
  std::string parent_id;     ///< id of the enclosing grid; empty for a root
  std::optional<int> level;  ///< level number as given by the source, if any
  std::string level_name;    ///< e.g. "片区" (block); may be empty
  std::string code;          ///< grid code (DB11/T 2157 style), may be empty
  std::string name;
  Leader leader;
  std::optional<long long> households;
  std::optional<long long> residents;
  geo::MultiPolygon geometry;
  long long fid = -1;  ///< feature id in the source, for messages
};

/// Names a grid in messages: "grid '<id>' (feature <fid>)".
std::string describe(const Grid& grid);

}  // namespace wangge::grid
