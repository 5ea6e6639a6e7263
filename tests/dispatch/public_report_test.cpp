#include "wangge/dispatch/public_report.hpp"

#include <gtest/gtest.h>

#include "sample_fixture.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/util/error.hpp"

namespace wangge {
namespace {

const testing::Sample& sample() {
  static const testing::Sample s;
  return s;
}

Instant at(const char* local) {
  return *parse_iso(local, sample().ref.calendar.zone());
}

TEST(PrivacyPolicyTest, RoundsToItsDecimalsAndRefusesAnOutOfRangePrecision) {
  const PrivacyPolicy four;
  EXPECT_EQ(four.decimals, PrivacyPolicy::kDefaultDecimals);
  EXPECT_DOUBLE_EQ(four.round(112.926891), 112.9269);
  EXPECT_DOUBLE_EQ(four.round(-27.85765), -27.8577);  // half away from zero, as std::round
  EXPECT_DOUBLE_EQ(PrivacyPolicy::with_decimals(2).round(27.8576002), 27.86);
  EXPECT_DOUBLE_EQ(PrivacyPolicy::with_decimals(0).round(27.5), 28.0);
  for (int bad : {-1, 10, 1000}) {
    try {
      PrivacyPolicy::with_decimals(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("public decimals must be an integer in [0, 9]"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(PublicReportTest, CarriesTheRoundedPositionAndTheCaseButNoPersonalData) {
  const testing::Sample& s = sample();
  Report r = s.report(at("2026-11-23T09:00"));
  r.leader.phone = "13900000001";
  const PublicReport p =
      public_report(r, s.ref, PrivacyPolicy::with_decimals(3), at("2026-11-23T10:00"));
  EXPECT_EQ(p.id, r.id);
  EXPECT_EQ(p.category, "0101");
  EXPECT_FALSE(p.category_name.empty());
  EXPECT_DOUBLE_EQ(p.lon, 112.927);
  EXPECT_DOUBLE_EQ(p.lat, 27.858);
  EXPECT_NE(p.lon, r.position.lon());
  EXPECT_EQ(p.grid, testing::Sample::kUnit);
  EXPECT_EQ(p.grid_chain, r.grid_chain);
  EXPECT_EQ(p.leader_name, r.leader.name);
  EXPECT_EQ(p.text, r.text);
  EXPECT_TRUE(p.cancel_reason.empty());
  // Nothing of the reporter, the leader's phone or the raw input survives anywhere in it: the
  // projection's strings are all that a surface can render.
  std::vector<std::string> strings{p.id,
                                   p.category,
                                   p.category_name,
                                   p.category_kind,
                                   p.category_class,
                                   p.text,
                                   p.generation,
                                   p.grid,
                                   p.leader_name,
                                   p.leader_role,
                                   p.responsible.id,
                                   p.responsible.name,
                                   p.assignee.id,
                                   p.assignee.name,
                                   p.duplicate_of,
                                   p.cancel_reason,
                                   p.rating_comment};
  strings.insert(strings.end(), p.grid_chain.begin(), p.grid_chain.end());
  strings.insert(strings.end(), p.media.begin(), p.media.end());
  for (const std::string& v : strings) {
    EXPECT_EQ(v.find("张三"), std::string::npos) << v;
    EXPECT_EQ(v.find("13800138000"), std::string::npos) << v;
    EXPECT_EQ(v.find("13900000001"), std::string::npos) << v;
    EXPECT_EQ(v.find(testing::Sample::resident().id), std::string::npos) << v;
  }
}

TEST(PublicReportTest, TellsWhyACaseWasCancelledOnlyWhenItWas) {
  const testing::Sample& s = sample();
  Workflow flow(s.ref);
  Report r = s.report(at("2026-11-23T09:00"));
  ActionRequest cancel;
  cancel.action = Action::cancel;
  cancel.reason = "重复上报";
  flow.apply(r, cancel, s.dispatcher(), at("2026-11-23T09:05"));
  ASSERT_EQ(r.state, ReportState::cancelled);
  EXPECT_EQ(public_report(r, s.ref, {}, at("2026-11-23T09:06")).cancel_reason, "重复上报");

  Report open = s.report(at("2026-11-23T09:00"));
  open.cancel_reason = "left over";
  EXPECT_TRUE(public_report(open, s.ref, {}, at("2026-11-23T09:06")).cancel_reason.empty());
}

TEST(PublicReportTest, IsOverdueAsTheReportIs) {
  const testing::Sample& s = sample();
  Workflow flow(s.ref);
  Report r = s.report(at("2026-11-23T09:00"));
  ActionRequest step;
  step.action = Action::register_case;
  flow.apply(r, step, s.dispatcher(), at("2026-11-23T09:05"));
  step.action = Action::dispatch;
  flow.apply(r, step, s.dispatcher(), at("2026-11-23T09:10"));
  ASSERT_TRUE(r.due_at);
  const Instant before = *r.due_at - std::chrono::minutes(1);
  const Instant after = *r.due_at + std::chrono::minutes(1);
  EXPECT_FALSE(public_report(r, s.ref, {}, before).overdue);
  EXPECT_TRUE(public_report(r, s.ref, {}, after).overdue);
  EXPECT_EQ(public_report(r, s.ref, {}, after).due_at, r.due_at);
}

}  // namespace
}  // namespace wangge
