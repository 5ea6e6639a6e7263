// wangge import network, wangge isochrone, wangge coverage
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/grid/export.hpp"
#include "wangge/network/coverage.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

using nlohmann::json;

json geometry_json(const geo::MultiPolygon& g) {
  json polys = json::array();
  auto ring = [](const geo::Ring& r) {
    json a = json::array();
    for (const geo::XY& p : r)
      a.push_back({std::round(p.x * 1e7) / 1e7, std::round(p.y * 1e7) / 1e7});
    return a;
  };
  for (const geo::Polygon& p : g.polygons) {
    json rings = json::array({ring(p.outer)});
    for (const geo::Ring& h : p.holes) rings.push_back(ring(h));
    polys.push_back(rings);
  }
  return {{"type", "MultiPolygon"}, {"coordinates", polys}};
}

void write_geojson(const std::string& path, const json& features) {
  AtomicFile out(path);
  out.write(json{{"type", "FeatureCollection"}, {"features", features}}.dump() + "\n");
  out.commit();
}

void add_walking_options(CLI::App& cmd, NetworkArgs& n) {
  cmd.add_option("--network", n.network,
                 "Walking network: a .bin from `wangge import network`, or an OSM file")
      ->required();
  cmd.add_option(
         "--service-points", n.points,
         "Service points: any OGR point source (e.g. geodata/sample/service_points.geojson)")
      ->required();
  cmd.add_option("--speed", n.config.speed_kmh, "Walking speed in km/h (default 4)")
      ->check(decimal_in(0.1, 50));
  cmd.add_option("--minutes", n.config.threshold_minutes,
                 "The circle's threshold in minutes (default 15)")
      ->check(decimal_in(1, 120));
  cmd.add_option("--max-snap", n.config.max_snap_m,
                 "Farthest a point may be from a street, metres (default 200)")
      ->check(decimal_in(0, 10000));
}

}  // namespace

std::unique_ptr<network::NearestService> NetworkArgs::open() const {
  auto graph = std::make_shared<const network::WalkingGraph>(network::open_walking_graph(network));
  return std::make_unique<network::NearestService>(graph, network::import_service_points(points),
                                                   config);
}

Runner add_network_import(CLI::App& import) {
  struct Args {
    std::string file, out = "network.bin";
    double steps = 2.0, min_piece = 500;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = import.add_subcommand(
      "network",
      "Build the walking graph from OpenStreetMap (.osm, .osm.pbf, .osm.bz2) and save it.\n"
      "Example: wangge import network geodata/sample/streets.osm --out network.bin");
  cmd->add_option("file", a->file, "OpenStreetMap file")->required();
  cmd->add_option("--out", a->out, "Where to save the graph (default network.bin)");
  cmd->add_option("--steps-factor", a->steps, "Steps cost this many times their length (default 2)")
      ->check(decimal_in(0.1, 100));
  cmd->add_option("--min-piece", a->min_piece,
                  "Drop disconnected pieces with less street than this, metres (default 500)")
      ->check(decimal_in(0, 1e6));
  cmd->add_flag("--json", a->json, "Print the summary as JSON");
  return [a, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    const auto t0 = std::chrono::steady_clock::now();
    network::FootProfile profile;
    profile.steps_factor = a->steps;
    profile.min_component_m = a->min_piece;
    const network::WalkingGraph g = network::build_walking_graph(a->file, profile);
    g.save(a->out);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto& s = g.stats();
    if (a->json) {
      std::cout << json{{"out", a->out},
                        {"nodes", s.nodes},
                        {"edges", s.edges},
                        {"km", s.km},
                        {"dropped_pieces", s.dropped_pieces},
                        {"dropped_km", s.dropped_km},
                        {"ms", ms}}
                       .dump(2)
                << "\n";
    } else {
      std::printf("walking network from %s -> %s\n", a->file.c_str(), a->out.c_str());
      std::printf(
          "  nodes (intersections)  %8zu\n  edges                  %8zu\n  street km              "
          "%8.1f\n",
          s.nodes, s.edges, s.km);
      std::printf(
          "  dropped pieces         %8zu  (%.2f km of isolated street)\n  built in               "
          "%8.0f ms\n",
          s.dropped_pieces, s.dropped_km, ms);
    }
    return 0;
  };
}

Runner add_isochrone_command(CLI::App& app) {
  struct Args {
    NetworkArgs net;
    std::vector<std::string> ids;
    std::string out;
    double cell = 10;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "isochrone",
      "Walking areas of service points within the threshold, as GeoJSON polygons that agree\n"
      "with the nearest-service rule (a 10 m raster of walking times, traced).\n"
      "Example: wangge isochrone --network network.bin --service-points "
      "geodata/sample/service_points.geojson --out areas.geojson");
  add_walking_options(*cmd, a->net);
  cmd->add_option("--id", a->ids, "Only these service points (repeatable; default all)");
  cmd->add_option("--cell", a->cell, "Raster cell size, metres (default 10)")
      ->check(decimal_in(1, 100));
  cmd->add_option("--out", a->out, "GeoJSON file to write")->required();
  return [a] {
    auto service = a->net.open();
    const network::SnapRaster raster(*service, a->cell);
    json features = json::array();
    const auto& points = service->points();
    for (const std::string& id : a->ids) {
      if (std::none_of(points.begin(), points.end(),
                       [&](const network::ServicePoint& p) { return p.id == id; })) {
        throw Error(ErrorCode::not_found, "service point '" + id + "' is not in " + a->net.points);
      }
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (!a->ids.empty() && std::find(a->ids.begin(), a->ids.end(), points[i].id) == a->ids.end())
        continue;
      const auto t0 = std::chrono::steady_clock::now();
      const geo::MultiPolygon area = network::isochrone(*service, raster, i);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%-6s %s  %.3f km² within %.0f min at %.1f km/h (%.1f ms)\n",
                  points[i].id.c_str(), text::pad_right(points[i].name, 22).c_str(),
                  area_m2(area) / 1e6, service->config().threshold_minutes,
                  service->config().speed_kmh, ms);
      features.push_back({{"type", "Feature"},
                          {"properties",
                           {{"id", points[i].id},
                            {"name", points[i].name},
                            {"kind", points[i].kind},
                            {"minutes", service->config().threshold_minutes},
                            {"speed_kmh", service->config().speed_kmh},
                            {"area_km2", area_m2(area) / 1e6}}},
                          {"geometry", geometry_json(area)}});
    }
    write_geojson(a->out, features);
    std::printf("written to %s\n", a->out.c_str());
    return 0;
  };
}

Runner add_coverage_command(CLI::App& app) {
  struct Args {
    NetworkArgs net;
    GridSourceOptions grids;
    std::vector<std::string> types;
    std::string gaps_out;
    int level = 1;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "coverage",
      "Share of households and area within the walking circle of each service type, per grid,\n"
      "with the uncovered area as polygons: where the next service centre is needed.\n"
      "Example: wangge coverage --grids geodata/sample/grids.geojson --network network.bin \\\n"
      "           --service-points geodata/sample/service_points.geojson --gaps-out gaps.geojson");
  add_walking_options(*cmd, a->net);
  cmd->add_option("--grids", a->grids.path, "Grid source")->required();
  cmd->add_option("--type", a->types, "Service types (repeatable; default: any, then each type)");
  cmd->add_option("--level", a->level,
                  "Grid level of the table (default 1; the JSON has every level)")
      ->check(integer_in(0, 99));
  cmd->add_option("--gaps-out", a->gaps_out, "Write the uncovered areas as GeoJSON");
  cmd->add_flag("--json", a->json, "Print JSON");
  return [a] {
    auto service = a->net.open();
    service::Service grids;
    print_notes(grids.load_grids(a->grids.path, a->grids.to_import_options()));
    const grid::GridIndex& index = *grids.grid_index();
    const network::SnapRaster raster(*service);
    std::vector<std::string> types = a->types;
    if (types.empty()) types = service->types();
    const auto results = network::coverage(*service, raster, index, types);
    const grid::GridSet& set = index.grids();
    json out = json::array();
    json gaps = json::array();
    for (const network::Coverage& c : results) {
      const std::string label = c.service_type.empty() ? "any service point" : c.service_type;
      json rows = json::array();
      for (const network::CoverageRow& r : c.rows) {
        rows.push_back({{"grid", set[r.grid].id},
                        {"name", set[r.grid].name},
                        {"level", set.depth(r.grid)},
                        {"area_km2", r.area_m2 / 1e6},
                        {"covered_area_share", r.area_m2 > 0 ? r.covered_m2 / r.area_m2 : 0.0},
                        {"households", r.households},
                        {"covered_households", r.covered_households},
                        {"covered_household_share",
                         r.households > 0 ? r.covered_households / r.households : 0.0}});
      }
      out.push_back({{"service_type", c.service_type},
                     {"uncovered_km2", area_m2(c.uncovered) / 1e6},
                     {"grids", rows}});
      gaps.push_back(
          {{"type", "Feature"},
           {"properties",
            {{"service_type", c.service_type}, {"uncovered_km2", area_m2(c.uncovered) / 1e6}}},
           {"geometry", geometry_json(c.uncovered)}});
      if (a->json) continue;
      const network::CoverageRow& root = c.rows[0];
      std::printf(
          "\n%s — within %.0f min (%.0f m at %.1f km/h): %.1f%% of households, %.1f%% of area; "
          "%.3f km² uncovered\n",
          label.c_str(), service->config().threshold_minutes,
          static_cast<double>(service->config().threshold_mm()) / 1000.0,
          service->config().speed_kmh,
          root.households > 0 ? 100.0 * root.covered_households / root.households : 0.0,
          root.area_m2 > 0 ? 100.0 * root.covered_m2 / root.area_m2 : 0.0,
          area_m2(c.uncovered) / 1e6);
      for (const network::CoverageRow& r : c.rows) {
        if (set.depth(r.grid) != a->level) continue;
        std::printf("  %s %s %6.0f households  %5.1f%% covered   area %5.1f%% covered\n",
                    set[r.grid].id.c_str(), text::pad_right(set[r.grid].name, 12).c_str(),
                    r.households,
                    r.households > 0 ? 100.0 * r.covered_households / r.households : 0.0,
                    r.area_m2 > 0 ? 100.0 * r.covered_m2 / r.area_m2 : 0.0);
      }
    }
    if (!a->gaps_out.empty()) write_geojson(a->gaps_out, gaps);
    if (a->json) std::cout << json{{"coverage", out}}.dump(2) << "\n";
    return 0;
  };
}

}  // namespace wangge::cli
