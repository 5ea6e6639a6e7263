#include "wangge/sample/sample.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "households.hpp"
#include "names.hpp"
#include "outputs.hpp"
#include "reference.hpp"
#include "streets.hpp"
#include "tessellation.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/grid/export.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::sample {
namespace {

constexpr int kBlocks = 17, kGroups = 57, kUnits = 295;
constexpr double kAreaM2 = 8.9e6;
constexpr long long kHouseholds = 6000, kResidents = 17834;
// 湘潭市雨湖区 (GB/T 2260: 430302) + a fictional 街道 number (GB/T 10114 range 001–099).
constexpr const char* kSubdistrictCode = "430302009";
constexpr double kOriginLon = 112.915, kOriginLat = 27.862;  // Xiangtan, Hunan

/// Numbers children west→east, north→south (DB11/T 2157): rows of equal height from the
/// parent's northern edge, then by x within a row, both on the children's centroids.
std::vector<int> number_children(const std::vector<geo::XY>& centres, double north, double south) {
  const int n = static_cast<int>(centres.size());
  const int rows = std::max(1, number::narrow<int>(std::round(std::sqrt(n))));  // ≤ sqrt(INT_MAX)
  const double height = (north - south) / rows;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto row = [&](int i) {
    // Centres lie south of the northern edge: rows from 0, the last one taking the rest.
    return number::clamp_to<int>((north - centres[i].y) / height, 0, rows - 1);
  };
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (row(a) != row(b)) return row(a) < row(b);
    return centres[a].x < centres[b].x;
  });
  std::vector<int> rank(n);
  for (int r = 0; r < n; ++r) rank[order[r]] = r;
  return rank;
}

std::string pad(int value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*d", width, value);
  return buf;
}

}  // namespace

Summary generate(const Options& options) {
  Random rng(options.seed);
  const Tessellation t = tessellate(rng, kUnits, kAreaM2);
  std::vector<double> cell_area(kUnits), ones(kUnits, 1.0);
  for (int c = 0; c < kUnits; ++c) cell_area[c] = ring_area(t.cells[c].ring);

  // Blocks balance area; groups inside each block balance units. The largest blocks get four
  // groups, the rest three: 6 × 4 + 11 × 3 = 57.
  std::vector<int> all(kUnits);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<int> block = grow_regions(t, all, kBlocks, cell_area, rng);
  std::vector<std::vector<int>> block_cells(kBlocks);
  for (int c = 0; c < kUnits; ++c) block_cells[block[c]].push_back(c);
  std::vector<int> by_size(kBlocks);
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](int a, int b) { return block_cells[a].size() > block_cells[b].size(); });
  std::vector<int> groups_in(kBlocks, 3);
  for (int i = 0; i < kGroups - 3 * kBlocks; ++i) groups_in[by_size[i]] = 4;
  std::vector<int> group(kUnits, -1);  // global group index
  int next_group = 0;
  for (int b = 0; b < kBlocks; ++b) {
    const std::vector<int> local = grow_regions(t, block_cells[b], groups_in[b], ones, rng);
    for (std::size_t i = 0; i < local.size(); ++i) group[block_cells[b][i]] = next_group + local[i];
    next_group += groups_in[b];
  }

  const Population people = distribute_population(t, kHouseholds, kResidents, rng);
  const geo::LocalProjection proj(
      geo::LonLat::checked(geo::Longitude(kOriginLon), geo::Latitude(kOriginLat)));
  Hierarchy h = build_hierarchy(t, block, group, kBlocks, kGroups, people, proj);

  // Codes and names, numbered west→east, north→south under each parent.
  h.root.id = h.root.code = kSubdistrictCode;
  h.root.name = "新湖街道";
  auto children_of = [&](const std::vector<Node*>& kids, const Node& parent, int width,
                         auto&& name_of) {
    std::vector<geo::XY> centres;
    for (const auto* k : kids) centres.push_back(k->centre);
    const auto rank = number_children(centres, parent.north, parent.south);
    for (std::size_t i = 0; i < kids.size(); ++i) {
      kids[i]->code = parent.code + pad(rank[i] + 1, width);
      kids[i]->id = kids[i]->code;
      kids[i]->parent = parent.code;
      kids[i]->name = name_of(rank[i] + 1, *kids[i]);
    }
  };
  std::vector<Node*> blocks;
  for (auto& b : h.blocks) blocks.push_back(&b);
  children_of(blocks, h.root, 3, [&](int n, const Node&) {
    return block_names()[static_cast<std::size_t>(n - 1)] + "片区";
  });
  for (auto& b : h.blocks) {
    std::vector<Node*> kids;
    for (auto& g : h.groups)
      if (g.parent_index == b.index) kids.push_back(&g);
    const std::string stem = b.name.substr(0, b.name.size() - std::string("片区").size());
    children_of(kids, b, 3, [&](int n, const Node&) { return stem + chinese_number(n) + "组"; });
  }
  for (auto& g : h.groups) {
    std::vector<Node*> kids;
    for (auto& u : h.units)
      if (u.parent_index == g.index) kids.push_back(&u);
    children_of(kids, g, 2,
                [&](int n, const Node&) { return g.name + "第" + std::to_string(n) + "邻"; });
  }
  std::vector<grid::Grid> grids = to_grids(h, rng);

  // The generator's own check: the hierarchy must be exact before anything is written.
  std::vector<grid::Grid> copy = grids;
  grid::ValidationOptions strict;
  strict.overlap_tolerance_m2 = 0.01;
  strict.gap_tolerance_m2 = 0.01;
  const grid::ValidationReport report = grid::validate(copy, strict);
  if (!report.findings.empty()) {
    throw Error(ErrorCode::internal,
                "sample: generated grids fail validation: " + report.findings.front().message);
  }

  std::filesystem::create_directories(options.out_dir);
  const std::filesystem::path dir(options.out_dir);
  grid::write_grids(grids, (dir / "grids.geojson").string(), "grids");
  const auto ways = build_streets(t, block, group, rng);
  const StreetStats streets = write_osm((dir / "streets.osm").string(), ways, proj);
  const std::size_t points =
      write_service_points((dir / "service_points.geojson").string(), h, ways, proj, rng);
  const std::size_t reports =
      write_reports((dir / "reports.csv").string(), t, h, people, proj, rng);
  write_reference(dir.string(), grids);
  Random building_rng(options.seed + 7);  // its own stream: the other outputs stay as they were
  const std::vector<Building> built =
      write_buildings((dir / "buildings.geojson").string(), grids, building_rng);
  const std::size_t buildings = built.size();
  Random household_rng(options.seed + 11);  // its own stream, like the buildings'
  const std::size_t households =
      write_households((dir / "households.csv").string(), built, household_rng);
  Random patrol_rng(options.seed + 13);  // its own stream, like the buildings'
  const std::size_t routes = write_patrols((dir / "patrols.json").string(), built, patrol_rng);

  Summary s;
  s.blocks = h.blocks.size();
  s.groups = h.groups.size();
  s.units = h.units.size();
  s.area_km2 = report.levels.at(0).area_km2;
  s.households = kHouseholds;
  s.residents = kResidents;
  s.service_points = points;
  s.buildings = buildings;
  s.household_records = households;
  s.patrol_routes = routes;
  s.reports = reports;
  s.street_ways = streets.ways;
  s.street_nodes = streets.nodes;
  s.street_km = streets.km;
  return s;
}

}  // namespace wangge::sample
