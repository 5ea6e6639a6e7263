#include "wangge/geo/feature_writer.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"

namespace wangge::geo {
namespace {

OGRLinearRing to_ogr(const Ring& ring) {
  OGRLinearRing r;
  for (const XY& p : ring) r.addPoint(p.x, p.y);
  return r;
}

}  // namespace

namespace {

/// One layer into the open dataset @p ds (of @p driver), fields set by index (drivers may
/// rename them: Shapefile truncates to 10 chars).
void write_layer(GDALDataset& ds, const std::string& driver, const std::string& layer_name,
                 GeometryKind kind, const std::vector<FieldDef>& fields,
                 const std::vector<OutFeature>& features, const std::string& path) {
  // A spreadsheet (XLSX, for the office's 台账 ledgers) has no geometry column: points become
  // lon and lat columns, polygons are left out.
  const bool table = driver == "XLSX" || kind == GeometryKind::none;
  OGRSpatialReference wgs84;
  wgs84.SetWellKnownGeogCS("WGS84");
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  char** options = nullptr;
  if (driver == "GeoJSON") {
    options =
        CSLSetNameValue(options, "COORDINATE_PRECISION", std::to_string(kGeoJsonDecimals).c_str());
    options = CSLSetNameValue(options, "WRITE_NAME", "NO");
  } else if (driver == "ESRI Shapefile") {
    options = CSLSetNameValue(options, "ENCODING", "UTF-8");  // default is ISO-8859-1: 汉字 lost
  } else if (driver == "CSV") {
    if (kind != GeometryKind::none) options = CSLSetNameValue(options, "GEOMETRY", "AS_WKT");
    // A byte-order mark, or Excel on a Chinese Windows reads the UTF-8 as GBK: 乱码.
    options = CSLSetNameValue(options, "WRITE_BOM", "YES");
  }
  OGRLayer* layer = ds.CreateLayer(layer_name.c_str(), table ? nullptr : &wgs84,
                                   table                         ? wkbNone
                                   : kind == GeometryKind::point ? wkbPoint
                                                                 : wkbMultiPolygon,
                                   options);
  CSLDestroy(options);
  if (!layer)
    throw Error(ErrorCode::invalid_argument,
                "cannot create layer in '" + path + "': " + gdal::last_error());
  for (const FieldDef& f : fields) {
    const OGRFieldType type = f.type == FieldDef::Type::integer   ? OFTInteger64
                              : f.type == FieldDef::Type::real    ? OFTReal
                              : f.type == FieldDef::Type::boolean ? OFTInteger
                              : f.type == FieldDef::Type::binary  ? OFTBinary
                                                                  : OFTString;
    OGRFieldDefn def(f.name.c_str(), type);
    if (f.type == FieldDef::Type::boolean) def.SetSubType(OFSTBoolean);
    if (layer->CreateField(&def) != OGRERR_NONE) {
      throw Error(ErrorCode::invalid_argument,
                  "cannot create field '" + f.name + "' in '" + path + "': " + gdal::last_error());
    }
  }
  const bool lonlat_columns = table && kind == GeometryKind::point;
  if (lonlat_columns) {
    for (const char* name : {"lon", "lat"}) {
      OGRFieldDefn def(name, OFTReal);
      if (layer->CreateField(&def) != OGRERR_NONE)
        throw Error(ErrorCode::invalid_argument, "cannot create field '" + std::string(name) +
                                                     "' in '" + path + "': " + gdal::last_error());
    }
  }
  if (layer->StartTransaction() != OGRERR_NONE) CPLErrorReset();  // drivers without transactions
  std::size_t n = 0;
  for (const OutFeature& f : features) {
    ++n;
    OGRFeature feature(layer->GetLayerDefn());
    for (std::size_t i = 0; i < fields.size() && i < f.values.size(); ++i) {
      const int idx = static_cast<int>(i);
      const FieldValue& v = f.values[i];
      if (const auto* s = std::get_if<std::string>(&v))
        feature.SetField(idx, s->c_str());
      else if (const auto* l = std::get_if<long long>(&v))
        feature.SetField(idx, static_cast<GIntBig>(*l));
      else if (const auto* d = std::get_if<double>(&v))
        feature.SetField(idx, *d);
      else if (const auto* b = std::get_if<bool>(&v))
        feature.SetField(idx, *b ? 1 : 0);
      else if (const auto* bytes = std::get_if<Bytes>(&v))
        feature.SetField(idx, static_cast<int>(bytes->data.size()), bytes->data.data());
      // monostate: left unset (GeoJSON then omits the member, as GDAL does for absent values)
    }
    if (table) {
      if (lonlat_columns && f.point) {
        feature.SetField(static_cast<int>(fields.size()), f.point->x);
        feature.SetField(static_cast<int>(fields.size()) + 1, f.point->y);
      }
    } else if (kind == GeometryKind::point) {
      if (f.point) {
        OGRPoint p(f.point->x, f.point->y);
        feature.SetGeometry(&p);
      }
    } else {
      OGRMultiPolygon mp;
      for (const Polygon& poly : f.polygons.polygons) {
        OGRPolygon p;
        OGRLinearRing outer = to_ogr(poly.outer);
        p.addRing(&outer);
        for (const Ring& h : poly.holes) {
          OGRLinearRing hole = to_ogr(h);
          p.addRing(&hole);
        }
        mp.addGeometry(&p);
      }
      feature.SetGeometry(&mp);
    }
    if (layer->CreateFeature(&feature) != OGRERR_NONE) {
      throw Error(ErrorCode::invalid_argument, "cannot write feature " + std::to_string(n) +
                                                   " to '" + path + "': " + gdal::last_error());
    }
  }
  if (layer->CommitTransaction() != OGRERR_NONE) CPLErrorReset();
}

/// Creates @p path with the driver named (or the extension's), runs @p fill on the dataset,
/// and moves the output into place only once it is complete.
void write_dataset(const std::string& path, const std::string& driver_name,
                   const std::function<void(GDALDataset&, const std::string& driver)>& fill) {
  const std::string driver = driver_name.empty() ? gdal::driver_for_extension(path) : driver_name;
  if (driver.empty()) {
    throw Error(ErrorCode::invalid_argument,
                "cannot tell the output format of '" + path +
                    "': use .gpkg, .geojson, .shp, .fgb, .kml, .csv or .xlsx");
  }
  // Write under the real file name inside a temporary sibling directory, then move every
  // file out (a Shapefile is several files); the output appears only when complete.
  namespace fs = std::filesystem;
  const fs::path target = fs::absolute(path);
  if (!target.has_filename() || !fs::is_directory(target.parent_path())) {
    throw Error(ErrorCode::invalid_argument,
                "cannot write '" + path + "': its directory does not exist");
  }
  // No dots from the file name in the directory's: GDAL's /vsizip/ (XLSX is a zip) would take
  // "x.xlsx.d/x.xlsx" for a file inside an archive "x.xlsx".
  std::string stem = target.filename().string();
  std::replace(stem.begin(), stem.end(), '.', '_');
  const fs::path staging = target.parent_path() / (".partial-" + stem + ".d");
  fs::remove_all(staging);
  fs::create_directories(staging);
  const std::string temp = (staging / target.filename()).string();
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{staging};
  {
    gdal::Dataset ds = gdal::create_vector(temp, driver);
    fill(*ds, driver);
  }  // closes (flushes) the dataset
  for (const auto& entry : fs::directory_iterator(staging))
    publish(entry.path().string(), (target.parent_path() / entry.path().filename()).string());
}

}  // namespace

void write_layers(const std::string& path, const std::string& driver,
                  const std::vector<OutLayer>& layers) {
  write_dataset(path, driver, [&](GDALDataset& ds, const std::string& d) {
    for (const OutLayer& l : layers) write_layer(ds, d, l.name, l.kind, l.fields, l.features, path);
  });
}

std::vector<std::pair<std::string, long long>> count_features(const std::string& path) {
  gdal::Dataset ds = gdal::open_vector(path);
  std::vector<std::pair<std::string, long long>> out;
  for (int i = 0; i < ds->GetLayerCount(); ++i) {
    OGRLayer* layer = ds->GetLayer(i);
    out.emplace_back(layer->GetName(), static_cast<long long>(layer->GetFeatureCount(TRUE)));
  }
  return out;
}

void write_features(const std::string& path, const std::string& driver, const std::string& layer,
                    GeometryKind kind, const std::vector<FieldDef>& fields,
                    const std::vector<OutFeature>& features) {
  write_dataset(path, driver, [&](GDALDataset& ds, const std::string& d) {
    write_layer(ds, d, layer, kind, fields, features, path);
  });
}

}  // namespace wangge::geo
