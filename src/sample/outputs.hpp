#pragma once
// The sample's point outputs: service points and buildings (GeoJSON), reports (CSV).

#include <string>

#include "households.hpp"
#include "random.hpp"
#include "streets.hpp"

namespace wangge::sample {

/// Writes the service points (党群服务中心 / 便民服务中心) on street nodes. @returns how many.
std::size_t write_service_points(const std::string& path, const Hierarchy& h,
                                 const std::vector<Way>& ways, const geo::LocalProjection& proj,
                                 Random& rng);

/// Writes ~2,000 reports spread by households, a few just outside the subdistrict (GPS error)
/// and a handful far outside. @returns how many.
std::size_t write_reports(const std::string& path, const Tessellation& t, const Hierarchy& h,
                          const Population& people, const geo::LocalProjection& proj, Random& rng);

/// Writes the residential buildings (GeoJSON points with `households`, `unit`): each unit's
/// households split into buildings of 4–40 households placed inside the unit, so that the
/// buildings of a unit sum exactly to its households (the re-gridding input). @returns how many.
std::size_t write_buildings(const std::string& path, const std::vector<grid::Grid>& grids,
                            Random& rng);

}  // namespace wangge::sample
