#pragma once
// Batch assignment of points to grids: CSV (lon/lat columns) or GeoJSON points in, every input
// row out with the assignment appended. A bad row is rejected with its line number and reason
// — and still written, flagged — so nothing is lost and the batch always finishes.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/datum.hpp"
#include "wangge/grid/grid_index.hpp"

namespace wangge::service {

struct AssignOptions {
  std::string input;                     ///< .csv or .geojson/.json
  std::string output;                    ///< same family as the input
  std::optional<std::string> lon_field;  ///< CSV: default lon, lng, longitude or x
  std::optional<std::string> lat_field;  ///< CSV: default lat, latitude or y
  geo::Datum datum = geo::Datum::wgs84;  ///< datum of the input coordinates
  std::vector<std::string> columns;      ///< assignment columns to append; empty: all
  unsigned threads = 0;                  ///< 0: all cores
  bool progress = true;                  ///< draw a progress bar when stderr is a terminal
};

struct RejectedRow {
  std::size_t line = 0;  ///< CSV line, or GeoJSON feature number (1-based)
  std::string reason;
};

struct AssignSummary {
  std::string format;        ///< "csv" or "geojson"
  std::size_t rows = 0;      ///< data rows / features read
  std::size_t points = 0;    ///< rows with a usable point
  std::size_t assigned = 0;  ///< inside + outside
  std::size_t on_boundary = 0;
  std::size_t outside = 0;  ///< assigned within the outside tolerance
  std::size_t not_covered = 0;
  std::vector<RejectedRow> rejected;
  double seconds = 0;         ///< whole run: read, locate, write
  double locate_seconds = 0;  ///< the locate phase alone
  unsigned threads = 1;
};

/// Every assignment column, in the default order.
const std::vector<std::string>& assignment_columns();

/// Runs the batch. @throws Error(unreadable_source / invalid_argument) when the input cannot
/// be read at all, its header lacks the coordinate columns, or the output cannot be written.
AssignSummary assign_file(const grid::GridIndex& index, const AssignOptions& options);

}  // namespace wangge::service
