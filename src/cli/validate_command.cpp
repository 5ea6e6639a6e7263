// wangge validate <source> [--json] [--fix [--out FILE]]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/grid/export.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

nlohmann::json finding_json(const grid::Finding& f) {
  nlohmann::json j{{"rule", f.rule},
                   {"severity", to_string(f.severity)},
                   {"message", f.message},
                   {"grids", f.grid_ids}};
  j["fid"] = f.fid ? nlohmann::json(*f.fid) : nlohmann::json(nullptr);
  j["location"] =
      f.where ? nlohmann::json::array({f.where->x, f.where->y}) : nlohmann::json(nullptr);
  j["area_m2"] = f.area_m2 ? nlohmann::json(*f.area_m2) : nlohmann::json(nullptr);
  return j;
}

struct ValidateArgs {
  GridSourceOptions source;
  bool json = false;
  bool fix = false;
  std::string out;
  double overlap_tolerance = 1.0;
  double gap_tolerance = 1.0;
};

int run(const ValidateArgs& a) {
  grid::ValidationOptions v;
  v.overlap_tolerance_m2 = a.overlap_tolerance;
  v.gap_tolerance_m2 = a.gap_tolerance;
  v.fix = a.fix;
  service::ValidationRun run =
      service::Service::validate_grids(a.source.path, a.source.to_import_options(), v);
  const grid::ValidationReport& r = run.report;
  print_notes(run.import.notes);
  if (a.fix && !a.out.empty()) grid::write_grids(run.import.grids, a.out, run.import.layer);
  const std::size_t errors = r.errors();
  if (a.json) {
    nlohmann::json j;
    j["source"] = a.source.path;
    j["layer"] = run.import.layer;
    j["crs"] = run.import.crs;
    j["fields"] = run.import.fields_used;
    j["notes"] = run.import.notes;
    j["levels"] = nlohmann::json::array();
    for (const grid::LevelSummary& l : r.levels) {
      j["levels"].push_back(
          {{"level", l.depth}, {"name", l.name}, {"count", l.count}, {"area_km2", l.area_km2}});
    }
    j["findings"] = nlohmann::json::array();
    for (const grid::Finding& f : r.findings) j["findings"].push_back(finding_json(f));
    j["repairs"] = nlohmann::json::array();
    for (const grid::Finding& f : r.repairs) j["repairs"].push_back(finding_json(f));
    j["errors"] = errors;
    j["valid"] = errors == 0;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "source  " << a.source.path << " (layer " << run.import.layer << "; "
              << run.import.crs << ")\n\n";
    std::printf("%-6s %s %8s %12s\n", "level", text::pad_right("name", 14).c_str(), "count",
                "area km²");
    for (const grid::LevelSummary& l : r.levels) {
      std::printf("%-6d %s %8zu %12.4f\n", l.depth, text::pad_right(l.name, 14).c_str(), l.count,
                  l.area_km2);
    }
    std::cout << "\n";
    for (const grid::Finding& f : r.repairs) std::cout << "repaired  " << f.message << "\n";
    for (const grid::Finding& f : r.findings) {
      std::cout << to_string(f.severity) << "  [" << f.rule << "] " << f.message << "\n";
    }
    if (r.findings.empty())
      std::cout << "clean: no findings\n";
    else
      std::cout << "\n" << errors << " error(s), " << r.findings.size() - errors << " warning(s)\n";
    if (a.fix && !a.out.empty()) std::cout << "repaired layer written to " << a.out << "\n";
  }
  return errors == 0 ? 0 : 1;
}

}  // namespace

Runner add_validate_command(CLI::App& app) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check a grid hierarchy: geometry validity, nesting, sibling overlaps, gaps, ids.\n"
      "A layer of one level (no parent links): --flat (or --parent-field none).\n"
      "Exit 0 when clean, 1 with findings, 2 when the source cannot be read or an option is\n"
      "wrong, 70 an internal error (a bug).\n"
      "Example: wangge validate geodata/sample/grids.geojson --json\n"
      "         wangge validate districts.gpkg --flat");
  add_grid_source_options(*cmd, args->source, true);
  cmd->add_flag("--json", args->json, "Print one JSON object {levels, findings, ...}");
  cmd->add_flag("--fix", args->fix,
                "Repair invalid geometries with MakeValid and report the changes");
  cmd->add_option("--out", args->out,
                  "With --fix: write the repaired layer (.gpkg, .geojson, ...)");
  cmd->add_option("--overlap-tolerance", args->overlap_tolerance,
                  "Overlaps and overhangs up to this many m² pass (default 1)")
      ->check(decimal_in(0, 1e12));
  cmd->add_option("--gap-tolerance", args->gap_tolerance,
                  "Gaps inside a parent up to this many m² pass (default 1)")
      ->check(decimal_in(0, 1e12));
  return [args, cmd] {
    if (!args->out.empty() && !args->fix) {
      throw Error(ErrorCode::invalid_argument, "--out is only used with --fix");
    }
    return run(*args);
  };
}

}  // namespace wangge::cli
