// Street blocks by polygonising the parent's boundary with its roads; units as blocks or as
// the Voronoi cells of a heavy block's buildings; the unit adjacency graph.
#include "units.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "wangge/util/error.hpp"

namespace wangge::regrid {
namespace {

using geos::Context;
using geos::Geometry;

struct Box {
  double x0, y0, x1, y1;
  bool meets(const Box& o, double pad) const {
    return x0 - pad <= o.x1 && o.x0 - pad <= x1 && y0 - pad <= o.y1 && o.y0 - pad <= y1;
  }
};

Box box_of(const Context& ctx, const GEOSGeometry* g) {
  Box b{};
  GEOSGeom_getXMin_r(ctx.handle(), g, &b.x0);
  GEOSGeom_getYMin_r(ctx.handle(), g, &b.y0);
  GEOSGeom_getXMax_r(ctx.handle(), g, &b.x1);
  GEOSGeom_getYMax_r(ctx.handle(), g, &b.y1);
  return b;
}

double area(const Context& ctx, const GEOSGeometry* g) {
  double a = 0;
  GEOSArea_r(ctx.handle(), g, &a);
  return a;
}

double length(const Context& ctx, const GEOSGeometry* g) {
  double l = 0;
  GEOSLength_r(ctx.handle(), g, &l);
  return l;
}

Geometry point(const Context& ctx, geo::XY p) {
  return geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx.handle(), p.x, p.y));
}

Geometry line(const Context& ctx, const std::vector<geo::XY>& pts) {
  GEOSCoordSequence* seq =
      GEOSCoordSeq_create_r(ctx.handle(), static_cast<unsigned>(pts.size()), 2);
  for (std::size_t i = 0; i < pts.size(); ++i)
    GEOSCoordSeq_setXY_r(ctx.handle(), seq, static_cast<unsigned>(i), pts[i].x, pts[i].y);
  return geos::own(ctx, GEOSGeom_createLineString_r(ctx.handle(), seq));
}

/// A collection owning clones of @p parts (or taking @p parts' geometries when @p take).
Geometry collection(const Context& ctx, int type, std::vector<Geometry>& parts) {
  std::vector<GEOSGeometry*> raw;
  for (Geometry& g : parts) raw.push_back(g.release());
  parts.clear();
  return geos::own(ctx, GEOSGeom_createCollection_r(ctx.handle(), type, raw.data(),
                                                    static_cast<unsigned>(raw.size())));
}

/// The polygonal parts of @p g, each as its own geometry.
std::vector<Geometry> polygons_of(const Context& ctx, const GEOSGeometry* g) {
  std::vector<Geometry> out;
  const int n = GEOSGetNumGeometries_r(ctx.handle(), g);
  for (int i = 0; i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(ctx.handle(), g, i);
    const int type = GEOSGeomTypeId_r(ctx.handle(), part);
    if (type == GEOS_POLYGON) {
      out.push_back(geos::own(ctx, GEOSGeom_clone_r(ctx.handle(), part)));
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
      for (Geometry& p : polygons_of(ctx, part)) out.push_back(std::move(p));
    }
  }
  return out;
}

/// Street blocks: the faces of the parent's boundary noded with the roads inside it.
std::vector<Geometry> street_blocks(const Context& ctx, const GEOSGeometry* parent,
                                    const std::vector<std::vector<geo::XY>>& roads) {
  const Box pb = box_of(ctx, parent);
  std::vector<Geometry> lines;
  for (const auto& r : roads) {
    if (r.size() < 2) continue;
    Geometry l = line(ctx, r);
    if (!box_of(ctx, l.get()).meets(pb, 1)) continue;
    lines.push_back(std::move(l));
  }
  if (lines.empty()) return polygons_of(ctx, parent);
  Geometry all = collection(ctx, GEOS_MULTILINESTRING, lines);
  Geometry inside = geos::own(ctx, GEOSIntersection_r(ctx.handle(), all.get(), parent));
  Geometry boundary = geos::own(ctx, GEOSBoundary_r(ctx.handle(), parent));
  // Roads drawn along the boundary, a few centimetres off it, must not leave sliver faces.
  Geometry snapped = geos::own(ctx, GEOSSnap_r(ctx.handle(), inside.get(), boundary.get(), 0.5));
  Geometry noded = geos::own(ctx, GEOSUnion_r(ctx.handle(), boundary.get(), snapped.get()));
  const GEOSGeometry* input[] = {noded.get()};
  Geometry faces = geos::own(ctx, GEOSPolygonize_r(ctx.handle(), input, 1));
  const GEOSPreparedGeometry* prepared = GEOSPrepare_r(ctx.handle(), parent);
  std::vector<Geometry> out;
  for (Geometry& f : polygons_of(ctx, faces.get())) {
    Geometry inner = geos::own(ctx, GEOSPointOnSurface_r(ctx.handle(), f.get()));
    if (GEOSPreparedContains_r(ctx.handle(), prepared, inner.get()) == 1)
      out.push_back(std::move(f));
  }
  GEOSPreparedGeom_destroy_r(ctx.handle(), prepared);
  if (out.empty()) return polygons_of(ctx, parent);
  return out;
}

/// The Voronoi cells of @p sites clipped to @p block; each cell's part holding its site.
/// Pieces cut off by a concave block are returned as extra units without households.
void voronoi_units(const Context& ctx, const GEOSGeometry* block, int block_id,
                   const std::vector<geo::XY>& sites, const std::vector<std::vector<int>>& members,
                   const std::vector<std::int64_t>& households, std::vector<Unit>& out) {
  std::vector<Geometry> pts;
  for (const geo::XY& s : sites) pts.push_back(point(ctx, s));
  Geometry multi = collection(ctx, GEOS_MULTIPOINT, pts);
  Geometry cells = geos::own(ctx, GEOSVoronoiDiagram_r(ctx.handle(), multi.get(), block, 0, 0));
  std::vector<char> used(sites.size(), 0);
  for (Geometry& cell : polygons_of(ctx, cells.get())) {
    Geometry clipped = geos::own(ctx, GEOSIntersection_r(ctx.handle(), cell.get(), block));
    for (Geometry& piece : polygons_of(ctx, clipped.get())) {
      if (area(ctx, piece.get()) <= 0) continue;
      Unit u{std::move(piece), 0, block_id, {}};
      const GEOSPreparedGeometry* prepared = GEOSPrepare_r(ctx.handle(), u.shape.get());
      for (std::size_t s = 0; s < sites.size(); ++s) {
        if (used[s]) continue;
        Geometry p = point(ctx, sites[s]);
        if (GEOSPreparedCovers_r(ctx.handle(), prepared, p.get()) == 1) {
          used[s] = 1;
          for (int b : members[s]) {
            u.buildings.push_back(b);
            u.households += households[static_cast<std::size_t>(b)];
          }
        }
      }
      GEOSPreparedGeom_destroy_r(ctx.handle(), prepared);
      out.push_back(std::move(u));
    }
  }
}

/// Shared border lengths between units whose boxes meet: {neighbour, metres} per unit.
std::vector<std::vector<std::pair<int, double>>> borders(const Context& ctx,
                                                         const std::vector<Unit>& units) {
  std::vector<Box> boxes;
  std::vector<Geometry> rings;
  for (const Unit& u : units) {
    boxes.push_back(box_of(ctx, u.shape.get()));
    rings.push_back(geos::own(ctx, GEOSBoundary_r(ctx.handle(), u.shape.get())));
  }
  std::vector<std::vector<std::pair<int, double>>> out(units.size());
  for (std::size_t a = 0; a < units.size(); ++a) {
    for (std::size_t b = a + 1; b < units.size(); ++b) {
      if (!boxes[a].meets(boxes[b], 0.01)) continue;
      Geometry shared =
          geos::own(ctx, GEOSIntersection_r(ctx.handle(), rings[a].get(), rings[b].get()));
      const double m = length(ctx, shared.get());
      if (m < 0.05) continue;  // a corner or a graze: not a shared border
      out[a].push_back({static_cast<int>(b), m});
      out[b].push_back({static_cast<int>(a), m});
    }
  }
  return out;
}

}  // namespace

UnitSet build_units(const Context& ctx, const GEOSGeometry* parent,
                    const std::vector<geo::XY>& buildings,
                    const std::vector<std::int64_t>& households,
                    const std::vector<std::vector<geo::XY>>& roads, std::int64_t heavy) {
  UnitSet set;
  std::vector<Geometry> blocks = street_blocks(ctx, parent, roads);
  set.blocks = static_cast<int>(blocks.size());
  // Buildings into blocks (the first block that covers it: one on a road goes to one side).
  std::vector<std::vector<int>> in_block(blocks.size());
  {
    std::vector<const GEOSPreparedGeometry*> prepared;
    std::vector<Box> boxes;
    for (const Geometry& b : blocks) {
      prepared.push_back(GEOSPrepare_r(ctx.handle(), b.get()));
      boxes.push_back(box_of(ctx, b.get()));
    }
    for (std::size_t i = 0; i < buildings.size(); ++i) {
      const Box pb{buildings[i].x, buildings[i].y, buildings[i].x, buildings[i].y};
      Geometry p = point(ctx, buildings[i]);
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        if (boxes[b].meets(pb, 0) &&
            GEOSPreparedCovers_r(ctx.handle(), prepared[b], p.get()) == 1) {
          in_block[b].push_back(static_cast<int>(i));
          break;
        }
      }
    }
    for (const auto* p : prepared) GEOSPreparedGeom_destroy_r(ctx.handle(), p);
  }
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    std::int64_t total = 0;
    for (int i : in_block[b]) total += households[static_cast<std::size_t>(i)];
    // Buildings at the same spot are one site.
    std::map<std::pair<double, double>, std::vector<int>> sites;
    for (int i : in_block[b])
      sites[{buildings[static_cast<std::size_t>(i)].x, buildings[static_cast<std::size_t>(i)].y}]
          .push_back(i);
    if (total > heavy && sites.size() >= 2) {
      std::vector<geo::XY> xy;
      std::vector<std::vector<int>> members;
      for (auto& [at, m] : sites) {
        xy.push_back({at.first, at.second});
        members.push_back(m);
      }
      voronoi_units(ctx, blocks[b].get(), static_cast<int>(b), xy, members, households, set.units);
    } else {
      set.units.push_back(Unit{std::move(blocks[b]), total, static_cast<int>(b), in_block[b]});
    }
  }

  // Slivers and isolated pieces join the neighbour they share most with (or the nearest).
  for (bool merged = true; merged && set.units.size() > 1;) {
    merged = false;
    const auto shared = borders(ctx, set.units);
    for (std::size_t i = 0; i < set.units.size(); ++i) {
      const bool sliver = area(ctx, set.units[i].shape.get()) < 1.0;
      if (!sliver && !shared[i].empty()) continue;
      int into = -1;
      double best = -1;
      for (const auto& [j, m] : shared[i]) {
        if (m > best) best = m, into = j;
      }
      if (into < 0) {  // no shared border: the nearest unit
        double nearest = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < set.units.size(); ++j) {
          if (j == i) continue;
          double d = 0;
          GEOSDistance_r(ctx.handle(), set.units[i].shape.get(), set.units[j].shape.get(), &d);
          if (d < nearest) nearest = d, into = static_cast<int>(j);
        }
        // A whole separate part of a multipolygon parent stays its own unit.
        if (!sliver && nearest > 0.5) continue;
      }
      Unit& target = set.units[static_cast<std::size_t>(into)];
      target.shape =
          geos::own(ctx, GEOSUnion_r(ctx.handle(), target.shape.get(), set.units[i].shape.get()));
      target.households += set.units[i].households;
      target.buildings.insert(target.buildings.end(), set.units[i].buildings.begin(),
                              set.units[i].buildings.end());
      set.units.erase(set.units.begin() + static_cast<std::ptrdiff_t>(i));
      merged = true;
      break;
    }
  }

  const auto shared = borders(ctx, set.units);
  UnitGraph& g = set.graph;
  for (std::size_t i = 0; i < set.units.size(); ++i) {
    const Unit& u = set.units[i];
    Geometry at = geos::own(ctx, GEOSPointOnSurface_r(ctx.handle(), u.shape.get()));
    double x = 0, y = 0;
    GEOSGeomGetX_r(ctx.handle(), at.get(), &x);
    GEOSGeomGetY_r(ctx.handle(), at.get(), &y);
    g.households.push_back(u.households);
    g.x.push_back(x);
    g.y.push_back(y);
    g.area_m2.push_back(std::max(area(ctx, u.shape.get()), 1e-6));
    g.perimeter_m.push_back(std::max(length(ctx, u.shape.get()), 1e-3));
    std::vector<Neighbour> n;
    for (const auto& [j, m] : shared[i])
      n.push_back(Neighbour{j, m, set.units[static_cast<std::size_t>(j)].block != u.block});
    g.adjacency.push_back(std::move(n));
  }
  return set;
}

}  // namespace wangge::regrid
