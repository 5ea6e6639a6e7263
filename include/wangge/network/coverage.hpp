#pragma once
// Coverage of the 15-minute circle: for each service type, the share of each grid's area and
// households within walking threshold of a service point of that type, at every level, and
// the uncovered area as polygons — where the next service centre is needed.
//
// The area is counted on the isochrones' raster (default 10 m cells), each cell by its
// centre, with the dispatch rule's walking cost. Households are spread evenly over their
// neighbourhood unit's area (until buildings with households are loaded), so a unit's
// covered households are its households times its covered share of area.

#include <string>
#include <vector>

#include "wangge/grid/grid_index.hpp"
#include "wangge/network/isochrone.hpp"

namespace wangge::network {

struct CoverageRow {
  std::size_t grid = 0;  ///< index in the GridSet
  double area_m2 = 0;
  double covered_m2 = 0;
  double households = 0;
  double covered_households = 0;
};

struct Coverage {
  std::string service_type;       ///< "" = any service point
  std::vector<CoverageRow> rows;  ///< one per grid, in GridSet order
  geo::MultiPolygon uncovered;    ///< WGS-84 lon/lat, inside the grids
};

/// Coverage for each of @p types. @throws Error(invalid_argument) for an unknown type.
std::vector<Coverage> coverage(const NearestService& service, const SnapRaster& raster,
                               const grid::GridIndex& grids, const std::vector<std::string>& types);

}  // namespace wangge::network
