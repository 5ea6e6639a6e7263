#pragma once
// `wangge regrid`: reads the parents, the units (buildings or address points with households)
// and optionally the roads through GDAL, re-grids every parent (in parallel), validates the
// new generation with the foundation's validator and reports what changed.

#include <atomic>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "wangge/regrid/regrid.hpp"

namespace wangge::regrid {

struct RegridJob {
  std::string parents;                  ///< a grid source (all levels; children carry the leaders)
  int parent_level = 1;                 ///< the level whose grids are re-drawn
  std::vector<std::string> parent_ids;  ///< only these parents (default: every one of the level)
  std::string units;                    ///< points or polygons with households, any OGR source
  std::string households_field = "households";
  std::string roads;    ///< optional: an OSM file (.osm/.pbf) or any line source
  std::string reports;  ///< optional: a CSV of open reports (id, lon, lat) for the diff
  ParentOptions parent;
  unsigned threads = 0;   ///< 0: every core
  bool only_new = false;  ///< write the new grids only (for merging parents' runs)
};

/// An open report whose grid or leader would change.
struct ReportChange {
  std::string report, old_grid, old_leader, new_grid, new_leader;
};

struct RegridOutcome {
  std::vector<std::string> parent_codes;
  std::vector<ParentPlan> plans;  ///< one per parent, in the parents' order
  std::vector<Grid> generation;   ///< what is written: the new grid generation
  std::vector<ReportChange> changes;
  std::size_t reports_checked = 0;
  std::size_t validation_errors = 0;
  std::vector<std::string> validation_messages;
  double seconds = 0;
};

/// The units of @p path (points, or areas by a point on their surface) with the integer field
/// @p households_field, in WGS-84. @throws Error(invalid_data) naming the feature and rule.
std::vector<Building> read_buildings(const std::string& path, const std::string& households_field);
/// The lines of @p path (an OSM file: its highways and waterways), in WGS-84.
std::vector<Road> read_roads(const std::string& path);

/// Runs the job, with a progress bar over the parents on a terminal. Stops between parents when
/// @p interrupted becomes true (Error(unavailable)).
/// @throws Error(unreadable_source / invalid_data / invalid_argument) naming the input.
RegridOutcome run_regrid(const RegridJob& job, const std::atomic<bool>* interrupted);

/// The metrics of a run as JSON: totals and one entry per parent.
nlohmann::json metrics_json(const RegridJob& job, const RegridOutcome& outcome);

/// The same as a readable table.
std::string metrics_table(const RegridJob& job, const RegridOutcome& outcome);

}  // namespace wangge::regrid
