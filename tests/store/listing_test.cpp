// The store conformance suite, listings: every filter, each order, cursors, offsets and counts
// checked against a brute force over the reports written; the caps on a page and an offset;
// reads that run past their time budget are interrupted.
#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

/// Whether @p r passes @p f — the brute force the SQL is checked against.
bool matches(const dispatch::Report& r, const ReportFilter& f) {
  if (!f.states.empty() && std::find(f.states.begin(), f.states.end(), r.state) == f.states.end())
    return false;
  if (!f.categories.empty() &&
      std::find(f.categories.begin(), f.categories.end(), r.category) == f.categories.end())
    return false;
  if (f.finest_grid && r.grid_id() != *f.finest_grid) return false;
  if (f.submitted_by && r.submitted_by != *f.submitted_by) return false;
  if (f.bbox && !f.bbox->contains({r.position.lon(), r.position.lat()})) return false;
  if (f.created_from && r.created_at < *f.created_from) return false;
  if (f.created_to && r.created_at >= *f.created_to) return false;
  if (f.updated_from && r.updated_at < *f.updated_from) return false;
  if (f.updated_to && r.updated_at >= *f.updated_to) return false;
  return true;
}

/// @p all filtered by @p f in its order, from its offset on.
std::vector<std::string> expected(const std::vector<dispatch::Report>& all, const ReportFilter& f) {
  std::vector<const dispatch::Report*> hits;
  for (const dispatch::Report& r : all)
    if (matches(r, f)) hits.push_back(&r);
  std::sort(hits.begin(), hits.end(), [&](const dispatch::Report* a, const dispatch::Report* b) {
    if (f.order == ListOrder::updated_oldest_first)
      return std::tie(a->updated_at, a->id) < std::tie(b->updated_at, b->id);
    const auto ka = std::tie(a->created_at, a->id), kb = std::tie(b->created_at, b->id);
    return f.order == ListOrder::oldest_first ? ka < kb : kb < ka;
  });
  std::vector<std::string> ids;
  for (std::size_t i = f.offset; i < hits.size(); ++i) ids.push_back(hits[i]->id);
  return ids;
}

class Listings : public StoreConformance {
 protected:
  /// @p n reports at random places around the sample's unit (so in several finest grids), at
  /// random minutes of three days (some at the same millisecond), of four categories, by three
  /// residents; a few registered later (updated_at moves). Written in one batch.
  std::vector<dispatch::Report> write_reports(int n, std::mt19937& rng) {
    const char* categories[] = {"0101", "B0102", "0103", "0201"};
    std::uniform_real_distribution<double> dx(-0.004, 0.004);
    std::uniform_int_distribution<int> minute(0, 3 * 24 * 60 - 1);
    std::vector<dispatch::Report> made;
    const dispatch::Instant start = at("2026-11-20T00:00");
    for (int i = 0; i < n; ++i) {
      const dispatch::Instant when =
          i % 10 == 9 ? made.back().created_at : start + std::chrono::minutes(minute(rng));
      dispatch::Submission s = sample_->submission(
          categories[rng() % 4], testing::Sample::kLon + dx(rng), testing::Sample::kLat + dx(rng));
      made.push_back(sample_->intake.build(s,
                                           testing::Sample::resident("u" + std::to_string(i % 3)),
                                           when, dispatch::new_report_id(when)));
      made.back().version = 1;
    }
    store_->write([&](WriteTx& tx) {
      for (const dispatch::Report& r : made) {
        tx.insert_report(r, "", "");
        tx.append_event(first_event(r));
      }
    });
    for (std::size_t i = 0; i < made.size(); i += 7) {
      act(made[i].id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-24T08:00");
      made[i] = *store_->report(made[i].id);
    }
    return made;
  }

  /// A random filter over what write_reports() makes.
  ReportFilter random_filter(const std::vector<dispatch::Report>& all, std::mt19937& rng) {
    ReportFilter f;
    auto coin = [&] { return rng() % 3 == 0; };
    if (coin()) f.categories = {rng() % 2 ? "0101" : "B0102"};
    if (coin()) f.categories.push_back("0201");
    if (coin())
      f.states = {rng() % 2 ? dispatch::ReportState::received : dispatch::ReportState::registered};
    if (coin()) f.finest_grid = all[rng() % all.size()].grid_id();
    if (coin()) f.submitted_by = "u" + std::to_string(rng() % 3);
    if (coin()) {
      std::uniform_real_distribution<double> size(0.0005, 0.012), dx(-0.005, 0.005);
      const double w = size(rng), lon = testing::Sample::kLon + dx(rng);
      const double lat = testing::Sample::kLat + dx(rng);
      f.bbox = geo::BBox{lon, lat, lon + w, lat + w};  // small ones use the cells, large ones not
    }
    if (coin()) f.created_from = at("2026-11-20T00:00") + std::chrono::hours(rng() % 48);
    if (coin()) f.created_to = at("2026-11-21T00:00") + std::chrono::hours(rng() % 48);
    if (coin()) f.updated_from = at("2026-11-24T08:00");
    const ListOrder orders[] = {ListOrder::oldest_first, ListOrder::newest_first,
                                ListOrder::updated_oldest_first};
    f.order = orders[rng() % 3];
    f.offset = coin() ? rng() % 6 : 0;
    f.limit = 1 + rng() % 9;
    return f;
  }
};

TEST_P(Listings, EveryFilterInEachOrderPagesAndCountsAsABruteForceDoes) {
  std::mt19937 rng(12);
  const std::vector<dispatch::Report> all = write_reports(150, rng);
  int nonempty = 0;
  for (int round = 0; round < 60; ++round) {
    ReportFilter f = random_filter(all, rng);
    const std::vector<std::string> want = expected(all, f);
    nonempty += !want.empty();
    std::vector<std::string> got;
    for (int pages = 0; pages < 200; ++pages) {
      const ReportPage page = store_->list(f);
      ASSERT_LE(page.items.size(), f.limit);
      for (const dispatch::Report& r : page.items) got.push_back(r.id);
      if (page.next.empty()) break;
      f.after = page.next;
      f.offset = 0;  // the cursor continues; an offset only starts
    }
    EXPECT_EQ(got, want) << "round " << round;
    f.after.clear();
    f.offset = 0;
    const std::size_t total = expected(all, f).size();
    EXPECT_EQ(store_->count(f, 1000), total) << "round " << round;
    EXPECT_EQ(store_->count(f, 3), std::min<std::size_t>(total, 3)) << "round " << round;
  }
  EXPECT_GT(nonempty, 30) << "the random filters should mostly match something";
}

TEST_P(Listings, OpenReportsAreCountedPerFinestGridAsABruteForceDoes) {
  std::mt19937 rng(5);
  std::vector<dispatch::Report> all = write_reports(120, rng);
  // Some running with due times either side of `now`, some closed: every state counts right.
  const dispatch::Instant now = at("2026-11-25T12:00");
  store_->write([&](WriteTx& tx) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      dispatch::Report& r = all[i];
      if (i % 5 == 1)
        r.state = dispatch::ReportState::dispatched, r.due_at = now - std::chrono::hours(1);
      if (i % 5 == 2)
        r.state = dispatch::ReportState::accepted, r.due_at = now + std::chrono::hours(1);
      if (i % 5 == 3)
        r.state = dispatch::ReportState::closed, r.due_at = now - std::chrono::hours(9);
      if (i % 5 != 0 && i % 5 != 4) tx.update_report(r);
    }
  });
  std::map<std::string, std::pair<std::size_t, std::size_t>> want;
  for (const dispatch::Report& r : all) {
    if (!dispatch::is_open(r.state)) continue;
    std::string path = "/";
    for (auto it = r.grid_chain.rbegin(); it != r.grid_chain.rend(); ++it) path += *it + "/";
    ++want[path].first;
    want[path].second += r.overdue(now);
  }
  std::map<std::string, std::pair<std::size_t, std::size_t>> got;
  for (const GridPathCount& c : store_->open_counts_by_path(now))
    got[c.grid_path] = {c.open, c.overdue};
  EXPECT_EQ(got, want);
  std::size_t overdue = 0;
  for (const auto& [path, n] : want) overdue += n.second;
  EXPECT_GT(want.size(), 1u) << "several finest grids";
  EXPECT_GT(overdue, 0u);
}

TEST_P(Listings, APageAndAnOffsetHaveHardCaps) {
  ReportFilter f;
  f.limit = 0;
  EXPECT_THROW(store_->list(f), Error);
  f.limit = kMaxListLimit + 1;
  EXPECT_THROW(store_->list(f), Error);
  f.limit = kMaxListLimit;
  EXPECT_NO_THROW(store_->list(f));
  f.offset = kMaxListOffset;
  EXPECT_TRUE(store_->list(f).items.empty());
  f.offset = kMaxListOffset + 1;
  try {
    store_->list(f);
    ADD_FAILURE() << "an offset beyond the cap was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("cursor"), std::string::npos) << e.what();
  }
}

TEST_P(Listings, ReportsCreatedAreReadOldestFirstUpToTheirLimit) {
  std::mt19937 rng(3);
  std::vector<dispatch::Report> all = write_reports(40, rng);
  ReportFilter f;
  f.order = ListOrder::oldest_first;
  f.created_from = at("2026-11-21T00:00");
  f.created_to = at("2026-11-22T00:00");
  const std::vector<std::string> want = expected(all, f);
  ASSERT_GT(want.size(), 5u);
  const auto got = store_->reports_created(*f.created_from, *f.created_to, 5);
  ASSERT_EQ(got.size(), 5u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].id, want[i]);
  EXPECT_EQ(store_->reports_created(*f.created_from, *f.created_to, 1000).size(), want.size());
}

TEST_P(Listings, AReadPastItsBudgetIsInterruptedAsUnavailable) {
  std::mt19937 rng(5);
  write_reports(150, rng);
  ReportFilter f;
  f.grid = testing::Sample::kBlock;  // a LIKE over every row's path
  f.limit = 1000;
  ASSERT_FALSE(store_->list(f).items.empty());
  StoreOptions tight;
  std::unique_ptr<pqxx::connection> locker;
  std::unique_ptr<pqxx::work> lock;
  if (GetParam() == "sqlite") {
    // A budget no real read fits in: the progress handler stops the statement.
    tight.read_budget = std::chrono::microseconds(1);
  } else {
    // A read blocked behind a lock until the server cancels it.
    tight.read_budget = std::chrono::milliseconds(300);
    locker = std::make_unique<pqxx::connection>(std::string(std::getenv("WANGGE_TEST_PG")));
    lock = std::make_unique<pqxx::work>(*locker);
    const std::string schema =
        where_->location().substr(where_->location().find("search_path=") + 12);
    lock->exec0("LOCK TABLE " + schema.substr(0, schema.find(',')) +
                ".reports IN ACCESS EXCLUSIVE MODE");
  }
  store_.reset();
  store_ = open_store(where_->location(), tight);
  const auto start = std::chrono::steady_clock::now();
  try {
    store_->list(f);
    ADD_FAILURE() << "the read finished within its budget";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("budget"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  lock.reset();  // rolls back: the lock goes
  // The store goes on answering (a fresh connection replaces the interrupted one).
  store_.reset();
  store_ = open_store(where_->location());
  EXPECT_FALSE(store_->list(f).items.empty());
}

INSTANTIATE_TEST_SUITE_P(Adapters, Listings, ::testing::Values("sqlite", "postgis"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wangge::store
