#include "wangge/geo/polygon.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/geo/local_projection.hpp"

namespace wangge::geo {
namespace {

// Crossing test for one ring. Returns boundary when p lies on a segment (exact arithmetic on
// the input doubles: the orientation product is zero and p is within the segment's box).
PointLocation locate_in_ring(const Ring& ring, XY p) noexcept {
  bool inside = false;
  const std::size_t n = ring.size();
  for (std::size_t i = 1; i < n; ++i) {
    const XY a = ring[i - 1];
    const XY b = ring[i];
    // On-segment test first: a point on an edge is boundary whatever the crossing parity.
    if (p.x >= std::min(a.x, b.x) && p.x <= std::max(a.x, b.x) && p.y >= std::min(a.y, b.y) &&
        p.y <= std::max(a.y, b.y)) {
      const double cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
      if (cross == 0.0) return PointLocation::boundary;
    }
    // Half-open rule on y so that a vertex is counted once.
    if ((a.y > p.y) != (b.y > p.y)) {
      const double x_at = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
      if (p.x < x_at) inside = !inside;
    }
  }
  return inside ? PointLocation::inside : PointLocation::outside;
}

double segment_distance_sq(double px, double py, double ax, double ay, double bx, double by) {
  const double dx = bx - ax;
  const double dy = by - ay;
  const double len_sq = dx * dx + dy * dy;
  double t = len_sq > 0 ? ((px - ax) * dx + (py - ay) * dy) / len_sq : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = ax + t * dx - px;
  const double ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

double ring_area_m2(const Ring& ring, const LocalProjection& proj) {
  double twice = 0;
  for (std::size_t i = 1; i < ring.size(); ++i) {
    const Metres a = proj.to_metres(ring[i - 1].x, ring[i - 1].y);
    const Metres b = proj.to_metres(ring[i].x, ring[i].y);
    twice += a.x * b.y - b.x * a.y;
  }
  return std::abs(twice) / 2.0;
}

}  // namespace

void BBox::extend(XY p) noexcept {
  min_x = std::min(min_x, p.x);
  min_y = std::min(min_y, p.y);
  max_x = std::max(max_x, p.x);
  max_y = std::max(max_y, p.y);
}

void BBox::extend(const BBox& b) noexcept {
  if (!b.valid()) return;
  extend(XY{b.min_x, b.min_y});
  extend(XY{b.max_x, b.max_y});
}

BBox bbox_of(const MultiPolygon& g) noexcept {
  BBox box;
  for (const auto& poly : g.polygons)
    for (const XY& p : poly.outer) box.extend(p);
  return box;
}

PointLocation locate_point(const Polygon& poly, XY p) noexcept {
  const PointLocation outer = locate_in_ring(poly.outer, p);
  if (outer != PointLocation::inside) return outer;
  for (const Ring& hole : poly.holes) {
    const PointLocation h = locate_in_ring(hole, p);
    if (h == PointLocation::boundary) return PointLocation::boundary;
    if (h == PointLocation::inside) return PointLocation::outside;
  }
  return PointLocation::inside;
}

PointLocation locate_point(const MultiPolygon& g, XY p) noexcept {
  PointLocation best = PointLocation::outside;
  for (const auto& poly : g.polygons) {
    const PointLocation l = locate_point(poly, p);
    if (l == PointLocation::inside) return l;
    if (l == PointLocation::boundary) best = l;
  }
  return best;
}

double boundary_distance_m(const MultiPolygon& g, XY p) noexcept {
  // Scale degrees to metres at p, so the distance is in a conformal local frame.
  const LocalProjection proj(
      LonLat::trusted(std::clamp(p.x, -180.0, 180.0), std::clamp(p.y, -90.0, 90.0)));
  return boundary_distance_m(g, p, proj.metres_per_degree_lon(), proj.metres_per_degree_lat());
}

double boundary_distance_m(const MultiPolygon& g, XY p, double kx, double ky) noexcept {
  double best = std::numeric_limits<double>::infinity();
  auto scan = [&](const Ring& ring) {
    for (std::size_t i = 1; i < ring.size(); ++i) {
      const double d =
          segment_distance_sq(0, 0, (ring[i - 1].x - p.x) * kx, (ring[i - 1].y - p.y) * ky,
                              (ring[i].x - p.x) * kx, (ring[i].y - p.y) * ky);
      best = std::min(best, d);
    }
  };
  for (const auto& poly : g.polygons) {
    scan(poly.outer);
    for (const Ring& hole : poly.holes) scan(hole);
  }
  return std::sqrt(best);
}

double area_m2(const MultiPolygon& g) noexcept {
  const BBox box = bbox_of(g);
  if (!box.valid()) return 0.0;
  const XY c = box.centre();
  const LocalProjection proj(
      LonLat::trusted(std::clamp(c.x, -180.0, 180.0), std::clamp(c.y, -90.0, 90.0)));
  double area = 0;
  for (const auto& poly : g.polygons) {
    area += ring_area_m2(poly.outer, proj);
    for (const Ring& hole : poly.holes) area -= ring_area_m2(hole, proj);
  }
  return area;
}

bool coordinates_in_range(const MultiPolygon& g, XY* where) noexcept {
  auto ok = [&](const Ring& ring) {
    for (const XY& p : ring) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y) || std::abs(p.x) > 180.0 ||
          std::abs(p.y) > 90.0) {
        if (where) *where = p;
        return false;
      }
    }
    return true;
  };
  for (const auto& poly : g.polygons) {
    if (!ok(poly.outer)) return false;
    for (const Ring& hole : poly.holes)
      if (!ok(hole)) return false;
  }
  return true;
}

}  // namespace wangge::geo
