// The `wangge regrid` job: inputs through GDAL, parents in parallel, validation, the diff.
#include "wangge/regrid/job.hpp"

#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogrsf_frmts.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "wangge/geo/gdal.hpp"
#include "wangge/grid/import.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/progress.hpp"
#include "wangge/util/text.hpp"

namespace wangge::regrid {
namespace {

void add_lines(const OGRGeometry* g, const gdal::ToWgs84& to_wgs84, std::vector<Road>& out);

}  // namespace

std::vector<Building> read_buildings(const std::string& path, const std::string& field) {
  gdal::Dataset ds = gdal::open_vector(path);
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
  gdal::ToWgs84 to_wgs84(srs, gdal::datum_of(srs).value_or(Datum::wgs84));
  std::vector<Building> out;
  for (auto& f : *layer) {
    const std::string where = path + " feature " + std::to_string(f->GetFID());
    const std::string text = f->IsFieldSetAndNotNull(idx) ? f->GetFieldAsString(idx) : "";
    auto h = text::parse_integer(text);
    if (!h) {
      auto d = text::parse_double(text);
      if (d && std::isfinite(*d) && *d == std::floor(*d)) h = static_cast<long long>(*d);
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
  return out;
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
    gdal::ToWgs84 to_wgs84(srs, gdal::datum_of(srs).value_or(Datum::wgs84));
    for (auto& f : *layer) add_lines(f->GetGeometryRef(), to_wgs84, out);
  }
  if (out.empty())
    throw Error(ErrorCode::invalid_data, "roads: " + path + " holds no lines (--roads)");
  return out;
}

namespace {

struct ReportPoint {
  std::string id;
  XY at;
};

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

}  // namespace

RegridOutcome run_regrid(const RegridJob& job, const std::atomic<bool>* interrupted) {
  const auto started = std::chrono::steady_clock::now();
  if (job.parent.band.min > job.parent.band.max || job.parent.band.min < 0)
    throw Error(ErrorCode::invalid_argument, "the band needs 0 <= --min <= --max");
  ImportResult source = import_grids(job.parents, ImportOptions{});
  for (const Finding& f : source.problems) {
    if (f.rule == "bad-geometry") throw Error(ErrorCode::invalid_data, "parents: " + f.message);
  }
  const std::vector<Grid>& grids = source.grids;
  std::vector<const Grid*> parents;
  for (const Grid& g : grids) {
    if (g.level.value_or(-1) != job.parent_level) continue;
    if (!job.parent_ids.empty() &&
        std::find(job.parent_ids.begin(), job.parent_ids.end(), g.id) == job.parent_ids.end() &&
        std::find(job.parent_ids.begin(), job.parent_ids.end(), g.code) == job.parent_ids.end())
      continue;
    parents.push_back(&g);
  }
  for (const std::string& id : job.parent_ids) {
    const bool found = std::any_of(parents.begin(), parents.end(),
                                   [&](const Grid* p) { return p->id == id || p->code == id; });
    if (!found)
      throw Error(ErrorCode::not_found, "parents: no grid '" + id + "' at level " +
                                            std::to_string(job.parent_level) + " in " +
                                            job.parents);
  }
  if (parents.empty())
    throw Error(ErrorCode::invalid_data, "parents: " + job.parents + " has no grid at level " +
                                             std::to_string(job.parent_level) +
                                             " (--parent-level)");
  const std::vector<Building> buildings = read_buildings(job.units, job.households_field);
  const std::vector<Road> roads = job.roads.empty() ? std::vector<Road>{} : read_roads(job.roads);

  RegridOutcome out;
  out.plans.resize(parents.size());
  ProgressBar progress("parents", parents.size());
  const unsigned threads = job.threads ? job.threads : default_thread_count();
  parallel_for(parents.size(), threads, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (interrupted && interrupted->load())
        throw Error(ErrorCode::unavailable, "interrupted: nothing was written");
      std::vector<const Grid*> children;
      for (const Grid& g : grids) {
        if (g.parent_id == parents[i]->id) children.push_back(&g);
      }
      ParentOptions o = job.parent;
      o.seed = job.parent.seed + i;  // independent streams, reproducible per parent
      out.plans[i] = regrid_parent(*parents[i], children, buildings, roads, o);
      progress.advance();
    }
  });
  if (interrupted && interrupted->load())
    throw Error(ErrorCode::unavailable, "interrupted: nothing was written");
  progress.finish();
  for (const Grid* p : parents) out.parent_codes.push_back(p->code.empty() ? p->id : p->code);

  // The new generation: ancestors and the re-drawn level (other parents keep their subtree).
  std::vector<std::string> done;
  for (const Grid* p : parents) done.push_back(p->id);
  auto ancestor_done = [&](const Grid& g) {
    // true when g descends from a re-gridded parent (its subtree is replaced)
    const Grid* cur = &g;
    for (int guard = 0; cur && guard < 64; ++guard) {
      if (std::find(done.begin(), done.end(), cur->parent_id) != done.end()) return true;
      const Grid* up = nullptr;
      for (const Grid& h : grids) {
        if (h.id == cur->parent_id) up = &h;
      }
      cur = up;
    }
    return false;
  };
  if (!job.only_new) {
    for (const Grid& g : grids) {
      if (!ancestor_done(g)) out.generation.push_back(g);
    }
  }
  for (const ParentPlan& plan : out.plans) {
    for (const Grid& g : plan.grids) out.generation.push_back(g);
  }
  if (!job.only_new) {
    std::vector<Grid> copy = out.generation;
    const ValidationReport report = validate(copy, ValidationOptions{});
    out.validation_errors = report.errors();
    for (const Finding& f : report.findings) out.validation_messages.push_back(f.message);
  }

  if (!job.reports.empty()) {
    for (const ReportPoint& r : read_reports(job.reports)) {
      for (std::size_t i = 0; i < parents.size(); ++i) {
        if (locate_point(parents[i]->geometry, r.at) != PointLocation::inside) continue;
        ++out.reports_checked;
        ReportChange c{r.id, "", "", "", ""};
        for (const Grid& g : grids) {
          if (g.parent_id == parents[i]->id &&
              locate_point(g.geometry, r.at) != PointLocation::outside) {
            c.old_grid = g.code.empty() ? g.id : g.code;
            c.old_leader = g.leader.name;
            break;
          }
        }
        for (const Grid& g : out.plans[i].grids) {
          if (locate_point(g.geometry, r.at) != PointLocation::outside) {
            c.new_grid = g.code;
            c.new_leader = g.leader.name;
            break;
          }
        }
        if (c.old_grid != c.new_grid || c.old_leader != c.new_leader)
          out.changes.push_back(std::move(c));
        break;
      }
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace wangge::regrid
