#pragma once
// `wangge regrid`: reads the parents, the units (buildings or address points with households)
// and optionally the roads through GDAL, re-grids every parent (in parallel), validates the
// new generation with the foundation's validator and reports what changed. A parent whose grids
// cannot be drawn valid fails alone: it keeps its old grids and the others are re-gridded.

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
  /// One per parent, in the parents' order. A failed plan (ParentPlan::failure) has no grids:
  /// that parent keeps its old grids in the generation.
  std::vector<ParentPlan> plans;
  /// What is written: the new grid generation, valid (checked with the grid validator as a
  /// whole, or per parent with --only-new, when it holds only the new grids).
  std::vector<grid::Grid> generation;
  std::vector<ReportChange> changes;
  std::size_t reports_checked = 0;
  std::vector<std::string> notes;  ///< how inputs were read, for stderr (e.g. a bare JSON array)
  double seconds = 0;

  /// The number of plans with a failure.
  std::size_t failed_parents() const;
};

struct UnitsRead {
  std::vector<Building> buildings;
  std::vector<std::string> notes;  ///< how the source was read
};

/// The units of @p path (points, or areas by a point on their surface) with the integer field
/// @p households_field, in WGS-84. @throws Error(invalid_data) naming the feature and rule.
UnitsRead read_units(const std::string& path, const std::string& households_field);
/// read_units without the notes.
std::vector<Building> read_buildings(const std::string& path, const std::string& households_field);
/// The lines of @p path (an OSM file: its highways and waterways), in WGS-84.
std::vector<Road> read_roads(const std::string& path);

/// Runs the job, with a progress bar over the parents on a terminal. Stops between parents when
/// @p interrupted becomes true (Error(unavailable)). Parents that fail are in the outcome, not
/// thrown.
/// @throws Error(unreadable_source / invalid_data / invalid_argument / not_found) naming the
///         input: unreadable sources, invalid parent polygons, bad units, a bad band, unknown
///         parents, input grids carried over unchanged that fail validation.
RegridOutcome run_regrid(const RegridJob& job, const std::atomic<bool>* interrupted);

/// The metrics of a run as JSON: totals and one entry per parent.
nlohmann::json metrics_json(const RegridJob& job, const RegridOutcome& outcome);

/// The same as a readable table.
std::string metrics_table(const RegridJob& job, const RegridOutcome& outcome);

}  // namespace wangge::regrid
