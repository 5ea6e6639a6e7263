// wangge sample --seed N --out DIR
#include <cstdio>
#include <limits>

#include "commands.hpp"
#include "wangge/sample/sample.hpp"

namespace wangge::cli {

Runner add_sample_command(CLI::App& app) {
  auto options = std::make_shared<sample::Options>();
  options->seed = 1;
  CLI::App* cmd = app.add_subcommand(
      "sample",
      "Generate the fictional sample subdistrict (grids, streets, service points, reports).\n"
      "The same seed always gives the same files.\n"
      "Example: wangge sample --seed 1 --out geodata/sample");
  cmd->add_option("--seed", options->seed, "Random seed (default 1)")
      ->check(integer_in(0, std::numeric_limits<long long>::max()));
  cmd->add_option("--out", options->out_dir, "Output directory")->required();
  return [options] {
    const sample::Summary s = sample::generate(*options);
    std::printf("sample written to %s (seed %llu)\n", options->out_dir.c_str(),
                static_cast<unsigned long long>(options->seed));
    std::printf(
        "  grids.geojson           1 subdistrict, %zu blocks, %zu groups, %zu units, %.3f km²\n",
        s.blocks, s.groups, s.units, s.area_km2);
    std::printf("  population              %lld residents in %lld households\n", s.residents,
                s.households);
    std::printf("  streets.osm             %zu ways, %zu nodes, %.1f km\n", s.street_ways,
                s.street_nodes, s.street_km);
    std::printf("  service_points.geojson  %zu service points\n", s.service_points);
    std::printf("  reports.csv             %zu reports\n", s.reports);
    std::printf("  buildings.geojson       %zu buildings with their households\n", s.buildings);
    std::printf("  households.csv          %zu households (户) with flags and contacts\n",
                s.household_records);
    std::printf(
        "  patrols.json            %zu patrol routes (巡查线路) with their check-in points\n",
        s.patrol_routes);
    return 0;
  };
}

}  // namespace wangge::cli
