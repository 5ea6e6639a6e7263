#include "wangge/network/service_points.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <set>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::network {

std::vector<ServicePoint> import_service_points(const std::string& path,
                                                std::optional<geo::Datum> datum) {
  gdal::Dataset ds = gdal::open_vector(path);
  if (ds->GetLayerCount() == 0)
    throw Error(ErrorCode::unreadable_source, "'" + path + "' has no vector layer");
  OGRLayer* layer = ds->GetLayer(0);
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  auto field = [&](const char* name) { return defn->GetFieldIndex(name); };
  const int f_id = field("id"), f_name = field("name"), f_kind = field("kind"),
            f_services = field("services"), f_hours = field("opening_hours"),
            f_street = field("street");
  const OGRSpatialReference* srs = layer->GetSpatialRef();
  gdal::ToWgs84 to_wgs84(srs, datum.value_or(gdal::datum_of(srs).value_or(geo::Datum::wgs84)));
  std::vector<ServicePoint> out;
  std::set<std::string> ids;
  auto text_of = [](OGRFeature& f, int idx) {
    return idx >= 0 && f.IsFieldSetAndNotNull(idx)
               ? std::string(text::trim(f.GetFieldAsString(idx)))
               : std::string();
  };
  layer->ResetReading();
  for (auto& feature : *layer) {
    ServicePoint p;
    p.id = f_id >= 0 ? text_of(*feature, f_id) : std::to_string(feature->GetFID());
    const std::string where = "'" + path + "' feature " + std::to_string(feature->GetFID());
    if (p.id.empty()) throw Error(ErrorCode::invalid_data, where + " has an empty id");
    if (!ids.insert(p.id).second)
      throw Error(ErrorCode::invalid_data, where + " repeats the id '" + p.id + "'");
    p.name = text_of(*feature, f_name);
    p.kind = text_of(*feature, f_kind);
    p.opening_hours = text_of(*feature, f_hours);
    p.address = text_of(*feature, f_street);
    for (std::string s = text_of(*feature, f_services); !s.empty();) {
      const auto semi = s.find(';');
      const std::string one(text::trim(s.substr(0, semi)));
      if (!one.empty()) p.services.push_back(one);
      s = semi == std::string::npos ? "" : s.substr(semi + 1);
    }
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || wkbFlatten(g->getGeometryType()) != wkbPoint) {
      throw Error(ErrorCode::invalid_data, where + " ('" + p.id + "') is not a point");
    }
    double x = g->toPoint()->getX(), y = g->toPoint()->getY();
    std::string why;
    const auto ll = to_wgs84.apply(x, y)
                        ? geo::LonLat::try_make(geo::Longitude(x), geo::Latitude(y), &why)
                        : std::nullopt;
    if (!ll)
      throw Error(ErrorCode::invalid_data,
                  where + " ('" + p.id + "') has an invalid position " + why);
    p.position = *ll;
    out.push_back(std::move(p));
  }
  if (out.empty()) throw Error(ErrorCode::invalid_data, "'" + path + "' has no service points");
  return out;
}

}  // namespace wangge::network
