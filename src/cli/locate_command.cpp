// wangge locate --grids SRC LON LAT [--datum wgs84|gcj02|bd09] [--json]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

struct LocateArgs {
  GridSourceOptions source;
  std::string lon, lat;  // text: parsed here so "nan" and "95" get our messages
  std::string datum = "wgs84";
  double tolerance = 50.0;
  bool json = false;
  NetworkArgs network;  // optional: the nearest service point by walking
  std::vector<std::string> service_types;
};

nlohmann::json nearest_json(const network::NearestAnswer& n, const std::string& type) {
  if (!n.point)
    return {{"service_type", type}, {"service_point", nullptr}, {"on_network", n.on_network}};
  return {
      {"service_type", type},
      {"service_point", {{"id", n.point->id}, {"name", n.point->name}, {"kind", n.point->kind}}},
      {"walk_m", std::round(n.walk_m * 10) / 10},
      {"minutes", std::round(n.minutes * 10) / 10},
      {"within_circle", n.within_circle},
      {"on_network", n.on_network},
      {"straight_line", n.straight_line},
      {"snap_distance_m", n.snap ? std::round(n.snap->distance_m * 10) / 10 : 0.0}};
}

void print_nearest(const network::NearestAnswer& n, const std::string& type,
                   const network::WalkingConfig& c) {
  const std::string label = type.empty() ? "service  " : type;
  if (!n.point) {
    std::printf("%s none reachable on foot%s\n", text::pad_right(label, 9).c_str(),
                n.on_network ? "" : " (off the network)");
    return;
  }
  std::printf("%s %s %s, %.0f m, %.1f min on foot%s%s\n", text::pad_right(label, 9).c_str(),
              n.point->id.c_str(), n.point->name.c_str(), n.walk_m, n.minutes,
              n.within_circle
                  ? ""
                  : ("  — none within " + number::format(c.threshold_minutes) + " minutes").c_str(),
              n.straight_line ? "  (straight line × detour factor: off the network)" : "");
}

nlohmann::json answer_json(const service::LocateAnswer& a) {
  nlohmann::json j;
  j["input"] = {{"lon", a.input.lon()}, {"lat", a.input.lat()}, {"datum", to_string(a.datum)}};
  j["wgs84"] = {{"lon", a.wgs84.lon()}, {"lat", a.wgs84.lat()}};
  j["status"] = service::to_string(a.status);
  j["on_boundary"] = a.on_boundary;
  j["outside"] = a.status == grid::LocateStatus::outside;
  j["boundary_distance_m"] = a.boundary_distance_m;
  j["covering"] = a.covering;
  j["chain"] = nlohmann::json::array();
  for (const service::ChainEntry& e : a.chain) {
    j["chain"].push_back(
        {{"id", e.id},
         {"code", e.code},
         {"name", e.name},
         {"level", e.level},
         {"level_name", e.level_name},
         {"leader",
          {{"name", e.leader.name}, {"role", e.leader.role}, {"phone", e.leader.phone}}}});
  }
  j["grid"] = a.chain.empty() ? nlohmann::json(nullptr) : j["chain"][0];
  return j;
}

void print_text(const service::LocateAnswer& a, double tolerance) {
  std::printf("point     %.7f, %.7f (%s)", a.input.lon(), a.input.lat(),
              std::string(to_string(a.datum)).c_str());
  if (a.datum != geo::Datum::wgs84)
    std::printf(" = %.7f, %.7f (wgs84)", a.wgs84.lon(), a.wgs84.lat());
  std::printf("\n");
  if (a.status == grid::LocateStatus::not_covered) {
    std::printf("status    not covered: no grid within %.0f m\n", tolerance);
    return;
  }
  if (a.status == grid::LocateStatus::outside) {
    std::printf("status    outside every grid, %.1f m from the nearest (assigned to it)\n",
                a.boundary_distance_m);
  } else if (a.on_boundary) {
    std::printf("status    on the boundary of %zu grid(s); assigned by the code-order rule\n",
                a.covering.size());
  } else {
    std::printf("status    inside, %.1f m from the grid's boundary\n", a.boundary_distance_m);
  }
  for (std::size_t i = 0; i < a.chain.size(); ++i) {
    const service::ChainEntry& e = a.chain[i];
    std::printf("%s %s %s %s", i == 0 ? "grid     " : "         ",
                text::pad_right(e.level_name, 6).c_str(),
                text::pad_right(e.code.empty() ? e.id : e.code, 17).c_str(),
                text::pad_right(e.name, 14).c_str());
    if (!e.leader.name.empty()) {
      std::printf("  — %s %s %s", e.leader.role.c_str(), e.leader.name.c_str(),
                  e.leader.phone.c_str());
    }
    std::printf("\n");
  }
}

double parse_coordinate(const std::string& text, const char* what) {
  auto v = text::parse_double(text);
  if (!v)
    throw Error(ErrorCode::invalid_coordinate,
                std::string(what) + " '" + text + "' is not a number");
  return *v;
}

int run(const LocateArgs& a) {
  const auto datum = geo::parse_datum(a.datum);
  if (!datum)
    throw Error(ErrorCode::invalid_argument,
                "--datum '" + a.datum + "' is not one of wgs84, gcj02, bd09");
  const geo::LonLat point =
      geo::LonLat::checked(geo::Longitude(parse_coordinate(a.lon, "longitude")),
                           geo::Latitude(parse_coordinate(a.lat, "latitude")));
  service::Service service;
  print_notes(service.load_grids(a.source.path, a.source.to_import_options(), a.tolerance));
  const service::LocateAnswer answer = service.locate(point, *datum);
  std::unique_ptr<network::NearestService> walking;
  if (!a.network.network.empty() || !a.network.points.empty()) {
    if (a.network.network.empty() || a.network.points.empty()) {
      throw Error(ErrorCode::invalid_argument, "--network and --service-points go together");
    }
    walking = a.network.open();
  }
  std::vector<std::string> types = a.service_types;
  if (types.empty()) types.push_back("");
  if (a.json) {
    auto j = answer_json(answer);
    if (walking) {
      j["nearest_service"] = nlohmann::json::array();
      for (const auto& t : types)
        j["nearest_service"].push_back(nearest_json(walking->lookup(answer.wgs84, t), t));
    }
    std::cout << j.dump(2) << "\n";
  } else {
    print_text(answer, a.tolerance);
    if (walking) {
      for (const auto& t : types)
        print_nearest(walking->lookup(answer.wgs84, t), t, walking->config());
    }
  }
  return answer.status == grid::LocateStatus::not_covered ? 1 : 0;
}

}  // namespace

Runner add_locate_command(CLI::App& app) {
  auto args = std::make_shared<LocateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "locate",
      "Find the finest grid of a point and its chain of leaders.\n"
      "Exit 0 when assigned, 1 when not covered, 2 on bad input, 70 an internal error (a bug).\n"
      "Example: wangge locate --grids geodata/sample/grids.geojson 112.93 27.86 --json");
  add_grid_source_options(*cmd, args->source, false);
  // Text, read by parse_coordinate: a number, then LonLat's range (exit 2 naming either).
  cmd->add_option("lon", args->lon, "Longitude in degrees")->required();
  cmd->add_option("lat", args->lat, "Latitude in degrees")->required();
  cmd->add_option("--datum", args->datum, "Datum of the point: wgs84 (default), gcj02, bd09");
  cmd->add_option("--tolerance", args->tolerance,
                  "Metres outside every grid still assigned to the nearest (default 50)")
      ->check(decimal_in(0, 10000));
  cmd->add_flag("--json", args->json, "Print the answer as JSON");
  auto* walk =
      cmd->add_option_group("walking", "The nearest service point on foot (both files needed)");
  walk->add_option("--network", args->network.network,
                   "Walking network: a .bin from `wangge import network`, or OSM");
  walk->add_option("--service-points", args->network.points,
                   "Service points (any OGR point source)");
  walk->add_option("--service", args->service_types,
                   "Service type (repeatable; default: any service point)");
  walk->add_option("--speed", args->network.config.speed_kmh, "Walking speed in km/h (default 4)")
      ->check(decimal_in(0.1, 50));
  walk->add_option("--minutes", args->network.config.threshold_minutes,
                   "The circle in minutes (default 15)")
      ->check(decimal_in(1, 120));
  return [args] { return run(*args); };
}

}  // namespace wangge::cli
