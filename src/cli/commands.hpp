#pragma once
// The `wangge` subcommands. Each registers its options on the app and returns the function
// that runs it (returning the process exit status).

#include <CLI/CLI.hpp>
#include <functional>

#include "wangge/grid/import.hpp"
#include "wangge/network/nearest.hpp"
#include "wangge/service/service.hpp"

namespace wangge::cli {

using Runner = std::function<int()>;

/// Options every command that reads grids shares (--layer, field mapping, --datum).
struct GridSourceOptions {
  std::string path;
  std::string layer;
  std::string datum;
  std::string id, parent, level, level_name, code, name, leader_name, leader_role, leader_phone,
      households, residents;
  bool flat = false;  ///< --flat, --parent-field none or --parent-field '': one level
  /// Converts to importer options. @throws Error(invalid_argument) for an unknown datum.
  grid::ImportOptions to_import_options() const;
};
void add_grid_source_options(CLI::App& cmd, GridSourceOptions& o, bool positional);

/// Makes every option of @p app and its subcommands that takes a list take one value per
/// occurrence (`--service a --service b`), so that an option placed before positional
/// arguments never swallows them: options are accepted in any order.
void one_value_per_option(CLI::App& app);

/// Validators for numeric options through wangge/util/number.hpp: "--limit: must be an integer
/// from 1 to 1000" (exit 2). CLI::Range must not be used for numbers: it lets NaN through.
CLI::Validator integer_in(long long min, long long max);
CLI::Validator decimal_in(double min, double max);
/// Any finite number, for values whose range the domain checks (coordinates).
CLI::Validator finite_number();

/// Prints each of @p notes to stderr as "wangge: note: <note>".
void print_notes(const std::vector<std::string>& notes);

/// Options of commands that work on a store (--store, --data), with WANGGE_STORE and
/// WANGGE_DATA as defaults.
struct StoreOptions {
  std::string store = "wangge.db";
  std::string data;
  /// Opens the service on the store (seeding it from --data when new), showing reports to the
  /// public under @p privacy.
  std::unique_ptr<service::Service> open(const dispatch::PrivacyPolicy& privacy = {}) const;
};
void add_store_options(CLI::App& cmd, StoreOptions& o);

/// Parses an ISO 8601 time given on the command line (@p what names the option).
dispatch::Instant parse_time_option(const std::string& text, const std::string& what,
                                    const dispatch::TimeZone& zone);

Runner add_validate_command(CLI::App& app);
Runner add_locate_command(CLI::App& app);
Runner add_points_command(CLI::App& app);
Runner add_tasks_command(CLI::App& app);
Runner add_visits_command(CLI::App& app);
Runner add_appraisal_command(CLI::App& app);
Runner add_assign_command(CLI::App& app);
Runner add_sample_command(CLI::App& app);
Runner add_report_command(CLI::App& app);
Runner add_stats_command(CLI::App& app);
Runner add_import_command(CLI::App& app);
Runner add_generation_command(CLI::App& app);
Runner add_simulate_command(CLI::App& app);
Runner add_isochrone_command(CLI::App& app);
Runner add_serve_command(CLI::App& app);
Runner add_keys_command(CLI::App& app);
Runner add_users_command(CLI::App& app);
Runner add_coverage_command(CLI::App& app);
Runner add_export_command(CLI::App& app);
Runner add_regrid_command(CLI::App& app);
Runner add_archive_command(CLI::App& app);
Runner add_check_command(CLI::App& app);
/// `users import`, registered on the users command. Returns -1 when not the one parsed.
Runner add_users_import(CLI::App& users);
/// `import network`, registered on the import command. Returns -1 when not the one parsed.
Runner add_network_import(CLI::App& import);

/// Options of commands that walk: the network, the service points, speed and threshold.
struct NetworkArgs {
  std::string network, points;
  network::WalkingConfig config;
  std::unique_ptr<network::NearestService> open() const;
};

/// Prints "wangge: <what>: <message>" to stderr.
void print_error(const std::string& message);

}  // namespace wangge::cli
