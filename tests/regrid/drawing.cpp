#include "drawing.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "wangge/geo/geos.hpp"
#include "wangge/grid/validate.hpp"

namespace wangge::regrid::testing {

geo::Ring Drawing::rect(double x0, double y0, double x1, double y1) const {
  return {at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)};
}

geo::Ring Drawing::ring(Points points) const {
  return ring(std::vector<std::pair<double, double>>(points));
}

geo::Ring Drawing::ring(const std::vector<std::pair<double, double>>& points) const {
  geo::Ring r;
  for (const auto& [x, y] : points) r.push_back(at(x, y));
  r.push_back(r.front());
  return r;
}

geo::Ring Drawing::circle(double cx, double cy, double r, int n) const {
  geo::Ring out;
  for (int i = 0; i < n; ++i) {
    const double a = 2 * std::numbers::pi * i / n;
    out.push_back(at(cx + r * std::cos(a), cy + r * std::sin(a)));
  }
  out.push_back(out.front());
  return out;
}

Road Drawing::road(Points points) const {
  Road r;
  for (const auto& [x, y] : points) r.push_back(at(x, y));
  return r;
}

Road Drawing::roundabout(double cx, double cy, double r, int n) const {
  return circle(cx, cy, r, n);
}

void Drawing::fill(std::vector<Building>& out, double x0, double y0, double x1, double y1, int nx,
                   int ny, std::int64_t households) const {
  for (int i = 0; i < nx; ++i) {
    for (int j = 0; j < ny; ++j) {
      out.push_back({"b" + std::to_string(out.size()),
                     at(x0 + (x1 - x0) * (i + 0.5) / nx, y0 + (y1 - y0) * (j + 0.5) / ny),
                     households});
    }
  }
}

grid::Grid parent_of(geo::MultiPolygon m, const std::string& code) {
  grid::Grid g;
  g.id = g.code = code;
  g.name = "drawn";
  g.level = 1;
  g.geometry = std::move(m);
  return g;
}

ParentOptions band(std::int64_t lo, std::int64_t hi) {
  ParentOptions o;
  o.band = {lo, hi, (lo + hi) / 2};
  o.time_budget_s = 1;
  return o;
}

namespace {

using geos::Context;
using geos::Geometry;

/// @p g with @p f applied to every vertex.
template <class F>
geo::MultiPolygon each_vertex(geo::MultiPolygon g, const F& f) {
  auto convert = [&](geo::Ring& r) {
    for (geo::XY& v : r) v = f(v);
  };
  for (geo::Polygon& p : g.polygons) {
    convert(p.outer);
    for (geo::Ring& h : p.holes) convert(h);
  }
  return g;
}

geo::MultiPolygon metres(const geo::MultiPolygon& g, const geo::LocalProjection& frame) {
  return each_vertex(g, [&](geo::XY v) {
    const geo::Metres m = frame.to_metres(v.x, v.y);
    return geo::XY{m.x, m.y};
  });
}

geo::MultiPolygon rounded9(const geo::MultiPolygon& g) {
  return each_vertex(g, [](geo::XY v) {
    return geo::XY{std::round(v.x * 1e9) / 1e9, std::round(v.y * 1e9) / 1e9};
  });
}

double area(const Context& ctx, const GEOSGeometry* g) {
  double a = 0;
  GEOSArea_r(ctx.handle(), g, &a);
  return a;
}

}  // namespace

::testing::AssertionResult partitions(const grid::Grid& parent, const ParentPlan& plan,
                                      const std::vector<Building>& buildings) {
  if (plan.failure) return ::testing::AssertionFailure() << "the parent failed: " << *plan.failure;
  if (plan.grids.empty()) return ::testing::AssertionFailure() << "no grids";
  const Context ctx;
  const geo::BBox box = geo::bbox_of(parent.geometry);
  const geo::LocalProjection frame(geo::LonLat::trusted(box.centre().x, box.centre().y));
  std::vector<Geometry> lonlat;
  std::vector<GEOSGeometry*> in_metres;
  double sum = 0;
  for (const grid::Grid& g : plan.grids) {
    Geometry ll = geos::to_geos(ctx, g.geometry);
    if (GEOSisValid_r(ctx.handle(), ll.get()) != 1)
      return ::testing::AssertionFailure() << g.code << " is not valid in lon/lat";
    Geometry written = geos::to_geos(ctx, rounded9(g.geometry));
    if (GEOSisValid_r(ctx.handle(), written.get()) != 1)
      return ::testing::AssertionFailure() << g.code << " is not valid with 9 decimals";
    if (g.geometry.polygons.size() != 1)
      return ::testing::AssertionFailure()
             << g.code << " has " << g.geometry.polygons.size() << " polygons";
    Geometry m = geos::to_geos(ctx, metres(g.geometry, frame));
    sum += area(ctx, m.get());
    in_metres.push_back(m.release());
    lonlat.push_back(std::move(ll));
  }
  Geometry all = geos::own(
      ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, in_metres.data(),
                                       static_cast<unsigned>(in_metres.size())));
  Geometry unioned = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
  Geometry parent_m = geos::to_geos(ctx, metres(parent.geometry, frame));
  Geometry diff = geos::own(ctx, GEOSSymDifference_r(ctx.handle(), unioned.get(), parent_m.get()));
  if (const double d = area(ctx, diff.get()); d > 0.05)
    return ::testing::AssertionFailure()
           << "the grids' union differs from the parent by " << d << " m²";
  if (const double overlap = sum - area(ctx, unioned.get()); overlap > 0.05)
    return ::testing::AssertionFailure() << "the grids overlap by " << overlap << " m²";

  // Households: each building of the parent counted in the grid that covers it.
  Geometry parent_ll = geos::to_geos(ctx, parent.geometry);
  std::vector<std::int64_t> counted(plan.grids.size(), 0);
  std::int64_t inside = 0, total = 0;
  for (const Building& b : buildings) {
    Geometry p = geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx.handle(), b.at.x, b.at.y));
    if (GEOSCovers_r(ctx.handle(), parent_ll.get(), p.get()) != 1) continue;
    inside += b.households;
    for (std::size_t g = 0; g < lonlat.size(); ++g) {
      if (GEOSCovers_r(ctx.handle(), lonlat[g].get(), p.get()) == 1) {
        counted[g] += b.households;
        break;
      }
    }
  }
  for (std::size_t g = 0; g < plan.grids.size(); ++g) {
    total += plan.grids[g].households.value_or(0);
    if (counted[g] != plan.grids[g].households.value_or(-1))
      return ::testing::AssertionFailure()
             << plan.grids[g].code << " counts " << plan.grids[g].households.value_or(-1)
             << " households but covers buildings of " << counted[g];
  }
  if (total != inside)
    return ::testing::AssertionFailure()
           << "the grids hold " << total << " households, the parent's buildings " << inside;

  std::vector<grid::Grid> family{parent};
  family.insert(family.end(), plan.grids.begin(), plan.grids.end());
  const grid::ValidationReport report = grid::validate(family, grid::ValidationOptions{});
  if (report.errors()) {
    std::ostringstream os;
    for (const grid::Finding& f : report.findings) os << "\n  [" << f.rule << "] " << f.message;
    return ::testing::AssertionFailure() << "the validator finds" << os.str();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace wangge::regrid::testing
