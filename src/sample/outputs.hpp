#pragma once
// The sample's point outputs: service points and buildings (GeoJSON), reports and households
// (CSV).

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

/// A residential building of the sample.
struct Building {
  std::string id, unit;
  long long households = 0;
  geo::XY at;  ///< WGS-84 lon/lat
};

/// Writes the residential buildings (GeoJSON points with `households`, `unit`): each unit's
/// households split into buildings of 4–40 households placed inside the unit, so that the
/// buildings of a unit sum exactly to its households (the re-gridding input). @returns them.
std::vector<Building> write_buildings(const std::string& path, const std::vector<grid::Grid>& grids,
                                      Random& rng);

/// Writes households.csv: every household of every building (户: an address in it, its size,
/// flags such as 独居老人 at realistic rates, a contact), the roster `wangge visits import`
/// reads. Names and phone numbers are made up. @returns how many.
std::size_t write_households(const std::string& path, const std::vector<Building>& buildings,
                             Random& rng);

/// Writes patrols.json: a patrol route (巡查线路) for every group (小组), walked by its 网格员,
/// of 2 to 4 check-in points near its buildings — every third a drowning-risk route (防溺水,
/// three times a day), the others fire safety (消防, once each working day) or a security walk
/// (治安, twice a day). @returns how many routes.
std::size_t write_patrols(const std::string& path, const std::vector<Building>& buildings,
                          Random& rng);

}  // namespace wangge::sample
