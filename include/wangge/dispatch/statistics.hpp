#pragma once
// Statistics of the dispatch loop, with the standard formulas (CJ/T 292 style; checked by
// arithmetic against a published monthly report, see reference/domain-standards.md §1.7).
//
// The population is every report created in [from, to). Of those:
//   registered       reached registration (立案): registered_at set
//   due_to_close     应结案数: registered, not cancelled, and either closed or due by
//                    min(to, now) — the cases that should have been closed by the period's end
//   closed           结案数: closed (or evaluated)
//   closed_on_time   按期结案数: closed at or before the due time
//   结案率           closure_rate       = closed / due_to_close
//   按期结案率       on_time_rate       = closed_on_time / due_to_close
//   返工率           rework_rate        = cases returned for rework at least once / cases handled
//   当日办结率       same_day_rate      = closed on the local day they were reported / closed
//   满意率           satisfaction_rate  = evaluations rated 4 or 5 / evaluations
//   median_minutes_to_dispatch / _to_close: medians over the cases that got there, from creation
//   overdue_open     running cases past their due time at min(to, now)
// A rate with a zero denominator is absent (null), not zero.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wangge/dispatch/report.hpp"

namespace wangge::dispatch {

enum class StatsGroup { total, grid, leader, department, category, day, week, month, channel };
std::optional<StatsGroup> parse_stats_group(std::string_view s);
std::string_view to_string(StatsGroup g) noexcept;

/// The most reports one statistics query reads by default (they are grouped in memory: the
/// medians need every value).
inline constexpr std::size_t kMaxStatsReports = 50000;

struct StatsQuery {
  StatsGroup group = StatsGroup::total;
  /// For group = grid: only grids at this depth (0 = root); unset: every grid of each report's
  /// chain (a report counts for its grid and every grid above it — rolled up).
  std::optional<int> grid_depth;
  Instant from = Instant::min();
  Instant to = Instant::max();
  Instant now;
  /// A period holding more reports than this is refused (narrow from/to), not read.
  std::size_t max_reports = kMaxStatsReports;
  /// The caller's scope: only reports in one of these grids (or below; a grid worker's), and
  /// only reports assigned, or else belonging, to this department (department staff).
  std::vector<std::string> grids;
  std::optional<std::string> department;
  /// group = leader: the staff id answering for each finest grid (a 邻长 is a person, not a
  /// name: three 刘磊 are three rows). A grid without one is keyed "grid:<id>".
  std::unordered_map<std::string, std::string> staff_of_grid;
};

struct StatsRow {
  std::string key;
  std::string label;  ///< what people read for the key: a leader's role and name; else ""
  std::size_t reported = 0, registered = 0, cancelled = 0, dispatched = 0, due_to_close = 0,
              closed = 0, closed_on_time = 0, handled = 0, reworked = 0, same_day = 0,
              evaluated = 0, satisfied = 0, overdue_open = 0;
  std::optional<double> closure_rate, on_time_rate, rework_rate, same_day_rate, satisfaction_rate;
  std::optional<double> median_minutes_to_dispatch, median_minutes_to_close;
};

/// Groups and counts @p reports. Rows are sorted by key; a "total" row is always last.
std::vector<StatsRow> compute_stats(const std::vector<Report>& reports, const StatsQuery& query,
                                    const TimeZone& zone);

}  // namespace wangge::dispatch
