// The ledger port (积分银行) on both adapters: the store agrees with the in-memory reference model
// (dispatch/points.hpp) over random sequences of earnings, awards, redemptions, reversals and
// expiries — the same answers, the same refusals, the same entries and balances; concurrent
// redemptions of a person's last points (one store and two stores on one database: two nodes)
// let exactly one win; the database refuses a second standing earning of an event and a
// second reversal of an entry even from a caller that skips the rules; request keys replay.
#include <atomic>
#include <barrier>
#include <map>
#include <thread>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

namespace pts = dispatch::points;
using store_testing::StoreConformance;

pts::Policy policy() {
  pts::Policy p = pts::default_policy();
  p.catalogue = {{"haircut", "理发一次", "幸福理发店", 30}};
  return p;
}

dispatch::Instant day(int n) {
  return dispatch::Instant(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1) +
                           std::chrono::days(n));
}

/// The lines of an entry in account order (a store reads them back in its own order).
std::vector<pts::Line> sorted(std::vector<pts::Line> lines) {
  std::sort(lines.begin(), lines.end(),
            [](const pts::Line& a, const pts::Line& b) { return a.account < b.account; });
  return lines;
}

/// The error code of what @p f throws (std::nullopt when it returns).
template <class F>
std::optional<ErrorCode> code_of(F&& f) {
  try {
    f();
    return std::nullopt;
  } catch (const Error& e) {
    return e.code();
  }
}

TEST_P(StoreConformance, TheLedgerAgreesWithTheReferenceModelOverRandomSequences) {
  const pts::Policy rules = policy();
  pts::Ledger model(rules);
  LedgerStore& ledger = store_->ledger();
  std::mt19937 rng(20261206);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> people{"resident:a", "resident:b", "w01"};
  const std::vector<std::string> events{"report_verified", "task_completed", "volunteer_hour",
                                        "visit"};
  int accepted = 0, refused = 0;
  for (int step = 0; step < 160; ++step) {
    const std::string who = people[static_cast<std::size_t>(pick(3))];
    const dispatch::Instant at = day(step * 7);  // past two years: expiries come due
    std::function<pts::Posted(const pts::LedgerView&)> plan;
    std::function<pts::Posted()> in_model;
    switch (pick(5)) {
      case 0: {
        const pts::EarnRequest r{who, events[static_cast<std::size_t>(pick(4))],
                                 "event:" + std::to_string(pick(40)), 1 + pick(3), at};
        plan = [&rules, r](const pts::LedgerView& v) { return pts::plan_earn(v, rules, r); };
        in_model = [&model, r] { return model.earn(r); };
        break;
      }
      case 1: {
        const pts::AwardRequest r{who, "a01", "表彰", pick(4) ? 1 + pick(60) : -pick(3), at};
        plan = [r](const pts::LedgerView& v) { return pts::Posted{pts::plan_award(v, r), false}; };
        in_model = [&model, r] { return pts::Posted{model.award(r), false}; };
        break;
      }
      case 2: {
        const pts::RedeemRequest r{who, "haircut", "", 1 + pick(90), at};
        plan = [r](const pts::LedgerView& v) { return pts::Posted{pts::plan_redeem(v, r), false}; };
        in_model = [&model, r] { return pts::Posted{model.redeem(r), false}; };
        break;
      }
      case 3: {
        const pts::ReverseRequest r{"e" + std::to_string(1 + pick(accepted + 3)), "a01", "录入有误",
                                    at};
        plan = [r](const pts::LedgerView& v) {
          return pts::Posted{pts::plan_reverse(v, r), false};
        };
        in_model = [&model, r] { return pts::Posted{model.reverse(r), false}; };
        break;
      }
      default: {
        plan = [&rules, who, at](const pts::LedgerView& v) {
          auto e = pts::plan_expire(v, rules, who, at);
          if (!e) throw Error(ErrorCode::not_found, "nothing to expire");
          return pts::Posted{*e, false};
        };
        in_model = [&model, who, at] {
          auto e = model.expire(who, at);
          if (!e) throw Error(ErrorCode::not_found, "nothing to expire");
          return pts::Posted{*e, false};
        };
      }
    }
    std::optional<pts::Posted> want, got;
    const auto want_code = code_of([&] { want = in_model(); });
    const auto got_code = code_of([&] { got = ledger.post(plan, "", ""); });
    ASSERT_EQ(got_code, want_code) << "step " << step;
    if (want_code) {
      ++refused;
      continue;
    }
    if (!want->replayed) ++accepted;
    ASSERT_EQ(got->replayed, want->replayed) << "step " << step;
    EXPECT_EQ(got->entry.id, want->entry.id) << "step " << step;
    EXPECT_EQ(got->entry.amount, want->entry.amount) << "step " << step;
    EXPECT_EQ(sorted(got->entry.lines), sorted(want->entry.lines)) << "step " << step;
  }
  EXPECT_GT(accepted, 60);
  EXPECT_GT(refused, 10);

  // The stored entries are the model's, line by line; balances and totals agree.
  for (const pts::Entry& e : model.entries()) {
    const auto stored = ledger.ledger_entry(e.id);
    ASSERT_TRUE(stored) << e.id;
    EXPECT_EQ(stored->kind, e.kind) << e.id;
    EXPECT_EQ(stored->person, e.person) << e.id;
    EXPECT_EQ(stored->amount, e.amount) << e.id;
    EXPECT_EQ(stored->source, e.source) << e.id;
    EXPECT_EQ(stored->at, e.at) << e.id;
    EXPECT_EQ(sorted(stored->lines), sorted(e.lines)) << e.id;
  }
  EXPECT_EQ(ledger.ledger_totals(),
            (std::pair<std::int64_t, std::size_t>(0, model.entries().size())));
  std::map<std::string, std::int64_t> holding;
  for (const std::string& p : people) {
    const PointsSummary s = ledger.points_summary(p);
    EXPECT_EQ(s.balance, model.person_balance(p)) << p;
    EXPECT_EQ(s.earned - s.redeemed - s.expired, s.balance) << p;
    std::size_t n = 0;
    for (const pts::Entry& e : model.entries()) n += e.person == p;
    EXPECT_EQ(s.entries, n) << p;
    if (s.balance > 0) holding[p] = s.balance;
  }
  std::map<std::string, std::int64_t> listed;
  for (const auto& [p, b] : ledger.holders("", 10)) listed[p] = b;
  EXPECT_EQ(listed, holding);

  // Paging newest first by keyset covers every entry once.
  std::vector<std::string> seen;
  LedgerQuery q;
  q.limit = 7;
  for (;;) {
    const auto page = ledger.ledger_entries(q);
    for (const pts::Entry& e : page) seen.push_back(e.id);
    if (page.size() < q.limit) break;
    q.before = pts::entry_number(page.back().id);
  }
  ASSERT_EQ(seen.size(), model.entries().size());
  EXPECT_EQ(seen.front(), model.entries().back().id);
  EXPECT_EQ(seen.back(), "e1");
}

TEST_P(StoreConformance, ConcurrentRedemptionsOfTheLastPointsLetExactlyOneWin) {
  const pts::Policy rules = policy();
  // A second store on the same database: a second node.
  auto second = store::open_store(where_->location());
  for (int round = 0; round < 3; ++round) {
    const std::string who = "resident:r" + std::to_string(round);
    store_->ledger().post(
        [&](const pts::LedgerView& v) {
          return pts::Posted{pts::plan_award(v, {who, "a01", "开户", 30, day(round)}), false};
        },
        "", "");
    constexpr int kThreads = 12;
    std::atomic<int> won{0}, lost{0}, other{0};
    std::barrier start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        LedgerStore& ledger = (t % 2 ? *second : *store_).ledger();
        start.arrive_and_wait();
        try {
          ledger.post(
              [&](const pts::LedgerView& v) {
                return pts::Posted{
                    pts::plan_redeem(v, pts::redemption(rules, who, "haircut", 1, day(round))),
                    false};
              },
              "", "");
          ++won;
        } catch (const Error& e) {
          (e.code() == ErrorCode::conflict ? lost : other)++;
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost.load(), kThreads - 1) << "round " << round;
    EXPECT_EQ(other.load(), 0) << "round " << round;
    EXPECT_EQ(store_->ledger().points_summary(who).balance, 0);
    EXPECT_EQ(second->ledger().points_summary(who).redeemed, 30);
  }
  EXPECT_EQ(store_->ledger().ledger_totals().first, 0);

  // Postings that do not compete (each for another person) all succeed on both nodes at once:
  // none is refused for having raced another for the next entry number.
  constexpr int kThreads = 12;
  std::atomic<int> failed{0};
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      LedgerStore& ledger = (t % 2 ? *second : *store_).ledger();
      start.arrive_and_wait();
      for (int i = 0; i < 5; ++i) {
        try {
          const std::string who = "resident:p" + std::to_string(t);
          ledger.post(
              [&](const pts::LedgerView& v) {
                return pts::Posted{pts::plan_award(v, {who, "a01", "表彰", 1 + i, day(10)}), false};
              },
              "", "");
        } catch (const Error&) {
          ++failed;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(store_->ledger().points_summary("resident:p" + std::to_string(t)).balance, 15);
}

TEST_P(StoreConformance, TheDatabaseRefusesASecondStandingEarningAndASecondReversal) {
  LedgerStore& ledger = store_->ledger();
  const pts::Policy rules = policy();
  const pts::EarnRequest earn{"resident:a", "visit", "visit:h1:2026-01", 1, day(0)};
  ledger.post([&](const pts::LedgerView& v) { return pts::plan_earn(v, rules, earn); }, "", "");
  // A caller that skips the rules: the same event earning again, planned against an empty view.
  const pts::Ledger empty(rules);
  const auto forged = [&](const pts::LedgerView& v) {
    pts::Posted p = pts::plan_earn(empty, rules, earn);
    p.entry.id = v.next_id();
    return p;
  };
  EXPECT_EQ(code_of([&] { ledger.post(forged, "", ""); }), ErrorCode::conflict);
  EXPECT_EQ(ledger.points_summary("resident:a").balance, 2);

  // Reversed, the event may earn again (and the forged second earning is refused again).
  ledger.post(
      [&](const pts::LedgerView& v) {
        return pts::Posted{pts::plan_reverse(v, {"e1", "a01", "重复登记", day(1)}), false};
      },
      "", "");
  EXPECT_EQ(ledger.points_summary("resident:a").balance, 0);
  pts::EarnRequest later = earn;
  later.at = day(2);
  const pts::Posted again = ledger.post(
      [&](const pts::LedgerView& v) { return pts::plan_earn(v, rules, later); }, "", "");
  EXPECT_FALSE(again.replayed);
  EXPECT_EQ(again.entry.id, "e3");
  EXPECT_EQ(code_of([&] { ledger.post(forged, "", ""); }), ErrorCode::conflict);

  // A second reversal of e1, forged past the rules.
  const auto forged_reversal = [&](const pts::LedgerView& v) {
    pts::Entry e{v.next_id(),
                 pts::Kind::reverse,
                 "resident:a",
                 2,
                 "e1",
                 "visit",
                 "再次冲正",
                 day(3),
                 {{pts::person_account("resident:a"), -2}, {"issued:visit", 2}},
                 "a01"};
    return pts::Posted{e, false};
  };
  EXPECT_EQ(code_of([&] { ledger.post(forged_reversal, "", ""); }), ErrorCode::conflict);
  EXPECT_EQ(ledger.ledger_totals(), (std::pair<std::int64_t, std::size_t>(0, 3)));
}

TEST_P(StoreConformance, ARequestKeyPostsOnceAndAnEarningCommitsWithItsWrite) {
  LedgerStore& ledger = store_->ledger();
  const auto award = [](std::int64_t n) {
    return [n](const pts::LedgerView& v) {
      return pts::Posted{pts::plan_award(v, {"resident:a", "a01", "表彰", n, day(0)}), false};
    };
  };
  const pts::Posted first = ledger.post(award(10), "a01:k1", "h1");
  const pts::Posted retry = ledger.post(award(10), "a01:k1", "h1");
  EXPECT_FALSE(first.replayed);
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.entry.id, first.entry.id);
  EXPECT_EQ(code_of([&] { ledger.post(award(20), "a01:k1", "h2"); }),
            ErrorCode::idempotency_mismatch);
  EXPECT_EQ(ledger.points_summary("resident:a").balance, 10);

  // Posted inside a write that then fails: nothing of it stays.
  EXPECT_THROW(store_->write([&](WriteTx& tx) {
    tx.post_points(award(5), "", "");
    throw Error(ErrorCode::conflict, "the change that earned it was refused");
  }),
               Error);
  EXPECT_EQ(ledger.points_summary("resident:a").balance, 10);
  EXPECT_EQ(ledger.ledger_totals().second, 1u);
  EXPECT_FALSE(ledger.ledger_entry("e2"));
  EXPECT_FALSE(ledger.ledger_entry("e01"));  // one entry, one name
}

}  // namespace
}  // namespace wangge::store

namespace wangge::store {
namespace {

TEST_P(StoreConformance, PostingsOfOneBatchWhoseWritesFailLeaveNoTraceNorGap) {
  // Many writes at once share a group-commit batch; every other one posts and then fails. The
  // ones kept number the ledger without a gap, and nothing of the failed ones stays.
  constexpr int kThreads = 16;
  std::barrier start(kThreads);
  std::atomic<int> kept{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < 4; ++i) {
        try {
          store_->write([&](WriteTx& tx) {
            tx.post_points(
                [&](const pts::LedgerView& v) {
                  return pts::Posted{
                      pts::plan_award(v, {"resident:t" + std::to_string(t), "a01", "表彰", 1 + i,
                                          std::max(day(0), v.last_at().value_or(day(0)))}),
                      false};
                },
                "", "");
            if ((t + i) % 2) throw Error(ErrorCode::conflict, "the change was refused");
          });
          ++kept;
        } catch (const Error&) {
        }
      }
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(kept.load(), kThreads * 2);
  EXPECT_EQ(store_->ledger().ledger_totals(),
            (std::pair<std::int64_t, std::size_t>(0, static_cast<std::size_t>(kThreads * 2))));
  for (int n = 1; n <= kThreads * 2; ++n)
    EXPECT_TRUE(store_->ledger().ledger_entry("e" + std::to_string(n))) << "e" << n;
}

}  // namespace
}  // namespace wangge::store
