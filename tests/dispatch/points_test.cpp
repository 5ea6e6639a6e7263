// The points bank's rules: the ledger's invariants over random sequences of earnings, awards,
// redemptions, reversals and expiries (balances are the sum of the entries' lines, no person
// below zero, every earning named by a unique event, a refused request changes nothing, a
// replay gives the same balances), then the precise refusals and the expiry, oldest first.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "wangge/dispatch/points.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using namespace wangge::dispatch;
using namespace wangge::dispatch::points;

namespace {

Policy policy() {
  Policy p = default_policy();  // report_verified 5, task_completed 20, volunteer_hour 10, visit 2
  p.catalogue = {{"haircut", "理发一次", "幸福理发店", 30}};
  return p;
}

Instant day(int n) {
  return Instant(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1) + std::chrono::days(n));
}

/// The balances the lines say, summed independently of the ledger's own running totals.
std::map<std::string, std::int64_t> summed(const std::vector<Entry>& entries) {
  std::map<std::string, std::int64_t> out;
  for (const Entry& e : entries)
    for (const Line& l : e.lines) out[l.account] += l.amount;
  return out;
}

/// The error code of what @p f throws (or none).
template <class F>
std::optional<ErrorCode> code_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

}  // namespace

TEST(Points, RandomSequencesKeepEveryInvariantAndReplayToTheSameBalances) {
  std::map<Kind, int> posted;  // the sequences reach every kind of entry
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::vector<std::string> people{"resident:a", "resident:b", "w4303", "v17"};
    const std::vector<std::string> events{"report_verified", "task_completed", "volunteer_hour",
                                          "visit", "unknown"};
    Ledger ledger(policy());
    int refused = 0;
    for (int step = 0; step < 300; ++step) {
      const std::string who = people[static_cast<std::size_t>(pick(4))];
      const Instant at = day(step * 5);  // about four years in all: expiries come due
      const auto before_entries = ledger.entries().size();
      const auto before_balances = ledger.balances();
      try {
        switch (pick(6)) {
          case 0:
          case 1:  // events repeat: the same key must earn once
            ledger.earn({who, events[static_cast<std::size_t>(pick(5))],
                         "event-" + std::to_string(pick(60)), 1 + pick(3), at});
            break;
          case 2:
            ledger.award({who, "d01", "表彰", pick(2) ? 1 + pick(50) : -pick(3), at});
            break;
          case 3:
            ledger.redeem({who, "item-" + std::to_string(pick(3)), "", 1 + pick(80), at});
            break;
          case 4:
            ledger.reverse({"e" + std::to_string(1 + pick(static_cast<int>(before_entries) + 2)),
                            "a01", "录入错误", at});
            break;
          case 5:
            ledger.expire(who, at);
            break;
        }
      } catch (const Error&) {
        ++refused;
        // A refusal changes nothing.
        ASSERT_EQ(ledger.entries().size(), before_entries) << "seed " << seed << " step " << step;
        ASSERT_EQ(ledger.balances(), before_balances) << "seed " << seed << " step " << step;
      }
      // The invariants after every step.
      ASSERT_EQ(ledger.balances(), summed(ledger.entries())) << "seed " << seed;
      for (const std::string& p : people) {
        ASSERT_GE(ledger.person_balance(p), 0) << p;
        // Every point held is in some lot: in a hundred years, all of it is due to expire.
        ASSERT_EQ(ledger.expirable(p, day(36500)), ledger.person_balance(p))
            << p << " seed " << seed;
      }
    }
    EXPECT_GT(refused, 0) << "seed " << seed << ": the sequence tried nothing refused";
    std::int64_t total = 0;
    std::map<std::string, std::string> earning_of;  // event → its standing earning's id
    std::set<std::string> reversed;
    for (const Entry& e : ledger.entries()) {
      std::int64_t sum = 0;
      for (const Line& l : e.lines) sum += l.amount;
      EXPECT_EQ(sum, 0) << e.id;
      total += sum;
      ++posted[e.kind];
      if (e.kind == Kind::reverse) {
        EXPECT_TRUE(reversed.insert(e.source).second) << e.source;
      }
      if (e.kind == Kind::earn) {
        // An event earns again only after its earning was reversed.
        const auto before = earning_of.find(e.source);
        EXPECT_TRUE(before == earning_of.end() || reversed.count(before->second))
            << e.source << " earned twice";
        earning_of[e.source] = e.id;
        EXPECT_TRUE(e.source.rfind("event-", 0) == 0) << "every earning names its event";
      }
    }
    EXPECT_EQ(total, 0);
    Ledger again(policy());
    for (const Entry& e : ledger.entries()) again.replay(e);
    EXPECT_EQ(again.balances(), ledger.balances()) << "seed " << seed;
  }
  for (const Kind k : {Kind::earn, Kind::award, Kind::redeem, Kind::expire, Kind::reverse})
    EXPECT_GT(posted[k], 10) << to_string(k);
}

TEST(Points, TheSameEventEarnsOnceAndAnotherClaimOnItIsAConflict) {
  Ledger l(policy());
  const Posted first = l.earn({"resident:a", "report_verified", "report:R1:verified", 1, day(0)});
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(first.entry.amount, 5);
  const Posted again = l.earn({"resident:a", "report_verified", "report:R1:verified", 1, day(1)});
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.entry.id, first.entry.id);
  EXPECT_EQ(l.person_balance("resident:a"), 5);
  EXPECT_EQ(code_of([&] {
              l.earn({"resident:b", "report_verified", "report:R1:verified", 1, day(1)});
            }),
            ErrorCode::conflict);
  EXPECT_EQ(l.earn({"v1", "volunteer_hour", "task:T9:hours", 3, day(2)}).entry.amount, 30);
}

TEST(Points, RefusalsAreNamedAndChangeNothing) {
  Ledger l(policy());
  l.award({"resident:a", "d01", "垃圾分类示范户", 30, day(0)});
  const auto refuse = [&](auto f, ErrorCode want, std::string_view words) {
    try {
      f();
      ADD_FAILURE() << "not refused: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), want) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refuse([&] { l.redeem({"resident:a", "米", "", 31, day(1)}); }, ErrorCode::conflict, "has 30");
  refuse(
      [&] {
        l.award({"resident:a", "d01", "x", 0, day(1)});
      },
      ErrorCode::invalid_argument, "from 1 to 100000");
  refuse(
      [&] {
        l.award({"resident:a", "d01", "x", -5, day(1)});
      },
      ErrorCode::invalid_argument, "got -5");
  refuse(
      [&] {
        l.award({"resident:a", "d01", "", 5, day(1)});
      },
      ErrorCode::invalid_argument, "reason is required");
  refuse(
      [&] {
        l.earn({"resident:a", "lottery", "k", 1, day(1)});
      },
      ErrorCode::invalid_argument, "earns no points");
  refuse([&] { l.reverse({"e9", "a01", "错", day(1)}); }, ErrorCode::not_found, "e9");
  const Entry spent = l.redeem({"resident:a", "米", "", 25, day(1)});
  // The award cannot be undone now: 25 of its 30 points are spent.
  refuse([&] { l.reverse({"e1", "a01", "录入错误", day(2)}); }, ErrorCode::conflict, "has 5");
  const Entry undo = l.reverse({spent.id, "a01", "退货", day(2)});
  EXPECT_EQ(l.person_balance("resident:a"), 30);
  EXPECT_EQ(l.balance("redeemed:米"), 0);
  refuse(
      [&] {
        l.reverse({spent.id, "a01", "退货", day(2)});
      },
      ErrorCode::conflict, "reversed already");
  refuse(
      [&] {
        l.reverse({undo.id, "a01", "撤销", day(2)});
      },
      ErrorCode::invalid_argument, "is a reversal");
  EXPECT_EQ(l.entries().size(), 3u);
}

TEST(Points, PointsExpireOldestFirstTwentyFourMonthsAfterTheyWereEarned) {
  Ledger l(policy());
  l.award({"w1", "d01", "一月", 10, day(0)});   // 2026-01-01: expires 2028-01-01
  l.award({"w1", "d01", "三月", 20, day(59)});  // 2026-03-01: expires 2028-03-01
  l.redeem({"w1", "毛巾", "", 15, day(100)});   // takes the 10 of January and 5 of March
  EXPECT_EQ(l.expirable("w1", day(729)), 0);    // 2027-12-31
  EXPECT_EQ(l.expirable("w1", day(730)), 0);    // 2028-01-01: January's are all spent
  EXPECT_FALSE(l.expire("w1", day(730)).has_value());
  EXPECT_EQ(l.expirable("w1", day(790)), 15);  // 2028-03-01: March's 15 left
  const auto e = l.expire("w1", day(790));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->amount, 15);
  EXPECT_EQ(l.person_balance("w1"), 0);
  EXPECT_EQ(l.balance("expired"), 15);
  EXPECT_FALSE(l.expire("w1", day(800)).has_value());  // nothing twice
}

TEST(Points, OneNamePerEntryTimeOrderAndAReplayCheckedLineByLine) {
  Ledger l(policy());
  l.award({"resident:a", "d01", "示范户", 30, day(10)});
  l.redeem({"resident:a", "米", "", 30, day(11)});
  l.reverse({"e2", "a01", "退货", day(12)});
  // "e02" names no entry: the reversal cannot be repeated under another spelling.
  EXPECT_EQ(code_of([&] { l.reverse({"e02", "a01", "退货", day(12)}); }), ErrorCode::not_found);
  EXPECT_EQ(l.person_balance("resident:a"), 30);
  // Entries are posted in time order.
  EXPECT_EQ(code_of([&] {
              l.award({"resident:a", "d01", "补录", 5, day(3)});
            }),
            ErrorCode::invalid_argument);
  // A replayed entry taking points from someone who has none is refused, whoever it names.
  Ledger again(policy());
  Entry forged{"e1", Kind::award, "resident:a",
               100,  "d01",       "",
               "x",  day(0),      {{person_account("resident:b"), -100}, {"awarded", 100}},
               "x"};
  EXPECT_EQ(code_of([&] { again.replay(forged); }), ErrorCode::conflict);
  EXPECT_TRUE(again.entries().empty());
}

TEST(Points, AReversedEarningMayEarnAgainAndGivenBackPointsKeepTheirDates) {
  Ledger l(policy());
  const Posted first = l.earn({"resident:a", "report_verified", "report:R7:verified", 1, day(0)});
  l.reverse({first.entry.id, "a01", "核实有误", day(1)});
  const Posted second = l.earn({"resident:a", "report_verified", "report:R7:verified", 1, day(2)});
  EXPECT_FALSE(second.replayed);
  EXPECT_NE(second.entry.id, first.entry.id);
  EXPECT_EQ(l.person_balance("resident:a"), 5);
  // A redemption undone gives back points that still expire when they would have.
  Ledger m(policy());
  m.award({"w1", "d01", "一月", 10, day(0)});  // expires 2028-01-01 (day 730)
  m.redeem({"w1", "毛巾", "", 10, day(100)});
  m.reverse({"e2", "a01", "退货", day(200)});
  EXPECT_EQ(m.expirable("w1", day(729)), 0);
  EXPECT_EQ(m.expirable("w1", day(730)), 10);
}

TEST(Points, ThePolicyDocumentIsReadStrictlyAndTheCatalogueSetsThePrice) {
  const Policy p = parse_policy(R"({"validity_months": 12,
      "rules": [{"event": "visit", "name": "入户走访", "points": 2}],
      "catalogue": [{"id": "haircut", "name": "理发一次", "provider": "幸福理发店", "points": 30}]})");
  EXPECT_EQ(p.validity_months, 12);
  ASSERT_TRUE(p.rule("visit"));
  EXPECT_FALSE(p.rule("report_verified"));  // the document replaces the default rules
  const RedeemRequest r = redemption(p, "resident:a", "haircut", 3, day(0));
  EXPECT_EQ(r.amount, 90);
  EXPECT_EQ(r.reason, "理发一次 × 3");
  EXPECT_EQ(code_of([&] { redemption(p, "resident:a", "gold", 1, day(0)); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { redemption(p, "resident:a", "haircut", 0, day(0)); }),
            ErrorCode::invalid_argument);
  // Each broken rule is named, with the entry.
  const std::vector<std::pair<std::string, std::string>> bad{
      {R"({"rules": []})", "rules"},
      {R"({"rules": [{"event": "visit", "name": "x", "points": 1.5}]})", "rules[0]: 'points'"},
      {R"({"rules": [{"event": "visit", "name": "x", "points": -2}]})", "rules[0]: 'points'"},
      {R"({"rules": [{"event": "visit", "name": "x", "points": 2},
                     {"event": "visit", "name": "y", "points": 3}]})",
       "rules[1]: event 'visit'"},
      {R"({"validity_months": 0, "rules": [{"event": "v", "name": "x", "points": 2}]})",
       "validity_months"},
      {R"({"rules": [{"event": "v", "name": "x", "points": 2}],
           "catalogue": [{"id": "a", "name": "n", "points": 5}]})",
       "catalogue[0]: 'provider'"},
  };
  for (const auto& [text, named] : bad) {
    try {
      parse_policy(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_data) << text;
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(code_of([] { parse_policy("{"); }), ErrorCode::unreadable_source);
}

TEST(Points, ARegisteredCaseEarnsItsReporterAndNobodyElse) {
  Report r;
  r.id = "R9";
  r.submitted_by = "resident:a";
  Event e;
  e.action = "register";
  e.actor_id = "d01";
  e.at = day(3);
  const auto earning = earning_for(r, e);
  ASSERT_TRUE(earning);
  EXPECT_EQ(earning->person, "resident:a");
  EXPECT_EQ(earning->event_key, "report:R9:verified");
  EXPECT_EQ(earning->by, "d01");
  e.action = "dispatch";
  EXPECT_FALSE(earning_for(r, e));
  e.action = "register";
  for (const char* nobody : {"", "app:wechat", "system"}) {
    r.submitted_by = nobody;
    EXPECT_FALSE(earning_for(r, e)) << nobody;
  }
  EXPECT_EQ(code_of([] { check_person("resident:\xff"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { check_person(std::string(129, 'a')); }), ErrorCode::invalid_argument);
  EXPECT_FALSE(code_of([] { check_person("resident:张三"); }));
}
