// Patrol check-ins on both adapters, against a plain in-memory list: random check-ins of three
// routes under grid chains (one id with LIKE's wildcards), at random times, some at the same
// instant; every listing by route, worker, grid and window, paged in small pages to the end,
// agrees with the model newest first; every field reads back as written; an id used twice
// writes nothing; a bad cursor or limit is refused.
#include <algorithm>
#include <random>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

namespace ps = dispatch::patrols;
using store_testing::StoreConformance;

dispatch::Instant minute(int n) {
  return dispatch::Instant(std::chrono::sys_days(std::chrono::year(2026) / 12 / 1) +
                           std::chrono::minutes(n));
}

template <class F>
std::optional<ErrorCode> code_of(F&& f) {
  try {
    f();
    return std::nullopt;
  } catch (const Error& e) {
    return e.code();
  }
}

bool under(const std::vector<std::string>& chain, const std::string& grid) {
  return std::find(chain.begin(), chain.end(), grid) != chain.end();
}

}  // namespace

TEST_P(StoreConformance, PatrolCheckInsAgreeWithAPlainModel) {
  std::mt19937 rng(23);
  const std::vector<std::pair<std::string, std::vector<std::string>>> routes{
      {"r1", {"G1", "B1", "R"}}, {"r2", {"G_%", "B2", "R"}}, {"r3", {"G3", "B2", "R"}}};
  std::vector<ps::CheckIn> model;
  for (int i = 0; i < 160; ++i) {
    ps::CheckIn c;
    c.id = "c" + std::to_string(1000 + i);
    const auto& [route, chain] = routes[rng() % routes.size()];
    c.route = route;
    c.point = "p" + std::to_string(rng() % 4);
    c.grid_chain = chain;
    c.worker = "w" + std::to_string(rng() % 3);
    c.at = minute(static_cast<int>(rng() % 600));  // many share a minute: ties break by id
    c.recorded_at = c.at + std::chrono::seconds(rng() % 100);
    c.lon = 112.9 + (rng() % 1000) * 1e-6;
    c.lat = 27.8 + (rng() % 1000) * 1e-6;
    c.accuracy_m = (rng() % 1000) / 10.0;
    c.distance_m = (rng() % 300) / 10.0;
    c.notes = i % 5 ? "" : "水位正常，护栏完好";
    model.push_back(c);
  }
  // In batches, out of time order.
  for (std::size_t at = 0; at < model.size(); at += 40)
    store_->write([&](WriteTx& tx) {
      for (std::size_t i = at; i < std::min(model.size(), at + 40); ++i)
        tx.insert_checkin(model[i]);
    });
  // The same id again: refused, and nothing of its batch is written.
  ps::CheckIn again = model[7];
  again.notes = "changed";
  ps::CheckIn fresh = model[8];
  fresh.id = "c-new";
  EXPECT_EQ(code_of([&] {
              store_->write([&](WriteTx& tx) {
                tx.insert_checkin(fresh);
                tx.insert_checkin(again);
              });
            }),
            ErrorCode::conflict);
  EXPECT_FALSE(store_->patrols().checkin("c-new"));
  // Every field as written.
  for (const ps::CheckIn& c : model) {
    const auto got = store_->patrols().checkin(c.id);
    ASSERT_TRUE(got) << c.id;
    EXPECT_EQ(got->route, c.route);
    EXPECT_EQ(got->point, c.point);
    EXPECT_EQ(got->grid_chain, c.grid_chain);
    EXPECT_EQ(got->worker, c.worker);
    EXPECT_EQ(got->at, c.at);
    EXPECT_EQ(got->recorded_at, c.recorded_at);
    EXPECT_DOUBLE_EQ(got->lon, c.lon);
    EXPECT_DOUBLE_EQ(got->lat, c.lat);
    EXPECT_DOUBLE_EQ(got->accuracy_m, c.accuracy_m);
    EXPECT_DOUBLE_EQ(got->distance_m, c.distance_m);
    EXPECT_EQ(got->notes, c.notes);
  }
  const auto listed = [&](CheckInFilter f) {
    std::vector<std::string> ids;
    f.limit = 11;
    for (int pages = 0; pages < 100; ++pages) {
      const CheckInPage page = store_->patrols().checkins(f);
      for (const ps::CheckIn& c : page.items) ids.push_back(c.id);
      if (page.next.empty()) break;
      f.after = page.next;
    }
    return ids;
  };
  const auto expected = [&](auto keep) {
    std::vector<ps::CheckIn> kept;
    for (const ps::CheckIn& c : model)
      if (keep(c)) kept.push_back(c);
    std::sort(kept.begin(), kept.end(), [](const ps::CheckIn& a, const ps::CheckIn& b) {
      return a.at != b.at ? a.at > b.at : a.id > b.id;
    });
    std::vector<std::string> ids;
    for (const ps::CheckIn& c : kept) ids.push_back(c.id);
    return ids;
  };
  CheckInFilter f;
  EXPECT_EQ(listed(f), expected([](const ps::CheckIn&) { return true; }));
  f.route = "r2";
  EXPECT_EQ(listed(f), expected([](const ps::CheckIn& c) { return c.route == "r2"; }));
  for (const std::string grid : {"R", "B1", "B2", "G_%", "G1", "G"}) {
    f = {};
    f.in_grids = {grid};
    EXPECT_EQ(listed(f), expected([&](const ps::CheckIn& c) { return under(c.grid_chain, grid); }))
        << grid;
  }
  f = {};
  f.worker = "w1";
  f.from = minute(100);
  f.to = minute(400);
  EXPECT_EQ(listed(f), expected([](const ps::CheckIn& c) {
              return c.worker == "w1" && c.at >= minute(100) && c.at < minute(400);
            }));
  f = {};
  f.after = "not-a-cursor";
  EXPECT_EQ(code_of([&] { store_->patrols().checkins(f); }), ErrorCode::invalid_argument);
  f = {};
  f.limit = 5001;
  EXPECT_EQ(code_of([&] { store_->patrols().checkins(f); }), ErrorCode::invalid_argument);
}

}  // namespace wangge::store
