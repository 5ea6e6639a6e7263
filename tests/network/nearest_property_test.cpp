// Properties on real-looking networks (the sample's streets; Monaco when ../shared is there):
//  - the snap equals a brute-force scan of every segment;
//  - the multi-source answer equals a plain Dijkstra from the report to every service point;
//  - an isochrone contains exactly the places the nearest-service rule serves within the
//    threshold (up to a raster cell at its edge).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <queue>
#include <random>

#include "wangge/network/contour.hpp"
#include "wangge/network/isochrone.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"

namespace wangge::network {
namespace {

struct Fixture {
  std::string name;
  std::shared_ptr<const WalkingGraph> graph;
  std::vector<ServicePoint> points;
};

Fixture sample() {
  return {"sample",
          std::make_shared<const WalkingGraph>(
              build_walking_graph(WANGGE_SOURCE_DIR "/geodata/sample/streets.osm")),
          import_service_points(WANGGE_SOURCE_DIR "/geodata/sample/service_points.geojson")};
}

/// Monaco from ../shared/data/osm (absent on machines without it), with ten service points on
/// random street points (fixed seed).
std::optional<Fixture> monaco() {
  const std::string path = WANGGE_SOURCE_DIR "/../shared/data/osm/monaco.osm.pbf";
  if (!std::filesystem::exists(path)) return std::nullopt;
  Fixture f{"monaco", std::make_shared<const WalkingGraph>(build_walking_graph(path)), {}};
  std::mt19937_64 rng(11);
  for (int k = 0; k < 10; ++k) {
    const auto e = static_cast<std::uint32_t>(rng() % f.graph->edge_count());
    const geo::XY p = *f.graph->geometry_begin(e);
    ServicePoint sp;
    sp.id = "M" + std::to_string(k);
    sp.services = {k % 2 ? "a" : "b"};
    sp.position = f.graph->to_lonlat(p);
    f.points.push_back(sp);
  }
  return f;
}

/// Brute force: the nearest point of every segment of every edge.
std::optional<Snap> brute_snap(const WalkingGraph& g, geo::XY p, double max_m) {
  std::optional<Snap> best;
  double best_d = max_m;
  for (std::uint32_t e = 0; e < g.edge_count(); ++e) {
    const geo::XY* pts = g.geometry_begin(e);
    const std::size_t n = static_cast<std::size_t>(g.geometry_end(e) - pts);
    double along = 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const geo::XY a = pts[i], b = pts[i + 1];
      const double len = std::hypot(b.x - a.x, b.y - a.y);
      const double t =
          len > 0
              ? std::clamp(((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / (len * len),
                           0.0, 1.0)
              : 0;
      const double d = std::hypot(a.x + t * (b.x - a.x) - p.x, a.y + t * (b.y - a.y) - p.y);
      if (d < best_d) {
        best_d = d;
        best = Snap{e, static_cast<std::int64_t>(std::llround((along + t * len) * 1000)), d, {}};
      }
      along += len;
    }
  }
  return best;
}

/// Brute force: a plain forward Dijkstra (floating point) from a snapped report to every
/// service point; the least cost in millimetres, or +inf.
double brute_cost(const WalkingGraph& g, const Snap& from,
                  const std::vector<std::optional<Snap>>& targets) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<std::pair<std::uint32_t, double>>> out(g.node_count());
  for (const auto& e : g.edges()) {
    if (e.cost_uv < WalkingGraph::kUnreachable)
      out[e.u].emplace_back(e.v, static_cast<double>(e.cost_uv));
    if (e.cost_vu < WalkingGraph::kUnreachable)
      out[e.v].emplace_back(e.u, static_cast<double>(e.cost_vu));
  }
  auto part = [&](std::int64_t full, double fraction) {
    return full >= WalkingGraph::kUnreachable ? inf : static_cast<double>(full) * fraction;
  };
  const auto& fe = g.edge(from.edge);
  const double f = static_cast<double>(from.offset_mm) / static_cast<double>(fe.length_mm);
  std::vector<double> dist(g.node_count(), inf);
  using Item = std::pair<double, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  auto push = [&](std::uint32_t n, double d) {
    if (d < dist[n]) dist[n] = d, q.emplace(d, n);
  };
  push(fe.u, part(fe.cost_vu, f));
  push(fe.v, part(fe.cost_uv, 1 - f));
  while (!q.empty()) {
    const auto [d, n] = q.top();
    q.pop();
    if (d != dist[n]) continue;
    for (const auto& [m, c] : out[n]) push(m, d + c);
  }
  double best = inf;
  for (const auto& t : targets) {
    if (!t) continue;
    const auto& te = g.edge(t->edge);
    const double tf = static_cast<double>(t->offset_mm) / static_cast<double>(te.length_mm);
    best =
        std::min({best, dist[te.u] + part(te.cost_uv, tf), dist[te.v] + part(te.cost_vu, 1 - tf)});
    if (t->edge == from.edge) {
      best = std::min(best, t->offset_mm >= from.offset_mm ? part(te.cost_uv, tf - f)
                                                           : part(te.cost_vu, f - tf));
    }
  }
  return best;
}

void check_against_brute_force(const Fixture& fx, int count) {
  const WalkingGraph& g = *fx.graph;
  NearestService service(fx.graph, fx.points, WalkingConfig{});
  const Snapper& snapper = *service.snapper();
  std::vector<std::optional<Snap>> targets;
  for (const auto& p : fx.points) targets.push_back(snapper.snap(p.position, 200));
  std::mt19937_64 rng(3);
  const geo::BBox b = g.bounds_m();
  std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
  int checked = 0, unreachable = 0;
  for (int k = 0; k < count; ++k) {
    const geo::XY p{ux(rng), uy(rng)};
    const auto mine = snapper.snap(p, 200);
    const auto theirs = brute_snap(g, p, 200);
    ASSERT_EQ(mine.has_value(), theirs.has_value()) << fx.name << " point " << k;
    if (!mine) continue;
    EXPECT_NEAR(mine->distance_m, theirs->distance_m, 1e-9) << fx.name << " point " << k;
    const NearestAnswer a = service.lookup_snapped(*mine);
    const double expected = brute_cost(g, *mine, targets);
    if (!std::isfinite(expected)) {
      ++unreachable;
      EXPECT_EQ(a.point, nullptr) << fx.name << " point " << k;
      continue;
    }
    ASSERT_NE(a.point, nullptr) << fx.name << " point " << k;
    // Integer partial edges round to the millimetre: two of them at most per path.
    EXPECT_NEAR(static_cast<double>(a.network_mm), expected, 2.0) << fx.name << " point " << k;
    ++checked;
  }
  std::printf(
      "%s: %d reports agree with a brute-force Dijkstra (%d with no service point reachable)\n",
      fx.name.c_str(), checked, unreachable);
  EXPECT_GT(checked, count / 3);
}

TEST(NearestProperty, TheSampleAgreesWithBruteForce) {
  check_against_brute_force(sample(), 1500);
}

TEST(NearestProperty, MonacoAgreesWithBruteForce) {
  const auto fx = monaco();
  if (!fx) GTEST_SKIP() << "SKIP: ../shared/data/osm/monaco.osm.pbf is not on this machine";
  check_against_brute_force(*fx, 1500);
}

TEST(Isochrone, ContainsExactlyThePlacesServedWithinTheThreshold) {
  const Fixture fx = sample();
  for (std::size_t sp = 0; sp < fx.points.size(); ++sp) {
    NearestService one(fx.graph, {fx.points[sp]}, WalkingConfig{});
    const SnapRaster raster(one);
    const geo::MultiPolygon area = isochrone(one, raster, 0);
    ASSERT_FALSE(area.empty());
    const geo::BBox box = geo::bbox_of(area);
    std::mt19937_64 rng(sp + 1);
    std::uniform_real_distribution<double> ux(box.min_x - 0.002, box.max_x + 0.002),
        uy(box.min_y - 0.002, box.max_y + 0.002);
    int inside = 0, outside = 0, near_edge = 0;
    for (int k = 0; k < 3000; ++k) {
      const geo::XY p{ux(rng), uy(rng)};
      const geo::LonLat ll = geo::LonLat::trusted(p.x, p.y);
      const bool drawn = geo::locate_point(area, p) != geo::PointLocation::outside;
      const NearestAnswer a = one.lookup(ll);
      const bool served = a.point && a.on_network && a.within_circle;
      // The raster samples the walking cost at cell centres, so within a cell's diagonal of
      // the drawn edge, or of walking from the threshold (15 m at 10 m cells), either answer
      // is allowed: on the ridge between two streets the cost peaks, or jumps where the
      // nearest street changes, between samples.
      const double threshold_m = static_cast<double>(one.config().threshold_mm()) / 1000.0;
      if (boundary_distance_m(area, p) < raster.cell_m() * 1.5 ||
          (a.point && a.on_network && std::abs(a.walk_m - threshold_m) < raster.cell_m() * 1.5)) {
        ++near_edge;
        continue;
      }
      EXPECT_EQ(drawn, served) << "service point " << fx.points[sp].id << " at " << p.x << ", "
                               << p.y << ": " << a.walk_m << " m";
      (served ? inside : outside)++;
    }
    EXPECT_GT(inside, 300);
    EXPECT_GT(outside, 300);
    EXPECT_LT(near_edge, 600);
  }
}

TEST(Contour, TracesSquaresAndHolesWithSubCellPrecision) {
  RasterGrid g;
  g.cell = 10;
  g.width = g.height = 10;
  g.values.assign(100, 10.0);
  for (std::size_t j = 2; j < 8; ++j)
    for (std::size_t i = 2; i < 8; ++i) g.values[j * 10 + i] = 0.0;  // a 6 x 6 block of low values
  geo::MultiPolygon m = contour(g, 5.0);
  ASSERT_EQ(m.polygons.size(), 1u);
  // The boundary lies halfway between the last low and the first high centre: 60 m square.
  EXPECT_NEAR(area_m2(geo::MultiPolygon{}) + std::abs([&] {
                double a = 0;
                const geo::Ring& r = m.polygons[0].outer;
                for (std::size_t i = 1; i < r.size(); ++i)
                  a += r[i - 1].x * r[i].y - r[i].x * r[i - 1].y;
                return a / 2;
              }()),
              3600.0 - 4 * 12.5, 1e-6);  // corners are cut by the interpolation
  // A ring: high values in the middle become a hole.
  for (std::size_t j = 4; j < 6; ++j)
    for (std::size_t i = 4; i < 6; ++i) g.values[j * 10 + i] = 10.0;
  m = contour(g, 5.0);
  ASSERT_EQ(m.polygons.size(), 1u);
  ASSERT_EQ(m.polygons[0].holes.size(), 1u);
  // Everything above the threshold: nothing.
  g.values.assign(100, 10.0);
  EXPECT_TRUE(contour(g, 5.0).empty());
}

}  // namespace
}  // namespace wangge::network
