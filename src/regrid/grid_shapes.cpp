// Grid polygons: snap-rounded unions of units, valid in lon/lat, checked as a partition.
#include "grid_shapes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "wangge/grid/validate.hpp"

namespace wangge::regrid {
namespace {

using geos::Context;
using geos::Geometry;

/// @p g with every vertex through @p f.
template <class F>
geo::MultiPolygon transformed(const geo::MultiPolygon& g, const F& f) {
  geo::MultiPolygon out;
  auto ring = [&](const geo::Ring& r) {
    geo::Ring o;
    o.reserve(r.size());
    for (const geo::XY& v : r) o.push_back(f(v));
    return o;
  };
  for (const geo::Polygon& p : g.polygons) {
    geo::Polygon q{ring(p.outer), {}};
    for (const geo::Ring& h : p.holes) q.holes.push_back(ring(h));
    out.polygons.push_back(std::move(q));
  }
  return out;
}

/// Owns @p g, or holds nothing when GEOS failed (its message stays in ctx.last_error()).
Geometry maybe(const Context& ctx, GEOSGeometry* g) {
  return Geometry(g, geos::GeometryDeleter{ctx.handle()});
}

double area_of(const Context& ctx, const GEOSGeometry* g) {
  double a = 0;
  GEOSArea_r(ctx.handle(), g, &a);
  return a;
}

/// A geometry collection of clones of @p parts.
Geometry collect(const Context& ctx, const std::vector<const GEOSGeometry*>& parts) {
  std::vector<GEOSGeometry*> clones;
  clones.reserve(parts.size());
  for (const GEOSGeometry* g : parts) clones.push_back(GEOSGeom_clone_r(ctx.handle(), g));
  return geos::own(ctx,
                   GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, clones.data(),
                                               static_cast<unsigned>(clones.size())));
}

std::string place(geo::XY p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.7f, %.7f)", p.x, p.y);
  return buf;
}

/// @p g snapped to the output grid, when that gives a valid polygonal geometry with area.
Geometry on_output_grid(const Context& ctx, const GEOSGeometry* g) {
  Geometry snapped = maybe(ctx, GEOSGeom_setPrecision_r(ctx.handle(), g, kDegreeGrid, 0));
  if (!snapped || GEOSisEmpty_r(ctx.handle(), snapped.get()) == 1) return nullptr;
  // Collapsed pieces (lines, points) are dropped: only areas make a grid.
  Geometry polygons = geos::to_geos(ctx, geos::from_geos(ctx, snapped.get()));
  if (geos::invalidity(ctx, polygons.get()) || area_of(ctx, polygons.get()) <= 0) return nullptr;
  return polygons;
}

/// The polygons of @p g (metres) but flecks: parts below kFleckM2 beside a larger part. They
/// are what sliver units and snap-rounding leave of a unit's thinnest corner, hold no building,
/// and would make a grid "multi-part" for nothing; the gap they leave is far below the
/// validator's 1 m² (and reported in the coverage figures).
/// (@p area_m2 measures one polygon.)
template <class Area>
geo::MultiPolygon without_flecks(geo::MultiPolygon all, const Area& area_m2) {
  if (all.polygons.size() < 2) return all;
  geo::MultiPolygon kept;
  for (const geo::Polygon& p : all.polygons)
    if (area_m2(p) >= kFleckM2) kept.polygons.push_back(p);
  return kept.empty() ? all : kept;
}

geo::MultiPolygon without_flecks_m(const Context& ctx, const GEOSGeometry* g) {
  return without_flecks(geos::from_geos(ctx, g), [&](const geo::Polygon& p) {
    return area_of(ctx, geos::to_geos(ctx, geo::MultiPolygon{{p}}).get());
  });
}

geo::MultiPolygon without_flecks_lonlat(const Context& ctx, const GEOSGeometry* g) {
  return without_flecks(geos::from_geos(ctx, g),
                        [](const geo::Polygon& p) { return area_m2(geo::MultiPolygon{{p}}); });
}

/// @p g with its coordinates rounded to the output grid, as GeoJSON is written.
Geometry rounded(const Context& ctx, const geo::MultiPolygon& g) {
  return geos::to_geos(ctx, transformed(g, [](geo::XY v) {
                         return geo::XY{std::round(v.x / kDegreeGrid) * kDegreeGrid,
                                        std::round(v.y / kDegreeGrid) * kDegreeGrid};
                       }));
}

struct OneShape {
  std::optional<geo::MultiPolygon> lonlat;
  int union_parts = 0;  ///< polygons in the union in metres
  std::string repair;   ///< what MakeValid repaired, if it had to
  std::string failure;  ///< why there is no polygon
};

/// The lon/lat polygon of the union of @p parts (metres): snap-rounded in metres and converted;
/// when that is not valid in lon/lat, or would not be once written with 9 decimals, snapped to
/// the output grid; MakeValid when that is still not valid.
OneShape one_shape(const Context& ctx, const std::vector<const GEOSGeometry*>& parts,
                   const geo::LocalProjection& proj) {
  OneShape out;
  Geometry all = collect(ctx, parts);
  Geometry u = maybe(ctx, GEOSUnaryUnionPrec_r(ctx.handle(), all.get(), kMetreGrid));
  if (!u) u = maybe(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
  if (!u) {
    out.failure = "GEOS cannot union its units: " + ctx.last_error();
    return out;
  }
  geo::MultiPolygon lonlat = to_lonlat(without_flecks_m(ctx, u.get()), proj);
  out.union_parts = static_cast<int>(lonlat.polygons.size());
  if (lonlat.empty()) {
    out.failure =
        "its units have no area left after snap-rounding to " + std::to_string(kMetreGrid) + " m";
    return out;
  }
  Geometry g = geos::to_geos(ctx, lonlat);
  if (!geos::invalidity(ctx, g.get()) && !geos::invalidity(ctx, rounded(ctx, lonlat).get())) {
    out.lonlat = std::move(lonlat);  // the closest to the units: no vertex moved further
    return out;
  }
  if (Geometry snapped = on_output_grid(ctx, g.get())) {
    out.lonlat = without_flecks_lonlat(ctx, snapped.get());
    return out;
  }
  // The last resort: repair the converted polygon, then snap again.
  const auto bad = geos::invalidity(ctx, g.get());
  // The "structure" method keeps areas as areas (the "linework" one can turn a slit into lines).
  GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(ctx.handle());
  GEOSMakeValidParams_setMethod_r(ctx.handle(), params, GEOS_MAKE_VALID_STRUCTURE);
  Geometry fixed = maybe(ctx, GEOSMakeValidWithParams_r(ctx.handle(), g.get(), params));
  GEOSMakeValidParams_destroy_r(ctx.handle(), params);
  Geometry snapped = fixed ? on_output_grid(ctx, fixed.get()) : nullptr;
  if (!snapped) {
    out.failure = "no valid polygon after snap-rounding and MakeValid" +
                  (bad ? ": " + bad->reason + " near " + place(bad->where) : std::string());
    return out;
  }
  out.lonlat = without_flecks_lonlat(ctx, snapped.get());
  out.repair = "repaired by MakeValid" +
               (bad ? " (" + bad->reason + " near " + place(bad->where) + ")" : std::string());
  return out;
}

}  // namespace

geo::MultiPolygon to_metres(const geo::MultiPolygon& g, const geo::LocalProjection& proj) {
  return transformed(g, [&](geo::XY v) {
    const geo::Metres m = proj.to_metres(v.x, v.y);
    return geo::XY{m.x, m.y};
  });
}

geo::MultiPolygon to_lonlat(const geo::MultiPolygon& g, const geo::LocalProjection& proj) {
  return transformed(g, [&](geo::XY v) { return geo::XY{proj.lon_of(v.x), proj.lat_of(v.y)}; });
}

GridShapes grid_shapes(const Context& ctx, const UnitSet& units, const std::vector<int>& grid_of,
                       int grids, const geo::LocalProjection& proj) {
  GridShapes out;
  std::vector<std::vector<const GEOSGeometry*>> members(static_cast<std::size_t>(grids));
  for (std::size_t u = 0; u < units.units.size(); ++u)
    members[static_cast<std::size_t>(grid_of[u])].push_back(units.units[u].shape.get());
  for (std::size_t g = 0; g < members.size(); ++g) {
    OneShape s = one_shape(ctx, members[g], proj);
    if (!s.lonlat) {
      out.failure = "grid " + std::to_string(g + 1) + " of " + std::to_string(grids) + " (" +
                    std::to_string(members[g].size()) + " units): " + s.failure;
      return out;
    }
    if (!s.repair.empty()) out.repairs.push_back("grid " + std::to_string(g + 1) + ": " + s.repair);
    // Snap-rounded, its vertices keep ≥ 0.5 µm from edges they do not touch, so it converts
    // back to metres valid too, and the measures of the plan can rely on GEOS overlays.
    out.metres.push_back(geos::to_geos(ctx, to_metres(*s.lonlat, proj)));
    out.union_parts.push_back(s.union_parts);
    out.lonlat.push_back(std::move(*s.lonlat));
  }
  return out;
}

Coverage coverage_of(const Context& ctx, const std::vector<Geometry>& shapes,
                     const GEOSGeometry* parent) {
  Coverage c;
  std::vector<const GEOSGeometry*> parts;
  double sum = 0;
  for (const Geometry& s : shapes) {
    parts.push_back(s.get());
    sum += area_of(ctx, s.get());
  }
  Geometry all = collect(ctx, parts);
  Geometry u = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
  Geometry gap = geos::own(ctx, GEOSDifference_r(ctx.handle(), parent, u.get()));
  Geometry escape = geos::own(ctx, GEOSDifference_r(ctx.handle(), u.get(), parent));
  c.gap_m2 = area_of(ctx, gap.get());
  c.escape_m2 = area_of(ctx, escape.get());
  c.overlap_m2 = std::max(0.0, sum - area_of(ctx, u.get()));
  return c;
}

std::optional<std::string> partition_failure(const grid::Grid& parent,
                                             const std::vector<grid::Grid>& grids,
                                             const std::vector<GridContents>& contents) {
  // The same validator as `wangge validate` and the final check of the generation, on the
  // parent and its new children alone.
  std::vector<grid::Grid> family;
  family.reserve(grids.size() + 1);
  family.push_back(parent);
  family.back().parent_id.clear();
  for (const grid::Grid& g : grids) family.push_back(g);
  const grid::ValidationReport report = grid::validate(family, grid::ValidationOptions{});
  if (const std::size_t errors = report.errors()) {
    std::string first;
    for (const grid::Finding& f : report.findings) {
      if (f.severity == grid::Severity::error) {
        first = "[" + f.rule + "] " + f.message;
        break;
      }
    }
    return "its new grids fail validation (" + std::to_string(errors) + " error" +
           (errors == 1 ? "" : "s") + "; the first: " + first + ")";
  }
  for (std::size_t g = 0; g < grids.size(); ++g) {
    const GridContents& c = contents[g];
    const geo::MultiPolygon& shape = grids[g].geometry;
    if (static_cast<int>(shape.polygons.size()) > c.pieces) {
      return "grid '" + grids[g].code + "' is " + std::to_string(shape.polygons.size()) +
             " separate polygons, but its units form " + std::to_string(c.pieces) +
             ": snap-rounding or repair cut it apart";
    }
    for (std::size_t b = 0; b < c.buildings.size(); ++b) {
      const geo::XY at = c.buildings[b];
      if (geo::locate_point(shape, at) != geo::PointLocation::outside) continue;
      if (boundary_distance_m(shape, at) <= 0.01) continue;  // on the border, give or take
      return "grid '" + grids[g].code + "' does not cover a building of its own (" +
             std::to_string(c.households[b]) + " households at " + place(at) +
             "): its household count would be wrong";
    }
  }
  return std::nullopt;
}

}  // namespace wangge::regrid
