// Households and visits (入户走访): when a household is next due a visit on the work calendar
// (checked against a day-by-day count of working days, with a holiday week), who may record a
// visit and see a household, the limits on what is recorded, what a visit earns and once per
// month, and the checks on an imported household.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "wangge/dispatch/visits.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using namespace wangge::dispatch;
using namespace wangge::dispatch::visits;

namespace {

const TimeZone kZone{};  // Asia/Shanghai, +08:00

/// Local wall-clock time in the sample's zone.
Instant local(int y, unsigned m, unsigned d, int hour) {
  return kZone.to_instant(std::chrono::local_time<Milliseconds>(
      std::chrono::local_days(std::chrono::year(y) / m / d) + std::chrono::hours(hour)));
}

const std::vector<std::string> kChain{"U105", "G13", "B9", "ROOT"};  // 邻 → 组 → 片 → 社区

Household household(std::vector<Flag> flags = {}) {
  Household h;
  h.id = "h-105-01";
  h.unit = "U105";
  h.grid_chain = kChain;
  h.address = "3栋2单元401";
  h.size = 1;
  h.flags = std::move(flags);
  h.contact_name = "王秀兰";
  h.contact_phone = "13800000000";
  h.registered_at = local(2026, 11, 2, 9);  // a Monday
  return h;
}

Actor worker(std::vector<std::string> grids, const std::string& id = "w105") {
  return Actor{id, "网格员", Role::grid_worker, std::move(grids), {}};
}

template <class F>
std::optional<ErrorCode> code_of(F f) {
  try {
    f();
    return std::nullopt;
  } catch (const Error& e) {
    return e.code();
  }
}

/// The independent count: the local day @p n working days after @p from's day, walking the
/// days one by one (Mon–Fri, minus @p holidays), at the same local time of day.
Instant brute_due(Instant from, int n, const std::set<WorkCalendar::Day>& holidays) {
  const auto local_from = kZone.to_local(from);
  auto day = std::chrono::floor<std::chrono::days>(local_from);
  const auto time_of_day = local_from - day;
  while (n > 0) {
    day += std::chrono::days(1);
    const std::chrono::weekday wd{day};
    if (wd != std::chrono::Saturday && wd != std::chrono::Sunday && !holidays.count(day)) --n;
  }
  return kZone.to_instant(day + time_of_day);
}

WorkCalendar office_calendar(std::set<WorkCalendar::Day> holidays) {
  using std::chrono::minutes;
  std::array<std::vector<WorkWindow>, 7> week;
  for (int d = 1; d <= 5; ++d)
    week[d] = {{minutes(8 * 60 + 30), minutes(12 * 60)},
               {minutes(14 * 60 + 30), minutes(17 * 60 + 30)}};
  return WorkCalendar(kZone, week, std::move(holidays), {}, {});
}

}  // namespace

TEST(Visits, DueOnTheWorkCalendarAgreesWithADayByDayCount) {
  // A holiday week in the middle (like 国庆), and visits at different times of the day.
  std::set<WorkCalendar::Day> holidays;
  for (unsigned d = 14; d <= 18; ++d)
    holidays.insert(std::chrono::local_days(std::chrono::year(2026) / 12 / d));
  const WorkCalendar calendar = office_calendar(holidays);
  const Policy policy;
  int checked = 0;
  for (unsigned day = 1; day <= 28; ++day) {
    for (const int hour : {9, 10, 15}) {
      const Instant last = local(2026, 12, day, hour);
      const auto wd =
          std::chrono::weekday{std::chrono::local_days(std::chrono::year(2026) / 12 / day)};
      const bool working =
          wd != std::chrono::Saturday && wd != std::chrono::Sunday &&
          !holidays.count(std::chrono::local_days(std::chrono::year(2026) / 12 / day));
      if (!working) continue;  // a visit is made on a working day, within its hours
      for (const auto& flags : {std::vector<Flag>{}, std::vector<Flag>{Flag::elderly_alone}}) {
        const Household h = household(flags);
        const int n = flags.empty() ? 20 : 5;
        EXPECT_EQ(interval(h, policy), n);
        EXPECT_EQ(next_due(h, last, policy, calendar), brute_due(last, n, holidays))
            << "visited 2026-12-" << day << " " << hour << ":00, every " << n << " working days";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 60);
  // Never visited: due from its registration; a visit before registration cannot count.
  const Household h = household();
  EXPECT_EQ(next_due(h, std::nullopt, policy, calendar), brute_due(h.registered_at, 20, holidays));
  EXPECT_EQ(next_due(h, h.registered_at - std::chrono::hours(48), policy, calendar),
            next_due(h, std::nullopt, policy, calendar));
  // Special care is visited as often as an elderly person living alone.
  EXPECT_EQ(interval(household({Flag::disabled}), policy), 20);
  EXPECT_EQ(interval(household({Flag::disabled, Flag::special_care}), policy), 5);
}

TEST(Visits, OnlyAGridWorkerOfTheHouseholdsGridsRecordsAVisit) {
  const Household h = household();
  const Instant now = local(2026, 12, 3, 10);
  VisitDraft d{h.id, std::nullopt, Outcome::ok, "老人身体好"};
  const Visit v = record(h, d, worker({"G13"}), "v1", now);  // the group's worker: above the 邻
  EXPECT_EQ(v.household, h.id);
  EXPECT_EQ(v.visitor, "w105");
  EXPECT_EQ(v.at, now);
  EXPECT_EQ(v.grid_chain, kChain);
  try {
    record(h, d, worker({"G14"}, "w106"), "v2", now);
    FAIL() << "a household in another grid was visited";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::forbidden);
    EXPECT_NE(std::string(e.what()).find("U105"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of([&] {
              record(h, d, Actor{"d01", "派遣员", Role::dispatcher, {}, {}}, "v", now);
            }),
            ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] {
              record(h, d, Actor{"resident:x", "居民", Role::resident, {}, {}}, "v", now);
            }),
            ErrorCode::forbidden);
}

TEST(Visits, WhatIsRecordedIsBounded) {
  const Household h = household();
  const Instant now = local(2026, 12, 3, 10);
  const Actor w = worker({"U105"});
  auto with = [&](VisitDraft d) { return code_of([&] { record(h, d, w, "v", now); }); };
  EXPECT_EQ(with({h.id, std::nullopt, Outcome::ok, std::string(kMaxNotes + 1, 'x')}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, std::nullopt, Outcome::ok, "\xff\xfe"}), ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, std::nullopt, Outcome::ok, std::string("a\0b", 3)}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, std::nullopt, Outcome::concern, ""}), ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, now + std::chrono::hours(1), Outcome::ok, ""}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, now - std::chrono::hours(24 * 8), Outcome::ok, ""}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, h.registered_at - std::chrono::hours(1), Outcome::ok, ""}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(with({h.id, now - std::chrono::hours(24 * 6), Outcome::not_home, ""}), std::nullopt);
  EXPECT_EQ(with({h.id, std::nullopt, Outcome::concern, "楼道堆物"}), std::nullopt);
}

TEST(Visits, AVisitEarnsOncePerHouseholdAndMonthAndNothingWhenNobodyWasHome) {
  const Household h = household();
  Visit v = record(h, {h.id, local(2026, 12, 1, 1), Outcome::ok, ""}, worker({"U105"}), "v1",
                   local(2026, 12, 1, 9));
  // 01:00 on 1 December in Shanghai is still 30 November in UTC: the month is the local one.
  auto e = earning_for(v, kZone);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->person, "w105");
  EXPECT_EQ(e->event_type, "visit");
  EXPECT_EQ(e->event_key, "visit:h-105-01:2026-12");
  v.outcome = Outcome::not_home;
  EXPECT_FALSE(earning_for(v, kZone));
  // In the in-memory ledger: a second visit the same month earns nothing more.
  const points::Policy policy = points::default_policy();
  points::Ledger ledger(policy);
  v.outcome = Outcome::ok;
  EXPECT_FALSE(ledger.earn(*earning_for(v, kZone)).replayed);
  EXPECT_TRUE(ledger.earn(*earning_for(v, kZone)).replayed);
  EXPECT_EQ(ledger.person_balance("w105"), policy.rule("visit")->points);
}

TEST(Visits, WhoSeesAHousehold) {
  const Household h = household({Flag::elderly_alone});
  EXPECT_TRUE(may_see(h, worker({"B9"})));
  EXPECT_FALSE(may_see(h, worker({"G14"})));
  EXPECT_TRUE(may_see(h, Actor{"s01", "督办", Role::supervisor, {}, {}}));
  EXPECT_FALSE(may_see(h, Actor{"resident:x", "居民", Role::resident, {}, {}}));
  EXPECT_FALSE(may_see(h, Actor::public_viewer()));
  EXPECT_FALSE(may_see(h, Actor{"dept1", "城管", Role::department_staff, {}, "cg"}));
}

TEST(Visits, AnImportedHouseholdIsCheckedFieldByField) {
  EXPECT_NO_THROW(check(household()));
  auto refused = [](auto change) {
    Household h = household();
    change(h);
    return code_of([&] { check(h); });
  };
  EXPECT_EQ(refused([](Household& h) { h.id = ""; }), ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.id = "h 1"; }), ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.id = std::string(65, 'h'); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.unit = ""; }), ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.size = 0; }), ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.size = kMaxHouseholdSize + 1; }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.contact_phone = "call me"; }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.address = std::string(kMaxAddress + 1, 'a'); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) { h.lon = 112.9; }), ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) {
              h.lon = std::numeric_limits<double>::quiet_NaN();
              h.lat = 27.8;
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(refused([](Household& h) {
              h.lon = 112.9;
              h.lat = 91;
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(parse_flag("独居老人"), Flag::elderly_alone);
  EXPECT_EQ(parse_flag("elderly_alone"), Flag::elderly_alone);
  EXPECT_FALSE(parse_flag("vip"));
  EXPECT_EQ(label(Flag::low_income), "低保户");
}
