// Property test over the committed sample: GridIndex against a brute-force GEOS loop.
//
// 100,000 random points (fixed seed) over the sample's bounding box widened by 100 m, plus
// 2,000 polygon vertices (exactly on boundaries). For every point the brute force asks GEOS,
// for every grid of the sample, whether the grid covers the point (prepared covers, after a
// bounding-box filter) and whether the point is on its boundary (covers but not contains
// properly). Then:
//  - off every boundary, the finest grid and the whole chain equal the brute force's;
//  - on a boundary, the assigned grid is one of the covering grids of the finest level, and
//    `covering` lists exactly those;
//  - covered by nothing, the index never says `inside`; an `outside` answer is the nearest
//    unit grid within the tolerance (GEOS distance in a metric frame), `not_covered` means
//    none is that near.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "wangge/geo/geos.hpp"
#include "wangge/geo/local_projection.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/grid/import.hpp"

namespace wangge::grid {
namespace {

struct PreparedDeleter {
  GEOSContextHandle_t ctx;
  void operator()(const GEOSPreparedGeometry* p) const noexcept {
    GEOSPreparedGeom_destroy_r(ctx, p);
  }
};
using Prepared = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

/// The brute force's view of the sample: every grid as a GEOS geometry in degrees (prepared)
/// and in a metric frame around the sample's centre (for distances).
class BruteForce {
 public:
  BruteForce(const GridSet& set, const geos::Context& ctx)
      : set_(set), ctx_(ctx), frame_(centre_of(set)) {
    for (std::size_t i = 0; i < set.size(); ++i) {
      geoms_.push_back(geos::to_geos(ctx, set[i].geometry));
      prepared_.emplace_back(GEOSPrepare_r(ctx.handle(), geoms_.back().get()),
                             PreparedDeleter{ctx.handle()});
      boxes_.push_back(geo::bbox_of(set[i].geometry));
      metric_.push_back(geos::to_geos(ctx, to_metres(set[i].geometry)));
    }
  }

  struct Answer {
    std::vector<std::size_t> covering;  // every grid covering the point, any depth
    bool on_some_boundary = false;
  };

  Answer covering(geo::XY p) const {
    Answer a;
    geos::Geometry point = point_at(p);
    for (std::size_t i = 0; i < set_.size(); ++i) {
      if (!boxes_[i].contains(p)) continue;  // a grid's box holds every point it covers
      if (GEOSPreparedCovers_r(ctx_.handle(), prepared_[i].get(), point.get()) != 1) continue;
      a.covering.push_back(i);
      if (GEOSPreparedContainsProperly_r(ctx_.handle(), prepared_[i].get(), point.get()) != 1) {
        a.on_some_boundary = true;
      }
    }
    return a;
  }

  /// Distances in metres from @p p to every grid of the finest level, nearest first.
  std::vector<std::pair<double, std::size_t>> nearest_units(geo::XY p) const {
    const geo::Metres m = frame_.to_metres(p.x, p.y);
    geos::Geometry point = geos::own(ctx_, GEOSGeom_createPointFromXY_r(ctx_.handle(), m.x, m.y));
    std::vector<std::pair<double, std::size_t>> out;
    for (std::size_t i = 0; i < set_.size(); ++i) {
      if (set_.depth(i) != set_.max_depth()) continue;
      double d = 0;
      GEOSDistance_r(ctx_.handle(), metric_[i].get(), point.get(), &d);
      out.emplace_back(d, i);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  static geo::LonLat centre_of(const GridSet& set) {
    geo::BBox box;
    for (const Grid& g : set.grids()) box.extend(geo::bbox_of(g.geometry));
    return geo::LonLat::trusted(box.centre().x, box.centre().y);
  }
  geo::MultiPolygon to_metres(const geo::MultiPolygon& g) const {
    geo::MultiPolygon out = g;
    auto convert = [&](geo::Ring& r) {
      for (geo::XY& p : r) {
        const geo::Metres m = frame_.to_metres(p.x, p.y);
        p = {m.x, m.y};
      }
    };
    for (geo::Polygon& poly : out.polygons) {
      convert(poly.outer);
      for (geo::Ring& h : poly.holes) convert(h);
    }
    return out;
  }
  geos::Geometry point_at(geo::XY p) const {
    return geos::own(ctx_, GEOSGeom_createPointFromXY_r(ctx_.handle(), p.x, p.y));
  }

  const GridSet& set_;
  const geos::Context& ctx_;
  geo::LocalProjection frame_;
  std::vector<geos::Geometry> geoms_;
  std::vector<Prepared> prepared_;
  std::vector<geo::BBox> boxes_;
  std::vector<geos::Geometry> metric_;
};

class SampleProperty : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ImportResult r = import_grids(WANGGE_SOURCE_DIR "/geodata/sample/grids.geojson", {});
    ASSERT_TRUE(r.problems.empty());
    set_ = std::make_shared<const GridSet>(GridSet::build(std::move(r.grids)));
  }
  static void TearDownTestSuite() { set_.reset(); }
  static std::shared_ptr<const GridSet> set_;
};
std::shared_ptr<const GridSet> SampleProperty::set_;

TEST_F(SampleProperty, IndexAgreesWithBruteForceGeosOnRandomAndBoundaryPoints) {
  const GridSet& set = *set_;
  ASSERT_EQ(set.size(), 370u);
  const double tolerance_m = 50.0;
  const GridIndex index(set_, tolerance_m);
  geos::Context ctx;
  const BruteForce brute(set, ctx);

  geo::BBox box;
  for (const Grid& g : set.grids()) box.extend(geo::bbox_of(g.geometry));
  const geo::LocalProjection frame(geo::LonLat::trusted(box.centre().x, box.centre().y));
  const double pad_x = 100.0 / frame.metres_per_degree_lon();
  const double pad_y = 100.0 / frame.metres_per_degree_lat();

  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> ux(box.min_x - pad_x, box.max_x + pad_x);
  std::uniform_real_distribution<double> uy(box.min_y - pad_y, box.max_y + pad_y);
  std::vector<geo::XY> points;
  for (int k = 0; k < 100000; ++k) points.push_back({ux(rng), uy(rng)});
  // Vertices of random unit grids: exactly on boundaries shared by 1–4 grids per level.
  std::uniform_int_distribution<std::size_t> pick(0, set.size() - 1);
  for (int k = 0; k < 2000;) {
    const Grid& g = set[pick(rng)];
    if (g.geometry.polygons.empty()) continue;
    const geo::Ring& ring = g.geometry.polygons.front().outer;
    points.push_back(ring[std::uniform_int_distribution<std::size_t>(0, ring.size() - 2)(rng)]);
    ++k;
  }

  std::size_t interior = 0, boundary = 0, outside = 0, not_covered = 0, failures = 0;
  for (const geo::XY& p : points) {
    if (failures > 20) break;  // enough to diagnose; keep the log short
    const Location loc = index.locate(geo::LonLat::trusted(p.x, p.y));
    const BruteForce::Answer truth = brute.covering(p);
    const std::string where = "at (" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
    if (truth.covering.empty()) {
      const auto near = brute.nearest_units(p);
      if (loc.status == LocateStatus::inside) {
        ++failures;
        ADD_FAILURE() << "index says inside, GEOS says no grid covers the point " << where;
      } else if (loc.status == LocateStatus::outside) {
        ++outside;
        // The nearest unit, unless two are within a few centimetres (frame scale error).
        EXPECT_LE(loc.boundary_distance_m, tolerance_m) << where;
        EXPECT_NEAR(loc.boundary_distance_m, near[0].first, 0.05) << where;
        if (near.size() < 2 || near[1].first - near[0].first > 0.1) {
          if (loc.grid != near[0].second) ++failures;
          EXPECT_EQ(set[loc.grid].id, set[near[0].second].id) << where;
        }
      } else {
        ++not_covered;
        EXPECT_GT(near[0].first, tolerance_m - 0.05) << where;
      }
      continue;
    }
    int finest = 0;
    for (std::size_t i : truth.covering) finest = std::max(finest, set.depth(i));
    std::set<std::size_t> finest_set;
    for (std::size_t i : truth.covering)
      if (set.depth(i) == finest) finest_set.insert(i);
    ASSERT_EQ(loc.status, LocateStatus::inside) << where;
    EXPECT_EQ(std::set<std::size_t>(loc.covering.begin(), loc.covering.end()), finest_set) << where;
    EXPECT_TRUE(finest_set.count(loc.grid)) << where;
    if (!truth.on_some_boundary) {
      ++interior;
      // Exactly one grid per level covers an interior point: the chain, finest first.
      ASSERT_EQ(truth.covering.size(), loc.chain.size()) << where;
      std::vector<std::size_t> by_depth = truth.covering;
      std::sort(by_depth.begin(), by_depth.end(),
                [&](std::size_t a, std::size_t b) { return set.depth(a) > set.depth(b); });
      if (by_depth != loc.chain) ++failures;
      EXPECT_EQ(by_depth, loc.chain) << where;
      EXPECT_FALSE(loc.on_boundary) << where;
    } else {
      ++boundary;
    }
  }
  EXPECT_EQ(failures, 0u);
  // The generator of points must exercise every branch, or the property says little.
  EXPECT_GT(interior, 50000u);  // the outline fills ~58% of its box
  EXPECT_GE(boundary, 2000u);
  EXPECT_GT(outside, 100u);
  EXPECT_GT(not_covered, 100u);
  std::printf("interior %zu, on a boundary %zu, outside %zu, not covered %zu\n", interior, boundary,
              outside, not_covered);
}

}  // namespace
}  // namespace wangge::grid
