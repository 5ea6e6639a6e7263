// The inputs of `wangge regrid` through GDAL: units with households, roads, open reports.
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "job_inputs.hpp"
#include "wangge/geo/gdal.hpp"
#include "wangge/regrid/job.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::regrid {
namespace {

void add_lines(const OGRGeometry* g, const gdal::ToWgs84& to_wgs84, std::vector<Road>& out);

}  // namespace

std::vector<Building> read_buildings(const std::string& path, const std::string& field) {
  return read_units(path, field).buildings;
}

UnitsRead read_units(const std::string& path, const std::string& field) {
  gdal::OpenedVector source = gdal::open_vector_with_notes(path);
  gdal::Dataset& ds = source.dataset;
  if (ds->GetLayerCount() == 0)
    throw Error(ErrorCode::invalid_data, "units: " + path + " has no layer");
  OGRLayer* layer = ds->GetLayer(0);
  const int idx = layer->GetLayerDefn()->GetFieldIndex(field.c_str());
  if (idx < 0) {
    std::string names;
    for (int i = 0; i < layer->GetLayerDefn()->GetFieldCount(); ++i)
      names += (i ? ", " : "") + std::string(layer->GetLayerDefn()->GetFieldDefn(i)->GetNameRef());
    throw Error(ErrorCode::invalid_data, "units: " + path + " has no field '" + field +
                                             "' (--households-field); its fields: " + names);
  }
  const OGRSpatialReference* srs = layer->GetSpatialRef();
  gdal::ToWgs84 to_wgs84(srs, gdal::datum_of(srs).value_or(geo::Datum::wgs84));
  std::vector<Building> out;
  for (auto& f : *layer) {
    const std::string where = path + " feature " + std::to_string(f->GetFID());
    const std::string text = f->IsFieldSetAndNotNull(idx) ? f->GetFieldAsString(idx) : "";
    auto h = text::parse_integer(text);
    if (!h) {
      auto d = text::parse_double(text);
      if (d && *d == std::floor(*d)) h = number::to_integer<long long>(*d);  // not 1e19, nan
    }
    if (!h || *h < 0) {
      throw Error(ErrorCode::invalid_data, "units: " + where + " has " + field + " '" + text +
                                               "', which is not a whole number >= 0");
    }
    const OGRGeometry* g = f->GetGeometryRef();
    if (!g || g->IsEmpty())
      throw Error(ErrorCode::invalid_data, "units: " + where + " has no geometry");
    OGRPoint p;
    if (wkbFlatten(g->getGeometryType()) == wkbPoint) {
      p = *g->toPoint();
    } else {
      OGRGeometryH inner = OGR_G_PointOnSurface(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(g)));
      if (!inner)
        throw Error(ErrorCode::invalid_data, "units: " + where + " is neither a point nor an area");
      p = *OGRGeometry::FromHandle(inner)->toPoint();
      OGR_G_DestroyGeometry(inner);
    }
    double x = p.getX(), y = p.getY();
    if (!to_wgs84.apply(x, y) || !std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 180 ||
        std::abs(y) > 90) {
      throw Error(ErrorCode::invalid_coordinate,
                  "units: " + where + " lies outside lon [-180,180] / lat [-90,90]");
    }
    out.push_back(Building{std::to_string(f->GetFID()), {x, y}, *h});
  }
  return {std::move(out), std::move(source.notes)};
}

namespace {

void add_lines(const OGRGeometry* g, const gdal::ToWgs84& to_wgs84, std::vector<Road>& out) {
  if (!g) return;
  const auto type = wkbFlatten(g->getGeometryType());
  if (type == wkbLineString) {
    Road r;
    for (const auto& p : *g->toLineString()) {
      double x = p.getX(), y = p.getY();
      if (to_wgs84.apply(x, y)) r.push_back({x, y});
    }
    if (r.size() >= 2) out.push_back(std::move(r));
  } else if (type == wkbMultiLineString || type == wkbGeometryCollection) {
    for (const OGRGeometry* part : *g->toGeometryCollection()) add_lines(part, to_wgs84, out);
  } else if (type == wkbPolygon || type == wkbMultiPolygon) {
    // rivers or water areas as outlines: their boundary separates units too
    std::unique_ptr<OGRGeometry> b(g->Boundary());
    add_lines(b.get(), to_wgs84, out);
  }
}

}  // namespace

std::vector<Road> read_roads(const std::string& path) {
  gdal::Dataset ds = gdal::open_vector(path);
  std::vector<Road> out;
  OGRLayer* osm_lines = ds->GetLayerByName("lines");
  const bool osm = std::string(ds->GetDriver()->GetDescription()) == "OSM";
  for (int i = 0; i < ds->GetLayerCount(); ++i) {
    OGRLayer* layer = ds->GetLayer(i);
    if (osm && layer != osm_lines) continue;  // OSM: the ways, not points or relations
    if (osm) layer->SetAttributeFilter("highway IS NOT NULL OR waterway IS NOT NULL");
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    gdal::ToWgs84 to_wgs84(srs, gdal::datum_of(srs).value_or(geo::Datum::wgs84));
    for (auto& f : *layer) add_lines(f->GetGeometryRef(), to_wgs84, out);
  }
  if (out.empty())
    throw Error(ErrorCode::invalid_data, "roads: " + path + " holds no lines (--roads)");
  return out;
}

std::vector<ReportPoint> read_reports(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::unreadable_source, "reports: cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<ReportPoint> out;
  int c_id = -1, c_lon = -1, c_lat = -1;
  std::size_t line = 0;
  for (const auto& span : csv::split_records(text)) {
    ++line;
    std::vector<std::string> f;
    if (auto err =
            csv::parse_fields(std::string_view(text).substr(span.begin, span.end - span.begin), f))
      throw Error(ErrorCode::invalid_data,
                  "reports: " + path + " line " + std::to_string(line) + ": " + *err);
    if (line == 1) {
      for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "id") c_id = static_cast<int>(i);
        if (f[i] == "lon") c_lon = static_cast<int>(i);
        if (f[i] == "lat") c_lat = static_cast<int>(i);
      }
      if (c_id < 0 || c_lon < 0 || c_lat < 0)
        throw Error(ErrorCode::invalid_data,
                    "reports: " + path + " needs the columns id, lon, lat");
      continue;
    }
    const auto need = static_cast<std::size_t>(std::max({c_id, c_lon, c_lat}));
    if (f.size() <= need) continue;
    auto lon = text::parse_double(f[static_cast<std::size_t>(c_lon)]);
    auto lat = text::parse_double(f[static_cast<std::size_t>(c_lat)]);
    if (!lon || !lat) continue;  // reports without a position have no grid to change
    out.push_back({f[static_cast<std::size_t>(c_id)], {*lon, *lat}});
  }
  return out;
}

}  // namespace wangge::regrid
