// The service layer on a real SQLite store seeded with the sample subdistrict: the one walk
// over many reports, the domain's limits holding for a caller that is not HTTP, isochrones,
// API keys and the store's probe, all through the Service's own methods (no store access).
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>

#include "wangge/geo/datum.hpp"
#include "wangge/service/api_keys.hpp"
#include "wangge/service/change_feed.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/service/service.hpp"
#include "wangge/service/visit_book.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/tiles/tile_math.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace fs = std::filesystem;

struct ServiceTest : ::testing::Test {
  static void SetUpTestSuite() {
    dir = fs::temp_directory_path() / ("wangge_service_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ServiceConfig config;
    config.store = (dir / "service.db").string();
    config.data_dir = std::string(WANGGE_SOURCE_DIR) + "/geodata/sample";
    service = Service::open(config).release();
  }
  static void TearDownTestSuite() {
    delete service;
    fs::remove_all(dir);
  }

  /// A new report in the sample's centre, submitted by a resident.
  static dispatch::Report submit(const std::string& text) {
    dispatch::Submission s;
    s.lon = 112.926891;
    s.lat = 27.8576002;
    s.category = "0101";
    s.text = text;
    return service
        ->submit(s, dispatch::Actor{"resident:svc", "", dispatch::Role::resident, {}, {}}, "",
                 dispatch::now_utc())
        .report;
  }

  /// A new report registered, dispatched and whistled (吹哨) to 环卫所 (and @p co, co-handling)
  /// by the dispatcher d01 at its submission time. @returns it and 环卫所's 报到 deadline.
  static std::pair<dispatch::Report, dispatch::Instant> whistled(const std::string& text,
                                                                 std::vector<std::string> co = {}) {
    const dispatch::Actor dispatcher = *service->reference()->staff_member("d01");
    const dispatch::Report submitted = submit(text);
    const dispatch::Instant t = submitted.created_at;
    dispatch::ActionRequest req;
    req.action = dispatch::Action::register_case;
    service->act(submitted.id, req, dispatcher, t);
    req.action = dispatch::Action::dispatch;
    service->act(submitted.id, req, dispatcher, t);
    req.action = dispatch::Action::escalate;
    req.reason = "需要多部门";
    req.to = dispatch::Assignee{dispatch::Assignee::Kind::department, "hw", ""};
    req.co_departments = std::move(co);
    return {submitted, service->act(submitted.id, req, dispatcher, t).whistle.at(0).report_in_due};
  }

  static inline fs::path dir;
  static inline Service* service = nullptr;
};

const dispatch::Actor kAdmin{"a-test", "test", dispatch::Role::admin, {}, {}};

TEST_F(ServiceTest, EachReportVisitsEveryMatchingReportOnceAcrossPagesAndStopsAtItsCap) {
  std::set<std::string> mine;
  for (int i = 0; i < 23; ++i) mine.insert(submit("逐页遍历 " + std::to_string(i)).id);
  store::ReportFilter f;
  f.submitted_by = "resident:svc";
  f.limit = 5;  // five pages of five, the last of three
  std::vector<std::string> seen;
  const std::size_t n = service->each_report(
      f, kAdmin, 1000, [&](const dispatch::Report& r) { seen.push_back(r.id); });
  EXPECT_EQ(n, seen.size());
  EXPECT_GE(seen.size(), mine.size());
  const std::set<std::string> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), seen.size()) << "a report was visited twice";
  for (const std::string& id : mine) EXPECT_TRUE(distinct.count(id)) << id << " was never visited";
  std::size_t capped = 0;
  EXPECT_EQ(service->each_report(f, kAdmin, 7, [&](const dispatch::Report&) { ++capped; }), 7u);
  EXPECT_EQ(capped, 7u);
}

TEST_F(ServiceTest, AnOverlongNoteIsRefusedForEveryCallerAndChangesNothing) {
  const dispatch::Report r = submit("超长备注");
  dispatch::ActionRequest reg;
  reg.action = dispatch::Action::register_case;
  reg.note = std::string(dispatch::ActionLimits::kMaxNoteBytes + 1, 'x');
  const dispatch::Actor dispatcher = service->actor("d01");
  try {
    service->act(r.id, reg, dispatcher, dispatch::now_utc());
    ADD_FAILURE() << "an overlong note was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::payload_too_large);
    EXPECT_NE(std::string(e.what()).find("limited to 4000 bytes each"), std::string::npos);
  }
  EXPECT_EQ(service->report(r.id, kAdmin)->version, r.version);
  EXPECT_EQ(service->events(r.id, kAdmin).size(), 1u);  // submit only
}

TEST_F(ServiceTest, IsochronesNameAMissingPointAndGrowWithTheMinutes) {
  ASSERT_NE(service->nearest(), nullptr) << "the sample has a walking network";
  try {
    service->tiles().isochrones("no-such-point", std::nullopt);
    ADD_FAILURE() << "an unknown service point gave areas";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("'no-such-point'"), std::string::npos);
  }
  const std::string id = service->nearest()->points().front().id;
  const auto five = service->tiles().isochrones(id, 5.0),
             fifteen = service->tiles().isochrones(id, 15.0);
  ASSERT_EQ(five.size(), 1u);
  ASSERT_EQ(fifteen.size(), 1u);
  EXPECT_EQ(five[0].point.id, id);
  EXPECT_EQ(five[0].minutes, 5.0);
  EXPECT_GT(area_m2(five[0].area), 0.0);
  EXPECT_GT(area_m2(fifteen[0].area), area_m2(five[0].area));
  EXPECT_EQ(service->tiles().isochrones("", std::nullopt).size(),
            service->nearest()->points().size());
}

TEST_F(ServiceTest, KeysAreCreatedAuthenticatedListedAndRevokedThroughTheService) {
  const auto [key, secret] = service->keys().create("d01", "service test");
  ASSERT_TRUE(service->keys().authenticate(secret));
  EXPECT_EQ(service->keys().authenticate(secret)->id, "d01");
  bool listed = false;
  for (const store::ApiKey& k : service->keys().list())
    listed |= k.id == key.id && k.hash != secret;
  EXPECT_TRUE(listed);
  service->keys().revoke(key.id);
  EXPECT_FALSE(service->keys().authenticate(secret));
  EXPECT_THROW(service->keys().revoke("k-no-such-key"), Error);
}

TEST_F(ServiceTest, TheTickTellsOfAMissed报到OnceToTheLateDepartmentAndTheDispatchers) {
  const auto ref = service->reference();
  const auto [submitted, due] = whistled("吹哨后无人报到", {"cgzf"});
  auto missed = [&] {
    std::vector<dispatch::Event> out;
    for (const dispatch::Event& e : service->events(submitted.id, kAdmin))
      if (e.action == "report_in_missed") out.push_back(e);
    return out;
  };
  service->tick(due);  // at the deadline: not missed yet
  EXPECT_TRUE(missed().empty());
  service->tick(due + std::chrono::minutes(1));
  service->tick(due + std::chrono::hours(30));  // told once
  const auto events = missed();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data.at("missed"), "hw,cgzf");
  for (const char* who : {"dept-cgzf", "d02"}) {
    const auto inbox = service->notifications().inbox(*ref->staff_member(who), store::InboxQuery{});
    EXPECT_EQ(std::count_if(inbox.begin(), inbox.end(),
                            [&](const dispatch::Notification& n) {
                              return n.report_id == submitted.id &&
                                     n.kind == dispatch::NoticeKind::report_in_missed;
                            }),
              1)
        << who;
  }
}

/// Collects what the change feed fans out, for waiting on a given report's change.
class Collector : public ChangeListener {
 public:
  bool deliver(const Change& change) override {
    std::lock_guard lock(mutex_);
    got_.push_back(change.report);
    arrived_.notify_all();
    return true;
  }
  bool heartbeat() override { return true; }
  bool reset() override { return true; }
  /// Waits (10 s at most) until a change of @p id arrived; @returns every change so far.
  std::vector<std::shared_ptr<const dispatch::Report>> until(const std::string& id) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(10), [&] {
      return std::any_of(got_.begin(), got_.end(), [&](const auto& r) { return r->id == id; });
    });
    return got_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::shared_ptr<const dispatch::Report>> got_;
};

TEST_F(ServiceTest, ATickThatRaisesTwoThingsOnOneCasePublishesItOnce) {
  const auto [submitted, due] = whistled("督办与报到超时同时");
  const int whistled = service->report(submitted.id, kAdmin)->version;
  auto listener = std::make_shared<Collector>();
  service->changes().listen(listener, std::nullopt);
  // A month on: the case is overdue (督办) and the department never reported in (报到超时).
  EXPECT_GE(service->tick(due + std::chrono::hours(24 * 30)), 2u);
  std::set<std::string> raised;
  for (const dispatch::Event& e : service->events(submitted.id, kAdmin)) raised.insert(e.action);
  ASSERT_TRUE(raised.count("report_in_missed") && raised.count("supervise")) << raised.size();
  // A change published after the tick's: once it arrived, so had everything before it.
  const std::string after = submit("之后的一件").id;
  const auto changes = listener->until(after);
  ASSERT_TRUE(
      std::any_of(changes.begin(), changes.end(), [&](const auto& r) { return r->id == after; }));
  std::vector<int> versions;
  for (const auto& r : changes)
    if (r->id == submitted.id && r->version > whistled) versions.push_back(r->version);
  EXPECT_EQ(versions, (std::vector<int>{service->report(submitted.id, kAdmin)->version}));
}

/// Reports in the tile proper of @p t (not its buffer), clusters counted by their point_count;
/// @p clustered tells whether any feature was a cluster.
std::size_t reports_in(Service& service, const tiles::TileId& t, geo::Datum datum,
                       dispatch::Instant now, bool& clustered) {
  std::size_t n = 0;
  const auto data = service.tiles().tile("reports", t, TileRequest{now, datum});
  for (const auto& layer : tiles::decode(data->mvt)) {
    for (const auto& f : layer.features) {
      const auto [x, y] = f.parts.at(0).at(0);
      std::int64_t points = 1;
      for (const auto& [k, v] : f.properties) {
        if (k == "point_count") points = std::get<std::int64_t>(v), clustered = true;
      }
      if (x >= 0 && x < 4096 && y >= 0 && y < 4096) n += static_cast<std::size_t>(points);
    }
  }
  return n;
}

TEST_F(ServiceTest, BelowZoom15ReportsAreClusteredAndEveryOneIsCountedOnceInEitherDatum) {
  for (int i = 0; i < 12; ++i) submit("聚合 " + std::to_string(i));  // at one place: a cluster
  // And reports spread over the z16 tiles around it, each well inside its z16 tile (so that
  // rounding to the tile grid cannot move one across an edge), across z13 cells and tiles.
  const tiles::TileId centre = tiles::tile_of({112.926891, 27.8576002}, 16);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> inner(0.1, 0.9);
  for (int i = 0; i < 40; ++i) {
    const tiles::TileId t{16, centre.x - 6 + static_cast<std::uint32_t>(rng() % 12),
                          centre.y - 6 + static_cast<std::uint32_t>(rng() % 12)};
    const geo::BBox b = tiles::lonlat_bounds(t);
    dispatch::Submission s;
    s.lon = b.min_x + (b.max_x - b.min_x) * inner(rng);
    s.lat = b.min_y + (b.max_y - b.min_y) * inner(rng);
    s.category = "0101";
    s.text = "分散 " + std::to_string(i);
    service->submit(s, dispatch::Actor{"resident:svc", "", dispatch::Role::resident, {}, {}}, "",
                    dispatch::now_utc());
  }
  const dispatch::Instant now = dispatch::now_utc();
  for (const geo::Datum datum : {geo::Datum::wgs84, geo::Datum::gcj02}) {
    const geo::LonLat at = geo::from_wgs84(geo::LonLat::trusted(112.926891, 27.8576002), datum);
    const tiles::TileId z13 = tiles::tile_of({at.lon(), at.lat()}, 13);
    // The z13 tiles around it, each against the 64 z16 tiles under it.
    for (int dx = -1; dx <= 1; ++dx) {
      for (int dy = -1; dy <= 1; ++dy) {
        const tiles::TileId t{13, z13.x + static_cast<std::uint32_t>(dx),
                              z13.y + static_cast<std::uint32_t>(dy)};
        bool clustered13 = false, clustered16 = false;
        const std::size_t at13 = reports_in(*service, t, datum, now, clustered13);
        std::size_t at16 = 0;
        for (std::uint32_t x = 0; x < 8; ++x)
          for (std::uint32_t y = 0; y < 8; ++y)
            at16 += reports_in(*service, {16, t.x * 8 + x, t.y * 8 + y}, datum, now, clustered16);
        EXPECT_EQ(at13, at16) << t.str() << " " << geo::to_string(datum);
        EXPECT_FALSE(clustered16);
        if (dx == 0 && dy == 0) {
          EXPECT_TRUE(clustered13);
          EXPECT_GE(at13, 12u);
        }
      }
    }
  }
}

TEST_F(ServiceTest, ANewReportRefreshesItsTilesInBothDatums) {
  const dispatch::Instant now = dispatch::now_utc();
  for (const geo::Datum datum : {geo::Datum::wgs84, geo::Datum::gcj02}) {
    const geo::LonLat at = geo::from_wgs84(geo::LonLat::trusted(112.926891, 27.8576002), datum);
    const tiles::TileId t = tiles::tile_of({at.lon(), at.lat()}, 16);
    bool clustered = false;
    const std::size_t before = reports_in(*service, t, datum, now, clustered);
    const auto grids_before = service->tiles().tile("grids", t, TileRequest{now, datum});
    submit("两个坐标系的缓存 " + std::string(geo::to_string(datum)));
    EXPECT_EQ(reports_in(*service, t, datum, now, clustered), before + 1) << geo::to_string(datum);
    // The unit's open count changed: its grids tile is built again, not served from the cache.
    EXPECT_NE(service->tiles().tile("grids", t, TileRequest{now, datum}), grids_before)
        << geo::to_string(datum);
  }
}

/// (households_listed, not_visited_month) of @p grid in the grids tile @p t at @p now; (-1, -1)
/// when the tile holds the grid without them, none when it does not hold the grid.
std::optional<std::pair<std::int64_t, std::int64_t>> coverage_in(TileService& tiles,
                                                                 const tiles::TileId& t,
                                                                 dispatch::Instant now,
                                                                 const std::string& grid) {
  const auto data = tiles.tile("grids", t, TileRequest{now, geo::Datum::wgs84});
  for (const auto& layer : tiles::decode(data->mvt)) {
    for (const auto& f : layer.features) {
      std::string id;
      std::pair<std::int64_t, std::int64_t> out{-1, -1};
      for (const auto& [k, v] : f.properties) {
        if (k == "id") id = std::get<std::string>(v);
        if (k == "households_listed") out.first = std::get<std::int64_t>(v);
        if (k == "not_visited_month") out.second = std::get<std::int64_t>(v);
      }
      if (id == grid) return out;
    }
  }
  return std::nullopt;
}

std::optional<std::pair<std::int64_t, std::int64_t>> coverage_of(Service& service,
                                                                 const tiles::TileId& t,
                                                                 dispatch::Instant now,
                                                                 const std::string& grid) {
  return coverage_in(service.tiles(), t, now, grid);
}

TEST_F(ServiceTest, HouseholdFiguresAreShownOnlyForGridsOfTenHouseholdsOrMore) {
  // A tile service of its own over the sample's grids, whose store says: unit a has 9
  // households on record, unit b 10 (the sample's units all have more than 10).
  const std::string a = "43030200901300105", b = "43030200901300104";
  TileSource source;
  source.grids = [] { return service->grid_index(); };
  source.generation = [] { return std::string("g-threshold"); };
  source.nearest = []() -> std::shared_ptr<const network::NearestService> { return nullptr; };
  source.reference = [] { return service->reference(); };
  source.privacy = []() -> const dispatch::PrivacyPolicy& { return service->privacy(); };
  source.open_counts = [](dispatch::Instant) { return std::vector<store::GridPathCount>{}; };
  source.visit_coverage =
      [&](dispatch::Instant) -> std::optional<std::vector<store::GridPathVisits>> {
    return std::vector<store::GridPathVisits>{{a, 9, 9}, {b, 10, 4}};
  };
  TileService tiles(std::move(source));
  const tiles::TileId t = tiles::tile_of({112.926891, 27.8576002}, 14);
  const dispatch::Instant now = dispatch::now_utc();
  static_assert(dispatch::PrivacyPolicy::kMinHouseholdsShown == 10);
  using Figures = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(coverage_in(tiles, t, now, a), Figures(-1, -1));  // in the tile, without figures
  EXPECT_EQ(coverage_in(tiles, t, now, b), Figures(10, 4));
}

TEST_F(ServiceTest, AVisitThatFoundSomeoneCountsInItsGridsTilesAtOnceAndANewMonthStartsAfresh) {
  const std::string unit = "43030200901300105", group = "430302009013001";
  const dispatch::Actor worker = *service->reference()->staff_member("w" + unit);
  const dispatch::Instant now = dispatch::now_utc();
  const tiles::TileId t = tiles::tile_of({112.926891, 27.8576002}, 16);
  // The unit's households as the service lists them to its worker (nobody visited yet).
  HouseholdQuery q;
  q.grid = unit;
  q.limit = 1000;
  const HouseholdList mine = service->visits().households(q, worker, now);
  ASSERT_FALSE(mine.items.empty());
  const auto n = static_cast<std::int64_t>(mine.items.size());
  EXPECT_EQ(coverage_of(*service, t, now, unit), std::pair(n, n));
  const auto group_before = coverage_of(*service, t, now, group).value_or(std::pair(-1L, -1L));
  EXPECT_GT(group_before.first, n);  // the group holds other units' households too
  const TileRequest request{now, geo::Datum::wgs84};
  const auto built = service->tiles().tile("grids", t, request);
  ASSERT_EQ(service->tiles().tile("grids", t, request), built);  // from the cache

  // Nobody at home: nothing to count, the tile stays.
  VisitRecording away;
  away.draft.household = mine.items[0].row.household.id;
  away.draft.outcome = dispatch::visits::Outcome::not_home;
  service->visits().record(away, worker, now);
  EXPECT_EQ(service->tiles().tile("grids", t, request), built);

  // Someone at home: one fewer in the unit and the group above it, at once.
  VisitRecording home;
  home.draft.household = mine.items[0].row.household.id;
  service->visits().record(home, worker, now);
  EXPECT_EQ(coverage_of(*service, t, now, unit), std::pair(n, n - 1));
  EXPECT_EQ(coverage_of(*service, t, now, group),
            std::pair(group_before.first, group_before.second - 1));

  // Forty days on, a new month: nobody has been visited in it yet.
  const dispatch::Instant later = now + std::chrono::hours(24 * 40);
  EXPECT_EQ(coverage_of(*service, t, later, unit), std::pair(n, n));
}

TEST_F(ServiceTest, TheStoreAnswersItsProbeAndNamesItsKind) {
  EXPECT_NO_THROW(service->probe_store());
  EXPECT_EQ(service->store_kind(), "sqlite");
  EXPECT_GT(service->store_memory_bytes(), 0u);  // SQLite's page caches and statements
  submit("按状态计数");
  std::size_t received = 0;
  for (const auto& [state, n] : service->reports_by_state())
    if (state == "received") received = n;
  EXPECT_GE(received, 1u);
}

}  // namespace
}  // namespace wangge::service
