#include "wangge/dispatch/public_report.hpp"

#include <gtest/gtest.h>

#include "sample_fixture.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/util/error.hpp"

namespace wangge::dispatch {
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
TEST(StaffReportTest, HoldsThePublicProjectionAndWhatOnlyTheReporterAndStaffRead) {
  const testing::Sample& s = sample();
  Report r = s.report(at("2026-11-23T09:00"));
  r.text = "楼道堆物 13800138000";
  r.leader.phone = "13900000001";
  r.accuracy_m = 12.5;
  r.external_id = "GD-1";
  r.submitted_by = "app:test";
  r.attributes["floor"] = "3楼";
  const Instant now = at("2026-11-23T10:00");
  const PrivacyPolicy policy = PrivacyPolicy::with_decimals(3);
  const StaffReport st = staff_report(r, s.ref, policy, now);
  const PublicReport pub = public_report(r, s.ref, policy, now);
  // The public part is the public projection itself, masked and rounded.
  EXPECT_EQ(st.pub.text, pub.text);
  EXPECT_EQ(st.pub.text.find("13800138000"), std::string::npos);
  EXPECT_DOUBLE_EQ(st.pub.lon, 112.927);
  EXPECT_EQ(st.pub.version, pub.version);
  // The reporter's own fields as given.
  EXPECT_EQ(st.own.text, r.text);
  EXPECT_DOUBLE_EQ(st.own.position.lon(), r.position.lon());
  EXPECT_DOUBLE_EQ(st.own.reported.lat(), r.input.lat());
  EXPECT_EQ(st.own.accuracy_m, 12.5);
  EXPECT_EQ(st.own.reporter.name, "张三");
  EXPECT_EQ(st.own.reporter.phone, "13800138000");
  EXPECT_EQ(st.own.attributes.at("floor"), "3楼");
  EXPECT_TRUE(st.own.cancel_reason.empty());  // not cancelled
  // Staff's.
  EXPECT_EQ(st.staff.leader_phone, "13900000001");
  EXPECT_EQ(st.staff.external_id, "GD-1");
  EXPECT_EQ(st.staff.submitted_by, "app:test");
  EXPECT_EQ(st.staff.supervision, r.supervision);
}

TEST(MaskPersonalNumbersTest, MasksPhonesAndIdNumbersInEveryCommonSpellingAndLeavesDates) {
  const std::pair<const char*, const char*> cases[] = {
      {"已电话联系举报人张三 13800138000，住3栋502", "已电话联系举报人张三 138****8000，住3栋502"},
      {"电话 +86 138 0000 0000", "电话 138****0000"},
      {"138-0000-0000 或 138 0000 0000", "138****0000 或 138****0000"},
      {"座机 (0731) 5555555", "座机 073****5555"},
      {"0731-85555555", "073*****5555"},
      {"身份证 43010219900307123X 已核实", "身份证 430***********123X 已核实"},
      {"身份证430102199003071234", "身份证430***********1234"},
      {"门牌 5555555", "门牌 55***55"},
      {"2026-12-03 10:30 巡查，20261203 复查，3号楼12层",
       "2026-12-03 10:30 巡查，20261203 复查，3号楼12层"},
      {"", ""},
      {"无号码", "无号码"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(mask_personal_numbers(in), want) << in;
}

TEST(PublicEventTest, DropsTheStaffNoteActorAndReasonsAndMasksTheReply) {
  Event e;
  e.seq = 3;
  e.action = "handle";
  e.actor_id = "s-linzhang-1";
  e.role = Role::grid_worker;
  e.from = ReportState::accepted;
  e.to = ReportState::handled;
  e.note = "已电话联系举报人张三 13800138000，住3栋502";
  e.media = {"https://media.example/after.jpg"};
  e.data = {{"reason", "内部原因 13800138000"},
            {"assignee_id", "zz"},
            {"public_reply", "已清理完毕，如有问题请致电 13900000001"},
            {"due_at", "2026-11-23T17:00:00+08:00"}};
  const PublicEvent p = public_event(e);
  EXPECT_EQ(p.seq, 3);
  EXPECT_EQ(p.action, "handle");
  EXPECT_EQ(p.to, ReportState::handled);
  EXPECT_EQ(p.public_reply, "已清理完毕，如有问题请致电 139****0001");
  EXPECT_EQ(p.media, e.media);
  EXPECT_EQ(p.data, (std::map<std::string, std::string>{{"due_at", "2026-11-23T17:00:00+08:00"}}));
}

TEST(PublicReportTest, MasksNumbersInTheTextAndRatingComment) {
  const testing::Sample& s = sample();
  Report r = s.report(at("2026-11-23T09:00"));
  r.text = "楼道堆物，联系人 13800138000";
  r.rating_comment = "满意，电话 13800138000";
  const PublicReport p = public_report(r, s.ref, PrivacyPolicy{}, at("2026-11-23T10:00"));
  EXPECT_EQ(p.text, "楼道堆物，联系人 138****8000");
  EXPECT_EQ(p.rating_comment, "满意，电话 138****8000");
}

TEST(CategoryTreeTest, PrivacyIsInheritedAndTheSampleHidesDisputesAndElderlyCare) {
  const testing::Sample& s = sample();
  EXPECT_EQ(s.ref.categories.private_codes(), (std::vector<std::string>{"0601", "0603"}));
  EXPECT_FALSE(s.ref.categories.is_public("0603"));
  EXPECT_TRUE(s.ref.categories.is_public("0602"));
  EXPECT_TRUE(s.ref.categories.is_public("no-such-code"));
  auto category = [](const char* code, const char* parent, std::optional<bool> is_public) {
    Category c;
    c.code = code;
    c.parent = parent;
    c.name = code;
    if (*parent) c.deadline = Deadline{1, DeadlineUnit::work_days};
    c.is_public = is_public;
    return c;
  };
  const std::vector<Category> tree{category("09", "", false), category("0901", "09", std::nullopt),
                                   category("0902", "09", true)};
  const CategoryTree built = CategoryTree::build(tree);
  EXPECT_EQ(built.private_codes(), (std::vector<std::string>{"09", "0901"}));
}

}  // namespace wangge::dispatch
