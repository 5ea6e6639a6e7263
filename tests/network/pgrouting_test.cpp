// Cross-check against pgRouting on the same graph (label integration; WANGGE_TEST_PG names a
// PostGIS database with pgRouting, which scripts/test prepares). Our edges go into a temporary
// table with their directed costs; the service points and 1,000 random reports go in as
// pgRouting points (edge, fraction) from our snaps; pgr_withPointsCost computes every
// report-to-service-point walk and the least one must equal our multi-source answer.
//
// Tolerance: 2 mm. We cost partial edges in whole millimetres (each rounded once, at most two
// per path: the report's and the service point's); pgRouting multiplies in floating point.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <random>

#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"

namespace wangge::network {
namespace {

void cross_check(const char* name, const std::shared_ptr<const WalkingGraph>& graph,
                 const std::vector<ServicePoint>& points, int reports) {
  const char* conninfo = std::getenv("WANGGE_TEST_PG");
  ASSERT_NE(conninfo, nullptr) << "WANGGE_TEST_PG is not set: run scripts/test (or ctest -L unit)";
  NearestService service(graph, points, WalkingConfig{});
  const WalkingGraph& g = *graph;

  pqxx::connection conn(conninfo);
  pqxx::work tx(conn);
  tx.exec0(
      "CREATE TEMP TABLE w_edges (id bigint, source bigint, target bigint, cost float8, "
      "reverse_cost float8)");
  tx.exec0("CREATE TEMP TABLE w_points (pid bigint, edge_id bigint, fraction float8)");
  {
    pqxx::stream_to edges(tx, "w_edges");
    for (std::uint32_t e = 0; e < g.edge_count(); ++e) {
      const auto& edge = g.edge(e);
      auto cost = [](std::int64_t c) {
        return c >= WalkingGraph::kUnreachable ? -1.0 : static_cast<double>(c);
      };
      edges << std::make_tuple(static_cast<long long>(e) + 1, static_cast<long long>(edge.u) + 1,
                               static_cast<long long>(edge.v) + 1, cost(edge.cost_uv),
                               cost(edge.cost_vu));
    }
    edges.complete();
  }
  // pgRouting 3.4.2 answers nothing at all once one point sits at fraction 0 or 1 (on a
  // vertex), so such points are given as that vertex instead.
  std::vector<long long> facility_vids, report_vids;
  std::map<long long, Snap> report_snaps;  // by the vid the result names
  pqxx::stream_to pts(tx, "w_points");
  auto add_point = [&](long long pid, const Snap& s) -> long long {
    const auto& e = g.edge(s.edge);
    if (s.offset_mm == 0) return static_cast<long long>(e.u) + 1;
    if (s.offset_mm == e.length_mm) return static_cast<long long>(e.v) + 1;
    pts << std::make_tuple(pid, static_cast<long long>(s.edge) + 1,
                           static_cast<double>(s.offset_mm) / static_cast<double>(e.length_mm));
    return -pid;
  };
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto s = service.snapper()->snap(points[i].position, 200);
    if (s) facility_vids.push_back(add_point(static_cast<long long>(i) + 1, *s));
  }
  std::mt19937_64 rng(5);
  const geo::BBox b = g.bounds_m();
  std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
  for (long long pid = 1000; static_cast<int>(report_snaps.size()) < reports; ++pid) {
    const auto s = service.snapper()->snap(geo::XY{ux(rng), uy(rng)}, 200);
    if (!s) continue;
    const long long vid = add_point(pid, *s);
    if (report_snaps.count(vid)) continue;  // the same vertex twice
    report_vids.push_back(vid);
    report_snaps[vid] = *s;
  }
  pts.complete();
  auto array = [](const std::vector<long long>& v) {
    std::string s = "{";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s + "}";
  };
  const pqxx::result rows = tx.exec_params(
      "SELECT start_pid, min(agg_cost) FROM pgr_withPointsCost("
      "'SELECT id, source, target, cost, reverse_cost FROM w_edges', "
      "'SELECT pid, edge_id, fraction FROM w_points', $1::bigint[], $2::bigint[], directed := "
      "true) "
      "GROUP BY start_pid",
      array(report_vids), array(facility_vids));
  std::map<long long, double> theirs;
  for (const auto& r : rows) theirs[r[0].as<long long>()] = r[1].as<double>();

  int agreed = 0, none = 0;
  double worst = 0;
  for (const auto& [vid, snap] : report_snaps) {
    const long long pid = vid;
    const NearestAnswer ours = service.lookup_snapped(snap);
    auto it = theirs.find(pid);
    if (it == theirs.end()) {
      EXPECT_EQ(ours.point, nullptr) << name << " report " << pid << ": pgRouting finds no path";
      ++none;
      continue;
    }
    ASSERT_NE(ours.point, nullptr)
        << name << " report " << pid << ": pgRouting walks " << it->second << " mm";
    const double diff = std::abs(static_cast<double>(ours.network_mm) - it->second);
    worst = std::max(worst, diff);
    EXPECT_LE(diff, 2.0) << name << " report " << pid << ": ours " << ours.network_mm
                         << " mm, pgRouting " << it->second;
    ++agreed;
  }
  std::printf(
      "%s: %d reports agree with pgRouting %s (largest difference %.3f mm), %d reach no service "
      "point\n",
      name, agreed, tx.exec1("SELECT pgr_version()")[0].as<std::string>().c_str(), worst, none);
  EXPECT_GE(agreed + none, reports);
  EXPECT_GT(agreed, reports / 2);
}

TEST(PgRouting, TheSampleAgreesOnEveryReport) {
  cross_check("sample",
              std::make_shared<const WalkingGraph>(
                  build_walking_graph(WANGGE_SOURCE_DIR "/geodata/sample/streets.osm")),
              import_service_points(WANGGE_SOURCE_DIR "/geodata/sample/service_points.geojson"),
              1000);
}

TEST(PgRouting, MonacoAgreesOnEveryReport) {
  const std::string path = WANGGE_SOURCE_DIR "/../shared/data/osm/monaco.osm.pbf";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "SKIP: ../shared/data/osm/monaco.osm.pbf is not on this machine";
  auto graph = std::make_shared<const WalkingGraph>(build_walking_graph(path));
  std::vector<ServicePoint> points;
  std::mt19937_64 rng(11);
  for (int k = 0; k < 12; ++k) {
    ServicePoint sp;
    sp.id = "M" + std::to_string(k);
    sp.position = graph->to_lonlat(
        *graph->geometry_begin(static_cast<std::uint32_t>(rng() % graph->edge_count())));
    points.push_back(sp);
  }
  cross_check("monaco", graph, points, 1000);
}

}  // namespace
}  // namespace wangge::network
