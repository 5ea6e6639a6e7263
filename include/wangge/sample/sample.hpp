#pragma once
// The sample subdistrict generator (`wangge sample`): a deterministic project tool that draws
// a fictional subdistrict modelled on the seed articles' 万楼街道 — 8.9 km², 17 blocks (片区),
// 57 groups (小组), 295 neighbourhood units (邻), 17,834 residents in ~6,000 households —
// somewhere in Hunan, with leaders, codes, service points, a street network (OSM XML) and
// sample reports. The same seed gives byte-identical files.
//
// How it is drawn: unit seeds are spread by best-candidate sampling, denser towards an old
// town centre; units are their Voronoi cells (GEOS), so every unit border is a street and the
// subdistrict's outline follows streets too. Groups and blocks grow as contiguous, compact
// unions of units. Every shared vertex is snapped to a 1 cm lattice before any union, so
// siblings share edges exactly: no gaps, no overlaps, exact nesting (checked by the validator
// before anything is written).

#include <cstdint>
#include <string>

namespace wangge::sample {

struct Options {
  std::uint64_t seed = 1;
  std::string out_dir;
};

struct Summary {
  std::size_t blocks = 0, groups = 0, units = 0;
  double area_km2 = 0;
  long long residents = 0, households = 0;
  std::size_t service_points = 0, reports = 0, street_ways = 0, street_nodes = 0, buildings = 0;
  std::size_t household_records = 0;  ///< rows of households.csv
  std::size_t patrol_routes = 0;      ///< routes of patrols.json
  double street_km = 0;
};

/// Generates the sample into options.out_dir (created if missing): grids.geojson,
/// service_points.geojson, streets.osm, reports.csv, buildings.geojson, households.csv,
/// patrols.json.
/// @throws Error(internal) if the generated grids fail validation (a generator bug).
Summary generate(const Options& options);

}  // namespace wangge::sample
