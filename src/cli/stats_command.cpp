// wangge stats [--group-by …] [--level N] [--from] [--to] [--json]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

struct StatsArgs {
  StoreOptions store;
  std::string group = "total", from, to, at;
  int level = -1;
  bool json = false;
  std::string out;
};

std::string percent(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100);
  return buf;
}

std::string minutes(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[24];
  if (*v >= 120)
    std::snprintf(buf, sizeof buf, "%.1f h", *v / 60);
  else
    std::snprintf(buf, sizeof buf, "%.0f min", *v);
  return buf;
}

int run(const StatsArgs& a) {
  auto service = a.store.open();
  const dispatch::TimeZone& zone = service->reference()->calendar.zone();
  dispatch::StatsQuery q;
  const auto group = dispatch::parse_stats_group(a.group);
  if (!group) {
    throw Error(
        ErrorCode::invalid_argument,
        "--group-by '" + a.group +
            "' is not one of total, grid, leader, department, category, day, week, month, channel");
  }
  q.group = *group;
  if (a.level >= 0) {
    const int deepest = service->grid_index()->grids().max_depth();
    if (a.level > deepest)
      throw Error(ErrorCode::invalid_argument, "--level must be " +
                                                   number::integer_rule(0, deepest) +
                                                   " (the levels of the active grid generation)");
    q.grid_depth = a.level;
  }
  if (!a.from.empty()) q.from = parse_time_option(a.from, "--from", zone);
  if (!a.to.empty()) q.to = parse_time_option(a.to, "--to", zone);
  q.now = a.at.empty() ? dispatch::now_utc() : parse_time_option(a.at, "--at", zone);
  const auto rows = service->stats(q);
  if (!a.out.empty()) {
    const std::size_t n = service->exports().stats_table(rows, q.group, a.out);
    std::fprintf(stderr, "%zu rows written to %s\n", n, a.out.c_str());
    return 0;
  }
  if (a.json) {
    auto j = service::stats_view(rows);
    for (std::size_t i = 0; i < rows.size(); ++i)
      j[i]["label"] = service->exports().stats_label(rows[i], q.group);
    std::cout << nlohmann::json{{"group_by", a.group}, {"rows", j}}.dump(2) << "\n";
    return 0;
  }
  std::string head = text::pad_right("", 24);
  for (auto [name, width] : {std::pair{"reports", 7},
                             {"due", 7},
                             {"closed", 7},
                             {"overdue", 7},
                             {"结案率", 8},
                             {"按期率", 8},
                             {"返工率", 7},
                             {"当日率", 7},
                             {"满意率", 7},
                             {"→dispatch", 9},
                             {"→close", 9}}) {
    head += " " + text::pad_left(name, static_cast<std::size_t>(width));
  }
  std::printf("%s\n", head.c_str());
  for (const dispatch::StatsRow& r : rows) {
    std::printf("%s %7zu %7zu %7zu %7zu %8s %8s %7s %7s %7s %9s %9s\n",
                text::pad_right(service->exports().stats_label(r, q.group), 24).c_str(), r.reported,
                r.due_to_close, r.closed, r.overdue_open, percent(r.closure_rate).c_str(),
                percent(r.on_time_rate).c_str(), percent(r.rework_rate).c_str(),
                percent(r.same_day_rate).c_str(), percent(r.satisfaction_rate).c_str(),
                minutes(r.median_minutes_to_dispatch).c_str(),
                minutes(r.median_minutes_to_close).c_str());
  }
  return 0;
}

}  // namespace

Runner add_stats_command(CLI::App& app) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd =
      app.add_subcommand("stats",
                         "Dispatch statistics: 结案率 (closed / due to close), 按期结案率, 返工率, "
                         "same-day and satisfaction\n"
                         "rates, median times to dispatch and close — grouped as asked.\n"
                         "Example: wangge stats --group-by grid --level 1 --from 2026-11-01");
  add_store_options(*cmd, args->store);
  cmd->add_option("--group-by", args->group,
                  "total (default), grid, leader, department, category, day, week, month");
  cmd->add_option("--level", args->level,
                  "With --group-by grid: only this level (0 = subdistrict); default: every level")
      ->check(integer_in(0, 99));
  cmd->add_option("--from", args->from, "Reports created at or after (ISO 8601)");
  cmd->add_option("--to", args->to, "Reports created before (ISO 8601)");
  cmd->add_option("--at", args->at, "Evaluate as of this time instead of now");
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_option("--out", args->out,
                  "Write the table to a .xlsx (Excel) or .csv (UTF-8 with a byte-order mark) file");
  return [args] { return run(*args); };
}

}  // namespace wangge::cli
