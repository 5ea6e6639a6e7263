// The `wangge` command-line tool: each subcommand calls the wangge::service::Service facade.
#include <exception>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

/// The exit status of an error (documented in the README): 2 for anything the input or the
/// request caused, 70 (EX_SOFTWARE) for a bug, 75 (EX_TEMPFAIL) when the store is unavailable.
int exit_status(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::internal:
      return 70;
    case ErrorCode::unavailable:
      return 75;
    default:
      return 2;
  }
}

}  // namespace wangge::cli

int main(int argc, char** argv) {
  using namespace wangge;
  CLI::App app{"wangge — grid mapping and dispatch for grassroots grid governance (网格化治理)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wangge 0.1.0");
  std::map<std::string, cli::Runner> runners;
  runners["validate"] = cli::add_validate_command(app);
  runners["locate"] = cli::add_locate_command(app);
  runners["assign"] = cli::add_assign_command(app);
  runners["sample"] = cli::add_sample_command(app);
  runners["report"] = cli::add_report_command(app);
  runners["stats"] = cli::add_stats_command(app);
  runners["import"] = cli::add_import_command(app);
  runners["generation"] = cli::add_generation_command(app);
  runners["simulate"] = cli::add_simulate_command(app);
  runners["isochrone"] = cli::add_isochrone_command(app);
  runners["coverage"] = cli::add_coverage_command(app);
  runners["serve"] = cli::add_serve_command(app);
  runners["keys"] = cli::add_keys_command(app);
  runners["users"] = cli::add_users_command(app);
  runners["points"] = cli::add_points_command(app);
  runners["tasks"] = cli::add_tasks_command(app);
  runners["visits"] = cli::add_visits_command(app);
  runners["appraisal"] = cli::add_appraisal_command(app);
  runners["export"] = cli::add_export_command(app);
  runners["regrid"] = cli::add_regrid_command(app);
  runners["archive"] = cli::add_archive_command(app);
  runners["check"] = cli::add_check_command(app);
  cli::one_value_per_option(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;  // usage errors exit 2, like unreadable input
  }
  try {
    for (auto& [name, run] : runners) {
      if (app.got_subcommand(name)) return run();
    }
    return 2;
  } catch (const Error& e) {
    cli::print_error(e.what());
    return cli::exit_status(e.code());
  } catch (const std::exception& e) {
    cli::print_error(std::string("internal error: ") + e.what());
    return cli::exit_status(ErrorCode::internal);
  }
}
