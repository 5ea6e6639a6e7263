#pragma once
// Reading service points (党群服务中心, 便民服务中心 …) from any OGR point source through GDAL:
// fields id, name, kind, services (semicolon-separated service types), opening_hours and
// street when present; coordinates normalised to WGS-84 like grids.

#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/datum.hpp"
#include "wangge/network/nearest.hpp"

namespace wangge::network {

/// @throws Error(unreadable_source) for a source that cannot be read; Error(invalid_data)
///         naming the feature for a non-point geometry, a missing id or a duplicate id.
std::vector<ServicePoint> import_service_points(const std::string& path,
                                                std::optional<geo::Datum> datum = std::nullopt);

}  // namespace wangge::network
