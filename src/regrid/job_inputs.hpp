#pragma once
// Reading the open reports of `wangge regrid --reports` (internal to regrid_geo; the units
// and roads readers are public, in job.hpp).

#include <string>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::regrid {

/// An open report's id and position (lon/lat).
struct ReportPoint {
  std::string id;
  geo::XY at;
};

/// The reports of the CSV @p path (columns id, lon, lat; rows without a position are skipped).
/// @throws Error(unreadable_source) for a file that cannot be read, Error(invalid_data) naming
///         the line for malformed CSV or a header without id, lon and lat.
std::vector<ReportPoint> read_reports(const std::string& path);

}  // namespace wangge::regrid
