// wangge assign --grids SRC --in FILE --out FILE
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/service/batch_assign.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

struct AssignArgs {
  GridSourceOptions source;
  service::AssignOptions options;
  std::string lon_field, lat_field;
  std::string datum = "wgs84";
  double tolerance = 50.0;
  bool json = false;
  std::size_t show_rejected = 20;
};

int run(AssignArgs& a) {
  const auto datum = geo::parse_datum(a.datum);
  if (!datum)
    throw Error(ErrorCode::invalid_argument,
                "--datum '" + a.datum + "' is not one of wgs84, gcj02, bd09");
  a.options.datum = *datum;
  if (!a.lon_field.empty()) a.options.lon_field = a.lon_field;
  if (!a.lat_field.empty()) a.options.lat_field = a.lat_field;
  service::Service service;
  print_notes(service.load_grids(a.source.path, a.source.to_import_options(), a.tolerance));
  const service::AssignSummary s = service::assign_file(*service.grid_index(), a.options);
  const double rate = s.seconds > 0 ? static_cast<double>(s.points) / s.seconds : 0;
  const double locate_rate =
      s.locate_seconds > 0 ? static_cast<double>(s.points) / s.locate_seconds : 0;
  if (a.json) {
    nlohmann::json j{{"input", a.options.input},
                     {"output", a.options.output},
                     {"format", s.format},
                     {"rows", s.rows},
                     {"points", s.points},
                     {"assigned", s.assigned},
                     {"on_boundary", s.on_boundary},
                     {"outside", s.outside},
                     {"not_covered", s.not_covered},
                     {"rejected", s.rejected.size()},
                     {"seconds", s.seconds},
                     {"points_per_second", rate},
                     {"locate_seconds", s.locate_seconds},
                     {"locate_points_per_second", locate_rate},
                     {"threads", s.threads}};
    j["rejected_rows"] = nlohmann::json::array();
    for (const service::RejectedRow& r : s.rejected)
      j["rejected_rows"].push_back({{"line", r.line}, {"reason", r.reason}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("assigned %s -> %s\n", a.options.input.c_str(), a.options.output.c_str());
  std::printf("  rows          %10zu\n", s.rows);
  std::printf("  points        %10zu\n", s.points);
  std::printf("  assigned      %10zu\n", s.assigned);
  std::printf("  on boundary   %10zu\n", s.on_boundary);
  std::printf("  outside       %10zu  (within %.0f m, assigned to the nearest grid)\n", s.outside,
              a.tolerance);
  std::printf("  not covered   %10zu\n", s.not_covered);
  std::printf("  rejected      %10zu\n", s.rejected.size());
  std::printf(
      "  time          %10.3f s  (%.0f points/s overall, %.0f points/s locating on %u threads)\n",
      s.seconds, rate, locate_rate, s.threads);
  for (std::size_t i = 0; i < s.rejected.size() && i < a.show_rejected; ++i) {
    const service::RejectedRow& r = s.rejected[i];
    if (s.format == "csv")
      std::printf("  rejected line %zu: %s\n", r.line, r.reason.c_str());
    else
      std::printf("  rejected %s\n", r.reason.c_str());
  }
  if (s.rejected.size() > a.show_rejected) {
    std::printf("  ... and %zu more rejected rows (all flagged in the output)\n",
                s.rejected.size() - a.show_rejected);
  }
  return 0;
}

}  // namespace

Runner add_assign_command(CLI::App& app) {
  auto args = std::make_shared<AssignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "assign",
      "Assign every point of a CSV or GeoJSON file to its grid; writes all rows with the\n"
      "assignment columns appended (rejected rows flagged, never dropped).\n"
      "Exit 0 when written (bad rows flagged in it), 2 on bad input or usage (nothing\n"
      "written), 70 an internal error (a bug).\n"
      "Example: wangge assign --grids geodata/sample/grids.geojson \\\n"
      "           --in geodata/sample/reports.csv --out /tmp/assigned.csv");
  add_grid_source_options(*cmd, args->source, false);
  cmd->add_option("--in", args->options.input, "Input points: .csv (with a header) or .geojson")
      ->required();
  cmd->add_option("--out", args->options.output, "Output file, same format as the input")
      ->required();
  cmd->add_option("--lon-field", args->lon_field,
                  "CSV longitude column (default: lon, lng, longitude or x)");
  cmd->add_option("--lat-field", args->lat_field,
                  "CSV latitude column (default: lat, latitude or y)");
  cmd->add_option("--datum", args->datum,
                  "Datum of the input points: wgs84 (default), gcj02, bd09");
  cmd->add_option("--tolerance", args->tolerance,
                  "Metres outside every grid still assigned (default 50)")
      ->check(decimal_in(0, 10000));
  cmd->add_option("--threads", args->options.threads, "Worker threads (default: all cores)")
      ->check(integer_in(0, 1024));
  cmd->add_option(
         "--columns", args->options.columns,
         "Assignment columns to append, comma-separated, in this order (default: all:\n"
         "grid_status, grid_id, grid_code, grid_name, grid_level, grid_chain, leader_name,\n"
         "leader_role, leader_phone, leader_chain, on_boundary, covering,\n"
         "boundary_distance_m, error)")
      ->delimiter(',');
  cmd->add_flag("--json", args->json, "Print the summary as JSON");
  return [args] { return run(*args); };
}

}  // namespace wangge::cli
