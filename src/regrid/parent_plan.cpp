// One parent's re-gridding: units, partition, grid polygons, codes, leaders and measures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>

#include "grid_shapes.hpp"
#include "leaders.hpp"
#include "units.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/regrid/regrid.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::regrid {
namespace {

using geos::Context;
using geos::Geometry;

double area_of(const Context& ctx, const GEOSGeometry* g) {
  double a = 0;
  GEOSArea_r(ctx.handle(), g, &a);
  return a;
}

/// Reading order: rows north→south (row height: the side of an average grid), west→east.
std::vector<int> reading_order(const std::vector<geo::XY>& at, double row_height) {
  std::vector<int> order(at.size());
  for (std::size_t i = 0; i < at.size(); ++i) order[i] = static_cast<int>(i);
  double top = -std::numeric_limits<double>::infinity();
  for (const geo::XY& p : at) top = std::max(top, p.y);
  auto row = [&](int i) {
    // Saturating keeps the order of any real row (a degenerate height makes one row of all).
    constexpr long kFar = 1L << 40;
    return number::clamp_to<long>(
        std::floor((top - at[static_cast<std::size_t>(i)].y) / row_height), -kFar, kFar);
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
  std::vector<geo::XY> at;
  std::vector<std::int64_t> households;
  std::vector<std::vector<geo::XY>> roads;
};

Local localise(const geo::BBox& pb, const geo::LocalProjection& proj,
               const std::vector<Building>& buildings, const std::vector<Road>& roads) {
  Local out;
  for (std::size_t i = 0; i < buildings.size(); ++i) {
    const geo::XY p = buildings[i].at;
    if (p.x < pb.min_x || p.x > pb.max_x || p.y < pb.min_y || p.y > pb.max_y) continue;
    const geo::Metres m = proj.to_metres(p.x, p.y);
    out.index.push_back(static_cast<int>(i));
    out.at.push_back({m.x, m.y});
    out.households.push_back(buildings[i].households);
  }
  for (const Road& r : roads) {
    geo::BBox rb;
    for (const geo::XY& v : r) rb.extend(v);
    if (rb.max_x < pb.min_x || rb.min_x > pb.max_x || rb.max_y < pb.min_y || rb.min_y > pb.max_y)
      continue;
    std::vector<geo::XY> m;
    for (const geo::XY& v : r) {
      const geo::Metres q = proj.to_metres(v.x, v.y);
      m.push_back({q.x, q.y});
    }
    out.roads.push_back(std::move(m));
  }
  return out;
}

/// The number of connected pieces the units of each grid form in @p graph.
std::vector<int> pieces_of(const UnitGraph& graph, const std::vector<int>& grid_of, int grids) {
  std::vector<int> pieces(static_cast<std::size_t>(grids), 0);
  std::vector<char> seen(grid_of.size(), 0);
  std::vector<int> stack;
  for (std::size_t start = 0; start < grid_of.size(); ++start) {
    if (seen[start]) continue;
    ++pieces[static_cast<std::size_t>(grid_of[start])];
    seen[start] = 1;
    stack.assign(1, static_cast<int>(start));
    while (!stack.empty()) {
      const auto u = static_cast<std::size_t>(stack.back());
      stack.pop_back();
      for (const Neighbour& n : graph.adjacency[u]) {
        const auto v = static_cast<std::size_t>(n.unit);
        if (seen[v] || grid_of[v] != grid_of[u]) continue;
        seen[v] = 1;
        stack.push_back(n.unit);
      }
    }
  }
  return pieces;
}

/// Everything of regrid_parent after the parent's own check. A broken rule on the way (a GEOS
/// failure, grids that do not partition the parent) sets plan.failure.
void draw_grids(const Context& ctx, ParentPlan& plan, const grid::Grid& parent,
                const GEOSGeometry* parent_m, const geo::LocalProjection& proj,
                const std::vector<const grid::Grid*>& old_children,
                const std::vector<Building>& buildings, const Local& in,
                const ParentOptions& options) {
  UnitSet units = build_units(ctx, parent_m, in.at, in.households, in.roads, options.band.max / 2);
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

  GridShapes shapes = grid_shapes(ctx, units, part.grid_of, part.grids, proj);
  if (shapes.failure) {
    plan.failure = *shapes.failure;
    return;
  }
  plan.repairs = shapes.repairs;
  std::vector<geo::XY> centres;
  double pp_sum = 0;
  plan.pp_min = 1;
  for (const Geometry& u : shapes.metres) {
    double a = area_of(ctx, u.get()), perimeter = 0;
    GEOSLength_r(ctx.handle(), u.get(), &perimeter);
    const double pp = perimeter > 0 ? 4 * std::numbers::pi * a / (perimeter * perimeter) : 0;
    pp_sum += pp;
    plan.pp_min = std::min(plan.pp_min, pp);
    centres.push_back(geos::point_on_surface(ctx, u.get()).value_or(geo::XY{0, 0}));
  }
  plan.pp_mean = centres.empty() ? 0 : pp_sum / static_cast<double>(centres.size());
  const Coverage cover = coverage_of(ctx, shapes.metres, parent_m);
  plan.gap_m2 = cover.gap_m2;
  plan.overlap_m2 = cover.overlap_m2;
  plan.escape_m2 = cover.escape_m2;

  // Codes in reading order; grids in that order.
  const double row = std::sqrt(area_of(ctx, parent_m) / std::max<std::size_t>(1, centres.size()));
  const std::vector<int> order = reading_order(centres, std::max(row, 1.0));
  std::vector<int> rank(order.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    rank[static_cast<std::size_t>(order[r])] = static_cast<int>(r);
  std::vector<GridContents> contents(order.size());
  const std::vector<int> pieces = pieces_of(units.graph, part.grid_of, part.grids);
  std::vector<int> new_of_building(buildings.size(), -1);
  std::vector<std::int64_t> grid_households(order.size(), 0);
  for (std::size_t u = 0; u < units.units.size(); ++u) {
    const auto g = static_cast<std::size_t>(part.grid_of[u]);
    const auto r = static_cast<std::size_t>(rank[g]);
    grid_households[g] += units.units[u].households;
    contents[r].pieces = std::max(pieces[g], shapes.union_parts[g]);
    for (int b : units.units[u].buildings) {
      const auto global = static_cast<std::size_t>(in.index[static_cast<std::size_t>(b)]);
      new_of_building[global] = static_cast<int>(r);
      contents[r].buildings.push_back(buildings[global].at);
      contents[r].households.push_back(buildings[global].households);
    }
  }
  const std::string prefix = parent.code.empty() ? parent.id : parent.code;
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto g = static_cast<std::size_t>(order[r]);
    grid::Grid grid;
    grid.code = prefix + sequence_code(static_cast<int>(r) + 1, options.code_digits);
    grid.id = grid.code;
    grid.parent_id = parent.id;
    grid.level = parent.level.value_or(0) + 1;
    grid.level_name = "网格";
    grid.name = parent.name + "第" + std::to_string(r + 1) + "网格";
    grid.households = grid_households[g];
    plan.multipart += shapes.lonlat[g].polygons.size() > 1;
    grid.geometry = std::move(shapes.lonlat[g]);
    plan.grids.push_back(std::move(grid));
  }
  if ((plan.failure = partition_failure(parent, plan.grids, contents))) return;
  carry_leaders(plan, old_children, buildings, new_of_building);
}

}  // namespace

UnitGraph parent_unit_graph(const grid::Grid& parent, const std::vector<Building>& buildings,
                            const std::vector<Road>& roads, std::int64_t heavy) {
  const geos::Context ctx;
  const geo::BBox pb = geo::bbox_of(parent.geometry);
  const geo::LocalProjection proj(geo::LonLat::trusted(pb.centre().x, pb.centre().y));
  geos::Geometry parent_m = geos::to_geos(ctx, to_metres(parent.geometry, proj));
  const Local in = localise(pb, proj, buildings, roads);
  return build_units(ctx, parent_m.get(), in.at, in.households, in.roads, heavy).graph;
}

ParentPlan regrid_parent(const grid::Grid& parent,
                         const std::vector<const grid::Grid*>& old_children,
                         const std::vector<Building>& buildings, const std::vector<Road>& roads,
                         const ParentOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ParentPlan plan;
  const Context ctx;
  const geo::BBox pb = geo::bbox_of(parent.geometry);
  const geo::LocalProjection proj(geo::LonLat::trusted(pb.centre().x, pb.centre().y));
  Geometry parent_m = geos::to_geos(ctx, to_metres(parent.geometry, proj));
  if (auto bad = geos::invalidity(ctx, parent_m.get())) {
    throw Error(ErrorCode::invalid_data, "parent " + grid::describe(parent) +
                                             " has an invalid polygon: " + bad->reason +
                                             " (run wangge validate --fix first)");
  }
  const Local in = localise(pb, proj, buildings, roads);
  try {
    draw_grids(ctx, plan, parent, parent_m.get(), proj, old_children, buildings, in, options);
  } catch (const Error& e) {
    // A band or options that break their rules are the caller's, for every parent alike.
    if (e.code() == ErrorCode::invalid_argument) throw;
    plan.failure = e.what();
  }
  if (plan.failure) {  // nothing of a failed parent is to be written
    plan.grids.clear();
    plan.leader_from.clear();
    plan.vacant.clear();
    plan.unplaced.clear();
    plan.households_moved = 0;
  }
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return plan;
}

}  // namespace wangge::regrid
