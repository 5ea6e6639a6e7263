#include "wangge/geo/gdal.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>

#include "wangge/util/error.hpp"

namespace wangge::gdal {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
}

void DatasetCloser::operator()(GDALDataset* ds) const noexcept {
  if (ds) GDALClose(GDALDataset::ToHandle(ds));
}

std::string last_error() {
  const char* msg = CPLGetLastErrorMsg();
  return msg ? msg : "";
}

namespace {

void refuse_remote(const std::string& path) {
  const bool remote = path.rfind("/vsi", 0) == 0 || path.find("://") != std::string::npos ||
                      path.rfind("http:", 0) == 0 || path.rfind("https:", 0) == 0 ||
                      path.rfind("PG:", 0) == 0;
  if (remote) {
    throw Error(ErrorCode::invalid_argument,
                "'" + path +
                    "': only local files are read (URLs, /vsi* and database "
                    "connection strings are refused)");
  }
}

struct Collection {
  std::string text;  ///< a GeoJSON FeatureCollection
  std::string note;
};

/// When @p path holds a bare JSON array (its first character, after a UTF-8 byte-order mark and
/// white space, is '['): the FeatureCollection of its elements, which must all be Features.
/// @throws Error(unreadable_source) for invalid JSON or an element that is not a Feature.
std::optional<Collection> feature_array_as_collection(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t at = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  if (at >= text.size() || text[at] != '[') return std::nullopt;
  const std::string where = "cannot read '" + path + "': ";
  nlohmann::json array;
  try {
    array = nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(at), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                where + "it starts as a JSON array but is not valid JSON (at byte " +
                    std::to_string(at + e.byte) + ")");
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json& e = array[i];
    const auto type = e.is_object() && e.contains("type") && e["type"].is_string()
                          ? e["type"].get<std::string>()
                          : std::string();
    if (type != "Feature") {
      throw Error(ErrorCode::unreadable_source,
                  where + "it holds a JSON array whose element " + std::to_string(i) + " is " +
                      (type.empty() ? std::string("not a GeoJSON object") : "a " + type) +
                      ", not a Feature; a bare array is read only when every element is a "
                      "GeoJSON Feature (or write a FeatureCollection)");
    }
  }
  const std::size_t n = array.size();
  nlohmann::json collection{{"type", "FeatureCollection"}, {"features", std::move(array)}};
  return Collection{collection.dump(),
                    "'" + path + "' holds a bare JSON array of " + std::to_string(n) +
                        " features, not a GeoJSON FeatureCollection: read as a FeatureCollection"};
}

}  // namespace

OpenedVector open_vector_with_notes(const std::string& path) {
  init();
  refuse_remote(path);
  CPLErrorReset();
  auto* ds = static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (ds) return {Dataset(ds), {}};
  std::string reason = last_error();
  if (auto collection = feature_array_as_collection(path)) {
    // GeoJSON text is a source GDAL opens directly (no temporary file to clean up).
    CPLErrorReset();
    ds = static_cast<GDALDataset*>(GDALOpenEx(
        collection->text.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (ds) return {Dataset(ds), {collection->note}};
    reason = last_error();
  }
  if (reason.empty()) reason = "not a vector data source GDAL can read";
  throw Error(ErrorCode::unreadable_source, "cannot read '" + path + "': " + reason);
}

Dataset open_vector(const std::string& path) {
  return open_vector_with_notes(path).dataset;
}

Dataset open_vector(const std::string& path, const std::vector<std::string>& drivers,
                    const std::vector<std::string>& open_options) {
  init();
  refuse_remote(path);
  auto to_list = [](const std::vector<std::string>& v) {
    std::vector<const char*> list;
    for (const std::string& s : v) list.push_back(s.c_str());
    list.push_back(nullptr);
    return list;
  };
  const auto allowed = to_list(drivers), options = to_list(open_options);
  CPLErrorReset();
  auto* ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                                  allowed.data(), options.data(), nullptr));
  if (ds) return Dataset(ds);
  std::string reason = last_error();
  if (reason.empty()) reason = "not a file the " + drivers.front() + " driver can read";
  throw Error(ErrorCode::unreadable_source, "cannot read '" + path + "': " + reason);
}

std::string driver_for_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == "gpkg") return "GPKG";
  if (ext == "geojson" || ext == "json") return "GeoJSON";
  if (ext == "shp") return "ESRI Shapefile";
  if (ext == "fgb") return "FlatGeobuf";
  if (ext == "kml") return "KML";
  if (ext == "csv") return "CSV";
  if (ext == "xlsx") return "XLSX";
  return "";
}

Dataset create_vector(const std::string& path, const std::string& driver) {
  init();
  refuse_remote(path);
  const std::string name = driver.empty() ? driver_for_extension(path) : driver;
  if (name.empty()) {
    throw Error(ErrorCode::invalid_argument,
                "cannot tell the output format of '" + path +
                    "': use .gpkg, .geojson, .shp, .fgb, .kml, .csv or .xlsx");
  }
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(name.c_str());
  if (!drv) throw Error(ErrorCode::invalid_argument, "GDAL has no driver '" + name + "'");
  CPLErrorReset();
  GDALDataset* ds = drv->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
  if (!ds) {
    throw Error(ErrorCode::unreadable_source, "cannot create '" + path + "': " + last_error());
  }
  return Dataset(ds);
}

std::optional<geo::Datum> datum_of(const OGRSpatialReference* srs) {
  if (!srs) return std::nullopt;
  return geo::Datum::wgs84;  // any CRS with a definition is reprojected to WGS-84 through PROJ
}

ToWgs84::ToWgs84(const OGRSpatialReference* source, geo::Datum datum) : datum_(datum) {
  if (source) {
    OGRSpatialReference src(*source);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const char* auth = src.GetAuthorityName(nullptr);
    const char* code = src.GetAuthorityCode(nullptr);
    const std::string name = auth && code ? std::string(auth) + ":" + code
                                          : std::string(src.GetName() ? src.GetName() : "CRS");
    if (!src.IsSame(&wgs84)) {
      CPLErrorReset();
      transform_ = OGRCreateCoordinateTransformation(&src, &wgs84);
      if (!transform_) {
        throw Error(ErrorCode::invalid_data,
                    "no transformation from " + name + " to WGS-84: " + last_error());
      }
      description_ = name + " -> WGS-84";
    } else {
      description_ = name + " (WGS-84 lon/lat)";
    }
  } else {
    description_ = "no CRS: lon/lat assumed";
  }
  if (datum_ != geo::Datum::wgs84) {
    description_ += ", datum " + std::string(to_string(datum_)) + " -> wgs84";
  }
}

ToWgs84::~ToWgs84() {
  if (transform_) OGRCoordinateTransformation::DestroyCT(transform_);
}

bool ToWgs84::apply(double& x, double& y) const {
  if (transform_ && !transform_->Transform(1, &x, &y)) return false;
  if (datum_ != geo::Datum::wgs84) {
    auto p = geo::LonLat::try_make(geo::Longitude(x), geo::Latitude(y));
    if (!p) return false;
    const geo::LonLat w = geo::to_wgs84(*p, datum_);
    x = w.lon();
    y = w.lat();
  }
  return std::isfinite(x) && std::isfinite(y);
}

}  // namespace wangge::gdal
