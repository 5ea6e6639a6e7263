#include "households.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "names.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::sample {
namespace {

/// Largest-remainder rounding of @p weights to integers summing to @p total, each ≥ @p floor.
std::vector<long long> apportion(const std::vector<double>& weights, long long total,
                                 long long floor) {
  const std::size_t n = weights.size();
  const long long spare = total - floor * static_cast<long long>(n);
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<long long> out(n, floor);
  std::vector<std::pair<double, std::size_t>> remainders;
  long long given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double exact = spare * weights[i] / sum;
    const auto whole = number::narrow<long long>(std::floor(exact));  // ≤ spare
    out[i] += whole;
    given += whole;
    remainders.emplace_back(exact - whole, i);
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (long long k = 0; k < spare - given; ++k)
    ++out[remainders[static_cast<std::size_t>(k)].second];
  return out;
}

geo::MultiPolygon union_of(geos::Context& ctx, const Tessellation& t,
                           const std::vector<int>& cells) {
  std::vector<GEOSGeometry*> parts;
  for (int c : cells)
    parts.push_back(
        geos::to_geos(ctx, geo::MultiPolygon{{geo::Polygon{t.cells[c].ring, {}}}}).release());
  geos::Geometry all = geos::own(
      ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, parts.data(),
                                       static_cast<unsigned>(parts.size())));
  geos::Geometry merged = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
  return geos::from_geos(ctx, merged.get());
}

void finish(Node& n, geos::Context& ctx, const Tessellation& t, const std::vector<int>& cells,
            const Population& p) {
  n.metres = union_of(ctx, t, cells);
  double area = 0, cx = 0, cy = 0;
  geo::BBox box;
  for (int c : cells) {
    const double a = ring_area(t.cells[c].ring);
    const geo::XY m = centroid(t.cells[c].ring);
    area += a;
    cx += a * m.x;
    cy += a * m.y;
    for (const geo::XY& v : t.cells[c].ring) box.extend(v);
    n.households += p.households[c];
    n.residents += p.residents[c];
  }
  n.centre = {cx / area, cy / area};
  n.north = box.max_y;
  n.south = box.min_y;
}

}  // namespace

Population distribute_population(const Tessellation& t, long long households, long long residents,
                                 Random& rng) {
  const std::size_t n = t.cells.size();
  std::vector<double> w(n);
  for (std::size_t c = 0; c < n; ++c) {
    const geo::XY m = centroid(t.cells[c].ring);
    const double d = std::hypot(m.x - t.town_centre.x, m.y - t.town_centre.y);
    // Units are smaller near the centre; housing there is denser too, so household counts
    // stay in the usual 邻 range of a dozen to about forty.
    const double density = 1.0 + 0.8 * std::exp(-d * d / (2 * 900.0 * 900.0));
    w[c] = std::sqrt(ring_area(t.cells[c].ring)) * density * std::exp(0.3 * rng.normal());
  }
  Population p;
  p.households = apportion(w, households, 5);
  std::vector<double> size_weight(n);
  for (std::size_t c = 0; c < n; ++c)
    size_weight[c] = static_cast<double>(p.households[c]) * std::exp(0.08 * rng.normal());
  // Every household has at least one resident; the rest follow household counts.
  std::vector<long long> extra = apportion(size_weight, residents - households, 0);
  p.residents.resize(n);
  for (std::size_t c = 0; c < n; ++c) p.residents[c] = p.households[c] + extra[c];
  return p;
}

geo::MultiPolygon to_lonlat(const geo::MultiPolygon& m, const geo::LocalProjection& proj) {
  geo::MultiPolygon out = m;
  auto convert = [&](geo::Ring& r) {
    for (geo::XY& p : r) p = {proj.lon_of(p.x), proj.lat_of(p.y)};
  };
  for (geo::Polygon& poly : out.polygons) {
    convert(poly.outer);
    for (geo::Ring& h : poly.holes) convert(h);
  }
  return out;
}

Hierarchy build_hierarchy(const Tessellation& t, const std::vector<int>& block,
                          const std::vector<int>& group, int blocks, int groups,
                          const Population& people, const geo::LocalProjection& proj) {
  geos::Context ctx;
  Hierarchy h;
  h.proj = &proj;
  const int units = static_cast<int>(t.cells.size());
  std::vector<std::vector<int>> block_cells(blocks), group_cells(groups);
  std::vector<int> group_block(groups, -1);
  for (int c = 0; c < units; ++c) {
    block_cells[block[c]].push_back(c);
    group_cells[group[c]].push_back(c);
    group_block[group[c]] = block[c];
  }
  std::vector<int> all(units);
  std::iota(all.begin(), all.end(), 0);
  finish(h.root, ctx, t, all, people);
  for (int b = 0; b < blocks; ++b) {
    Node n;
    n.index = b;
    finish(n, ctx, t, block_cells[b], people);
    h.blocks.push_back(std::move(n));
  }
  for (int g = 0; g < groups; ++g) {
    Node n;
    n.index = g;
    n.parent_index = group_block[g];
    finish(n, ctx, t, group_cells[g], people);
    h.groups.push_back(std::move(n));
  }
  for (int c = 0; c < units; ++c) {
    Node n;
    n.index = c;
    n.parent_index = group[c];
    finish(n, ctx, t, {c}, people);
    h.units.push_back(std::move(n));
  }
  return h;
}

std::vector<grid::Grid> to_grids(const Hierarchy& h, Random& rng) {
  std::vector<grid::Grid> out;
  auto add = [&](const Node& n, int level, const char* level_name, const char* role) {
    grid::Grid g;
    g.id = n.id;
    g.code = n.code;
    g.parent_id = n.parent;
    g.level = level;
    g.level_name = level_name;
    g.name = n.name;
    g.leader = {person_name(rng), role, phone_number(rng)};
    g.households = n.households;
    g.residents = n.residents;
    g.geometry = to_lonlat(n.metres, *h.proj);
    out.push_back(std::move(g));
  };
  add(h.root, 0, "街道", "网格总长");
  auto sorted = [](const std::vector<Node>& nodes) {
    std::vector<const Node*> v;
    for (const Node& n : nodes) v.push_back(&n);
    std::sort(v.begin(), v.end(), [](const Node* a, const Node* b) { return a->code < b->code; });
    return v;
  };
  for (const Node* n : sorted(h.blocks)) add(*n, 1, "片区", "片长");
  for (const Node* n : sorted(h.groups)) add(*n, 2, "小组", "组长");
  for (const Node* n : sorted(h.units)) add(*n, 3, "邻", "邻长");
  return out;
}

}  // namespace wangge::sample
