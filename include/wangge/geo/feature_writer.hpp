#pragma once
// Writing features to any OGR vector format through GDAL (GeoPackage, GeoJSON, Shapefile,
// FlatGeobuf, KML, CSV…), in WGS-84 (EPSG:4326, lon/lat order). The output appears only when
// complete: it is written under a temporary directory and moved into place at the end.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::geo {

struct FieldDef {
  enum class Type { text, integer, real, boolean, binary };
  std::string name;
  Type type = Type::text;
};

/// The bytes of a binary field (a GeoPackage BLOB: a photo).
struct Bytes {
  std::string data;
};

/// monostate = no value (the field is left unset).
using FieldValue = std::variant<std::monostate, std::string, long long, double, bool, Bytes>;

/// @p s as a text field's value, left unset when empty.
inline FieldValue text_value(const std::string& s) {
  return s.empty() ? FieldValue{} : FieldValue{s};
}

struct OutFeature {
  std::vector<FieldValue> values;  ///< one per field, in order
  MultiPolygon polygons;           ///< for polygon layers
  std::optional<XY> point;         ///< for point layers
};

enum class GeometryKind {
  multipolygon,
  point,
  none,  ///< a plain table (statistics): no geometry in any format
};

/// Decimals of the coordinates written to GeoJSON (1e-9° ≈ 0.1 mm: small files, and far finer
/// than any survey), and the grid of degrees they lie on. Geometry that must stay valid once
/// written (re-gridding) is snapped to this grid.
inline constexpr int kGeoJsonDecimals = 9;
inline constexpr double kGeoJsonGridDegrees = 1e-9;

/// One layer (a sheet of a workbook) to write.
struct OutLayer {
  std::string name;
  GeometryKind kind = GeometryKind::none;
  std::vector<FieldDef> fields;
  std::vector<OutFeature> features;
};

/// Writes @p layers to @p path (replacing it), in order: an XLSX workbook's sheets, a
/// GeoPackage's tables. @p driver as for write_features; a format of one layer (CSV,
/// GeoJSON) takes only one. @throws as write_features.
void write_layers(const std::string& path, const std::string& driver,
                  const std::vector<OutLayer>& layers);

/// Writes one layer to @p path (replacing it). @p driver is an OGR short name ("GPKG",
/// "GeoJSON", "ESRI Shapefile", "FlatGeobuf", "KML", "CSV"); "" picks it from the extension.
/// @throws Error(invalid_argument) for an unknown format or an unwritable path.
void write_features(const std::string& path, const std::string& driver, const std::string& layer,
                    GeometryKind kind, const std::vector<FieldDef>& fields,
                    const std::vector<OutFeature>& features);

/// The layers of the vector file @p path and how many features each holds, read back through
/// GDAL (to check a file before what it holds is deleted elsewhere).
/// @throws Error(invalid_argument) when it cannot be opened.
std::vector<std::pair<std::string, long long>> count_features(const std::string& path);

}  // namespace wangge::geo
