// Who hears what: each rule of dispatch/notification.hpp on the sample's organisation, the
// texts, and the templates' checks.
#include "wangge/dispatch/notification.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sample_fixture.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

class NotificationRules : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sample_ = new testing::Sample(); }
  static void TearDownTestSuite() { delete sample_; }

  Instant at(const char* local) const { return *parse_iso(local, sample_->ref.calendar.zone()); }
  ActionRequest act(Action a) const {
    ActionRequest r;
    r.action = a;
    return r;
  }
  NoticeContext context() const {
    return NoticeContext{
        &sample_->ref, &templates_, "https://wg.example.cn", [](const std::string& id) {
          return id == testing::Sample::kUnit ? std::string("湘江一组第5邻") : std::string();
        }};
  }
  std::vector<Notification> apply(Report& r, const ActionRequest& req, const Actor& by,
                                  const char* when) {
    const Event e = flow_.apply(r, req, by, at(when));
    return notifications_for(r, e, context());
  }
  /// The sample's report, registered and dispatched at @p when.
  Report dispatched(const char* when) const {
    Report r = sample_->report(at(when));
    flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at(when));
    flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at(when));
    return r;
  }
  /// 吹哨 to 环卫所 (the lead) with 城管执法中队 co-handling.
  ActionRequest whistle_to_hw_with_cgzf() const {
    ActionRequest whistle = act(Action::escalate);
    whistle.to = Assignee{Assignee::Kind::department, "hw", "环卫所"};
    whistle.co_departments = {"cgzf"};
    whistle.reason = "需要环卫所清运";
    return whistle;
  }
  static std::vector<std::string> recipients(const std::vector<Notification>& ns) {
    std::vector<std::string> out;
    for (const Notification& n : ns) out.push_back(n.recipient);
    return out;
  }

  static inline testing::Sample* sample_ = nullptr;
  NoticeTemplates templates_;
  Workflow flow_{sample_->ref};
};

TEST_F(NotificationRules, TheResidentHearsOfRegistrationHandlingAndClosure) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  auto ns = apply(r, act(Action::register_case), sample_->dispatcher(), "2026-11-23T09:05");
  ASSERT_EQ(recipients(ns), std::vector<std::string>{"u-resident-1"});
  EXPECT_EQ(ns[0].kind, NoticeKind::registered);
  EXPECT_EQ(ns[0].title, "已受理");
  EXPECT_EQ(ns[0].text, "您反映的问题（暴露垃圾）已受理立案，案件号 " + r.id +
                            "，办理进度可在此查看：https://wg.example.cn/console/cases/" + r.id);
  EXPECT_EQ(ns[0].text.find("张三"), std::string::npos);  // the reporter's name: never
  EXPECT_EQ(ns[0].text.find("13800138000"), std::string::npos);

  auto d = apply(r, act(Action::dispatch), sample_->dispatcher(), "2026-11-23T09:10");
  ASSERT_EQ(recipients(d), std::vector<std::string>{"w43030200901300105"});
  EXPECT_EQ(d[0].kind, NoticeKind::assigned);
  EXPECT_EQ(d[0].text, "【网格通】案件 " + r.id + "（暴露垃圾，湘江一组第5邻）已派给" +
                           r.assignee.name + "，请于11月23日 15:40前办结。" + d[0].link);
  EXPECT_TRUE(apply(r, act(Action::accept), sample_->unit_leader(), "2026-11-23T09:20").empty());
  auto h = apply(r, act(Action::handle), sample_->unit_leader(), "2026-11-23T10:00");
  ASSERT_EQ(recipients(h), std::vector<std::string>{"u-resident-1"});
  EXPECT_EQ(h[0].kind, NoticeKind::handled);
  auto c = apply(r, act(Action::close), sample_->dispatcher(), "2026-11-23T10:30");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, NoticeKind::closed);
  EXPECT_NE(
      c[0].text.find("请为办理结果评价：https://wg.example.cn/console/cases/" + r.id + "#evaluate"),
      std::string::npos);
  // 不满意 reopens: the assignee hears it as 返工.
  ActionRequest bad = act(Action::evaluate);
  bad.rating = 1;
  auto e = apply(r, bad, testing::Sample::resident(), "2026-11-23T11:00");
  ASSERT_EQ(recipients(e), std::vector<std::string>{"w43030200901300105"});
  EXPECT_EQ(e[0].kind, NoticeKind::reopened);
}

TEST_F(NotificationRules, AnArrivalIsToldToTheGridsOwnWorkersNotToItsFinder) {
  const Report r = sample_->report(at("2026-11-23T09:00"));
  Event submit;
  submit.report_id = r.id;
  submit.seq = 1;
  submit.at = r.created_at;
  submit.actor_id = r.submitted_by;
  submit.action = "submit";
  const auto ns = notifications_for(r, submit, context());
  ASSERT_EQ(recipients(ns), std::vector<std::string>{"w43030200901300105"});
  EXPECT_EQ(ns[0].kind, NoticeKind::received);
  EXPECT_EQ(ns[0].text, "【新上报】湘江一组第5邻有新案件 " + r.id +
                            "（暴露垃圾），待网格中心受理。" + ns[0].link);
  // The 邻长's own patrol finding: he is not told of it.
  const Report own = sample_->report(at("2026-11-23T09:00"), "0101", sample_->unit_leader());
  submit.actor_id = own.submitted_by;
  EXPECT_TRUE(notifications_for(own, submit, context()).empty());
}

TEST_F(NotificationRules, FollowersOfAnAreaHearOfPublicCasesRegisteredAndClosed) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  Event e =
      flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:05"));
  ASSERT_TRUE(concerns_areas(r, e, sample_->ref));
  NoticeContext c = context();
  c.subscribers = {"resident:near", "u-resident-1"};  // the reporter follows it too
  const auto ns = notifications_for(r, e, c);
  ASSERT_EQ(recipients(ns), (std::vector<std::string>{"u-resident-1", "resident:near"}));
  EXPECT_EQ(ns[0].kind, NoticeKind::registered);  // the reporter: once, as the reporter
  EXPECT_EQ(ns[1].kind, NoticeKind::area);
  EXPECT_EQ(ns[1].text,
            "【关注区域】湘江一组第5邻的案件 " + r.id + "（暴露垃圾）已立案。" + ns[1].link);
  // A case of a private category (0601) concerns no area.
  Report p = sample_->report(at("2026-11-23T09:00"), "0601");
  e = flow_.apply(p, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:05"));
  EXPECT_FALSE(concerns_areas(p, e, sample_->ref));
  e = flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:10"));
  EXPECT_FALSE(concerns_areas(r, e, sample_->ref));  // nor does a dispatch
}

TEST_F(NotificationRules, IdsAreStablePerEventKindAndRecipient) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  Report copy = r;
  const auto a = apply(r, act(Action::register_case), sample_->dispatcher(), "2026-11-23T09:05");
  const auto b = apply(copy, act(Action::register_case), sample_->dispatcher(), "2026-11-23T09:05");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].id, b[0].id);
  EXPECT_EQ(a[0].id.rfind("n_", 0), 0u);
}

TEST(OutboxIds, SortByTheEventTimeAndDifferByKey) {
  const Instant t{std::chrono::milliseconds(1795395900000)};  // 2026-11-23T01:05Z
  const std::string a = outbox_id("n_", t, "R1\n3\nassigned\nu1");
  EXPECT_EQ(a, outbox_id("n_", t, "R1\n3\nassigned\nu1"));  // stable
  EXPECT_NE(a, outbox_id("n_", t, "R1\n3\nassigned\nu2"));
  EXPECT_EQ(a.substr(0, 14), "n_01a205ef5260");  // 1,795,395,900,000 ms in hex
  EXPECT_EQ(a.size(), 2u + 12u + 16u);
  // Ids of later events sort after earlier ones whatever their keys (a millisecond apart).
  EXPECT_LT(outbox_id("n_", t, "zzz"), outbox_id("n_", t + std::chrono::milliseconds(1), "aaa"));
  EXPECT_LT(a, outbox_id("n_", t + std::chrono::hours(24 * 365 * 40), "R0"));
  // Before 1970 (a clock never set) they sort first rather than wrapping.
  EXPECT_EQ(outbox_id("d_", Instant{} - std::chrono::hours(1), "k").substr(0, 14),
            "d_000000000000");
}

TEST_F(NotificationRules, AWhistleCallsEveryDepartmentWithItsDeadline) {
  Report r = dispatched("2026-11-23T09:00");
  const auto ns = apply(r, whistle_to_hw_with_cgzf(), sample_->unit_leader(), "2026-11-23T09:30");
  ASSERT_EQ(recipients(ns), (std::vector<std::string>{"dept-hw", "dept-cgzf"}));
  EXPECT_EQ(ns[0].department, "hw");
  EXPECT_EQ(ns[1].department, "cgzf");
  for (const Notification& n : ns) {
    EXPECT_EQ(n.kind, NoticeKind::whistled);
    EXPECT_NE(n.text.find("于11月23日 11:30前报到"), std::string::npos)
        << n.text;  // 2 working hours
  }
  EXPECT_NE(ns[0].text.find("请环卫所"), std::string::npos) << ns[0].text;
  EXPECT_NE(ns[1].text.find("请城管执法中队"), std::string::npos) << ns[1].text;
}

TEST_F(NotificationRules, SupervisionReachesSupervisorsAndTheChainAboveOnlyAt督办) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:00"));
  flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:00"));
  auto e = flow_.supervise(r, at("2026-11-23T14:13"));  // 催办
  ASSERT_TRUE(e);
  auto ns = notifications_for(r, *e, context());
  EXPECT_EQ(recipients(ns), std::vector<std::string>{"w43030200901300105"});
  EXPECT_EQ(ns[0].title, "催办提醒");
  EXPECT_FALSE(ns[0].urgent);
  e = flow_.supervise(r, at("2026-11-23T15:31"));  // 督办
  ASSERT_TRUE(e);
  ns = notifications_for(r, *e, context());
  EXPECT_EQ(recipients(ns),
            (std::vector<std::string>{"w43030200901300105", "s01", "w430302009013001",
                                      "w430302009013", "w430302009"}));  // unit, then 组, 片, 社区
  for (const Notification& n : ns) {
    EXPECT_TRUE(n.urgent);
    EXPECT_EQ(n.text.rfind("【督办】", 0), 0u) << n.text;
  }
}

TEST_F(NotificationRules, ReturnsGoToDispatchersAndExtensionsToSupervisors) {
  Report r = sample_->report(at("2026-11-23T09:00"), "B0102");  // 路灯: 路灯管理所
  flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:00"));
  flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:00"));
  ActionRequest ext = act(Action::request_extension);
  ext.extension_work_hours = 8;
  ext.reason = "等待配件";
  const Actor ld = sample_->staff("dept-ld");
  auto ns = apply(r, ext, ld, "2026-11-23T10:00");
  EXPECT_EQ(recipients(ns), std::vector<std::string>{"s01"});
  EXPECT_EQ(ns[0].kind, NoticeKind::extension);
  ActionRequest back = act(Action::return_case);
  back.reason = "不属于本单位";
  ns = apply(r, back, ld, "2026-11-23T10:10");
  EXPECT_EQ(recipients(ns), (std::vector<std::string>{"d01", "d02"}));
  EXPECT_NE(ns[0].text.find("被路灯管理所退回"), std::string::npos) << ns[0].text;
}

TEST_F(NotificationRules, AMissed报到RemindsTheLateDepartmentsAndTellsTheGridCentre) {
  Report r = dispatched("2026-11-23T09:00");
  flow_.apply(r, whistle_to_hw_with_cgzf(), sample_->unit_leader(), at("2026-11-23T09:30"));
  flow_.apply(r, act(Action::accept), sample_->staff("dept-hw"), at("2026-11-23T10:00"));
  const auto e = flow_.report_in_missed(r, at("2026-11-23T11:31"));
  ASSERT_TRUE(e);
  const auto ns = notifications_for(r, *e, context());
  ASSERT_EQ(recipients(ns), (std::vector<std::string>{"dept-cgzf", "d01", "d02"}));
  for (const Notification& n : ns) {
    EXPECT_EQ(n.kind, NoticeKind::report_in_missed);
    EXPECT_EQ(n.title, "报到超时");
    EXPECT_NE(n.text.find("城管执法中队未在11月23日 11:30前报到"), std::string::npos) << n.text;
  }
}

TEST_F(NotificationRules, NobodyUnreachableIsMessaged) {
  // A grid worker's own patrol finding: no resident to tell.
  Report mine = sample_->report(at("2026-11-23T09:00"), "0101", sample_->unit_leader());
  EXPECT_TRUE(
      apply(mine, act(Action::register_case), sample_->dispatcher(), "2026-11-23T09:05").empty());
  // An anonymous report with a phone: the reporter, reachable by SMS only.
  Report anon = sample_->report(at("2026-11-23T09:00"));
  anon.submitted_by.clear();
  const auto ns =
      apply(anon, act(Action::register_case), sample_->dispatcher(), "2026-11-23T09:05");
  EXPECT_EQ(recipients(ns), std::vector<std::string>{"reporter:" + anon.id});
}

TEST(NoticeTemplates, RefuseUnknownFieldsAndStrayBraces) {
  NoticeTemplates t;
  t.set(NoticeKind::closed, "案件{case}已办结，{rating_link}");
  EXPECT_EQ(t.render(NoticeKind::closed, {{"case", "R1"}, {"rating_link", "L"}}),
            "案件R1已办结，L");
  const auto refused = [&](const std::string& text, const std::string& fragment) {
    try {
      t.set(NoticeKind::closed, text);
      ADD_FAILURE() << "taken: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_data);
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  refused("{reporter_phone}", "names the field {reporter_phone}, which is not one of case,");
  refused("案件 {case", "unmatched brace at byte 7");
  refused("案件 case}", "unmatched brace");
  refused("{{case}}", "unmatched brace");
  refused("", "is empty");
  EXPECT_EQ(t.text(NoticeKind::closed), "案件{case}已办结，{rating_link}");  // kept
}

TEST(NoticeTemplates, KindsResidentsHearNameNoFieldThePublicViewHides) {
  NoticeTemplates t;
  for (const NoticeKind kind :
       {NoticeKind::registered, NoticeKind::handled, NoticeKind::closed, NoticeKind::area}) {
    for (const std::string field : {"level", "requested_due", "report_in_due"}) {
      try {
        t.set(kind, "案件{case}：{" + field + "}");
        ADD_FAILURE() << to_string(kind) << " took {" << field << "}";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("residents hear but may not see"), std::string::npos)
            << e.what();
      }
    }
  }
  // Staff kinds may name them.
  t.set(NoticeKind::supervised, "【{level}】{case}");
  t.set(NoticeKind::extension, "{case} 申请延期至{requested_due}");
  t.set(NoticeKind::whistled, "{case} 请于{report_in_due}前报到");
  EXPECT_EQ(t.render(NoticeKind::supervised, {{"level", "督办"}, {"case", "R1"}}), "【督办】R1");
}

TEST_F(NotificationRules, ACategorysSettingsInTheReferenceDataMuteAndMakeUrgent) {
  // The sample's categories with settings on 01 (市容环境, inherited by 0101): residents are not
  // told of handling, and every message is urgent (no quiet hours, no digest).
  auto categories =
      nlohmann::json::parse(text::read_file(WANGGE_SOURCE_DIR "/geodata/sample/categories.json"));
  for (auto& c : categories["categories"])
    if (c["code"] == "01")
      c["notify"] = {{"urgent", true},
                     {"mute", {{{"kinds", {"handled"}}, {"roles", {"resident"}}}}}};
  const ReferenceData ref = parse_reference(
      categories.dump(), text::read_file(WANGGE_SOURCE_DIR "/geodata/sample/organisation.json"),
      text::read_file(WANGGE_SOURCE_DIR "/geodata/sample/calendar.json"));
  ASSERT_TRUE(ref.categories.find("0101")->notices->urgent);  // inherited from 01
  const Workflow flow(ref);
  NoticeContext with = context();
  with.reference = &ref;
  Report r = sample_->report(at("2026-11-23T09:00"));
  auto step = [&](Action a, const Actor& by, const char* when) {
    const Event e = flow.apply(r, act(a), by, at(when));
    return notifications_for(r, e, with);
  };
  auto registered = step(Action::register_case, sample_->dispatcher(), "2026-11-23T09:05");
  ASSERT_EQ(recipients(registered), std::vector<std::string>{"u-resident-1"});
  EXPECT_TRUE(registered[0].urgent);
  auto dispatched = step(Action::dispatch, sample_->dispatcher(), "2026-11-23T09:10");
  ASSERT_EQ(dispatched.size(), 1u);
  EXPECT_TRUE(dispatched[0].urgent);
  step(Action::accept, sample_->unit_leader(), "2026-11-23T09:20");
  EXPECT_TRUE(step(Action::handle, sample_->unit_leader(), "2026-11-23T10:00").empty());  // muted
  EXPECT_EQ(step(Action::close, sample_->dispatcher(), "2026-11-23T10:30").size(), 1u);
  // A category without settings: the defaults (0601 is 06, which has none).
  EXPECT_FALSE(ref.categories.find("0601")->notices->urgent);
  EXPECT_TRUE(ref.categories.find("0601")->notices->mute.empty());
}

}  // namespace
}  // namespace wangge::dispatch
