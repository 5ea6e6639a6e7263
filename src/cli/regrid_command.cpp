// wangge regrid --parents SRC --units SRC [--roads OSM|SRC] --min 300 --max 500 --out FILE
#include <csignal>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/grid/export.hpp"
#include "wangge/regrid/job.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

// Exit statuses beyond the catalogue's (0 done, 2 bad input, 70 a bug): documented in --help.
constexpr int kSomeParentsFailed = 1;
constexpr int kInterrupted = 130;  // the shell's status for a command ended by SIGINT

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

}  // namespace

Runner add_regrid_command(CLI::App& app) {
  struct Args {
    regrid::RegridJob job;
    std::string out, report;
    std::int64_t target = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "regrid",
      "Re-draw grids: split each parent into contiguous grids whose households lie in [--min, "
      "--max],\n"
      "following streets where the band allows; codes west→east, north→south; leaders carried "
      "over from\n"
      "the old grid with the largest household overlap. Writes a new grid generation and "
      "prints metrics.\n"
      "A parent whose grids cannot be drawn valid keeps its old grids; the others are written.\n"
      "Exit status: 0 every parent re-gridded and written; 1 some parents failed (named on\n"
      "stderr and in --report; every other parent is written); 2 bad input or usage (nothing\n"
      "written); 130 interrupted by Ctrl-C (nothing written); 70 an internal error (a bug).\n"
      "Example: wangge regrid --parents geodata/sample/grids.geojson --parent-level 1 \\\n"
      "           --units geodata/sample/buildings.geojson --roads geodata/sample/streets.osm \\\n"
      "           --min 300 --max 500 --out regrid.gpkg --report regrid.json");
  cmd->add_option("--parents", a->job.parents, "Grid source with the parents and their children")
      ->required();
  cmd->add_option("--parent-level", a->job.parent_level, "Level of the parents (default 1)")
      ->check(integer_in(0, 99));
  cmd->add_option("--parent", a->job.parent_ids, "Only this parent (id or code; repeatable)");
  cmd->add_option("--units", a->job.units,
                  "Buildings or address points (or polygons) with households, any OGR source")
      ->required();
  cmd->add_option("--households-field", a->job.households_field,
                  "The units' households field (default households)");
  cmd->add_option("--roads", a->job.roads, "Streets and rivers: an OSM file or any line source");
  cmd->add_option("--reports", a->job.reports,
                  "CSV of open reports (id, lon, lat): list those whose grid or leader changes");
  cmd->add_option("--min", a->job.parent.band.min, "Fewest households per grid")
      ->required()
      ->check(integer_in(0, 1000000000));
  cmd->add_option("--max", a->job.parent.band.max, "Most households per grid")
      ->required()
      ->check(integer_in(1, 1000000000));
  cmd->add_option("--target", a->target, "Households aimed at (default: the band's middle)")
      ->check(integer_in(0, 1000000000));
  cmd->add_option("--seed", a->job.parent.seed, "Random seed (default 1)")
      ->check(integer_in(0, std::numeric_limits<long long>::max()));
  cmd->add_option("--time-budget", a->job.parent.time_budget_s,
                  "Seconds of search per parent at most (default 5)")
      ->check(decimal_in(0, 86400));
  cmd->add_option("--threads", a->job.threads, "Parents in parallel (default: every core)")
      ->check(integer_in(0, 1024));
  cmd->add_option("--code-digits", a->job.parent.code_digits,
                  "Digits of the sequence under the parent's code (default 3)")
      ->check(integer_in(1, 6));
  cmd->add_flag("--only-new", a->job.only_new,
                "Write only the new grids (to merge runs of single parents), not the generation");
  cmd->add_option("--out", a->out, "Output grid file (.gpkg, .geojson, .fgb, .shp…)")->required();
  cmd->add_option("--report", a->report, "Also write the metrics and the report diff as JSON");
  return [a]() -> int {
    regrid::RegridJob& job = a->job;
    if (job.parent.band.min < 0 || job.parent.band.min > job.parent.band.max)
      throw Error(ErrorCode::invalid_argument, "the band needs 0 <= --min <= --max");
    job.parent.band.target =
        a->target ? a->target : (job.parent.band.min + job.parent.band.max) / 2;
    if (job.parent.band.target < job.parent.band.min ||
        job.parent.band.target > job.parent.band.max)
      throw Error(ErrorCode::invalid_argument, "--target must lie within [--min, --max]");
    g_interrupted = false;
    auto previous = std::signal(SIGINT, on_interrupt);
    regrid::RegridOutcome outcome;
    try {
      outcome = regrid::run_regrid(job, &g_interrupted);
    } catch (const Error& e) {
      std::signal(SIGINT, previous);
      if (e.code() != ErrorCode::unavailable || !g_interrupted) throw;
      print_error(e.what());
      return kInterrupted;
    } catch (...) {
      std::signal(SIGINT, previous);
      throw;
    }
    print_notes(outcome.notes);
    // Both files appear complete or not at all (each is written aside, then renamed).
    grid::write_grids(outcome.generation, a->out, "grids");
    if (!a->report.empty()) {
      AtomicFile f(a->report);
      f.write(regrid::metrics_json(job, outcome).dump(1) + "\n");
      f.commit();
    }
    std::signal(SIGINT, previous);
    std::fputs(regrid::metrics_table(job, outcome).c_str(), stdout);
    std::printf("new generation written to %s (%zu grids)%s%s\n", a->out.c_str(),
                outcome.generation.size(), a->report.empty() ? "" : "; metrics in ",
                a->report.c_str());
    if (const std::size_t failed = outcome.failed_parents()) {
      std::string names;
      for (std::size_t i = 0; i < outcome.plans.size(); ++i) {
        if (outcome.plans[i].failure)
          names += (names.empty() ? "" : "; ") + outcome.parent_codes[i] + ": " +
                   *outcome.plans[i].failure;
      }
      print_error(std::to_string(failed) + " of " + std::to_string(outcome.plans.size()) +
                  " parents failed and keep their old grids (the others are written): " + names);
      return kSomeParentsFailed;
    }
    return 0;
  };
}

}  // namespace wangge::cli
