#include "wangge/grid/export.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cstdio>
#include <filesystem>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/error.hpp"

namespace wangge {
namespace {

OGRLinearRing to_ogr(const Ring& ring) {
  OGRLinearRing r;
  for (const XY& p : ring) r.addPoint(p.x, p.y);
  return r;
}

}  // namespace

void write_grids(const std::vector<Grid>& grids, const std::string& path, const std::string& layer_name) {
  const std::string driver = gdal::driver_for_extension(path);
  // Write under the real file name inside a temporary sibling directory, then move every
  // file out (a Shapefile is several files); the output appears only when complete.
  namespace fs = std::filesystem;
  const fs::path target = fs::absolute(path);
  const fs::path staging = target.parent_path() / (".partial-" + target.filename().string() + ".d");
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
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    char** options = nullptr;
    if (driver == "GeoJSON") {
      options = CSLSetNameValue(options, "COORDINATE_PRECISION", "9");
      options = CSLSetNameValue(options, "WRITE_NAME", "NO");
    } else if (driver == "ESRI Shapefile") {
      options = CSLSetNameValue(options, "ENCODING", "UTF-8");  // default is ISO-8859-1: 汉字 lost
    }
    OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), &wgs84, wkbMultiPolygon, options);
    CSLDestroy(options);
    if (!layer) throw Error(ErrorCode::invalid_argument, "cannot create layer in '" + path + "': " + gdal::last_error());
    // Fields are set by index: drivers may rename them (Shapefile truncates to 10 chars).
    enum Field { kId, kParent, kLevelName, kCode, kName, kLeader, kRole, kPhone, kLevel, kHouseholds, kResidents };
    const char* names[] = {"id", "parent_id", "level_name", "code", "name", "leader_name",
                           "leader_role", "leader_phone", "level", "households", "residents"};
    for (int f = kId; f <= kResidents; ++f) {
      OGRFieldDefn def(names[f], f >= kLevel ? OFTInteger64 : OFTString);
      if (layer->CreateField(&def) != OGRERR_NONE) {
        throw Error(ErrorCode::invalid_argument, "cannot create field '" + std::string(names[f]) +
                                                     "' in '" + path + "': " + gdal::last_error());
      }
    }
    for (const Grid& g : grids) {
      OGRFeature feature(layer->GetLayerDefn());
      auto text = [&](Field f, const std::string& v) {
        if (!v.empty()) feature.SetField(f, v.c_str());
      };
      auto number = [&](Field f, std::optional<long long> v) {
        if (v) feature.SetField(f, static_cast<GIntBig>(*v));
      };
      text(kId, g.id);
      text(kParent, g.parent_id);
      text(kLevelName, g.level_name);
      text(kCode, g.code);
      text(kName, g.name);
      text(kLeader, g.leader.name);
      text(kRole, g.leader.role);
      text(kPhone, g.leader.phone);
      number(kLevel, g.level ? std::optional<long long>(*g.level) : std::nullopt);
      number(kHouseholds, g.households);
      number(kResidents, g.residents);
      OGRMultiPolygon mp;
      for (const Polygon& poly : g.geometry.polygons) {
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
      if (layer->CreateFeature(&feature) != OGRERR_NONE) {
        throw Error(ErrorCode::invalid_argument,
                    "cannot write " + describe(g) + " to '" + path + "': " + gdal::last_error());
      }
    }
  }  // closes (flushes) the dataset
  for (const auto& entry : fs::directory_iterator(staging)) {
    fs::rename(entry.path(), target.parent_path() / entry.path().filename());
  }
}

}  // namespace wangge
