#include "wangge/dispatch/workflow.hpp"

#include <gtest/gtest.h>

#include "sample_fixture.hpp"
#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class WorkflowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sample_ = new testing::Sample(); }
  static void TearDownTestSuite() { delete sample_; }

  Instant at(const char* local) const { return *parse_iso(local, sample_->ref.calendar.zone()); }
  std::string show(Instant t) const { return format_iso(t, sample_->ref.calendar.zone()); }
  ActionRequest act(Action a) const {
    ActionRequest r;
    r.action = a;
    return r;
  }
  /// A report submitted at @p when and taken through register and dispatch to its responsible
  /// party.
  Report dispatched(const char* when, const std::string& category = "0101") {
    Report r = sample_->report(at(when), category);
    flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at(when));
    flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at(when));
    return r;
  }
  void expect_error(ErrorCode code, const std::string& fragment, const std::function<void()>& fn) {
    try {
      fn();
      ADD_FAILURE() << "expected an error containing '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  static testing::Sample* sample_;
  Workflow flow_{sample_->ref};
};
testing::Sample* WorkflowTest::sample_ = nullptr;

TEST_F(WorkflowTest, TheWholeLoopRecordsOneEventPerStep) {
  const testing::Sample& s = *sample_;
  const Actor resident = testing::Sample::resident();
  Report r = s.report(at("2026-11-23T09:00"), "0101", resident);
  ASSERT_EQ(r.responsible.kind, Assignee::Kind::grid);  // 暴露垃圾 is an event: locality first
  EXPECT_EQ(r.responsible.id, testing::Sample::kUnit);

  std::vector<Event> events;
  events.push_back(
      flow_.apply(r, act(Action::register_case), s.dispatcher(), at("2026-11-23T09:05")));
  events.push_back(flow_.apply(r, act(Action::dispatch), s.dispatcher(), at("2026-11-23T09:10")));
  EXPECT_EQ(r.assignee, r.responsible);
  EXPECT_EQ(show(*r.due_at), "2026-11-23T15:40:00+08:00");  // 4 working hours, across lunch
  events.push_back(flow_.apply(r, act(Action::accept), s.unit_leader(), at("2026-11-23T09:30")));
  ActionRequest handle = act(Action::handle);
  handle.note = "已清运";
  handle.media = {"https://media.example/after.jpg"};
  events.push_back(flow_.apply(r, handle, s.unit_leader(), at("2026-11-23T11:00")));
  events.push_back(flow_.apply(r, act(Action::close), s.dispatcher(), at("2026-11-23T11:30")));
  ActionRequest rate = act(Action::evaluate);
  rate.rating = 5;
  rate.note = "很及时";
  events.push_back(flow_.apply(r, rate, resident, at("2026-11-23T12:00")));

  EXPECT_EQ(r.state, ReportState::evaluated);
  EXPECT_EQ(r.version, 6);
  EXPECT_FALSE(r.closed_late());
  EXPECT_EQ(r.rating, 5);
  const std::vector<std::pair<ReportState, ReportState>> steps{
      {ReportState::received, ReportState::registered},
      {ReportState::registered, ReportState::dispatched},
      {ReportState::dispatched, ReportState::accepted},
      {ReportState::accepted, ReportState::handled},
      {ReportState::handled, ReportState::closed},
      {ReportState::closed, ReportState::evaluated}};
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<int>(i + 1));
    EXPECT_EQ(events[i].from, steps[i].first) << i;
    EXPECT_EQ(events[i].to, steps[i].second) << i;
    EXPECT_EQ(events[i].report_id, r.id);
  }
  EXPECT_EQ(events[3].media, handle.media);
  EXPECT_EQ(events[1].data.at("due_at"), "2026-11-23T15:40:00+08:00");
  EXPECT_EQ(events[4].data.at("on_time"), "true");
}

TEST_F(WorkflowTest, AnIllegalTransitionNamesTheStateAndTheAllowedActions) {
  Report r = dispatched("2026-11-23T09:00");
  const Report before = r;
  // Each caller hears what he could do: a dispatcher escalates or reassigns; a supervisor may
  // also suspend and 督办.
  expect_error(ErrorCode::conflict, "it is 'dispatched'; allowed now: escalate, reassign", [&] {
    flow_.apply(r, act(Action::close), sample_->dispatcher(), at("2026-11-23T10:00"));
  });
  expect_error(ErrorCode::conflict,
               "it is 'dispatched'; allowed now: escalate, reassign, suspend, supervise", [&] {
                 flow_.apply(r, act(Action::close), sample_->supervisor(), at("2026-11-23T10:00"));
               });
  EXPECT_EQ(r.version, before.version);  // nothing changed
  EXPECT_EQ(r.state, before.state);
}

TEST_F(WorkflowTest, NotesReasonsAndMediaAreBoundedForEveryCaller) {
  Report r = dispatched("2026-11-23T09:00");
  const Report before = r;
  ActionRequest accept = act(Action::accept);
  accept.note = std::string(ActionLimits::kMaxNoteBytes + 1, 'x');
  expect_error(ErrorCode::payload_too_large, "limited to 4000 bytes each",
               [&] { flow_.apply(r, accept, sample_->unit_leader(), at("2026-11-23T10:00")); });
  ActionRequest suspend = act(Action::suspend);
  suspend.reason = std::string(ActionLimits::kMaxReasonBytes + 1, 'x');
  expect_error(ErrorCode::payload_too_large, "reason to 1000",
               [&] { flow_.apply(r, suspend, sample_->dispatcher(), at("2026-11-23T10:00")); });
  accept.note = "ok";
  accept.media.assign(ActionLimits::kMaxMedia + 1, "https://example.org/a.jpg");
  expect_error(ErrorCode::payload_too_large, "at most 10 media URLs",
               [&] { flow_.apply(r, accept, sample_->unit_leader(), at("2026-11-23T10:00")); });
  accept.media = {"https://example.org/a.jpg"};
  accept.public_reply = std::string(ActionLimits::kMaxNoteBytes + 1, 'x');
  expect_error(ErrorCode::payload_too_large, "limited to 4000 bytes each",
               [&] { flow_.apply(r, accept, sample_->unit_leader(), at("2026-11-23T10:00")); });
  accept.public_reply = "已安排人员处理";
  for (const char* bad : {"javascript:alert(1)", "file:///etc/passwd", "http://x.example/a.jpg"}) {
    accept.media = {bad};
    expect_error(ErrorCode::invalid_argument, "nor an https URL",
                 [&] { flow_.apply(r, accept, sample_->unit_leader(), at("2026-11-23T10:00")); });
  }
  EXPECT_EQ(r.version, before.version);  // nothing changed
  accept.media = {"https://example.org/a.jpg"};
  accept.note = std::string(ActionLimits::kMaxNoteBytes, 'x');  // at the limit: taken
  flow_.apply(r, accept, sample_->unit_leader(), at("2026-11-23T10:00"));
  EXPECT_EQ(r.state, ReportState::accepted);
}

TEST_F(WorkflowTest, ARoleThatMayNeverTakeTheActionHearsSoBeforeTheState) {
  // A resident asking to dispatch a new case: the answer is about the role (403), not a list
  // of actions that only staff could take in this state (409).
  Report r = sample_->report(at("2026-11-23T09:00"));
  expect_error(ErrorCode::forbidden, "may not dispatch report", [&] {
    flow_.apply(r, act(Action::dispatch), testing::Sample::resident(), at("2026-11-23T09:10"));
  });
  // Staff get the state's answer.
  expect_error(ErrorCode::conflict, "it is 'received'; allowed now: register, cancel", [&] {
    flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:10"));
  });
}

TEST_F(WorkflowTest, AFinishedCaseAllowsNothing) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  ActionRequest cancel = act(Action::cancel);
  cancel.reason = "重复上报";
  flow_.apply(r, cancel, sample_->dispatcher(), at("2026-11-23T09:10"));
  EXPECT_EQ(r.cancel_reason, "重复上报");
  expect_error(ErrorCode::conflict, "it is 'cancelled'; allowed now: none", [&] {
    flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:20"));
  });
}

TEST_F(WorkflowTest, RolesAndGridScopeAreChecked) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  expect_error(ErrorCode::forbidden, "only a dispatcher, supervisor or admin may", [&] {
    flow_.apply(r, act(Action::register_case), sample_->unit_leader(), at("2026-11-23T09:10"));
  });
  r = dispatched("2026-11-23T09:00");
  // The leader of another unit may not take this case; the block leader above it may.
  expect_error(ErrorCode::forbidden, "only the assignee (grid '43030200901300105') may", [&] {
    flow_.apply(r, act(Action::accept), sample_->other_unit_leader(), at("2026-11-23T09:20"));
  });
  expect_error(ErrorCode::forbidden, "only the assignee", [&] {
    flow_.apply(r, act(Action::accept), sample_->staff("dept-hw"), at("2026-11-23T09:20"));
  });
  flow_.apply(r, act(Action::accept), sample_->block_leader(), at("2026-11-23T09:20"));
  EXPECT_EQ(r.state, ReportState::accepted);
  EXPECT_TRUE(Workflow::can_see(r, sample_->block_leader()));
  EXPECT_FALSE(Workflow::can_see(r, sample_->other_unit_leader()));
  EXPECT_FALSE(Workflow::can_see(r, testing::Sample::resident("someone-else")));
  EXPECT_TRUE(Workflow::can_see(r, testing::Sample::resident()));
}

TEST_F(WorkflowTest, MissingParametersAreClearErrors) {
  Report r = sample_->report(at("2026-11-23T09:00"));
  expect_error(ErrorCode::invalid_argument, "cancel needs a reason", [&] {
    flow_.apply(r, act(Action::cancel), sample_->dispatcher(), at("2026-11-23T09:10"));
  });
  r = dispatched("2026-11-23T09:00");
  ActionRequest escalate = act(Action::escalate);
  escalate.reason = "需要执法部门处理";
  expect_error(ErrorCode::invalid_argument, "a department to escalate to",
               [&] { flow_.apply(r, escalate, sample_->unit_leader(), at("2026-11-23T09:10")); });
  escalate.to = Assignee{Assignee::Kind::department, "nope", ""};
  expect_error(ErrorCode::invalid_argument, "department 'nope' does not exist",
               [&] { flow_.apply(r, escalate, sample_->unit_leader(), at("2026-11-23T09:10")); });
  ActionRequest reassign = act(Action::reassign);
  reassign.to = Assignee{Assignee::Kind::grid, "43030200901200205", ""};
  expect_error(ErrorCode::invalid_argument, "is not the report's grid or one above it",
               [&] { flow_.apply(r, reassign, sample_->dispatcher(), at("2026-11-23T09:10")); });
}

TEST_F(WorkflowTest, EscalationHandsTheCaseToADepartmentWhoseStaffReportIn) {
  Report r = dispatched("2026-11-23T09:00", "0103");  // 私搭乱建
  ActionRequest escalate = act(Action::escalate);
  escalate.reason = "违建需执法中队处理";
  escalate.to = Assignee{Assignee::Kind::department, "cgzf", ""};
  const Event e = flow_.apply(r, escalate, sample_->unit_leader(), at("2026-11-23T10:00"));
  EXPECT_EQ(e.data.at("assignee_id"), "cgzf");
  EXPECT_EQ(r.state, ReportState::dispatched);
  EXPECT_EQ(r.assignee.name, "城管执法中队");
  expect_error(ErrorCode::forbidden, "only the assignee", [&] {
    flow_.apply(r, act(Action::accept), sample_->unit_leader(), at("2026-11-23T10:10"));
  });
  flow_.apply(r, act(Action::accept), sample_->staff("dept-cgzf"), at("2026-11-23T10:10"));
  EXPECT_EQ(r.state, ReportState::accepted);
}

TEST_F(WorkflowTest, TheResidentOrPartyMemberWhoReportedItMayBlowTheWhistleOthersMayNot) {
  Report r = dispatched("2026-11-23T09:00", "0103");  // reported by Sample::resident()
  ActionRequest whistle = act(Action::escalate);
  whistle.reason = "违建拖了很久没人管";
  whistle.to = Assignee{Assignee::Kind::department, "cgzf", ""};
  whistle.co_departments = {"sz"};
  const Actor party_member{"p-1", "党员", Role::party_member, {}, {}};
  for (const Actor& other : {testing::Sample::resident("u-other"), party_member}) {
    expect_error(ErrorCode::forbidden, "the resident or party member who reported it may",
                 [&] { flow_.apply(r, whistle, other, at("2026-11-23T10:00")); });
  }
  EXPECT_TRUE(r.whistle.empty());  // nothing changed
  const Event e = flow_.apply(r, whistle, testing::Sample::resident(), at("2026-11-23T10:00"));
  EXPECT_EQ(e.role, Role::resident);
  ASSERT_EQ(r.whistle.size(), 2u);
  EXPECT_EQ(r.assignee.id, "cgzf");

  // A party member (党员) is a role of its own, acting on his own case as a resident does.
  EXPECT_EQ(parse_role("party_member"), Role::party_member);
  Report own = sample_->report(at("2026-11-23T09:00"), "0103");
  own.submitted_by = party_member.id;
  flow_.apply(own, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:00"));
  flow_.apply(own, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:00"));
  EXPECT_TRUE(Workflow::can_see(own, party_member));
  EXPECT_FALSE(Workflow::can_see(r, party_member));
  flow_.apply(own, whistle, party_member, at("2026-11-23T10:00"));
  EXPECT_EQ(own.assignee.id, "cgzf");
  // Not a dispatcher for all that: no dispatching, no closing.
  expect_error(ErrorCode::forbidden, "only a dispatcher", [&] {
    flow_.apply(own, act(Action::reassign), party_member, at("2026-11-23T10:10"));
  });
}

TEST_F(WorkflowTest, AWhistleCallsALeadAndCoHandlingDepartmentsEachToReportInByItsDeadline) {
  Report r = dispatched("2026-11-23T09:00", "0103");  // 私搭乱建 (Monday)
  ActionRequest whistle = act(Action::escalate);
  whistle.reason = "违建涉及多部门";
  whistle.to = Assignee{Assignee::Kind::department, "cgzf", ""};
  whistle.co_departments = {"sz", "zz"};
  const Event e = flow_.apply(r, whistle, sample_->unit_leader(), at("2026-11-23T10:00"));
  ASSERT_EQ(r.whistle.size(), 3u);
  EXPECT_TRUE(r.whistle[0].lead);
  EXPECT_EQ(r.whistle[0].department, "cgzf");
  EXPECT_EQ(r.whistle[1].department, "sz");
  EXPECT_EQ(r.whistle[2].name, "综治中心");
  // Two working hours from 10:00 on the sample's calendar.
  EXPECT_EQ(show(r.whistle[1].report_in_due), "2026-11-23T12:00:00+08:00");
  EXPECT_EQ(e.data.at("co"), "sz,zz");
  EXPECT_EQ(e.data.at("report_in_due"), "2026-11-23T12:00:00+08:00");

  // A co-handling department sees the case and reports in, once; others may not.
  const Actor sz = sample_->staff("dept-sz"), zz = sample_->staff("dept-zz");
  EXPECT_TRUE(Workflow::can_see(r, sz));
  EXPECT_FALSE(Workflow::can_see(r, sample_->staff("dept-hw")));
  EXPECT_EQ(flow_.allowed(r, sz), std::vector<Action>{Action::report_in});
  const Event in = flow_.apply(r, act(Action::report_in), sz, at("2026-11-23T11:00"));
  EXPECT_EQ(in.data.at("late"), "false");
  EXPECT_EQ(r.state, ReportState::dispatched);
  expect_error(ErrorCode::forbidden, "not reported in",
               [&] { flow_.apply(r, act(Action::report_in), sz, at("2026-11-23T11:05")); });
  expect_error(ErrorCode::forbidden, "co-handling", [&] {
    flow_.apply(r, act(Action::report_in), sample_->staff("dept-cgzf"), at("2026-11-23T11:05"));
  });
  flow_.apply(r, act(Action::report_in), zz, at("2026-11-23T13:00"));
  EXPECT_TRUE(r.whistle[2].reported_in_at);
  // The lead reports in by accepting (late here).
  const Event accept =
      flow_.apply(r, act(Action::accept), sample_->staff("dept-cgzf"), at("2026-11-23T14:00"));
  EXPECT_EQ(accept.data.at("late"), "true");
  EXPECT_EQ(show(*r.whistle[0].reported_in_at), "2026-11-23T14:00:00+08:00");

  // Bad co lists are refused by name.
  Report again = dispatched("2026-11-23T09:00", "0103");
  whistle.co_departments = {"cgzf"};
  expect_error(ErrorCode::invalid_argument, "'cgzf' leads",
               [&] { flow_.apply(again, whistle, sample_->dispatcher(), at("2026-11-23T10:00")); });
  whistle.co_departments = {"sz", "sz"};
  expect_error(ErrorCode::invalid_argument, "named twice",
               [&] { flow_.apply(again, whistle, sample_->dispatcher(), at("2026-11-23T10:00")); });
  whistle.co_departments = {"nope"};
  expect_error(ErrorCode::invalid_argument, "'nope' does not exist",
               [&] { flow_.apply(again, whistle, sample_->dispatcher(), at("2026-11-23T10:00")); });
  ActionRequest co_on_dispatch = act(Action::reassign);
  co_on_dispatch.to = Assignee{Assignee::Kind::department, "cgzf", ""};
  co_on_dispatch.co_departments = {"sz"};
  expect_error(ErrorCode::invalid_argument, "belongs to a whistle", [&] {
    flow_.apply(again, co_on_dispatch, sample_->dispatcher(), at("2026-11-23T10:00"));
  });
}

TEST_F(WorkflowTest, AMissed报到DeadlineIsRaisedOnceNamingOnlyTheDepartmentsLate) {
  Report r = dispatched("2026-11-23T09:00", "0103");
  ActionRequest whistle = act(Action::escalate);
  whistle.reason = "违建涉及多部门";
  whistle.to = Assignee{Assignee::Kind::department, "cgzf", ""};
  whistle.co_departments = {"sz", "zz"};
  flow_.apply(r, whistle, sample_->unit_leader(), at("2026-11-23T10:00"));  // 报到 by 12:00
  ASSERT_EQ(report_in_waiting(r.whistle), at("2026-11-23T12:00"));
  flow_.apply(r, act(Action::report_in), sample_->staff("dept-sz"), at("2026-11-23T11:00"));
  // Not before the deadline, nor at it.
  EXPECT_FALSE(flow_.report_in_missed(r, at("2026-11-23T11:59")));
  EXPECT_FALSE(flow_.report_in_missed(r, at("2026-11-23T12:00")));
  // After it: one event for the lead and 综治中心, not for 司法所, which reported in.
  const auto e = flow_.report_in_missed(r, at("2026-11-23T12:01"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, "report_in_missed");
  EXPECT_EQ(e->actor_id, Actor::system().id);
  EXPECT_EQ(e->data.at("missed"), "cgzf,zz");
  EXPECT_EQ(e->data.at("report_in_due"), "2026-11-23T12:00:00+08:00");
  EXPECT_EQ(r.state, ReportState::dispatched);  // the case itself moves on as before
  EXPECT_TRUE(r.whistle[0].missed);
  EXPECT_FALSE(r.whistle[1].missed);
  EXPECT_TRUE(r.whistle[2].missed);
  EXPECT_FALSE(report_in_waiting(r.whistle));
  EXPECT_FALSE(flow_.report_in_missed(r, at("2026-11-23T18:00")));  // told once
  // Late, a department still reports in (marked late); nobody may raise the miss by hand.
  const Event late =
      flow_.apply(r, act(Action::report_in), sample_->staff("dept-zz"), at("2026-11-23T13:00"));
  EXPECT_EQ(late.data.at("late"), "true");
  for (const Actor& who : {sample_->dispatcher(), sample_->supervisor(), sample_->staff("a01")}) {
    const auto allowed = flow_.allowed(r, who);
    EXPECT_EQ(std::count(allowed.begin(), allowed.end(), Action::report_in_missed), 0);
    expect_error(ErrorCode::forbidden, "ticker", [&] {
      flow_.apply(r, act(Action::report_in_missed), who, at("2026-11-23T13:00"));
    });
  }
  // A case no longer running is not told of a miss.
  Report closed = dispatched("2026-11-23T09:00", "0103");
  flow_.apply(closed, whistle, sample_->unit_leader(), at("2026-11-23T10:00"));
  closed.state = ReportState::handled;
  EXPECT_FALSE(flow_.report_in_missed(closed, at("2026-11-23T13:00")));
}

TEST_F(WorkflowTest, ADepartmentSendsAWrongCaseBackToTheDispatcherWithAReason) {
  Report r = sample_->report(at("2026-11-23T09:00"), "B0102");  // 路灯故障 → 路灯管理所
  flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:00"));
  flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:00"));
  const Actor ld = sample_->staff("dept-ld");
  expect_error(ErrorCode::invalid_argument, "a reason",
               [&] { flow_.apply(r, act(Action::return_case), ld, at("2026-11-23T09:30")); });
  expect_error(ErrorCode::forbidden, "only the department the case is assigned to", [&] {
    ActionRequest back = act(Action::return_case);
    back.reason = "不是我们的";
    flow_.apply(r, back, sample_->staff("dept-sz"), at("2026-11-23T09:30"));
  });
  ActionRequest back = act(Action::return_case);
  back.reason = "该路灯属小区物业，非市政路灯";
  const Event e = flow_.apply(r, back, ld, at("2026-11-23T09:30"));
  EXPECT_EQ(r.state, ReportState::registered);
  EXPECT_EQ(r.assignee.kind, Assignee::Kind::none);
  EXPECT_EQ(e.data.at("returned_by"), "ld");
  EXPECT_EQ(e.data.at("reason"), "该路灯属小区物业，非市政路灯");
  // The dispatcher sends it where it belongs.
  ActionRequest to_grid = act(Action::dispatch);
  to_grid.to = Assignee{Assignee::Kind::grid, r.grid_id(), ""};
  flow_.apply(r, to_grid, sample_->dispatcher(), at("2026-11-23T09:40"));
  EXPECT_EQ(r.state, ReportState::dispatched);
  EXPECT_EQ(r.assignee.id, r.grid_id());
}

TEST_F(WorkflowTest, ComponentsGoToTheirOwnersFirst) {
  Report r = sample_->report(at("2026-11-23T09:00"), "B0102");  // 路灯故障, owned by 路灯管理所
  EXPECT_EQ(r.responsible.kind, Assignee::Kind::department);
  EXPECT_EQ(r.responsible.id, "ld");
  flow_.apply(r, act(Action::register_case), sample_->dispatcher(), at("2026-11-23T09:00"));
  flow_.apply(r, act(Action::dispatch), sample_->dispatcher(), at("2026-11-23T09:00"));
  EXPECT_EQ(r.assignee.id, "ld");
  EXPECT_EQ(show(*r.due_at), "2026-11-26T09:00:00+08:00");  // 3 working days
}

TEST_F(WorkflowTest, SupervisionRisesOneLevelAtATimeAndLateClosesCountAsLate) {
  Report r = dispatched("2026-11-23T09:00");  // due 15:30; 80% of 6.5 h is 14:12
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-23T14:11")));
  auto e = flow_.supervise(r, at("2026-11-23T14:13"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, "supervise");
  EXPECT_EQ(e->actor_id, "system");
  EXPECT_EQ(e->from, e->to);
  EXPECT_EQ(e->data.at("level"), "reminded");  // 催办
  EXPECT_EQ(r.supervision, SupervisionLevel::reminded);
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-23T15:00")));  // once per level
  e = flow_.supervise(r, at("2026-11-23T15:31"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data.at("level"), "supervised");  // 督办
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-24T09:00")));
  // 挂牌督办 three working days after the due time: Thursday 15:30.
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-26T15:29")));
  e = flow_.supervise(r, at("2026-11-26T15:31"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data.at("level"), "listed");
  EXPECT_EQ(r.supervision, SupervisionLevel::listed);
  EXPECT_FALSE(flow_.supervise(r, at("2026-12-30T09:00")));  // the top level
  flow_.apply(r, act(Action::accept), sample_->unit_leader(), at("2026-11-26T16:00"));
  flow_.apply(r, act(Action::handle), sample_->unit_leader(), at("2026-11-26T16:30"));
  const Event closed =
      flow_.apply(r, act(Action::close), sample_->dispatcher(), at("2026-11-26T17:00"));
  EXPECT_TRUE(r.closed_late());
  EXPECT_EQ(closed.data.at("on_time"), "false");

  // A case found long overdue rises through every level at once, one event each.
  Report late = dispatched("2026-11-23T09:00");
  int events = 0;
  while (flow_.supervise(late, at("2026-12-01T09:00"))) ++events;
  EXPECT_EQ(events, 3);
  EXPECT_EQ(late.supervision, SupervisionLevel::listed);
}

TEST_F(WorkflowTest, ASupervisorMaySuperviseByHandWithANote) {
  Report r = dispatched("2026-11-23T09:00");
  ActionRequest by_hand = act(Action::supervise);
  expect_error(ErrorCode::forbidden, "only a supervisor or admin",
               [&] { flow_.apply(r, by_hand, sample_->dispatcher(), at("2026-11-23T10:00")); });
  expect_error(ErrorCode::invalid_argument, "supervise needs a note",
               [&] { flow_.apply(r, by_hand, sample_->supervisor(), at("2026-11-23T10:00")); });
  by_hand.note = "请今日内处置完毕并回复";
  const Event e = flow_.apply(r, by_hand, sample_->supervisor(), at("2026-11-23T10:00"));
  EXPECT_EQ(r.supervision, SupervisionLevel::supervised);
  EXPECT_EQ(e.data.at("manual"), "true");
  EXPECT_EQ(e.note, by_hand.note);
  // The ticker then has nothing to add until the case is listed.
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-23T16:00")));
}

TEST_F(WorkflowTest, SuspensionPausesTheClockAndExtensionsMoveIt) {
  Report r = dispatched("2026-11-23T09:00");  // due 15:30: 4 working hours
  ActionRequest suspend = act(Action::suspend);
  suspend.reason = "等待产权单位确认";
  expect_error(ErrorCode::forbidden, "only a supervisor or admin may",
               [&] { flow_.apply(r, suspend, sample_->dispatcher(), at("2026-11-23T10:00")); });
  flow_.apply(r, suspend, sample_->supervisor(), at("2026-11-23T10:00"));  // 3 working hours left
  EXPECT_EQ(r.state, ReportState::suspended);
  EXPECT_FALSE(flow_.supervise(r, at("2026-11-25T10:00")));  // not running: not overdue
  flow_.apply(r, act(Action::resume), sample_->supervisor(), at("2026-11-25T09:00"));
  EXPECT_EQ(r.state, ReportState::dispatched);
  EXPECT_EQ(show(*r.due_at), "2026-11-25T12:00:00+08:00");

  ActionRequest extend = act(Action::request_extension);
  extend.reason = "需要采购配件";
  extend.extension_work_hours = 8;
  flow_.apply(r, extend, sample_->unit_leader(), at("2026-11-25T09:30"));
  EXPECT_EQ(show(r.pending_extension->requested_due), "2026-11-26T16:00:00+08:00");
  EXPECT_EQ(show(*r.due_at), "2026-11-25T12:00:00+08:00");  // unchanged until approved
  flow_.apply(r, act(Action::approve_extension), sample_->supervisor(), at("2026-11-25T10:00"));
  EXPECT_EQ(show(*r.due_at), "2026-11-26T16:00:00+08:00");
  expect_error(ErrorCode::conflict, "no pending extension request", [&] {
    flow_.apply(r, act(Action::approve_extension), sample_->supervisor(), at("2026-11-25T10:05"));
  });
}

TEST_F(WorkflowTest, ReworkSendsTheCaseBackToTheHandler) {
  Report r = dispatched("2026-11-23T09:00");
  flow_.apply(r, act(Action::accept), sample_->unit_leader(), at("2026-11-23T09:10"));
  flow_.apply(r, act(Action::handle), sample_->unit_leader(), at("2026-11-23T09:20"));
  ActionRequest rework = act(Action::rework);
  rework.reason = "现场仍有垃圾";
  flow_.apply(r, rework, sample_->dispatcher(), at("2026-11-23T09:40"));
  EXPECT_EQ(r.state, ReportState::accepted);
  EXPECT_EQ(r.rework_count, 1);
  const std::vector<Action> allowed = flow_.allowed(r, sample_->unit_leader());
  EXPECT_EQ(allowed,
            (std::vector<Action>{Action::handle, Action::escalate, Action::request_extension}));
}

TEST_F(WorkflowTest, OnlyTheReporterOrStaffMayEvaluate) {
  Report r = dispatched("2026-11-23T09:00");
  flow_.apply(r, act(Action::accept), sample_->unit_leader(), at("2026-11-23T09:10"));
  flow_.apply(r, act(Action::handle), sample_->unit_leader(), at("2026-11-23T09:20"));
  flow_.apply(r, act(Action::close), sample_->dispatcher(), at("2026-11-23T09:30"));
  ActionRequest rate = act(Action::evaluate);
  rate.rating = 6;
  expect_error(ErrorCode::invalid_argument, "a rating from 1 to 5",
               [&] { flow_.apply(r, rate, testing::Sample::resident(), at("2026-11-23T10:00")); });
  rate.rating = 2;
  expect_error(ErrorCode::forbidden, "only a resident who reported it", [&] {
    flow_.apply(r, rate, testing::Sample::resident("u-other"), at("2026-11-23T10:00"));
  });
  EXPECT_FALSE(Workflow::can_see(r, testing::Sample::resident("u-other")));
  // One who reported the same problem again follows the case: he sees it and may rate it.
  Report followed = r;
  followed.followers.push_back("u-other");
  EXPECT_TRUE(Workflow::can_see(followed, testing::Sample::resident("u-other")));
  rate.rating = 4;
  flow_.apply(followed, rate, testing::Sample::resident("u-other"), at("2026-11-23T10:00"));
  EXPECT_EQ(followed.rating, 4);
  rate.rating = 2;
  flow_.apply(r, rate, sample_->dispatcher(), at("2026-11-23T10:00"));  // a phone callback
  EXPECT_EQ(r.rating, 2);
}

}  // namespace
TEST_F(WorkflowTest, ADissatisfiedRatingReopensTheCaseAsRework) {
  const testing::Sample& s = *sample_;
  const Actor resident = testing::Sample::resident();
  auto closed_case = [&] {
    Report r = s.report(at("2026-11-23T09:00"), "0101", resident);
    flow_.apply(r, act(Action::register_case), s.dispatcher(), at("2026-11-23T09:05"));
    flow_.apply(r, act(Action::dispatch), s.dispatcher(), at("2026-11-23T09:10"));
    flow_.apply(r, act(Action::accept), s.unit_leader(), at("2026-11-23T09:20"));
    flow_.apply(r, act(Action::handle), s.unit_leader(), at("2026-11-23T10:00"));
    flow_.apply(r, act(Action::close), s.dispatcher(), at("2026-11-23T10:10"));
    return r;
  };
  for (int rating = 1; rating <= 5; ++rating) {
    Report r = closed_case();
    ActionRequest rate = act(Action::evaluate);
    rate.rating = rating;
    rate.note = "垃圾还在";
    const Event e = flow_.apply(r, rate, resident, at("2026-11-23T11:00"));
    EXPECT_EQ(r.rating, rating);
    if (rating <= s.ref.rules.reopen_rating) {
      EXPECT_EQ(r.state, ReportState::accepted) << rating;  // back to the assignee: 返工
      EXPECT_EQ(r.rework_count, 1);
      EXPECT_FALSE(r.closed_at);
      EXPECT_EQ(e.data.at("reopened"), "true");
      // Handled and closed again, the resident may rate again.
      flow_.apply(r, act(Action::handle), s.unit_leader(), at("2026-11-23T14:00"));
      flow_.apply(r, act(Action::close), s.dispatcher(), at("2026-11-23T14:10"));
      rate.rating = 5;
      flow_.apply(r, rate, resident, at("2026-11-23T15:00"));
      EXPECT_EQ(r.state, ReportState::evaluated);
      EXPECT_EQ(r.rating, 5);
    } else {
      EXPECT_EQ(r.state, ReportState::evaluated) << rating;
      EXPECT_EQ(e.data.count("reopened"), 0u);
    }
  }
  EXPECT_EQ(s.ref.rules.reopen_rating, 2);
}

TEST_F(WorkflowTest, AGridWorkerHandlesHisOwnFindingAtOnce) {
  const testing::Sample& s = *sample_;
  const Actor finder = s.unit_leader();
  Report r = s.report(at("2026-11-23T09:00"), "0101", finder);
  ActionRequest self = act(Action::self_handle);
  // Without a photo of the result: the field and the rule.
  expect_error(ErrorCode::invalid_argument, "self_handle needs a photo of the result (media)",
               [&] { flow_.apply(r, self, finder, at("2026-11-23T09:05")); });
  self.media = {"https://media.example/after.jpg"};
  // Someone else's finding, or a finding outside his grids: forbidden.
  Report other = s.report(at("2026-11-23T09:00"), "0101", testing::Sample::resident());
  expect_error(ErrorCode::forbidden, "即报即办",
               [&] { flow_.apply(other, self, finder, at("2026-11-23T09:05")); });
  Report elsewhere = s.report(at("2026-11-23T09:00"), "0101", s.other_unit_leader());
  expect_error(ErrorCode::forbidden, "即报即办", [&] {
    flow_.apply(elsewhere, self, s.other_unit_leader(), at("2026-11-23T09:05"));
  });
  EXPECT_EQ(Workflow(s.ref).allowed(r, finder),
            (std::vector<Action>{Action::self_handle}));  // the only button he gets
  const Event e = flow_.apply(r, self, finder, at("2026-11-23T09:05"));
  EXPECT_EQ(r.state, ReportState::closed);
  EXPECT_EQ(e.from, ReportState::received);
  EXPECT_EQ(e.to, ReportState::closed);
  EXPECT_EQ(e.data.at("self_handled"), "true");
  EXPECT_EQ(r.assignee.kind, Assignee::Kind::grid);
  EXPECT_EQ(r.assignee.id, testing::Sample::kUnit);
  EXPECT_EQ(r.closed_at, at("2026-11-23T09:05"));
  EXPECT_FALSE(r.closed_late());
  // The dispatcher can still review it: rate it as a callback, or see it in the closed list.
  EXPECT_EQ(Workflow(s.ref).allowed(r, s.dispatcher()), (std::vector<Action>{Action::evaluate}));
}

TEST_F(WorkflowTest, AConflictListsOnlyWhatTheCallerMayDo) {
  const testing::Sample& s = *sample_;
  const Actor resident = testing::Sample::resident();
  Report r = s.report(at("2026-11-23T09:00"), "0101", resident);
  flow_.apply(r, act(Action::register_case), s.dispatcher(), at("2026-11-23T09:05"));
  flow_.apply(r, act(Action::dispatch), s.dispatcher(), at("2026-11-23T09:10"));
  // The assignee may accept, escalate or ask for more time; not reassign (a dispatcher's).
  expect_error(ErrorCode::conflict, "allowed now: accept, escalate, request_extension", [&] {
    flow_.apply(r, act(Action::handle), s.unit_leader(), at("2026-11-23T09:20"));
  });
}

}  // namespace wangge::dispatch
