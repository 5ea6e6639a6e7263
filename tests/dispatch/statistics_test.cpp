#include "wangge/dispatch/statistics.hpp"

#include <gtest/gtest.h>

namespace wangge::dispatch {
namespace {

const TimeZone kZone{};
Instant at(const char* local) {
  return *parse_iso(local, kZone);
}

/// A report made by hand: created at @p created in the unit/group/block chain given.
Report make(const char* id, const char* created, std::vector<std::string> chain,
            const std::string& category = "0101") {
  Report r;
  r.id = id;
  r.created_at = r.updated_at = at(created);
  r.grid_chain = std::move(chain);
  r.category = category;
  return r;
}

void run(Report& r, const char* registered, const char* dispatched, const char* due) {
  r.registered_at = at(registered);
  r.dispatched_at = at(dispatched);
  r.due_at = at(due);
  r.state = ReportState::dispatched;
}

void close(Report& r, const char* when) {
  r.handled_at = at(when);
  r.closed_at = at(when);
  r.state = ReportState::closed;
}

const std::vector<std::string> kUnitA{"A1", "A", "root"};
const std::vector<std::string> kUnitB{"B1", "B", "root"};

std::vector<Report> the_month() {
  std::vector<Report> rs;
  Report on_time = make("on-time", "2026-11-02T09:00", kUnitA);
  run(on_time, "2026-11-02T09:10", "2026-11-02T09:20", "2026-11-02T15:00");
  close(on_time, "2026-11-02T11:00");  // same day, on time
  on_time.rating = 5;
  rs.push_back(on_time);
  Report late = make("late", "2026-11-03T09:00", kUnitA);
  run(late, "2026-11-03T09:30", "2026-11-03T10:00", "2026-11-03T15:00");
  close(late, "2026-11-04T10:00");  // late, next day
  late.rework_count = 1;
  late.rating = 3;
  rs.push_back(late);
  Report overdue = make("overdue", "2026-11-05T09:00", kUnitB);
  run(overdue, "2026-11-05T09:00", "2026-11-05T10:00", "2026-11-05T15:00");  // still open
  rs.push_back(overdue);
  Report not_yet_due = make("not-yet", "2026-11-29T09:00", kUnitB);
  run(not_yet_due, "2026-11-29T09:00", "2026-11-29T09:30", "2026-12-02T09:00");
  rs.push_back(not_yet_due);
  Report cancelled = make("cancelled", "2026-11-06T09:00", kUnitB);
  cancelled.registered_at = at("2026-11-06T09:05");
  cancelled.state = ReportState::cancelled;
  rs.push_back(cancelled);
  rs.push_back(make("received", "2026-11-07T09:00", {}));        // not yet screened, not in a grid
  rs.push_back(make("last-month", "2026-10-30T09:00", kUnitA));  // outside the period
  return rs;
}

StatsQuery november(StatsGroup g) {
  StatsQuery q;
  q.group = g;
  q.from = at("2026-11-01T00:00");
  q.to = at("2026-12-01T00:00");
  q.now = at("2026-11-30T12:00");
  return q;
}

TEST(Statistics, ClosureRatesUseCasesDueToCloseAsTheDenominator) {
  const auto rows = compute_stats(the_month(), november(StatsGroup::total), kZone);
  ASSERT_EQ(rows.size(), 1u);
  const StatsRow& t = rows.back();
  EXPECT_EQ(t.key, "total");
  EXPECT_EQ(t.reported, 6u);
  EXPECT_EQ(t.registered, 5u);
  EXPECT_EQ(t.cancelled, 1u);
  EXPECT_EQ(t.dispatched, 4u);
  EXPECT_EQ(t.due_to_close, 3u);  // two closed + one overdue; not the one due in December
  EXPECT_EQ(t.closed, 2u);
  EXPECT_EQ(t.closed_on_time, 1u);
  EXPECT_DOUBLE_EQ(*t.closure_rate, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*t.on_time_rate, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*t.rework_rate, 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(*t.same_day_rate, 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(*t.satisfaction_rate, 1.0 / 2.0);
  EXPECT_EQ(t.overdue_open, 1u);
  // Minutes from report to dispatch: 20, 60, 60, 30 → median 45; to close: 120, 1500 → 810.
  EXPECT_DOUBLE_EQ(*t.median_minutes_to_dispatch, 45.0);
  EXPECT_DOUBLE_EQ(*t.median_minutes_to_close, 810.0);
}

TEST(Statistics, GridsRollUpAndCanBeCutAtOneLevel) {
  const auto rolled = compute_stats(the_month(), november(StatsGroup::grid), kZone);
  std::map<std::string, std::size_t> reported;
  for (const StatsRow& r : rolled) reported[r.key] = r.reported;
  EXPECT_EQ(reported["A1"], 2u);
  EXPECT_EQ(reported["A"], 2u);
  EXPECT_EQ(reported["B"], 3u);
  EXPECT_EQ(reported["root"], 5u);  // every report in a grid counts for the root too
  EXPECT_EQ(reported["(unassigned)"], 1u);
  StatsQuery blocks = november(StatsGroup::grid);
  blocks.grid_depth = 1;
  const auto cut = compute_stats(the_month(), blocks, kZone);
  ASSERT_EQ(cut.size(), 4u);  // (unassigned), A, B, total
  EXPECT_EQ(cut[0].key, "(unassigned)");
  EXPECT_EQ(cut[1].key, "A");
  EXPECT_EQ(cut[2].key, "B");
  EXPECT_EQ(cut[3].key, "total");
  EXPECT_DOUBLE_EQ(*cut[1].closure_rate, 1.0);
  EXPECT_DOUBLE_EQ(*cut[2].closure_rate, 0.0);  // B: one overdue case due, none closed
}

TEST(Statistics, RatesWithoutADenominatorAreAbsentNotZero) {
  const auto rows =
      compute_stats({make("only", "2026-11-07T09:00", kUnitA)}, november(StatsGroup::total), kZone);
  EXPECT_FALSE(rows.back().closure_rate);
  EXPECT_FALSE(rows.back().satisfaction_rate);
  EXPECT_FALSE(rows.back().median_minutes_to_close);
}

TEST(Statistics, PeriodsAreLocalDaysWeeksAndMonths) {
  const auto weeks = compute_stats(the_month(), november(StatsGroup::week), kZone);
  EXPECT_EQ(weeks[0].key, "2026-11-02");  // the Monday of the first week
  EXPECT_EQ(weeks[0].reported, 5u);
  const auto days = compute_stats(the_month(), november(StatsGroup::day), kZone);
  EXPECT_EQ(days[0].key, "2026-11-02");
  EXPECT_EQ(compute_stats(the_month(), november(StatsGroup::month), kZone)[0].key, "2026-11");
}

}  // namespace
}  // namespace wangge::dispatch
