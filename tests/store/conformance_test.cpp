// The store conformance suite: the same cases against both adapters — SQLite in a temporary
// file and PostGIS in a fresh schema of the database named by WANGGE_TEST_PG (label
// integration; scripts/test starts PostgreSQL and sets it).
#include <algorithm>
#include <latch>
#include <set>
#include <thread>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

TEST_P(StoreConformance, AReportAndItsEventsRoundTrip) {
  const dispatch::Report r = submit("2026-11-23T09:00");
  act(r.id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T09:05");
  act(r.id, dispatch::Action::dispatch, sample_->dispatcher(), "2026-11-23T09:10");
  const auto back = store_->report(r.id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, dispatch::ReportState::dispatched);
  EXPECT_EQ(back->text, r.text);
  EXPECT_EQ(back->reporter.name, "张三");
  EXPECT_EQ(back->reporter.phone, "13800138000");
  EXPECT_EQ(back->grid_chain, r.grid_chain);
  EXPECT_EQ(back->leader.name, r.leader.name);
  EXPECT_EQ(back->position, r.position);  // doubles survive exactly
  EXPECT_EQ(back->created_at, r.created_at);
  EXPECT_EQ(back->assignee, r.responsible);
  EXPECT_EQ(dispatch::format_iso(*back->due_at, sample_->ref.calendar.zone()),
            "2026-11-23T15:40:00+08:00");
  EXPECT_EQ(back->version, 3);
  const auto events = store_->events(r.id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].action, "submit");
  EXPECT_EQ(events[2].action, "dispatch");
  EXPECT_EQ(events[2].from, dispatch::ReportState::registered);
  EXPECT_EQ(events[2].to, dispatch::ReportState::dispatched);
  EXPECT_EQ(events[2].data.at("due_at"), "2026-11-23T15:40:00+08:00");
  EXPECT_EQ(events[2].role, dispatch::Role::dispatcher);
  EXPECT_TRUE(store_->check_integrity().empty());
  EXPECT_FALSE(store_->report("r-no-such-report"));
}

TEST_P(StoreConformance, AnIdempotencyKeyIsUsedOnce) {
  const dispatch::Report r = submit("2026-11-23T09:00", "0101", 0, "client-key-1");
  std::optional<IdempotencyRecord> found;
  store_->write([&](WriteTx& tx) { found = tx.idempotency("client-key-1"); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->report_id, r.id);
  EXPECT_EQ(found->request_hash, "hash-of-client-key-1");
  try {
    submit("2026-11-23T09:01", "0101", 0, "client-key-1");
    FAIL() << "a second report with the same key was stored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::conflict) << e.what();
  }
  EXPECT_EQ(store_->report_count(), 1u);
}

TEST_P(StoreConformance, AFailingWriteIsRolledBackAloneWhileItsBatchCommits) {
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failed{0};
  std::latch start(kThreads);  // every writer at the line before the first write: batches mix
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        if (i % 5 == 4) {
          // Writes a report, then fails: nothing of it may remain.
          try {
            store_->write([&](WriteTx& tx) {
              dispatch::Report r = sample_->report(at("2026-11-23T09:00"));
              r.text = "doomed";
              tx.insert_report(r, "", "");
              throw Error(ErrorCode::invalid_argument, "refused after writing");
            });
          } catch (const Error&) {
            ++failed;
          }
        } else {
          submit("2026-11-23T09:00", "0101", 0.00001 * (t * kEach + i));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), kThreads * kEach / 5);
  EXPECT_EQ(store_->report_count(), static_cast<std::size_t>(kThreads * kEach * 4 / 5));
  ReportFilter all;
  all.limit = 1000;
  for (const dispatch::Report& r : store_->list(all).items) EXPECT_NE(r.text, "doomed");
  EXPECT_TRUE(store_->check_integrity().empty());
}

TEST_P(StoreConformance, ListsFilterAndPageNewestFirstWithoutGapsOrRepeats) {
  std::vector<dispatch::Report> made;
  for (int i = 0; i < 23; ++i) {
    const std::string when = "2026-11-23T09:" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    made.push_back(submit(when.c_str(), i % 3 == 0 ? "B0102" : "0101", 0.00002 * i));
  }
  act(made[4].id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T10:00");
  act(made[4].id, dispatch::Action::dispatch, sample_->dispatcher(), "2026-11-23T10:00");

  ReportFilter page_filter;
  page_filter.limit = 7;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    const ReportPage page = store_->list(page_filter);
    for (const dispatch::Report& r : page.items) seen.push_back(r.id);
    page_filter.after = page.next;
    ++pages;
  } while (!page_filter.after.empty() && pages < 10);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), made.size());
  for (std::size_t i = 0; i < made.size(); ++i) EXPECT_EQ(seen[i], made[made.size() - 1 - i].id);

  ReportFilter f;
  f.limit = 100;
  f.categories = {"B0102"};
  EXPECT_EQ(store_->list(f).items.size(), 8u);
  f = ReportFilter{};
  f.limit = 100;
  f.states = {dispatch::ReportState::dispatched};
  ASSERT_EQ(store_->list(f).items.size(), 1u);
  EXPECT_EQ(store_->list(f).items[0].id, made[4].id);
  f = ReportFilter{};
  f.limit = 100;
  f.grid = testing::Sample::kBlock;  // a block: every report in its units
  const auto in_block = store_->list(f).items.size();
  f.grid = "430302009001";  // another block
  EXPECT_EQ(store_->list(f).items.size() + in_block, made.size())
      << "every report is in one of the two blocks";
  f = ReportFilter{};
  f.limit = 100;
  f.department = "ld";  // 路灯故障 reports are the lamp office's
  EXPECT_EQ(store_->list(f).items.size(), 8u);
  f = ReportFilter{};
  f.limit = 100;
  f.created_from = at("2026-11-23T09:10");
  f.created_to = at("2026-11-23T09:20");
  EXPECT_EQ(store_->list(f).items.size(), 10u);
  f = ReportFilter{};
  f.limit = 100;
  f.bbox = geo::BBox{testing::Sample::kLon - 1e-6, testing::Sample::kLat - 1e-6,
                     testing::Sample::kLon + 0.00005, testing::Sample::kLat + 1e-6};
  EXPECT_EQ(store_->list(f).items.size(), 3u);  // offsets 0, 2e-5 and 4e-5
  f = ReportFilter{};
  f.overdue_only = true;
  f.now = at("2026-11-23T17:00");
  EXPECT_EQ(store_->list(f).items.size(), 1u);
  f.now = at("2026-11-23T11:00");
  EXPECT_EQ(store_->list(f).items.size(), 0u);
  f = ReportFilter{};
  f.after = "garbage";
  EXPECT_THROW(store_->list(f), Error);
}

TEST_P(StoreConformance, FindsDuplicateCandidatesAndOverdueCases) {
  const dispatch::Report a = submit("2026-11-23T09:00");
  submit("2026-11-23T09:00", "B0102");
  std::vector<dispatch::Report> near;
  std::vector<std::string> overdue;
  act(a.id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T09:00");
  act(a.id, dispatch::Action::dispatch, sample_->dispatcher(), "2026-11-23T09:00");
  store_->write([&](WriteTx& tx) {
    const geo::BBox box{testing::Sample::kLon - 0.001, testing::Sample::kLat - 0.001,
                        testing::Sample::kLon + 0.001, testing::Sample::kLat + 0.001};
    near = tx.open_reports_near("0101", box, at("2026-11-22T09:00"), 10);
    overdue = tx.supervision_candidates(at("2026-11-23T16:00"), 0.8, at("2026-11-20T16:00"), 10);
  });
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].id, a.id);
  EXPECT_EQ(overdue, std::vector<std::string>{a.id});
}

TEST_P(StoreConformance, FindsCasesWhoseWhistledDepartmentsMissed报到) {
  const dispatch::Report a = submit("2026-11-23T09:00");
  const dispatch::Report quiet = submit("2026-11-23T09:00");
  for (const dispatch::Report* r : {&a, &quiet}) {
    act(r->id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T09:00");
    act(r->id, dispatch::Action::dispatch, sample_->dispatcher(), "2026-11-23T09:00");
  }
  dispatch::ActionRequest whistle;
  whistle.action = dispatch::Action::escalate;
  whistle.reason = "需要多部门";
  whistle.to = dispatch::Assignee{dispatch::Assignee::Kind::department, "hw", "环卫所"};
  whistle.co_departments = {"cgzf"};
  act(a.id, whistle, sample_->unit_leader(), "2026-11-23T09:30");  // 报到 by 11:30
  auto candidates = [&](const char* when) {
    std::vector<std::string> ids;
    store_->write([&](store::WriteTx& tx) { ids = tx.report_in_candidates(at(when), 10); });
    return ids;
  };
  EXPECT_TRUE(candidates("2026-11-23T11:30").empty());
  EXPECT_EQ(candidates("2026-11-23T11:31"), std::vector<std::string>{a.id});
  // Once told (the whistle marks the departments), the case is no longer a candidate.
  dispatch::Report r = *store_->report(a.id);
  const dispatch::Workflow flow(sample_->ref);
  ASSERT_TRUE(flow.report_in_missed(r, at("2026-11-23T11:31")));
  store_->write([&](store::WriteTx& tx) { tx.update_report(r); });
  EXPECT_TRUE(candidates("2026-11-24T11:31").empty());
  EXPECT_TRUE(store_->report(a.id)->whistle[1].missed);  // the flag survives the round trip
}

TEST_P(StoreConformance, DuplicateCandidatesAreTheNearestFewOldestFirstOnTies) {
  // 30 open reports east of the spot, at 1..30 × 1e-5° (two per offset for the tie order);
  // asked for 7, the store answers the 7 nearest, nearest first, the older of a tie first.
  std::vector<std::pair<double, dispatch::Report>> all;
  for (int i = 30; i >= 1; --i) {
    all.emplace_back(i, submit("2026-11-23T09:00", "0101", 0.00001 * i));
    all.emplace_back(i, submit("2026-11-23T09:05", "0101", 0.00001 * i));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.created_at < b.second.created_at;
  });
  std::vector<dispatch::Report> near;
  store_->write([&](WriteTx& tx) {
    const geo::BBox box{testing::Sample::kLon - 0.001, testing::Sample::kLat - 0.001,
                        testing::Sample::kLon + 0.001, testing::Sample::kLat + 0.001};
    near = tx.open_reports_near("0101", box, at("2026-11-22T09:00"), 7);
  });
  ASSERT_EQ(near.size(), 7u);
  for (std::size_t i = 0; i < near.size(); ++i) EXPECT_EQ(near[i].id, all[i].second.id) << i;
}

TEST_P(StoreConformance, GridGenerationsAreStoredWholeAndSwitchedAtomically) {
  const std::vector<grid::Grid>& grids = sample_->grids->grids();
  EXPECT_FALSE(store_->active_generation());
  const std::string g1 =
      store_->save_generation(grids, "geodata/sample/grids.geojson", at("2026-11-01T00:00"));
  EXPECT_FALSE(store_->active_generation());  // saved inactive
  store_->activate_generation(g1);
  EXPECT_EQ(store_->active_generation(), g1);
  const auto back = store_->load_generation(g1);
  ASSERT_EQ(back.size(), grids.size());
  for (std::size_t i = 0; i < grids.size(); ++i) {
    EXPECT_EQ(back[i].id, grids[i].id);
    EXPECT_EQ(back[i].parent_id, grids[i].parent_id);
    EXPECT_EQ(back[i].leader.phone, grids[i].leader.phone);
    EXPECT_EQ(back[i].households, grids[i].households);
    ASSERT_EQ(back[i].geometry.polygons.size(), grids[i].geometry.polygons.size());
    EXPECT_EQ(back[i].geometry.polygons[0].outer,
              grids[i].geometry.polygons[0].outer);  // exact doubles
  }
  std::vector<grid::Grid> fewer(grids.begin(), grids.begin() + 18);
  const std::string g2 = store_->save_generation(fewer, "regrid", at("2026-11-02T00:00"));
  EXPECT_NE(g1, g2);
  store_->activate_generation(g2);
  EXPECT_EQ(store_->active_generation(), g2);
  const auto infos = store_->generations();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_FALSE(infos[0].active);
  EXPECT_TRUE(infos[1].active);
  EXPECT_EQ(infos[1].grids, 18u);
  try {
    store_->activate_generation("g99");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
  }
  EXPECT_EQ(store_->active_generation(), g2);  // unchanged by the failed switch
}

TEST_P(StoreConformance, ReferenceDocumentsAreKeptByName) {
  EXPECT_FALSE(store_->reference("categories"));
  store_->put_reference("categories", "{\"v\": 1}", at("2026-11-01T00:00"));
  store_->put_reference("categories", "{\"v\": 2}", at("2026-11-02T00:00"));
  EXPECT_EQ(store_->reference("categories"), "{\"v\": 2}");
}

TEST_P(StoreConformance, DataSurvivesReopening) {
  const dispatch::Report r = submit("2026-11-23T09:00");
  store_.reset();
  store_ = open_store(where_->location());
  ASSERT_TRUE(store_->report(r.id));
  EXPECT_EQ(store_->events(r.id).size(), 1u);
}

TEST_P(StoreConformance, TheIntegrityCheckFindsAGapInTheEvents) {
  const dispatch::Report r = submit("2026-11-23T09:00");
  store_->write([&](WriteTx& tx) {
    dispatch::Event e;
    e.report_id = r.id;
    e.seq = 3;  // 2 is missing, and the report still says version 1
    e.at = r.created_at;
    e.action = "note";
    tx.append_event(e);
  });
  const auto problems = store_->check_integrity();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("has version 1 but 2 events numbered up to 3"), std::string::npos)
      << problems[0];
}

TEST_P(StoreConformance, TheNearestServicePointIsKeptWithTheReport) {
  dispatch::Report r = sample_->report(at("2026-11-23T09:00"));
  r.nearest_service =
      dispatch::NearestServiceInfo{"SP04", "梅园党群服务站", 753.6, 11.3, true, false};
  store_->write([&](WriteTx& tx) { tx.insert_report(r, "", ""); });
  const auto back = store_->report(r.id);
  ASSERT_TRUE(back && back->nearest_service);
  EXPECT_EQ(back->nearest_service->id, "SP04");
  EXPECT_EQ(back->nearest_service->name, "梅园党群服务站");
  EXPECT_DOUBLE_EQ(back->nearest_service->walk_m, 753.6);
  EXPECT_TRUE(back->nearest_service->within_circle);
  dispatch::Report none = sample_->report(at("2026-11-23T09:00"));
  store_->write([&](WriteTx& tx) { tx.insert_report(none, "", ""); });
  EXPECT_FALSE(store_->report(none.id)->nearest_service);
}

TEST_P(StoreConformance, ACaseIsDeletedWholeOnlyAtTheVersionItWasReadAt) {
  const dispatch::Report r = submit("2026-11-23T09:00", "0101", 0, "key-del");
  act(r.id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T09:05");
  const dispatch::Report other = submit("2026-11-23T09:10");
  bool deleted = true;
  // Read at version 1, changed since (now 2): nothing of it goes.
  store_->write([&](WriteTx& tx) { deleted = tx.delete_case(r.id, 1); });
  EXPECT_FALSE(deleted);
  EXPECT_EQ(store_->events(r.id).size(), 2u);
  store_->write([&](WriteTx& tx) { deleted = tx.delete_case(r.id, 2); });
  EXPECT_TRUE(deleted);
  EXPECT_FALSE(store_->report(r.id));
  EXPECT_TRUE(store_->events(r.id).empty());
  std::optional<IdempotencyRecord> key;
  store_->write([&](WriteTx& tx) { key = tx.idempotency("key-del"); });
  EXPECT_FALSE(key);
  EXPECT_TRUE(store_->report(other.id));
  store_->write([&](WriteTx& tx) { deleted = tx.delete_case(r.id, 2); });
  EXPECT_FALSE(deleted);  // gone already
  EXPECT_EQ(store_->check_integrity(), std::vector<std::string>{});
}

TEST_P(StoreConformance, StringsAreStoredVerbatim) {
  dispatch::Submission s = sample_->submission();
  s.text = "'; DROP TABLE reports; -- 你好 \"quoted\" \\ back";
  dispatch::Report r = sample_->intake.build(s, testing::Sample::resident(), at("2026-11-23T09:00"),
                                             dispatch::new_report_id(at("2026-11-23T09:00")));
  store_->write([&](WriteTx& tx) { tx.insert_report(r, "", ""); });
  EXPECT_EQ(store_->report(r.id)->text, s.text);
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreConformance, ::testing::Values("sqlite", "postgis"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wangge::store
