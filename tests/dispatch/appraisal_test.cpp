// Appraisal (考核): appraisal.json's checks, the score against a plain weighted mean of the rates
// a row has, the 红黑榜's ranking against a sort written out here over random boards (the
// red and black lists never overlap, never exceed what is ranked), and a household's month of
// visits (due, done, overdue) on a work calendar with a holiday.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "wangge/dispatch/appraisal.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using namespace wangge::dispatch;
using namespace wangge::dispatch::appraisal;

namespace {

const TimeZone kZone{};

Instant local(int y, unsigned m, unsigned d, int hour) {
  return kZone.to_instant(std::chrono::local_time<Milliseconds>(
      std::chrono::local_days(std::chrono::year(y) / m / d) + std::chrono::hours(hour)));
}

std::string error_of(const std::string& json) {
  try {
    parse_policy(json);
    return "";
  } catch (const Error& e) {
    return std::string(describe(e.code()).public_code) + ": " + e.what();
  }
}

StatsRow row_with(std::optional<double> on_time, std::optional<double> satisfaction,
                  std::optional<double> closure, std::optional<double> rework,
                  std::size_t due = 10) {
  StatsRow r;
  r.on_time_rate = on_time;
  r.satisfaction_rate = satisfaction;
  r.closure_rate = closure;
  r.rework_rate = rework;
  r.due_to_close = due;
  return r;
}

}  // namespace

TEST(Appraisal, ThePolicyIsCheckedAndDefaultsWhatIsAbsent) {
  const Policy d = parse_policy("{}");
  EXPECT_EQ(d.weights.on_time, 0.4);
  EXPECT_EQ(d.red, 3u);
  EXPECT_EQ(d.min_cases, 5u);
  const Policy p = parse_policy(
      R"({"weights": {"on_time": 0.5, "satisfaction": 0.5}, "red": 2, "black": 1,
          "min_cases": 0, "property_companies": [{"id": "wy1", "name": "恒信物业",
          "grids": ["U1", "U2"]}]})");
  EXPECT_EQ(p.weights.closure, 0);  // named weights replace the defaults whole
  EXPECT_EQ(p.weights.on_time, 0.5);
  EXPECT_EQ(p.black, 1u);
  ASSERT_EQ(p.property_companies.size(), 1u);
  EXPECT_EQ(p.property_companies[0].grids, (std::vector<std::string>{"U1", "U2"}));

  EXPECT_NE(error_of("[").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"red": 1e400})").find("invalid-data"), std::string::npos);
  EXPECT_NE(error_of(R"({"weights": {"on_time": 0}})").find("at least one weight"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"weights": {"on_time": 2}})")
                .find("weights.on_time: must be a number from 0 to 1"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"weights": {"speed": 1}})").find("'speed' is not a weight"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"red": -1})").find("red: must be a whole number"), std::string::npos);
  EXPECT_NE(error_of(R"({"red": 2.5})").find("red: must be a whole number"), std::string::npos);
  EXPECT_NE(error_of(R"({"property_companies": [{"id": "a", "name": "b", "grids": []}]})")
                .find("'grids' must be an array of 1 to 1000"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"property_companies": [{"id": "a", "name": "b", "grids": ["U"]},
                                                {"id": "a", "name": "c", "grids": ["V"]}]})")
                .find("company 'a' is listed twice"),
            std::string::npos);
}

TEST(Appraisal, TheScoreIsTheWeightedMeanOfTheRatesARowHas) {
  const Weights w;  // 0.4 on time, 0.4 satisfaction, 0.2 closure
  EXPECT_EQ(formula(w),
            "得分 = 100 × (0.4×按期结案率 + 0.4×满意率 + 0.2×结案率) ÷ "
            "权重之和（无数据的指标连同其权重不计）");
  EXPECT_EQ(formula({0, 1, 0, 0.5}),
            "得分 = 100 × (1×满意率 + 0.5×(1−返工率)) ÷ 权重之和（无数据的指标连同其权重不计）");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 500; ++i) {
    const Weights wi{u(rng), u(rng), u(rng), i % 3 ? 0.0 : u(rng)};
    const auto maybe = [&](int bit) {
      return (i >> bit) & 1 ? std::optional<double>(u(rng)) : std::nullopt;
    };
    const StatsRow r = row_with(maybe(0), maybe(1), maybe(2), maybe(3));
    double num = 0, den = 0;
    if (r.on_time_rate) num += wi.on_time * *r.on_time_rate, den += wi.on_time;
    if (r.satisfaction_rate) num += wi.satisfaction * *r.satisfaction_rate, den += wi.satisfaction;
    if (r.closure_rate) num += wi.closure * *r.closure_rate, den += wi.closure;
    if (r.rework_rate && wi.rework > 0) num += wi.rework * (1 - *r.rework_rate), den += wi.rework;
    const auto s = score(r, wi);
    if (den == 0) {
      EXPECT_FALSE(s) << i;
    } else {
      ASSERT_TRUE(s) << i;
      EXPECT_NEAR(*s, 100 * num / den, 1e-9) << i;
    }
  }
  // A worked example: on time 80 %, satisfied 90 %, closed 100 % → 88.
  EXPECT_NEAR(*score(row_with(0.8, 0.9, 1.0, 0.5), w), 88.0, 1e-9);
  // Nobody rated: satisfaction and its weight are left out → (0.4×0.8 + 0.2×1) / 0.6.
  EXPECT_NEAR(*score(row_with(0.8, std::nullopt, 1.0, 0.5), w), 100 * 0.52 / 0.6, 1e-9);
}

TEST(Appraisal, TheBoardRanksAgainstASortWrittenOutHere) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    Policy p;
    p.red = rng() % 5;
    p.black = rng() % 5;
    p.min_cases = rng() % 8;
    std::vector<BoardRow> rows;
    const std::size_t n = rng() % 12;
    for (std::size_t i = 0; i < n; ++i) {
      BoardRow b;
      b.kind = rng() % 2 ? "department" : "property";
      b.id = "p" + std::to_string(i);
      b.cases = row_with(0.1 * static_cast<double>(rng() % 4), 0.5, 1.0, std::nullopt, rng() % 10);
      if (rng() % 5) b.score = static_cast<double>(rng() % 4) * 10;  // ties on purpose
      rows.push_back(b);
    }
    std::vector<BoardRow> expect = rows;
    const auto counts = [&](const BoardRow& b) {
      return b.score && b.cases.due_to_close >= p.min_cases && b.cases.due_to_close > 0;
    };
    std::vector<BoardRow> ranked, unranked;
    for (const BoardRow& b : expect) (counts(b) ? ranked : unranked).push_back(b);
    std::sort(ranked.begin(), ranked.end(), [](const BoardRow& a, const BoardRow& b) {
      if (*a.score != *b.score) return *a.score > *b.score;
      if (*a.cases.on_time_rate != *b.cases.on_time_rate)
        return *a.cases.on_time_rate > *b.cases.on_time_rate;
      return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
    });
    std::sort(unranked.begin(), unranked.end(), [](const BoardRow& a, const BoardRow& b) {
      return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
    });
    rank(rows, p);
    ASSERT_EQ(rows.size(), ranked.size() + unranked.size());
    std::size_t reds = 0, blacks = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const BoardRow& want = i < ranked.size() ? ranked[i] : unranked[i - ranked.size()];
      EXPECT_EQ(rows[i].id, want.id) << "trial " << trial << " row " << i;
      EXPECT_EQ(rows[i].rank, i < ranked.size() ? i + 1 : 0) << "trial " << trial;
      reds += rows[i].mark == Mark::red;
      blacks += rows[i].mark == Mark::black;
      if (rows[i].mark == Mark::red) {
        EXPECT_LT(i, p.red);
      }
      if (rows[i].mark == Mark::black) {
        EXPECT_GE(i + p.black, ranked.size());
      }
      if (!rows[i].rank) {
        EXPECT_EQ(rows[i].mark, Mark::none);
      }
    }
    EXPECT_EQ(reds, std::min(p.red, ranked.size())) << "trial " << trial;
    EXPECT_EQ(blacks, std::min(p.black, ranked.size() - reds)) << "trial " << trial;
  }
}

TEST(Appraisal, AHouseholdsMonthOfVisitsOnTheWorkCalendar) {
  using std::chrono::minutes;
  std::array<std::vector<WorkWindow>, 7> week;
  for (int d = 1; d <= 5; ++d) week[d] = {{minutes(8 * 60 + 30), minutes(17 * 60 + 30)}};
  const WorkCalendar calendar(kZone, week,
                              {std::chrono::local_days(std::chrono::year(2026) / 11 / 16)}, {}, {});
  const visits::Policy policy;
  visits::Household h;
  h.id = "h1";
  h.registered_at = local(2026, 9, 1, 9);
  const Instant start = local(2026, 11, 1, 0), end = local(2026, 12, 1, 0);
  const Instant late_nov = local(2026, 11, 30, 12), mid_nov = local(2026, 11, 10, 12);
  // Last visited on Friday 23 October: 20 working days later is 23 November (the 16th is a
  // holiday).
  const auto last = local(2026, 10, 23, 10);
  EXPECT_EQ(visits::next_due(h, last, policy, calendar), local(2026, 11, 23, 10));
  VisitTally t = tally_household(h, last, false, start, end, late_nov, policy, calendar);
  EXPECT_EQ(t.households, 1u);
  EXPECT_EQ(t.due, 1u);
  EXPECT_EQ(t.done, 0u);
  EXPECT_EQ(t.overdue, 1u);  // past due on the 30th and not visited
  t = tally_household(h, last, false, start, end, mid_nov, policy, calendar);
  EXPECT_EQ(t.due, 1u);
  EXPECT_EQ(t.overdue, 0u);  // on the 10th it is not yet late
  t = tally_household(h, last, true, start, end, late_nov, policy, calendar);
  EXPECT_EQ(t.done, 1u);
  EXPECT_EQ(t.overdue, 0u);
  // Registered on 20 November and never visited: due 20 working days later, in December.
  visits::Household fresh = h;
  fresh.registered_at = local(2026, 11, 20, 9);
  t = tally_household(fresh, std::nullopt, false, start, end, late_nov, policy, calendar);
  EXPECT_EQ(t.households, 1u);
  EXPECT_EQ(t.due, 0u);
  // Flagged 独居老人: every 5 working days, due in the month whatever came before.
  h.flags = {visits::Flag::elderly_alone};
  t = tally_household(h, local(2026, 11, 20, 10), true, start, end, late_nov, policy, calendar);
  EXPECT_EQ(t.due, 1u);
  EXPECT_EQ(t.done, 1u);
  // Registered after the month: nothing at all.
  h.registered_at = local(2026, 12, 3, 9);
  t = tally_household(h, std::nullopt, false, start, end, late_nov, policy, calendar);
  EXPECT_EQ(t.households, 0u);
  EXPECT_EQ(t.due, 0u);
  VisitTally sum;
  sum += VisitTally{2, 1, 1, 0, 3};
  sum += VisitTally{1, 1, 0, 1, 2};
  EXPECT_EQ(sum.households, 3u);
  EXPECT_EQ(sum.visits, 5u);
  EXPECT_EQ(sum.overdue, 1u);
}
