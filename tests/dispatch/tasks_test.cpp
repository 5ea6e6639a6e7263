// The tasks' workflow (圆单 help requests and 揭榜挂帅 posts): who may publish what, claims by
// verified volunteers of the task's grids only and once, the way back (release, reject), the
// confirmation that owes the volunteer the task's points once, ratings, cancellation, and the
// actions each party is offered matching what it may do. Then the whole loop against the
// in-memory ledger: the earning a confirmation owes lands once.
#include <gtest/gtest.h>

#include "wangge/dispatch/tasks.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using namespace wangge::dispatch;
using namespace wangge::dispatch::tasks;

namespace {

Instant at(int hour) {
  return Instant(std::chrono::sys_days(std::chrono::year(2026) / 12 / 1) +
                 std::chrono::hours(hour));
}

const std::vector<std::string> kChain{"U105", "G13", "B9", "ROOT"};  // 邻 → 组 → 片 → 社区

Actor resident(const std::string& id) {
  return Actor{id, "居民", Role::resident, {}, {}};
}
Actor worker(std::vector<std::string> grids) {
  return Actor{"w1", "网格员", Role::grid_worker, std::move(grids), {}};
}
const Actor kDispatcher{"d01", "派遣员", Role::dispatcher, {}, {}};

template <class F>
std::optional<ErrorCode> code_of(F f) {
  try {
    f();
    return std::nullopt;
  } catch (const Error& e) {
    return e.code();
  }
}

Task help_request(const std::string& by = "resident:old") {
  Publication p;
  p.title = "帮独居老人买药";
  p.text = "每周二上午";
  p.grid_chain = kChain;
  return publish(p, resident(by), "T1", points::default_policy(), at(0));
}

}  // namespace

TEST(Tasks, WhoPublishesWhat) {
  const Task t = help_request();
  EXPECT_EQ(t.state, State::open);
  EXPECT_EQ(t.points, 20);  // the task_completed rule
  EXPECT_EQ(t.requester, "resident:old");
  Publication p;
  p.kind = Kind::challenge;
  p.title = "小区停车难";
  p.grid_chain = kChain;
  p.points = 200;
  EXPECT_EQ(
      code_of([&] { publish(p, resident("resident:a"), "T2", points::default_policy(), at(0)); }),
      ErrorCode::forbidden);  // a 揭榜挂帅 post is staff's
  EXPECT_EQ(publish(p, worker({"G13"}), "T2", points::default_policy(), at(0)).points, 200);
  EXPECT_EQ(code_of([&] { publish(p, worker({"G99"}), "T2", points::default_policy(), at(0)); }),
            ErrorCode::forbidden);  // another grid's worker
  p.points = 0;
  EXPECT_EQ(code_of([&] { publish(p, kDispatcher, "T2", points::default_policy(), at(0)); }),
            ErrorCode::invalid_argument);
  p.points = kMaxTaskPoints + 1;
  EXPECT_EQ(code_of([&] { publish(p, kDispatcher, "T2", points::default_policy(), at(0)); }),
            ErrorCode::invalid_argument);
  Publication q;
  q.title = "修水龙头";
  q.grid_chain = kChain;
  q.points = 50;
  EXPECT_EQ(
      code_of([&] { publish(q, resident("resident:a"), "T3", points::default_policy(), at(0)); }),
      ErrorCode::forbidden);  // residents do not set points
  q.points.reset();
  q.grid_chain.clear();
  EXPECT_EQ(
      code_of([&] { publish(q, resident("resident:a"), "T3", points::default_policy(), at(0)); }),
      ErrorCode::invalid_argument);
  q.grid_chain = kChain;
  q.title = "";
  EXPECT_EQ(
      code_of([&] { publish(q, resident("resident:a"), "T3", points::default_policy(), at(0)); }),
      ErrorCode::invalid_argument);
  q.title = "x";
  q.due_at = at(0);
  EXPECT_EQ(
      code_of([&] { publish(q, resident("resident:a"), "T3", points::default_policy(), at(1)); }),
      ErrorCode::invalid_argument);
}

TEST(Tasks, OnlyAVerifiedVolunteerOfItsGridsClaimsAndOnlyOnce) {
  Task t = help_request();
  const Actor v1 = resident("resident:v1"), v2 = resident("resident:v2");
  const Volunteer here{"resident:v1", "志愿者甲", {"G13"}, true};
  const Volunteer elsewhere{"resident:v2", "志愿者乙", {"G99"}, true};
  const Volunteer unverified{"resident:v2", "志愿者乙", {"G13"}, false};
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v2, nullptr, at(1)); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v2, &elsewhere, at(1)); }),
            ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v2, &unverified, at(1)); }),
            ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v2, &here, at(1)); }),
            ErrorCode::forbidden);  // someone else's volunteer entry
  const Volunteer self{"resident:old", "老人", {"G13"}, true};
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, resident("resident:old"), &self, at(1)); }),
            ErrorCode::forbidden);  // whoever asked cannot claim
  EXPECT_EQ(t.state, State::open);
  EXPECT_EQ(t.version, 1);
  const Step s = apply(t, {Action::claim}, v1, &here, at(1));
  EXPECT_EQ(s.event.from, State::open);
  EXPECT_EQ(s.event.to, State::claimed);
  EXPECT_EQ(t.claimant, "resident:v1");
  const Volunteer also_here{"resident:v2", "志愿者乙", {"B9"}, true};  // a block above G13
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v2, &also_here, at(2)); }),
            ErrorCode::conflict);
  EXPECT_EQ(code_of([&] { apply(t, {Action::claim}, v1, &here, at(2)); }), ErrorCode::conflict);
  // Released, another volunteer of the block may claim it.
  apply(t, {Action::release}, v1, &here, at(3));
  EXPECT_EQ(t.state, State::open);
  EXPECT_TRUE(t.claimant.empty());
  apply(t, {Action::claim}, v2, &also_here, at(4));
  EXPECT_EQ(t.claimant, "resident:v2");
}

TEST(Tasks, ConfirmationOwesThePointsOnceAndRatingFollows) {
  Task t = help_request();
  const Actor v1 = resident("resident:v1"), old = resident("resident:old");
  const Volunteer here{"resident:v1", "志愿者甲", {"G13"}, true};
  apply(t, {Action::claim}, v1, &here, at(1));
  EXPECT_EQ(code_of([&] { apply(t, {Action::confirm}, old, nullptr, at(2)); }),
            ErrorCode::conflict);
  apply(t, {Action::complete, "药已送到"}, v1, &here, at(2));
  EXPECT_EQ(code_of([&] { apply(t, {Action::confirm}, v1, &here, at(3)); }),
            ErrorCode::forbidden);  // the volunteer does not confirm his own work
  EXPECT_EQ(code_of([&] { apply(t, {Action::reject}, old, nullptr, at(3)); }),
            ErrorCode::invalid_argument);  // say what is left to do
  apply(t, {Action::reject, "还差一盒降压药"}, old, nullptr, at(3));
  EXPECT_EQ(t.state, State::claimed);
  apply(t, {Action::complete}, v1, &here, at(4));
  EXPECT_EQ(code_of([&] {
              apply(t, {Action::rate, "", 5}, old, nullptr, at(5));
            }),
            ErrorCode::conflict);  // not confirmed yet
  const Step done = apply(t, {Action::confirm}, old, nullptr, at(5));
  ASSERT_TRUE(done.earning);
  EXPECT_EQ(done.earning->person, "resident:v1");
  EXPECT_EQ(done.earning->event_key, "task:T1:completed");
  EXPECT_EQ(done.earning->amount, 20);

  // The ledger takes it once, however often the confirmation is told.
  points::Ledger ledger(points::default_policy());
  EXPECT_FALSE(ledger.earn(*done.earning).replayed);
  EXPECT_TRUE(ledger.earn(*done.earning).replayed);
  EXPECT_EQ(ledger.person_balance("resident:v1"), 20);

  EXPECT_EQ(code_of([&] {
              apply(t, {Action::rate, "", 6}, old, nullptr, at(6));
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] {
              apply(t, {Action::rate, "", 5}, v1, &here, at(6));
            }),
            ErrorCode::forbidden);
  apply(t, {Action::rate, "很及时", 5}, old, nullptr, at(6));
  EXPECT_EQ(t.state, State::rated);
  EXPECT_EQ(t.rating, 5);
  EXPECT_EQ(t.version, 7);  // published, then six steps
  EXPECT_EQ(code_of([&] { apply(t, {Action::cancel}, kDispatcher, nullptr, at(7)); }),
            ErrorCode::conflict);
}

TEST(Tasks, TheActionsOfferedAreExactlyTheOnesAllowed) {
  Task t = help_request();
  t.due_at = at(10);
  const Volunteer here{"resident:v1", "志愿者甲", {"G13"}, true};
  const std::vector<std::pair<Actor, const Volunteer*>> people{{resident("resident:old"), nullptr},
                                                               {resident("resident:v1"), &here},
                                                               {worker({"G13"}), nullptr},
                                                               {worker({"G99"}), nullptr},
                                                               {kDispatcher, nullptr},
                                                               {resident("resident:x"), nullptr}};
  const std::vector<Request> script{
      {Action::claim}, {Action::complete}, {Action::confirm}, {Action::rate, "", 4}};
  for (const Request& next : script) {
    for (const auto& [who, v] : people) {
      // Every offered action goes through on a copy; every other one is refused.
      for (int a = 0; a <= static_cast<int>(Action::cancel); ++a) {
        Task copy = t;
        Request r{static_cast<Action>(a), "说明", 4};
        const auto offered = allowed(t, who, v);
        const bool listed = std::find(offered.begin(), offered.end(), r.action) != offered.end();
        EXPECT_EQ(!code_of([&] { apply(copy, r, who, v, at(5)); }).has_value(), listed)
            << who.id << " " << to_string(r.action) << " in " << to_string(t.state);
      }
    }
    const auto& [who, v] = *std::find_if(people.begin(), people.end(), [&](const auto& p) {
      const auto offered = allowed(t, p.first, p.second);
      return std::find(offered.begin(), offered.end(), next.action) != offered.end();
    });
    apply(t, next, who, v, at(5));
  }
  EXPECT_EQ(t.state, State::rated);
  EXPECT_FALSE(t.overdue(at(11)));  // done with, however late
  Task late = help_request();
  late.due_at = at(10);
  EXPECT_FALSE(late.overdue(at(10)));
  EXPECT_TRUE(late.overdue(at(11)));
  EXPECT_FALSE(can_see(late, resident("resident:x"), nullptr));
  EXPECT_TRUE(can_see(late, resident("resident:v1"), &here));  // open, in his grid: to claim
  const Volunteer unverified{"resident:v2", "志愿者乙", {"G13"}, false};
  EXPECT_TRUE(can_see(late, resident("resident:v2"), &unverified));  // sees; claim says why not
  EXPECT_TRUE(allowed(late, resident("resident:v2"), &unverified).empty());
  const Volunteer elsewhere{"resident:v3", "志愿者丙", {"G99"}, true};
  EXPECT_FALSE(can_see(late, resident("resident:v3"), &elsewhere));
  EXPECT_FALSE(can_see(late, worker({"G99"}), nullptr));
}
