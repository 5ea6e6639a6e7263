#include "wangge/geo/geos.hpp"

#include <vector>

#include "wangge/util/error.hpp"

namespace wangge::geos {

Context::Context() : handle_(GEOS_init_r()) {
  if (!handle_) throw Error(ErrorCode::internal, "GEOS_init_r failed");
  GEOSContext_setErrorMessageHandler_r(handle_, &Context::on_error, this);
}

Context::~Context() {
  GEOS_finish_r(handle_);
}

void Context::on_error(const char* message, void* self) {
  static_cast<Context*>(self)->last_error_ = message ? message : "";
}

Geometry own(const Context& ctx, GEOSGeometry* g) {
  if (!g) throw Error(ErrorCode::internal, "GEOS operation failed: " + ctx.last_error());
  return Geometry(g, GeometryDeleter{ctx.handle()});
}

namespace {

GEOSGeometry* make_ring(const Context& ctx, const geo::Ring& ring) {
  GEOSCoordSequence* seq =
      GEOSCoordSeq_create_r(ctx.handle(), static_cast<unsigned>(ring.size()), 2);
  for (std::size_t i = 0; i < ring.size(); ++i) {
    GEOSCoordSeq_setXY_r(ctx.handle(), seq, static_cast<unsigned>(i), ring[i].x, ring[i].y);
  }
  return GEOSGeom_createLinearRing_r(ctx.handle(), seq);  // takes ownership of seq
}

GEOSGeometry* make_polygon(const Context& ctx, const geo::Polygon& poly) {
  GEOSGeometry* shell = make_ring(ctx, poly.outer);
  if (!shell) return nullptr;
  std::vector<GEOSGeometry*> holes;
  for (const geo::Ring& h : poly.holes) {
    GEOSGeometry* hole = make_ring(ctx, h);
    if (!hole) {
      GEOSGeom_destroy_r(ctx.handle(), shell);
      for (auto* done : holes) GEOSGeom_destroy_r(ctx.handle(), done);
      return nullptr;
    }
    holes.push_back(hole);
  }
  return GEOSGeom_createPolygon_r(ctx.handle(), shell, holes.data(),
                                  static_cast<unsigned>(holes.size()));
}

geo::Ring read_ring(const Context& ctx, const GEOSGeometry* ring) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx.handle(), ring);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(ctx.handle(), seq, &n);
  geo::Ring out(n);
  for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(ctx.handle(), seq, i, &out[i].x, &out[i].y);
  return out;
}

void collect_polygons(const Context& ctx, const GEOSGeometry* g, geo::MultiPolygon& out) {
  const int type = GEOSGeomTypeId_r(ctx.handle(), g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(ctx.handle(), g)) return;
    geo::Polygon poly;
    poly.outer = read_ring(ctx, GEOSGetExteriorRing_r(ctx.handle(), g));
    const int holes = GEOSGetNumInteriorRings_r(ctx.handle(), g);
    for (int i = 0; i < holes; ++i)
      poly.holes.push_back(read_ring(ctx, GEOSGetInteriorRingN_r(ctx.handle(), g, i)));
    out.polygons.push_back(std::move(poly));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(ctx.handle(), g);
    for (int i = 0; i < n; ++i) collect_polygons(ctx, GEOSGetGeometryN_r(ctx.handle(), g, i), out);
  }
}

}  // namespace

Geometry to_geos(const Context& ctx, const geo::MultiPolygon& g) {
  std::vector<GEOSGeometry*> parts;
  for (const geo::Polygon& poly : g.polygons) {
    GEOSGeometry* p = make_polygon(ctx, poly);
    if (!p) {
      for (auto* done : parts) GEOSGeom_destroy_r(ctx.handle(), done);
      throw Error(ErrorCode::invalid_data, "cannot build polygon: " + ctx.last_error());
    }
    parts.push_back(p);
  }
  return own(ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_MULTIPOLYGON, parts.data(),
                                              static_cast<unsigned>(parts.size())));
}

geo::MultiPolygon from_geos(const Context& ctx, const GEOSGeometry* g) {
  geo::MultiPolygon out;
  if (g) collect_polygons(ctx, g, out);
  return out;
}

std::optional<Invalidity> invalidity(const Context& ctx, const GEOSGeometry* g) {
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(ctx.handle(), g, 0, &reason, &location);
  if (valid == 1) return std::nullopt;
  Invalidity out{reason ? reason : ctx.last_error(), geo::XY{0, 0}};
  if (location) {
    GEOSGeomGetX_r(ctx.handle(), location, &out.where.x);
    GEOSGeomGetY_r(ctx.handle(), location, &out.where.y);
    GEOSGeom_destroy_r(ctx.handle(), location);
  }
  if (reason) GEOSFree_r(ctx.handle(), reason);
  return out;
}

std::optional<geo::XY> point_on_surface(const Context& ctx, const GEOSGeometry* g) {
  if (!g || GEOSisEmpty_r(ctx.handle(), g)) return std::nullopt;
  GEOSGeometry* p = GEOSPointOnSurface_r(ctx.handle(), g);
  if (!p) return std::nullopt;
  geo::XY out{0, 0};
  if (GEOSisEmpty_r(ctx.handle(), p) || !GEOSGeomGetX_r(ctx.handle(), p, &out.x) ||
      !GEOSGeomGetY_r(ctx.handle(), p, &out.y)) {
    GEOSGeom_destroy_r(ctx.handle(), p);
    return std::nullopt;
  }
  GEOSGeom_destroy_r(ctx.handle(), p);
  return out;
}

std::optional<geo::XY> label_point(const Context& ctx, const GEOSGeometry* g, double tolerance) {
  if (!g || GEOSisEmpty_r(ctx.handle(), g)) return std::nullopt;
  // The circle comes back as a line from its centre to the nearest boundary point.
  if (GEOSGeometry* radius = GEOSMaximumInscribedCircle_r(ctx.handle(), g, tolerance)) {
    const Geometry owned_radius = own(ctx, radius);
    if (GEOSGeometry* centre = GEOSGeomGetStartPoint_r(ctx.handle(), radius)) {
      const Geometry owned_centre = own(ctx, centre);
      geo::XY out{0, 0};
      if (GEOSGeomGetX_r(ctx.handle(), centre, &out.x) &&
          GEOSGeomGetY_r(ctx.handle(), centre, &out.y) &&
          GEOSIntersects_r(ctx.handle(), g, centre) == 1)
        return out;
    }
  }
  return point_on_surface(ctx, g);
}

}  // namespace wangge::geos
