#pragma once
// wangge::Service — the one facade the CLI, the HTTP layer and the tests call. It owns the
// current grid snapshot (an immutable GridIndex held by shared_ptr, swapped whole on reload).

#include <memory>
#include <string>
#include <vector>

#include "wangge/geo/datum.hpp"
#include "wangge/geo/lonlat.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/grid/import.hpp"
#include "wangge/grid/validate.hpp"

namespace wangge {

/// One grid of a locate answer's chain.
struct ChainEntry {
  std::string id;
  std::string code;
  std::string name;
  int level = 0;
  std::string level_name;
  Leader leader;
};

/// The answer to "which grid is this point in, and who is responsible".
struct LocateAnswer {
  LocateAnswer(LonLat in, Datum d, LonLat normalised) : input(in), datum(d), wgs84(normalised) {}

  LonLat input;                  ///< as given, in its datum
  Datum datum = Datum::wgs84;
  LonLat wgs84;                  ///< normalised position used for the look-up
  LocateStatus status = LocateStatus::not_covered;
  std::vector<ChainEntry> chain; ///< finest grid first, then its parents to the root
  bool on_boundary = false;
  std::vector<std::string> covering;  ///< ids of all grids of the finest level covering it
  double boundary_distance_m = 0;
};

std::string_view to_string(LocateStatus s) noexcept;

/// Result of reading and validating a grid source.
struct ValidationRun {
  ImportResult import;
  ValidationReport report;
};

class Service {
 public:
  Service() = default;

  /// Reads and validates a grid source. Import problems are merged into the findings.
  /// @throws Error(unreadable_source / invalid_argument) when the source cannot be read.
  static ValidationRun validate_grids(const std::string& path, const ImportOptions& import,
                                      const ValidationOptions& validation);

  /// Reads a grid source and makes it the current snapshot.
  /// @throws Error(invalid_topology) when the hierarchy cannot be indexed.
  void load_grids(const std::string& path, const ImportOptions& import,
                  double outside_tolerance_m = 50.0);
  /// Makes @p grids the current snapshot (used by tests and importers).
  void set_grids(std::vector<Grid> grids, double outside_tolerance_m = 50.0);

  /// The current snapshot; @throws Error(not_found) when no grids are loaded.
  std::shared_ptr<const GridIndex> grid_index() const;

  /// Locates a point given in @p datum. Thread-safe.
  LocateAnswer locate(LonLat point, Datum datum = Datum::wgs84) const;
  /// Same, on an explicit snapshot (hot loops take the snapshot once).
  static LocateAnswer locate(const GridIndex& index, LonLat point, Datum datum);

 private:
  std::shared_ptr<const GridIndex> index_;
};

}  // namespace wangge
