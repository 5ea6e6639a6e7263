// Patrols (巡查): the plan's checks, who may check in and where (the distance against the
// point's radius plus the fix's accuracy, checked against an independent haversine), the limits
// on a check-in, and the tally of required, done, missed and outstanding check-ins — against a
// brute force that tries every subset of a day's check-ins, over random weeks with a holiday.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "wangge/dispatch/patrols.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using namespace wangge::dispatch;
using namespace wangge::dispatch::patrols;

namespace {

const TimeZone kZone{};  // Asia/Shanghai, +08:00

Instant local(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return kZone.to_instant(std::chrono::local_time<Milliseconds>(
      std::chrono::local_days(std::chrono::year(y) / m / d) + std::chrono::hours(hour) +
      std::chrono::minutes(minute)));
}

WorkCalendar::Day day(unsigned m, unsigned d) {
  return std::chrono::local_days(std::chrono::year(2026) / m / d);
}

const std::vector<std::string> kChain{"G13", "B9", "ROOT"};  // 组 → 片 → 社区

const char* kPlan = R"({"routes": [
  {"id": "r13", "name": "13组防溺水巡查线", "kind": "防溺水", "grid": "G13", "times_per_day": 3,
   "min_gap_minutes": 120, "points": [
     {"id": "p1", "name": "水塘", "lon": 112.9269, "lat": 27.8576, "radius_m": 30},
     {"id": "p2", "name": "河堤踏步", "lon": 112.9290, "lat": 27.8590}]},
  {"id": "r14", "name": "14组消防安全巡查线", "grid": "G14", "work_days_only": true,
   "points": [{"id": "p1", "name": "消防通道", "lon": 112.93, "lat": 27.86}]}]})";

Actor worker(std::vector<std::string> grids, const std::string& id = "w13") {
  return Actor{id, "网格员", Role::grid_worker, std::move(grids), {}};
}

template <class F>
std::string error_of(F f) {
  try {
    f();
    return "";
  } catch (const Error& e) {
    return std::string(describe(e.code()).public_code) + ": " + e.what();
  }
}

/// An independent great-circle distance (the spherical law of cosines, in long double).
double cosine_distance_m(double lon1, double lat1, double lon2, double lat2) {
  const long double r = 6371008.8L, k = std::numbers::pi_v<long double> / 180;
  const long double c = std::sin(lat1 * k) * std::sin(lat2 * k) +
                        std::cos(lat1 * k) * std::cos(lat2 * k) * std::cos((lon2 - lon1) * k);
  return static_cast<double>(r * std::acos(std::clamp(c, -1.0L, 1.0L)));
}

/// The most of @p times that can be chosen pairwise at least @p gap apart, at most @p cap —
/// by trying every subset (a day holds a handful).
int brute_count(const std::vector<Instant>& times, std::chrono::minutes gap, int cap) {
  int best = 0;
  const std::size_t n = times.size();
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    std::vector<Instant> chosen;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) chosen.push_back(times[i]);
    std::sort(chosen.begin(), chosen.end());
    bool ok = true;
    for (std::size_t i = 1; i < chosen.size(); ++i) ok = ok && chosen[i] - chosen[i - 1] >= gap;
    if (ok) best = std::max(best, static_cast<int>(chosen.size()));
  }
  return std::min(best, cap);
}

WorkCalendar office_calendar(std::set<WorkCalendar::Day> holidays) {
  using std::chrono::minutes;
  std::array<std::vector<WorkWindow>, 7> week;
  for (int d = 1; d <= 5; ++d) week[d] = {{minutes(8 * 60 + 30), minutes(17 * 60 + 30)}};
  return WorkCalendar(kZone, week, std::move(holidays), {}, {});
}

}  // namespace

TEST(Patrols, ThePlanIsCheckedEntryByEntry) {
  const Plan plan = parse_plan(kPlan);
  ASSERT_EQ(plan.routes.size(), 2u);
  const Route* r = plan.route("r13");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->times_per_day, 3);
  EXPECT_EQ(r->min_gap, std::chrono::minutes(120));
  EXPECT_EQ(r->point("p2")->radius_m, 30);  // the default
  EXPECT_TRUE(plan.route("r14")->work_days_only);
  EXPECT_EQ(plan.route("r14")->times_per_day, 1);
  EXPECT_EQ(plan.route("nope"), nullptr);

  const auto refused = [](const std::string& json) { return error_of([&] { parse_plan(json); }); };
  EXPECT_NE(refused("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(refused(R"({"routes": 3})").find("routes"), std::string::npos);
  const std::string route = R"({"id": "r", "name": "n", "grid": "G", "points": [)";
  const std::string point = R"({"id": "p", "name": "n", "lon": 112.9, "lat": 27.8)";
  EXPECT_NE(refused(R"({"routes": [)" + route + "]}]}").find("'points' must be an array of 1"),
            std::string::npos);
  EXPECT_NE(
      refused(R"({"routes": [)" + route + point + R"(, "lat": 1e400}]}]})").find("invalid-data"),
      std::string::npos);
  EXPECT_NE(
      refused(R"({"routes": [)" + route + R"({"id": "p", "name": "n", "lon": 200, "lat": 27}]}]})")
          .find("routes[0].points[0]: 'lon' must be a number from -180 to 180"),
      std::string::npos);
  EXPECT_NE(refused(R"({"routes": [)" + route + point + R"(, "radius_m": 1}]}]})")
                .find("'radius_m' must be a number from 5 to 500"),
            std::string::npos);
  EXPECT_NE(refused(R"({"routes": [)" + route + point + "}," + point + "}]}]}")
                .find("point 'p' is listed twice"),
            std::string::npos);
  EXPECT_NE(
      refused(
          R"({"routes": [{"id": "r", "name": "n", "grid": "G", "times_per_day": 2.5, "points": [)" +
          point + "}]}]}")
          .find("'times_per_day' must be a whole number from 1 to 12"),
      std::string::npos);
  EXPECT_NE(
      refused(
          R"({"routes": [{"id": "r", "name": "n", "grid": "G", "times_per_day": 12, "min_gap_minutes": 180, "points": [)" +
          point + "}]}]}")
          .find("do not fit in a day"),
      std::string::npos);
  EXPECT_NE(refused(R"({"routes": [)" + route + point + "}]}," + route + point + "}]}]}")
                .find("route 'r' is listed twice"),
            std::string::npos);
}

TEST(Patrols, ACheckInMustBeNearThePointWithinItsRadiusPlusTheFixsAccuracy) {
  const Plan plan = parse_plan(kPlan);
  const Route& r = *plan.route("r13");
  const Point& p1 = *r.point("p1");
  const Instant now = local(2026, 12, 7, 9);
  // Due north of the point by about @p metres.
  const auto at_north = [&](double metres, double accuracy) {
    CheckInDraft d;
    d.point = "p1";
    d.lon = p1.lon;
    d.lat = p1.lat + metres / 111195.0;
    d.accuracy_m = accuracy;
    return d;
  };
  int accepted = 0, refused = 0;
  for (double metres = 0; metres <= 200; metres += 7.5) {
    for (const double accuracy : {0.0, 10.0, 50.0, 100.0}) {
      const CheckInDraft d = at_north(metres, accuracy);
      const double expected = cosine_distance_m(*d.lon, *d.lat, p1.lon, p1.lat);
      const std::string err = error_of([&] { check_in(r, kChain, d, worker({"G13"}), "c1", now); });
      if (expected <= p1.radius_m + accuracy - 0.01) {
        EXPECT_EQ(err, "") << metres << " m away, accuracy " << accuracy;
        const CheckIn c = check_in(r, kChain, d, worker({"G13"}), "c1", now);
        EXPECT_NEAR(c.distance_m, expected, 0.01);
        EXPECT_EQ(c.grid_chain, kChain);
        EXPECT_EQ(c.at, now);
        ++accepted;
      } else if (expected > p1.radius_m + accuracy + 0.01) {
        EXPECT_NE(err.find("a check-in must be within 30 m of it, plus the fix's accuracy"),
                  std::string::npos)
            << metres << " m away, accuracy " << accuracy << ": " << err;
        EXPECT_NE(err.find("invalid-argument"), std::string::npos);
        ++refused;
      }
    }
  }
  EXPECT_GT(accepted, 10);
  EXPECT_GT(refused, 10);
  // A fix worse than 100 m is refused even at the point itself.
  EXPECT_NE(error_of([&] {
              check_in(r, kChain, at_north(0, 150), worker({"G13"}), "c", now);
            }).find("accuracy_m 150 m is worse than 100 m"),
            std::string::npos);
  for (const double bad :
       {-1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
    EXPECT_NE(error_of([&] {
                check_in(r, kChain, at_north(0, bad), worker({"G13"}), "c", now);
              }).find("accuracy_m must be a number of metres"),
              std::string::npos);
}

TEST(Patrols, OnlyAGridWorkerOfTheRoutesGridChecksInWithinItsLimits) {
  const Plan plan = parse_plan(kPlan);
  const Route& r = *plan.route("r13");
  const Instant now = local(2026, 12, 7, 9);
  CheckInDraft d;
  d.point = "p1";
  d.lon = r.point("p1")->lon;
  d.lat = r.point("p1")->lat;
  const auto as = [&](const Actor& by, const CheckInDraft& draft) {
    return error_of([&] { check_in(r, kChain, draft, by, "c", now); });
  };
  EXPECT_EQ(as(worker({"G13"}), d), "");
  EXPECT_EQ(as(worker({"B9"}), d), "");  // the 片长 above the group walks it too
  EXPECT_NE(as(worker({"G14"}), d).find("forbidden: route r13 is patrolled in grid G13, outside"),
            std::string::npos);
  EXPECT_NE(as(worker({"U1305"}), d).find("forbidden"), std::string::npos);  // a 邻长 below
  EXPECT_NE(as(Actor{"d01", "派遣", Role::dispatcher, {}, {}}, d).find("forbidden: patrols are"),
            std::string::npos);
  EXPECT_NE(as(Actor{"resident:1", "居民", Role::resident, {}, {}}, d).find("forbidden"),
            std::string::npos);
  EXPECT_TRUE(may_see(kChain, worker({"B9"})));
  EXPECT_TRUE(may_see(kChain, Actor{"s01", "督办", Role::supervisor, {}, {}}));
  EXPECT_FALSE(may_see(kChain, worker({"G14"})));
  EXPECT_FALSE(may_see(kChain, Actor{"resident:1", "居民", Role::resident, {}, {}}));

  CheckInDraft e = d;
  e.point = "p9";
  EXPECT_NE(as(worker({"G13"}), e).find("point 'p9' is not on route r13"), std::string::npos);
  e = d;
  e.lon.reset();
  EXPECT_NE(as(worker({"G13"}), e).find("lon and lat are required"), std::string::npos);
  e = d;
  e.lat = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(as(worker({"G13"}), e).find("lat must be a number"), std::string::npos);
  e = d;
  e.at = now + std::chrono::minutes(10);
  EXPECT_NE(as(worker({"G13"}), e).find("at is in the future"), std::string::npos);
  e.at = now - std::chrono::hours(25);
  EXPECT_NE(as(worker({"G13"}), e).find("more than 24 hours ago"), std::string::npos);
  e.at = now - std::chrono::hours(23);
  EXPECT_EQ(as(worker({"G13"}), e), "");
  e = d;
  e.notes = std::string(kMaxNotes + 1, 'x');
  EXPECT_NE(as(worker({"G13"}), e).find("notes must be at most 500 bytes"), std::string::npos);
  e.notes = "ok\x01";
  EXPECT_NE(as(worker({"G13"}), e).find("control characters"), std::string::npos);
  e.notes = "\xff\xfe";
  EXPECT_NE(as(worker({"G13"}), e).find("UTF-8"), std::string::npos);
}

TEST(Patrols, TheTallyAgreesWithABruteForceOverRandomWeeks) {
  // Two weeks of December 2026 with a holiday on Wednesday the 16th; "now" is Friday the 18th
  // at noon: the days before are over (short → missed), the 18th is today (short →
  // outstanding), the days after require nothing.
  const std::set<WorkCalendar::Day> holidays{day(12, 16)};
  const WorkCalendar calendar = office_calendar(holidays);
  const Instant now = local(2026, 12, 18, 12);
  const Plan plan = parse_plan(kPlan);
  std::mt19937_64 rng(20261206);
  for (int trial = 0; trial < 40; ++trial) {
    Route r = *plan.route(trial % 2 ? "r13" : "r14");
    r.min_gap = std::chrono::minutes(60 * (trial % 4));
    r.times_per_day = 1 + trial % 3;
    std::vector<CheckIn> checkins;
    std::map<std::pair<std::string, WorkCalendar::Day>, std::vector<Instant>> by_day;
    for (int k = 0; k < 60; ++k) {
      CheckIn c;
      c.route = k % 13 == 0 ? "another" : r.id;  // others' check-ins are ignored
      c.point = r.points[rng() % r.points.size()].id;
      const unsigned d = 7 + static_cast<unsigned>(rng() % 16);  // 7th to 22nd
      c.at = local(2026, 12, d, 6 + static_cast<int>(rng() % 16), static_cast<int>(rng() % 60));
      if (c.at > now) continue;  // none are made in the future
      checkins.push_back(c);
      if (c.route == r.id) by_day[{c.point, day(12, d)}].push_back(c.at);
    }
    const auto from = day(12, 8), to = day(12, 21);
    const RouteTally t = tally(r, checkins, from, to, now, calendar);
    ASSERT_EQ(t.points.size(), r.points.size());
    Tally sum;
    for (std::size_t i = 0; i < r.points.size(); ++i) {
      Tally expect;
      for (auto d = from; d <= to; d += std::chrono::days(1)) {
        if (d > day(12, 18)) continue;
        const std::chrono::weekday wd{d};
        const bool working =
            wd != std::chrono::Saturday && wd != std::chrono::Sunday && !holidays.count(d);
        if (r.work_days_only && !working) continue;
        const int done = brute_count(by_day[{r.points[i].id, d}], r.min_gap, r.times_per_day);
        expect.required += r.times_per_day;
        expect.done += done;
        (d < day(12, 18) ? expect.missed : expect.outstanding) += r.times_per_day - done;
      }
      const Tally& got = t.points[i].tally;
      EXPECT_EQ(got.required, expect.required) << "trial " << trial << " point " << i;
      EXPECT_EQ(got.done, expect.done) << "trial " << trial << " point " << i;
      EXPECT_EQ(got.missed, expect.missed) << "trial " << trial << " point " << i;
      EXPECT_EQ(got.outstanding, expect.outstanding) << "trial " << trial << " point " << i;
      sum.required += got.required;
      sum.done += got.done;
      sum.missed += got.missed;
    }
    EXPECT_EQ(t.tally.required, sum.required);
    EXPECT_EQ(t.tally.done, sum.done);
    EXPECT_EQ(t.tally.missed, sum.missed);
    EXPECT_EQ(t.tally.required, t.tally.done + t.tally.missed + t.tally.outstanding);
  }
  // A route patrolled on working days only requires nothing on the holiday or the weekend.
  const Route& fire = *plan.route("r14");
  EXPECT_EQ(tally(fire, {}, day(12, 16), day(12, 16), now, calendar).tally.required, 0);
  EXPECT_EQ(tally(fire, {}, day(12, 12), day(12, 13), now, calendar).tally.required, 0);
  EXPECT_EQ(tally(fire, {}, day(12, 17), day(12, 17), now, calendar).tally.missed, 1);
  // A route patrolled since the 17th requires nothing before; a bad date is refused.
  Route later = *plan.route("r13");
  later.since = day(12, 17);
  EXPECT_EQ(tally(later, {}, day(12, 14), day(12, 17), now, calendar).tally.required, 3 * 2);
  EXPECT_NE(error_of([] {
              parse_plan(R"({"routes": [{"id": "r", "name": "n", "grid": "G", "since": "2026-02-30",
                 "points": [{"id": "p", "name": "n", "lon": 112.9, "lat": 27.8}]}]})");
            }).find("'since' must be a date YYYY-MM-DD"),
            std::string::npos);
  // Three check-ins a minute apart count once on a route that wants them two hours apart.
  const Route& water = *plan.route("r13");
  std::vector<CheckIn> burst;
  for (int m = 0; m < 3; ++m) {
    CheckIn c;
    c.route = "r13";
    c.point = "p1";
    c.at = local(2026, 12, 17, 9, m);
    burst.push_back(c);
  }
  const RouteTally b = tally(water, burst, day(12, 17), day(12, 17), now, calendar);
  EXPECT_EQ(b.points[0].tally.done, 1);
  EXPECT_EQ(b.points[0].tally.missed, 2);
  EXPECT_EQ(b.points[0].tally.last, local(2026, 12, 17, 9, 2));
  EXPECT_EQ(b.points[1].tally.missed, 3);
}
