// One parent's re-gridding: units, partition, grid polygons, codes, leaders and measures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numbers>

#include "units.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/regrid/regrid.hpp"
#include "wangge/util/error.hpp"

namespace wangge::regrid {
namespace {

using geos::Context;
using geos::Geometry;

/// @p g with every vertex through @p f.
template <class F>
MultiPolygon transformed(const MultiPolygon& g, const F& f) {
  MultiPolygon out;
  auto ring = [&](const Ring& r) {
    Ring o;
    for (const XY& v : r) o.push_back(f(v));
    return o;
  };
  for (const Polygon& p : g.polygons) {
    Polygon q{ring(p.outer), {}};
    for (const Ring& h : p.holes) q.holes.push_back(ring(h));
    out.polygons.push_back(std::move(q));
  }
  return out;
}

MultiPolygon to_metres(const MultiPolygon& g, const LocalProjection& proj) {
  return transformed(g, [&](XY v) {
    const Metres m = proj.to_metres(v.x, v.y);
    return XY{m.x, m.y};
  });
}

MultiPolygon to_lonlat(const MultiPolygon& g, const LocalProjection& proj) {
  return transformed(g, [&](XY v) { return XY{proj.lon_of(v.x), proj.lat_of(v.y)}; });
}

double area_of(const Context& ctx, const GEOSGeometry* g) {
  double a = 0;
  GEOSArea_r(ctx.handle(), g, &a);
  return a;
}

/// Reading order: rows north→south (row height: the side of an average grid), west→east.
std::vector<int> reading_order(const std::vector<XY>& at, double row_height) {
  std::vector<int> order(at.size());
  for (std::size_t i = 0; i < at.size(); ++i) order[i] = static_cast<int>(i);
  double top = -std::numeric_limits<double>::infinity();
  for (const XY& p : at) top = std::max(top, p.y);
  auto row = [&](int i) {
    return static_cast<long>(std::floor((top - at[static_cast<std::size_t>(i)].y) / row_height));
  };
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (row(a) != row(b)) return row(a) < row(b);
    return at[static_cast<std::size_t>(a)].x < at[static_cast<std::size_t>(b)].x;
  });
  return order;
}

std::string sequence_code(int n, int digits) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < digits)
    s.insert(0, static_cast<std::size_t>(digits) - s.size(), '0');
  return s;
}

/// The buildings and roads near a parent, in its metric frame.
struct Local {
  std::vector<int> index;  ///< into the buildings given
  std::vector<XY> at;
  std::vector<std::int64_t> households;
  std::vector<std::vector<XY>> roads;
};

Local localise(const BBox& pb, const LocalProjection& proj, const std::vector<Building>& buildings,
               const std::vector<Road>& roads) {
  Local out;
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    const XY p = buildings[i].at;
    if (p.x < pb.min_x || p.x > pb.max_x || p.y < pb.min_y || p.y > pb.max_y) continue;
    const Metres m = proj.to_metres(p.x, p.y);
    out.index.push_back(static_cast<int>(i));
    out.at.push_back({m.x, m.y});
    out.households.push_back(buildings[i].households);
  }
  for (const Road& r : roads) {
    BBox rb;
    for (const XY& v : r) rb.extend(v);
    if (rb.max_x < pb.min_x || rb.min_x > pb.max_x || rb.max_y < pb.min_y || rb.min_y > pb.max_y)
      continue;
    std::vector<XY> m;
    for (const XY& v : r) {
      const Metres q = proj.to_metres(v.x, v.y);
      m.push_back({q.x, q.y});
    }
    out.roads.push_back(std::move(m));
  }
  return out;
}

}  // namespace

UnitGraph parent_unit_graph(const Grid& parent, const std::vector<Building>& buildings,
                            const std::vector<Road>& roads, std::int64_t heavy) {
  const geos::Context ctx;
  const BBox pb = bbox_of(parent.geometry);
  const LocalProjection proj(LonLat::trusted(pb.centre().x, pb.centre().y));
  geos::Geometry parent_m = geos::to_geos(ctx, to_metres(parent.geometry, proj));
  const Local in = localise(pb, proj, buildings, roads);
  return build_units(ctx, parent_m.get(), in.at, in.households, in.roads, heavy).graph;
}

ParentPlan regrid_parent(const Grid& parent, const std::vector<const Grid*>& old_children,
                         const std::vector<Building>& buildings, const std::vector<Road>& roads,
                         const ParentOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ParentPlan plan;
  const Context ctx;
  const BBox pb = bbox_of(parent.geometry);
  const LocalProjection proj(LonLat::trusted(pb.centre().x, pb.centre().y));
  Geometry parent_m = geos::to_geos(ctx, to_metres(parent.geometry, proj));
  if (auto bad = geos::invalidity(ctx, parent_m.get())) {
    throw Error(ErrorCode::invalid_data, "parent " + describe(parent) +
                                             " has an invalid polygon: " + bad->reason +
                                             " (run wangge validate --fix first)");
  }

  Local in = localise(pb, proj, buildings, roads);
  std::vector<int>& local = in.index;
  UnitSet units =
      build_units(ctx, parent_m.get(), in.at, in.households, in.roads, options.band.max / 2);
  plan.blocks = units.blocks;
  plan.units = static_cast<int>(units.units.size());
  for (const Unit& u : units.units) plan.households += u.households;

  PartitionOptions po;
  po.seed = options.seed;
  po.time_budget_s = options.time_budget_s;
  const Partition part = partition(units.graph, options.band, po);
  plan.feasible = part.feasible;
  plan.problems = part.problems;
  plan.metrics = evaluate(units.graph, part.grid_of, options.band);
  for (std::size_t u = 0; u < units.units.size(); ++u) {
    for (const Neighbour& n : units.graph.adjacency[u]) {
      if (n.unit < static_cast<int>(u) ||
          part.grid_of[u] == part.grid_of[static_cast<std::size_t>(n.unit)])
        continue;
      plan.border_m += n.shared_m;
      if (n.street) plan.street_border_m += n.shared_m;
    }
  }

  // Grid polygons: the union of their units.
  std::vector<std::vector<const GEOSGeometry*>> members(static_cast<std::size_t>(part.grids));
  std::vector<std::int64_t> grid_households(static_cast<std::size_t>(part.grids), 0);
  for (std::size_t u = 0; u < units.units.size(); ++u) {
    const auto g = static_cast<std::size_t>(part.grid_of[u]);
    members[g].push_back(units.units[u].shape.get());
    grid_households[g] += units.units[u].households;
  }
  std::vector<Geometry> shapes;
  std::vector<XY> centres;
  double pp_sum = 0;
  plan.pp_min = 1;
  for (const auto& m : members) {
    std::vector<GEOSGeometry*> clones;
    for (const GEOSGeometry* g : m) clones.push_back(GEOSGeom_clone_r(ctx.handle(), g));
    Geometry all = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, clones.data(),
                                         static_cast<unsigned>(clones.size())));
    Geometry u = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
    double a = area_of(ctx, u.get()), perimeter = 0;
    GEOSLength_r(ctx.handle(), u.get(), &perimeter);
    const double pp = perimeter > 0 ? 4 * std::numbers::pi * a / (perimeter * perimeter) : 0;
    pp_sum += pp;
    plan.pp_min = std::min(plan.pp_min, pp);
    const auto c = geos::point_on_surface(ctx, u.get());
    centres.push_back(c.value_or(XY{0, 0}));
    shapes.push_back(std::move(u));
  }
  plan.pp_mean = shapes.empty() ? 0 : pp_sum / static_cast<double>(shapes.size());
  {  // coverage of the parent: gaps, overlaps, escapes (m²)
    std::vector<GEOSGeometry*> clones;
    double sum = 0;
    for (const Geometry& s : shapes) {
      clones.push_back(GEOSGeom_clone_r(ctx.handle(), s.get()));
      sum += area_of(ctx, s.get());
    }
    Geometry all = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, clones.data(),
                                         static_cast<unsigned>(clones.size())));
    Geometry u = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
    Geometry gap = geos::own(ctx, GEOSDifference_r(ctx.handle(), parent_m.get(), u.get()));
    Geometry escape = geos::own(ctx, GEOSDifference_r(ctx.handle(), u.get(), parent_m.get()));
    plan.gap_m2 = area_of(ctx, gap.get());
    plan.escape_m2 = area_of(ctx, escape.get());
    plan.overlap_m2 = std::max(0.0, sum - area_of(ctx, u.get()));
  }

  // Codes in reading order; grids in that order.
  const double row =
      std::sqrt(area_of(ctx, parent_m.get()) / std::max<std::size_t>(1, shapes.size()));
  const std::vector<int> order = reading_order(centres, std::max(row, 1.0));
  std::vector<int> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    rank[static_cast<std::size_t>(order[r])] = static_cast<int>(r);
  const std::string prefix = parent.code.empty() ? parent.id : parent.code;
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto g = static_cast<std::size_t>(order[r]);
    Grid grid;
    grid.code = prefix + sequence_code(static_cast<int>(r) + 1, options.code_digits);
    grid.id = grid.code;
    grid.parent_id = parent.id;
    grid.level = parent.level.value_or(0) + 1;
    grid.level_name = "网格";
    grid.name = parent.name + "第" + std::to_string(r + 1) + "网格";
    grid.households = grid_households[g];
    const MultiPolygon m = geos::from_geos(ctx, shapes[g].get());
    plan.multipart += m.polygons.size() > 1;
    grid.geometry = to_lonlat(m, proj);
    plan.grids.push_back(std::move(grid));
  }

  // Leaders: the old child sharing the most households, one new grid per old leader.
  std::vector<int> new_of_building(buildings.size(), -1), old_of_building(buildings.size(), -1);
  for (std::size_t u = 0; u < units.units.size(); ++u) {
    for (int b : units.units[u].buildings)
      new_of_building[static_cast<std::size_t>(local[static_cast<std::size_t>(b)])] =
          rank[static_cast<std::size_t>(part.grid_of[u])];
  }
  std::map<std::pair<int, int>, std::int64_t> overlap;  // (old, new) → households
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    if (new_of_building[i] < 0) continue;
    for (std::size_t o = 0; o < old_children.size(); ++o) {
      if (locate_point(old_children[o]->geometry, buildings[i].at) != PointLocation::outside) {
        old_of_building[i] = static_cast<int>(o);
        overlap[{static_cast<int>(o), new_of_building[i]}] += buildings[i].households;
        break;
      }
    }
  }
  std::vector<std::tuple<std::int64_t, int, int>> pairs;
  for (const auto& [k, h] : overlap) pairs.emplace_back(h, k.first, k.second);
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    return std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
  });
  std::vector<int> new_of_old(old_children.size(), -1), old_of_new(plan.grids.size(), -1);
  for (const auto& [h, o, n] : pairs) {
    if (new_of_old[static_cast<std::size_t>(o)] >= 0 ||
        old_of_new[static_cast<std::size_t>(n)] >= 0)
      continue;
    new_of_old[static_cast<std::size_t>(o)] = n;
    old_of_new[static_cast<std::size_t>(n)] = o;
  }
  for (std::size_t n = 0; n < plan.grids.size(); ++n) {
    const int o = old_of_new[n];
    if (o >= 0 && !old_children[static_cast<std::size_t>(o)]->leader.name.empty()) {
      plan.grids[n].leader = old_children[static_cast<std::size_t>(o)]->leader;
      plan.leader_from.push_back(old_children[static_cast<std::size_t>(o)]->code);
    } else {
      plan.vacant.push_back(plan.grids[n].code);
      plan.leader_from.emplace_back();
    }
  }
  for (std::size_t o = 0; o < old_children.size(); ++o) {
    if (new_of_old[o] < 0 && !old_children[o]->leader.name.empty())
      plan.unplaced.push_back(old_children[o]->code + " (" + old_children[o]->leader.name + ")");
  }
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    if (new_of_building[i] < 0) continue;
    const int o = old_of_building[i];
    if (o < 0 || new_of_old[static_cast<std::size_t>(o)] != new_of_building[i])
      plan.households_moved += buildings[i].households;
  }
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return plan;
}

}  // namespace wangge::regrid
