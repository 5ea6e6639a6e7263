// network_bench GRAPH POINTS OUT_DIR: the walking network's figures on one graph, and the
// files scripts/bench/network loads into pgRouting to time the same answers there.
//   GRAPH   an OSM file, a .bin, or city:N (a generated N × N street grid, ~N² intersections)
//   POINTS  a service-point file, or random:K (K points on random streets, four types)
// Prints one JSON object; writes OUT_DIR/edges.csv, OUT_DIR/points.csv (pid, edge, fraction),
// OUT_DIR/targets.txt (the service points as pgRouting end vertices) and OUT_DIR/ours.csv
// (the report pid and our walking cost in mm for 100 reports).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "wangge/network/isochrone.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// A city of n × n intersections ~80 m apart, jittered, with a tenth of the blocks crossed by
/// a footpath diagonal and 3% of the streets missing.
network::WalkingGraph city(int n) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> jitter(-15, 15), unit(0, 1);
  std::vector<geo::XY> nodes;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) nodes.push_back({i * 80.0 + jitter(rng), j * 80.0 + jitter(rng)});
  std::vector<network::WalkingGraph::Edge> edges;
  std::vector<geo::XY> geometry;
  auto add = [&](int a, int b, double factor) {
    const geo::XY p = nodes[static_cast<std::size_t>(a)], q = nodes[static_cast<std::size_t>(b)];
    network::WalkingGraph::Edge e;
    e.u = static_cast<std::uint32_t>(a);
    e.v = static_cast<std::uint32_t>(b);
    e.length_mm = std::llround(std::hypot(q.x - p.x, q.y - p.y) * 1000);
    e.cost_uv = e.cost_vu = std::llround(static_cast<double>(e.length_mm) * factor);
    e.geometry_begin = static_cast<std::uint32_t>(geometry.size());
    geometry.push_back(p);
    geometry.push_back(q);
    e.geometry_end = static_cast<std::uint32_t>(geometry.size());
    edges.push_back(e);
  };
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      const int id = j * n + i;
      if (i + 1 < n && unit(rng) > 0.03) add(id, id + 1, 1.0);
      if (j + 1 < n && unit(rng) > 0.03) add(id, id + n, 1.0);
      if (i + 1 < n && j + 1 < n && unit(rng) < 0.1)
        add(id, id + n + 1, unit(rng) < 0.2 ? 2.0 : 1.0);
    }
  }
  // The frame's origin: somewhere in Hunan, for plausible lon/lat.
  const geo::LonLat origin = geo::LonLat::trusted(112.9, 27.86);
  const double half = n * 40.0;
  for (geo::XY& p : nodes) p = {p.x - half, p.y - half};
  for (geo::XY& p : geometry) p = {p.x - half, p.y - half};
  return network::WalkingGraph(origin, std::move(nodes), std::move(edges), std::move(geometry),
                               network::FootProfile{});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: network_bench GRAPH POINTS OUT_DIR\n");
    return 2;
  }
  const std::string graph_arg = argv[1], points_arg = argv[2], out = argv[3];
  auto t0 = Clock::now();
  auto graph = std::make_shared<const network::WalkingGraph>(
      graph_arg.rfind("city:", 0) == 0 ? city(std::stoi(graph_arg.substr(5)))
                                       : network::open_walking_graph(graph_arg));
  const double build_ms = ms_since(t0);
  std::mt19937_64 rng(7);
  std::vector<network::ServicePoint> points;
  if (points_arg.rfind("random:", 0) == 0) {
    const int k = std::stoi(points_arg.substr(7));
    const char* kinds[] = {"便民服务", "养老托幼", "医疗卫生", "文明实践"};
    for (int i = 0; i < k; ++i) {
      network::ServicePoint p;
      p.id = "P" + std::to_string(i);
      p.services = {kinds[i % 4]};
      const auto e = static_cast<std::uint32_t>(rng() % graph->edge_count());
      const geo::XY a = *graph->geometry_begin(e), b = *(graph->geometry_end(e) - 1);
      p.position = graph->to_lonlat({(a.x + b.x) / 2, (a.y + b.y) / 2});
      points.push_back(p);
    }
  } else {
    points = network::import_service_points(points_arg);
  }
  t0 = Clock::now();
  network::NearestService service(graph, points, network::WalkingConfig{});
  const double searches_ms = ms_since(t0);
  const std::size_t searches = service.types().size();

  // Per-report look-ups with snapping, over random points in the graph's box.
  const geo::BBox b = graph->bounds_m();
  std::uniform_real_distribution<double> ux(b.min_x, b.max_x), uy(b.min_y, b.max_y);
  std::vector<geo::LonLat> reports;
  for (int i = 0; i < 200000; ++i) reports.push_back(graph->to_lonlat({ux(rng), uy(rng)}));
  t0 = Clock::now();
  std::size_t within = 0;
  for (const geo::LonLat& p : reports) within += service.lookup(p).within_circle;
  const double lookup_us = ms_since(t0) * 1000 / static_cast<double>(reports.size());

  // Isochrones: cold (snap tiles computed) and warm.
  const network::SnapRaster raster(service);
  const std::size_t iso_count = std::min<std::size_t>(points.size(), 20);
  t0 = Clock::now();
  double area = 0;
  for (std::size_t i = 0; i < iso_count; ++i)
    area += area_m2(network::isochrone(service, raster, i));
  const double iso_cold_ms = ms_since(t0) / static_cast<double>(iso_count);
  t0 = Clock::now();
  for (std::size_t i = 0; i < iso_count; ++i) network::isochrone(service, raster, i);
  const double iso_warm_ms = ms_since(t0) / static_cast<double>(iso_count);

  // For pgRouting: the graph, the points (service points 1…K, reports 100000+), our answers.
  std::ofstream edges(out + "/edges.csv"), pts(out + "/points.csv"), ours(out + "/ours.csv");
  for (std::uint32_t e = 0; e < graph->edge_count(); ++e) {
    const auto& edge = graph->edge(e);
    auto cost = [](std::int64_t c) { return c >= network::WalkingGraph::kUnreachable ? -1 : c; };
    edges << e + 1 << ',' << edge.u + 1 << ',' << edge.v + 1 << ',' << cost(edge.cost_uv) << ','
          << cost(edge.cost_vu) << '\n';
  }
  auto fraction = [&](const network::Snap& s) {
    return static_cast<double>(s.offset_mm) / static_cast<double>(graph->edge(s.edge).length_mm);
  };
  // pgRouting 3.4.2 answers nothing once a point sits on a vertex: such service points are
  // given as that vertex. The end vertices of every query go to targets.txt.
  std::size_t facilities = 0;
  std::string targets = "{";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto s = service.snapper()->snap(points[i].position, 200);
    if (!s) continue;
    const auto& e = graph->edge(s->edge);
    std::string vid;
    if (s->offset_mm == 0)
      vid = std::to_string(e.u + 1);
    else if (s->offset_mm == e.length_mm)
      vid = std::to_string(e.v + 1);
    else {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%zu,%u,%.17g\n", i + 1, s->edge + 1, fraction(*s));
      pts << buf;
      vid = "-" + std::to_string(i + 1);
    }
    targets += (facilities++ ? "," : "") + vid;
  }
  std::ofstream(out + "/targets.txt") << targets << "}\n";
  int written = 0;
  for (std::size_t k = 0; k < reports.size() && written < 100; ++k) {
    const auto s = service.snapper()->snap(reports[k], 200);
    if (!s || s->offset_mm == 0 || s->offset_mm == graph->edge(s->edge).length_mm) continue;
    const network::NearestAnswer a = service.lookup_snapped(*s);
    if (!a.point) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%d,%u,%.17g\n", 100000 + written, s->edge + 1, fraction(*s));
    pts << buf;
    ours << 100000 + written << ',' << a.network_mm << '\n';
    ++written;
  }
  std::printf(
      "{\"graph\": \"%s\", \"nodes\": %zu, \"edges\": %zu, \"km\": %.1f, \"service_points\": %zu, "
      "\"build_ms\": %.1f, "
      "\"searches\": %zu, \"search_ms_per_type\": %.2f, \"lookup_us\": %.2f, \"within_share\": "
      "%.3f, "
      "\"isochrone_cold_ms\": %.2f, \"isochrone_warm_ms\": %.2f, \"isochrone_mean_km2\": %.3f, "
      "\"pg_facilities\": %zu}\n",
      graph_arg.c_str(), graph->node_count(), graph->edge_count(), graph->stats().km, points.size(),
      build_ms, searches, searches_ms / static_cast<double>(searches), lookup_us,
      static_cast<double>(within) / static_cast<double>(reports.size()), iso_cold_ms, iso_warm_ms,
      area / static_cast<double>(iso_count) / 1e6, facilities);
  return 0;
}
