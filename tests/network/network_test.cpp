// The walking network on drawn maps: the foot profile, costs, snapping, the nearest-service
// rule's cases (one-way steps, a river with one bridge, a point on a node, on the service
// point's own edge, off the network, an unreachable piece), and the graph file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "osm_fixture.hpp"
#include "wangge/network/nearest.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/util/error.hpp"

namespace wangge::network {
namespace {

using testing::OsmDrawing;
using Tags = std::map<std::string, std::string>;

const Tags kStreet{{"highway", "residential"}};
const Tags kFootway{{"highway", "footway"}};

std::shared_ptr<const WalkingGraph> build(OsmDrawing& d, FootProfile profile = {}) {
  profile.min_component_m = 0;
  return std::make_shared<const WalkingGraph>(build_walking_graph(d.write(), profile));
}

ServicePoint point_at(const OsmDrawing& d, const char* id, double x, double y,
                      std::vector<std::string> services = {"便民服务"}) {
  ServicePoint p;
  p.id = id;
  p.name = id;
  p.services = std::move(services);
  p.position = d.at(x, y);
  return p;
}

TEST(FootProfile, WalksStreetsAndPathsButNotMotorwaysOrClosedWays) {
  OsmDrawing d;
  for (int i = 0; i < 12; ++i) d.node(i, 0, 100.0 * i);
  for (int i = 0; i < 12; ++i) d.node(100 + i, 50, 100.0 * i);
  auto pair = [&](int i, Tags t) { d.way({i, 100 + i}, std::move(t)); };
  pair(0, {{"highway", "residential"}});
  pair(1, {{"highway", "motorway"}});                                         // never
  pair(2, {{"highway", "footway"}, {"foot", "no"}});                          // closed
  pair(3, {{"highway", "service"}, {"access", "private"}});                   // closed
  pair(4, {{"highway", "service"}, {"access", "private"}, {"foot", "yes"}});  // opened again
  pair(5, {{"highway", "trunk"}});                                            // no sidewalk
  pair(6, {{"highway", "trunk"}, {"sidewalk", "both"}});                      // with a sidewalk
  pair(7, {{"highway", "cycleway"}});                                         // bikes only
  pair(8, {{"highway", "cycleway"}, {"foot", "designated"}});                 // shared
  pair(9, {{"highway", "primary"}, {"sidewalk", "separate"}});  // walk the sidewalk instead
  pair(10, {{"highway", "steps"}});
  pair(11, {{"building", "yes"}});  // not a way to walk
  const auto g = build(d);
  // Kept: 0, 4, 6, 8, 10 — five 50 m edges.
  EXPECT_EQ(g->edge_count(), 5u);
  // The graph measures in its own frame: within 0.05% of the drawing's metres.
  EXPECT_NEAR(g->stats().km, 0.25, 0.25 * 5e-4);
  std::size_t steps = 0;
  for (const auto& e : g->edges()) {
    EXPECT_NEAR(static_cast<double>(e.length_mm), 50000, 25);
    if (std::abs(e.cost_uv - 2 * e.length_mm) <= 1) ++steps;  // steps: half speed
  }
  EXPECT_EQ(steps, 1u);
}

TEST(FootProfile, OneWayStepsAreClosedUpstream) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 0, 40).node(3, 0, 80);
  d.way({1, 2}, {{"highway", "steps"}, {"oneway:foot", "yes"}});  // up only
  d.way({2, 3}, kFootway);
  const auto g = build(d);
  ASSERT_EQ(g->edge_count(), 2u);
  const auto& steps = g->edge(0).cost_uv == WalkingGraph::kUnreachable ||
                              g->edge(0).cost_vu == WalkingGraph::kUnreachable
                          ? g->edge(0)
                          : g->edge(1);
  EXPECT_TRUE((steps.cost_uv == WalkingGraph::kUnreachable) !=
              (steps.cost_vu == WalkingGraph::kUnreachable));
  // A service point at the top: from the bottom it is up the steps (80 m of steps-and-path,
  // the steps counting double); from the top there is no way down to a point at the bottom.
  NearestService up(g, {point_at(d, "top", 0, 80)}, WalkingConfig{});
  const NearestAnswer a = up.lookup(d.at(0, 0));
  ASSERT_NE(a.point, nullptr);
  EXPECT_NEAR(a.walk_m, 40 * 2 + 40, 0.01);
  NearestService down(g, {point_at(d, "bottom", 0, 0)}, WalkingConfig{});
  const NearestAnswer b = down.lookup(d.at(0, 80));
  EXPECT_EQ(b.point, nullptr);  // unreachable: no way down
  EXPECT_FALSE(b.within_circle);
}

TEST(Nearest, ARiverWithOneBridgeMakesTheOtherBankFarAway) {
  // North bank y = 60, south bank y = 0, a 40 m bridge at x = 600 only.
  OsmDrawing d;
  d.node(1, 0, 60).node(2, 600, 60).node(3, 0, 0).node(4, 600, 0);
  d.way({1, 2}, kStreet)
      .way({3, 4}, kStreet)
      .way({2, 4}, {{"highway", "footway"}, {"bridge", "yes"}});
  const auto g = build(d);
  NearestService service(g, {point_at(d, "south", 0, 0), point_at(d, "east", 600, 80)},
                         WalkingConfig{});
  // From the north bank's west end the south centre is 60 m as the crow flies but 1,260 m
  // away on foot; the east centre (600 m along the bank to its door on the street) is nearer.
  const NearestAnswer a = service.lookup(d.at(0, 60));
  ASSERT_NE(a.point, nullptr);
  EXPECT_EQ(a.point->id, "east");
  EXPECT_NEAR(a.walk_m, 600, 0.5);
  EXPECT_TRUE(a.within_circle);
  // Without the east centre, the south one is over the bridge and back: 1,260 m.
  NearestService only_south(g, {point_at(d, "south", 0, 0)}, WalkingConfig{});
  const NearestAnswer far = only_south.lookup(d.at(0, 60));
  EXPECT_NEAR(far.walk_m, 600 + 60 + 600, 0.7);
  EXPECT_FALSE(far.within_circle);
}

TEST(Nearest, PointsOnNodesOnTheServicePointsEdgeAndOffTheNetwork) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 300, 0).node(3, 300, 300).node(4, 1500, 0);
  d.way({1, 2}, kStreet).way({2, 3}, kStreet).way({2, 4}, kStreet);
  const auto g = build(d);
  NearestService service(g, {point_at(d, "sp", 100, 0)}, WalkingConfig{});
  // Exactly on a node: 300 m from node 2 back along the street.
  NearestAnswer a = service.lookup(d.at(300, 0));
  ASSERT_NE(a.point, nullptr);
  EXPECT_NEAR(a.walk_m, 200, 0.01);
  EXPECT_NEAR(a.snap->distance_m, 0, 1e-6);
  // On the service point's own edge, on either side: the direct walk along it.
  EXPECT_NEAR(service.lookup(d.at(40, 0)).walk_m, 60, 0.01);
  EXPECT_NEAR(service.lookup(d.at(180, 0)).walk_m, 80, 0.01);
  // 30 m beside the street: the walk onto it counts.
  a = service.lookup(d.at(300, 150 + 0));  // on street 2-3
  EXPECT_NEAR(a.walk_m, 200 + 150, 0.01);
  a = service.lookup(d.at(250, 30));
  EXPECT_NEAR(a.walk_m, 30 + 150, 0.05);
  // Beyond the circle: named, with its distance, and not within.
  a = service.lookup(d.at(1400, 0));
  EXPECT_NEAR(a.walk_m, 1300, 0.7);
  EXPECT_FALSE(a.within_circle);
  EXPECT_EQ(a.point->id, "sp");
  // 250 m from every street: off the network; the straight line times the detour factor, flagged.
  a = service.lookup(d.at(100, -250));
  EXPECT_FALSE(a.on_network);
  EXPECT_TRUE(a.straight_line);
  EXPECT_NEAR(a.walk_m, 250 * 1.3, 0.2);
}

TEST(Nearest, APieceOfStreetWithoutAServicePointReachesNone) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 400, 0).node(3, 0, 100).node(4, 400, 100);
  d.way({1, 2}, kStreet).way({3, 4}, kStreet);  // two separate streets
  const auto g = build(d);
  NearestService service(g, {point_at(d, "sp", 200, 0)}, WalkingConfig{});
  const NearestAnswer a = service.lookup(d.at(200, 100));
  EXPECT_TRUE(a.on_network);
  EXPECT_EQ(a.point, nullptr);  // the nearest street leads nowhere: none, not a guess
  EXPECT_FALSE(a.straight_line);
}

TEST(Nearest, TheSpeedAndTheThresholdAreConfigurable) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 1200, 0);
  d.way({1, 2}, kStreet);
  const auto g = build(d);
  NearestService slow(g, {point_at(d, "sp", 0, 0)}, WalkingConfig{});
  WalkingConfig brisk;
  brisk.speed_kmh = 5.0;
  NearestService fast(g, {point_at(d, "sp", 0, 0)}, brisk);
  const geo::LonLat p = d.at(1100, 0);
  EXPECT_FALSE(slow.lookup(p).within_circle);  // 1,100 m > 1,000 m at 4 km/h
  EXPECT_NEAR(slow.lookup(p).minutes, 16.5, 1e-6);
  EXPECT_TRUE(fast.lookup(p).within_circle);  // 1,250 m at 5 km/h
  EXPECT_NEAR(fast.lookup(p).minutes, 13.2, 1e-6);
}

TEST(Nearest, ServiceTypesAreSearchedSeparately) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 1000, 0);
  d.way({1, 2}, kStreet);
  const auto g = build(d);
  NearestService service(
      g,
      {point_at(d, "a", 100, 0, {"便民服务"}), point_at(d, "b", 900, 0, {"便民服务", "养老托幼"})},
      WalkingConfig{});
  EXPECT_EQ(service.lookup(d.at(0, 0)).point->id, "a");
  EXPECT_EQ(service.lookup(d.at(0, 0), "养老托幼").point->id, "b");
  EXPECT_EQ(service.lookup(d.at(0, 0), "no such type").point, nullptr);
  EXPECT_EQ(service.types(), (std::vector<std::string>{"", "便民服务", "养老托幼"}));
}

TEST(Graph, FoldsPlainNodesKeepsGeometryAndDropsTinyPieces) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 100, 0).node(3, 200, 0).node(4, 200, 100);  // 1-2-3 one way, 3-4 another
  d.node(10, 1000, 1000).node(11, 1020, 1000);                        // a 20 m island
  d.way({1, 2, 3}, kStreet).way({3, 4}, kStreet).way({10, 11}, kFootway);
  FootProfile profile;
  profile.min_component_m = 100;
  const WalkingGraph g = build_walking_graph(d.write(), profile);
  EXPECT_EQ(g.node_count(), 3u);  // 1, 3, 4: node 2 is folded into the geometry
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(g.stats().dropped_pieces, 1u);
  EXPECT_NEAR(g.stats().dropped_km, 0.02, 1e-5);
  const auto& first = g.edge(0).length_mm > g.edge(1).length_mm ? g.edge(0) : g.edge(1);
  EXPECT_EQ(first.geometry_end - first.geometry_begin, 3u);
}

TEST(Graph, SavesAndLoadsExactlyAndRefusesForeignFiles) {
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 100, 0).node(3, 100, 80);
  d.way({1, 2, 3}, {{"highway", "steps"}, {"oneway:foot", "-1"}});
  const auto g = build(d);
  const auto path = (std::filesystem::temp_directory_path() /
                     ("wangge-graph-" + std::to_string(::getpid()) + ".bin"))
                        .string();
  g->save(path);
  const WalkingGraph back = WalkingGraph::load(path);
  ASSERT_EQ(back.edge_count(), g->edge_count());
  EXPECT_EQ(back.edge(0).cost_uv, g->edge(0).cost_uv);
  EXPECT_EQ(back.edge(0).cost_vu, g->edge(0).cost_vu);
  EXPECT_EQ(back.node_m(1), g->node_m(1));
  EXPECT_EQ(back.origin(), g->origin());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  try {
    WalkingGraph::load(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("it is truncated"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "not a graph at all";
  EXPECT_THROW(WalkingGraph::load(path), Error);
  std::filesystem::remove(path);
}

TEST(Graph, UnreadableAndEmptyOsmFilesAreClearErrors) {
  try {
    build_walking_graph("/nonexistent/streets.osm");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unreadable_source);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/streets.osm"), std::string::npos);
  }
  OsmDrawing d;
  d.node(1, 0, 0).node(2, 100, 0);
  d.way({1, 2}, {{"building", "yes"}});
  try {
    build_walking_graph(d.write());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_data);
    EXPECT_NE(std::string(e.what()).find("no walkable way"), std::string::npos) << e.what();
  }
  EXPECT_THROW(build_walking_graph("https://example.invalid/a.osm.pbf"), Error);
}

TEST(Graph, APedestrianSquareCanBeCrossed) {
  // A 100 m square (area=yes) with streets meeting it at two opposite corners.
  OsmDrawing d;
  d.node(1, 0, 0)
      .node(2, 100, 0)
      .node(3, 100, 100)
      .node(4, 0, 100)
      .node(5, -50, 0)
      .node(6, 150, 100);
  d.way({1, 2, 3, 4, 1}, {{"highway", "pedestrian"}, {"area", "yes"}});
  d.way({5, 1}, kStreet).way({3, 6}, kStreet);
  const auto g = build(d);
  NearestService service(g, {point_at(d, "sp", 150, 100)}, WalkingConfig{});
  // Around the square it is 200 m from corner to corner; across it, via its centre, 141 m.
  EXPECT_NEAR(service.lookup(d.at(-50, 0)).walk_m, 50 + 100 * std::sqrt(2.0) + 50, 0.05);
}

}  // namespace
}  // namespace wangge::network
