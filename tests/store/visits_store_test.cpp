// Households and visits on both adapters, against a plain in-memory model: random households
// under random grid chains (ids with LIKE's wildcards in them), imported again with changes,
// random visits of every outcome and out of time order; then each household's last visit (a
// visit that found someone) and last attempt, every listing by grid and by flag paged to the
// end, and every visit listing by household, visitor, grid and time window agree with the
// model. A visit of an unknown household, or a visit id used twice, writes nothing.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

namespace vs = dispatch::visits;
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

TEST_P(StoreConformance, HouseholdsAndVisitsAgreeWithAPlainModel) {
  std::mt19937 rng(17);
  // Grids: a root, two blocks, units below; one unit's id holds LIKE's wildcards.
  const std::vector<std::vector<std::string>> chains{{"U1", "B1", "R"},
                                                     {"U2", "B1", "R"},
                                                     {"U_%", "B2", "R"},
                                                     {"U3", "B2", "R"},
                                                     {"U1x", "B2", "R"}};
  std::map<std::string, vs::Household> households;
  std::map<std::string,
           std::pair<std::optional<dispatch::Instant>, std::optional<dispatch::Instant>>>
      last;  // last visit, last attempt
  std::vector<vs::Visit> visits;
  const std::vector<vs::Flag> all_flags{vs::Flag::elderly_alone, vs::Flag::disabled,
                                        vs::Flag::low_income, vs::Flag::special_care};
  auto random_household = [&](const std::string& id) {
    vs::Household h;
    h.id = id;
    h.grid_chain = chains[rng() % chains.size()];
    h.unit = h.grid_chain.front();
    h.address = std::to_string(rng() % 9 + 1) + "栋" + std::to_string(rng() % 600) + "室";
    h.size = static_cast<int>(rng() % 6 + 1);
    for (const vs::Flag f : all_flags)
      if (rng() % 4 == 0) h.flags.push_back(f);
    h.contact_name = "居民" + id;
    h.contact_phone = "1990073" + std::to_string(1000 + rng() % 9000);
    if (rng() % 3) {
      h.lon = 112.9 + (rng() % 1000) / 1e5;
      h.lat = 27.8 + (rng() % 1000) / 1e5;
    }
    h.registered_at = minute(static_cast<int>(rng() % 2));  // imported again: the first stays
    return h;
  };
  store_->write([&](WriteTx& tx) {
    for (int i = 0; i < 60; ++i) {
      const vs::Household h = random_household("h" + std::to_string(100 + i));
      tx.put_household(h);
      households[h.id] = h;
    }
  });
  ASSERT_EQ(store_->visits().household_count(), 60u);
  const std::vector<vs::Outcome> outcomes{vs::Outcome::ok, vs::Outcome::concern,
                                          vs::Outcome::not_home};
  for (int i = 0; i < 150; ++i) {
    auto it = households.begin();
    std::advance(it, static_cast<long>(rng() % households.size()));
    vs::Visit v;
    v.id = "v" + std::to_string(1000 + i);
    v.household = it->first;
    v.grid_chain = it->second.grid_chain;
    v.visitor = "w" + std::to_string(rng() % 4);
    v.at = minute(static_cast<int>(rng() % 5000) + 1);  // out of time order
    v.recorded_at = minute(6000 + i);
    v.outcome = outcomes[rng() % outcomes.size()];
    v.notes = v.outcome == vs::Outcome::concern ? "楼道堆物" : "";
    store_->write([&](WriteTx& tx) { tx.insert_visit(v); });
    visits.push_back(v);
    auto& [visit, attempt] = last[v.household];
    if (!attempt || *attempt < v.at) attempt = v.at;
    if (v.outcome != vs::Outcome::not_home && (!visit || *visit < v.at)) visit = v.at;
    if (i == 75) {
      // Imported again half way, with changes: what the visits left stays.
      store_->write([&](WriteTx& tx) {
        for (auto& [id, h] : households) {
          const dispatch::Instant registered = h.registered_at;
          h = random_household(id);
          tx.put_household(h);
          h.registered_at = registered;
        }
      });
    }
  }
  // Refused, nothing written: an unknown household, a visit id used twice.
  vs::Visit stray = visits.front();
  stray.id = "v-stray";
  stray.household = "h-none";
  EXPECT_EQ(code_of([&] { store_->write([&](WriteTx& tx) { tx.insert_visit(stray); }); }),
            ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { store_->write([&](WriteTx& tx) { tx.insert_visit(visits.back()); }); }),
            ErrorCode::conflict);
  EXPECT_FALSE(store_->visits().visit("v-stray"));

  for (const auto& [id, h] : households) {
    const auto row = store_->visits().household(id);
    ASSERT_TRUE(row) << id;
    EXPECT_EQ(row->household.grid_chain, h.grid_chain) << id;
    EXPECT_EQ(row->household.address, h.address) << id;
    EXPECT_EQ(row->household.size, h.size) << id;
    EXPECT_EQ(row->household.flags, h.flags) << id;
    EXPECT_EQ(row->household.contact_phone, h.contact_phone) << id;
    EXPECT_EQ(row->household.registered_at, h.registered_at) << id;
    EXPECT_EQ(row->household.lon.has_value(), h.lon.has_value()) << id;
    if (h.lon) {
      EXPECT_DOUBLE_EQ(*row->household.lon, *h.lon) << id;
    }
    EXPECT_EQ(row->last_visit, last[id].first) << id;
    EXPECT_EQ(row->last_attempt, last[id].second) << id;
  }
  // Listings by grid (and flag), paged to the end in small pages.
  for (const std::string grid : {"R", "B1", "B2", "U_%", "U1", "U3"}) {
    for (const std::optional<vs::Flag> flag :
         {std::optional<vs::Flag>{}, std::optional<vs::Flag>{vs::Flag::elderly_alone}}) {
      std::set<std::string> want, got;
      for (const auto& [id, h] : households)
        if (under(h.grid_chain, grid) && (!flag || h.has(*flag))) want.insert(id);
      HouseholdFilter f;
      f.in_grids = {grid};
      f.flag = flag;
      f.limit = 7;
      for (int pages = 0; pages < 100; ++pages) {
        const HouseholdPage page = store_->visits().households(f);
        for (const HouseholdRow& r : page.items) EXPECT_TRUE(got.insert(r.household.id).second);
        if (page.next.empty()) break;
        f.after = page.next;
      }
      EXPECT_EQ(got, want) << "grid " << grid << (flag ? " elderly_alone" : "");
    }
  }
  // Visit listings: newest first, by household, visitor, grid and window, paged.
  const auto listed = [&](VisitFilter f) {
    std::vector<std::string> ids;
    f.limit = 9;
    for (int pages = 0; pages < 100; ++pages) {
      const VisitPage page = store_->visits().visits(f);
      for (const vs::Visit& v : page.items) ids.push_back(v.id);
      if (page.next.empty()) break;
      f.after = page.next;
    }
    return ids;
  };
  const auto expected = [&](auto keep) {
    std::vector<vs::Visit> kept;
    for (const vs::Visit& v : visits)
      if (keep(v)) kept.push_back(v);
    std::sort(kept.begin(), kept.end(), [](const vs::Visit& a, const vs::Visit& b) {
      return a.at != b.at ? a.at > b.at : a.id > b.id;
    });
    std::vector<std::string> ids;
    for (const vs::Visit& v : kept) ids.push_back(v.id);
    return ids;
  };
  VisitFilter f;
  EXPECT_EQ(listed(f), expected([](const vs::Visit&) { return true; }));
  f.household = "h105";
  EXPECT_EQ(listed(f), expected([](const vs::Visit& v) { return v.household == "h105"; }));
  f = {};
  f.visitor = "w2";
  f.in_grids = {"B2"};
  EXPECT_EQ(listed(f), expected([](const vs::Visit& v) {
              return v.visitor == "w2" && under(v.grid_chain, "B2");
            }));
  f = {};
  f.from = minute(1000);
  f.to = minute(2500);
  EXPECT_EQ(listed(f), expected([](const vs::Visit& v) {
              return v.at >= minute(1000) && v.at < minute(2500);
            }));
  f = {};
  f.after = "not-a-cursor";
  EXPECT_EQ(code_of([&] { store_->visits().visits(f); }), ErrorCode::invalid_argument);
  HouseholdFilter hf;
  hf.limit = 0;
  EXPECT_EQ(code_of([&] { store_->visits().households(hf); }), ErrorCode::invalid_argument);
}

}  // namespace wangge::store
