#pragma once
// Population and hierarchy of the sample: households and residents per unit, and the grid
// nodes (subdistrict, blocks, groups, units) built as unions of unit cells.

#include <string>
#include <vector>

#include "random.hpp"
#include "tessellation.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/grid/grid.hpp"

namespace wangge::sample {

struct Population {
  std::vector<long long> households;  ///< per unit cell
  std::vector<long long> residents;   ///< per unit cell
};

/// Spreads exactly @p households and @p residents over the cells (≥ 5 households per unit,
/// household size around 2.97), denser near the town centre.
Population distribute_population(const Tessellation& t, long long households, long long residents,
                                 Random& rng);

/// One grid of the hierarchy while it is being built.
struct Node {
  int index = 0;          ///< index within its level
  int parent_index = -1;  ///< index of the parent within the level above
  std::string id, code, parent, name;
  geo::MultiPolygon metres;  ///< geometry in the local frame
  geo::XY centre{0, 0};      ///< area centroid (metres)
  double north = 0, south = 0;
  long long households = 0, residents = 0;
};

struct Hierarchy {
  Node root;
  std::vector<Node> blocks, groups, units;
  const geo::LocalProjection* proj = nullptr;
};

Hierarchy build_hierarchy(const Tessellation& t, const std::vector<int>& block,
                          const std::vector<int>& group, int blocks, int groups,
                          const Population& people, const geo::LocalProjection& proj);

/// The hierarchy as grids in WGS-84 with levels, names and (fictional) leaders, ordered root,
/// blocks, groups, units, each level by code.
std::vector<grid::Grid> to_grids(const Hierarchy& h, Random& rng);

/// Converts a metres geometry to lon/lat with @p proj.
geo::MultiPolygon to_lonlat(const geo::MultiPolygon& m, const geo::LocalProjection& proj);

}  // namespace wangge::sample
