#pragma once
// Street blocks and units of one parent, in a local metric frame (internal to regrid_geo).

#include <cstdint>
#include <vector>

#include "wangge/geo/geos.hpp"
#include "wangge/regrid/partition.hpp"

namespace wangge::regrid {

struct Unit {
  geos::Geometry shape;  ///< polygonal, metres
  std::int64_t households = 0;
  int block = 0;               ///< the street block it lies in
  std::vector<int> buildings;  ///< indices into the buildings given to build_units
};

struct UnitSet {
  std::vector<Unit> units;
  int blocks = 0;
  UnitGraph graph;  ///< one node per unit, same order
};

/// Street blocks of @p parent (metres) cut by @p roads (metres), then units: blocks with more
/// than @p heavy households become the Voronoi cells of their buildings. Buildings outside the
/// parent are ignored. Slivers (< 1 m²) and pieces without a neighbour join the neighbour
/// nearest to them, so every unit has area and the graph of a connected parent is connected.
UnitSet build_units(const geos::Context& ctx, const GEOSGeometry* parent,
                    const std::vector<geo::XY>& buildings,
                    const std::vector<std::int64_t>& households,
                    const std::vector<std::vector<geo::XY>>& roads, std::int64_t heavy);

}  // namespace wangge::regrid
