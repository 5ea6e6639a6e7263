#pragma once
// Reading grids from any OGR source through GDAL: GeoJSON, GeoPackage, Shapefile, FlatGeobuf,
// CSV with a WKT column, ... Coordinates are normalised to WGS-84 lon/lat: the layer's CRS is
// reprojected through PROJ with the axis order forced to lon/lat, then a declared datum
// (GCJ-02 / BD-09) is converted to WGS-84.

#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/datum.hpp"
#include "wangge/grid/finding.hpp"
#include "wangge/grid/grid.hpp"

namespace wangge::grid {

/// Which source field feeds which grid attribute. An unset mapping uses the default field
/// name when the layer has it (id, parent_id, level, level_name, code, name, leader_name,
/// leader_role, leader_phone, households, residents); a set mapping must exist in the layer.
/// Without an id field the feature id is the grid id; without a parent field the layer is
/// one level.
///
/// A default that does not hold what its name promises is not used, with a note: a parent
/// field holding JSON objects or arrays (not ids), a level field holding text that is not a
/// whole number. A set mapping is used as told: a parent field of JSON objects is refused.
struct FieldMapping {
  std::optional<std::string> id, parent, level, level_name, code, name, leader_name, leader_role,
      leader_phone, households, residents;
  bool flat = false;  ///< one level: no parent links whatever the fields (parent must be unset)
};

struct ImportOptions {
  std::optional<std::string> layer;  ///< layer name; default: the first layer
  FieldMapping fields;
  std::optional<geo::Datum> datum;  ///< datum of the lon/lat values; default from the CRS
};

struct ImportResult {
  std::vector<Grid> grids;               ///< every feature, in source order
  std::vector<Finding> problems;         ///< per-feature problems met while reading
  std::string layer;                     ///< the layer read
  std::string crs;                       ///< how coordinates were normalised
  std::vector<std::string> fields_used;  ///< "id <- id", "parent <- parent_id", ...
  /// How the source was read where it was not as expected, one sentence each (for stderr): a
  /// bare JSON array read as a FeatureCollection, a default field not used and why.
  std::vector<std::string> notes;
};

/// @throws Error(unreadable_source) when the source cannot be opened or has no such layer,
///         Error(invalid_argument) when a mapped field does not exist (the message lists the
///         layer's fields), when the mapped parent field holds JSON objects or arrays, or when
///         `flat` comes with a parent field.
ImportResult import_grids(const std::string& path, const ImportOptions& options);

}  // namespace wangge::grid
