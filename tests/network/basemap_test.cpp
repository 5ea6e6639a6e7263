// The offline basemap read from OpenStreetMap: what is kept, as what, from which zoom, and
// what the spatial index answers (against a brute-force filter over every feature).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "wangge/network/basemap.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using network::BasemapFeature;

namespace {

std::string write_osm(const std::string& name, const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("wangge-basemap-" + std::to_string(::getpid()) + "-" + name + ".osm");
  std::ofstream(path) << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
                      << body << "</osm>\n";
  return path.string();
}

std::string node(int id, double lon, double lat, const std::string& tags = "") {
  return "<node id='" + std::to_string(id) + "' version='1' lat='" + std::to_string(lat) +
         "' lon='" + std::to_string(lon) + "'>" + tags + "</node>\n";
}

std::string tag(const std::string& k, const std::string& v) {
  return "<tag k='" + k + "' v='" + v + "'/>";
}

std::string way(int id, std::vector<int> refs, const std::string& tags) {
  std::string s = "<way id='" + std::to_string(id) + "' version='1'>";
  for (int r : refs) s += "<nd ref='" + std::to_string(r) + "'/>";
  return s + tags + "</way>\n";
}

const BasemapFeature* find(const network::Basemap& b, const std::string& kind) {
  for (const BasemapFeature& f : b.features())
    if (f.kind == kind) return &f;
  return nullptr;
}

}  // namespace

TEST(Basemap, KeepsStreetsWaterBuildingsAndNamedPlacesWithTheirZoomsAndHoles) {
  std::string osm;
  // A square lake (relation, outer 1-4) with an island (inner 5-8).
  osm += node(1, 112.90, 27.85) + node(2, 112.91, 27.85) + node(3, 112.91, 27.86) +
         node(4, 112.90, 27.86);
  osm += node(5, 112.903, 27.853) + node(6, 112.906, 27.853) + node(7, 112.906, 27.856) +
         node(8, 112.903, 27.856);
  osm += way(100, {1, 2, 3, 4, 1}, "") + way(101, {5, 6, 7, 8, 5}, "");
  osm +=
      "<relation id='500' version='1'><member type='way' ref='100' role='outer'/>"
      "<member type='way' ref='101' role='inner'/>" +
      tag("type", "multipolygon") + tag("natural", "water") + tag("name", "梅湖") + "</relation>\n";
  // A building (closed way) and one tagged building=no (left out).
  osm += node(10, 112.92, 27.85) + node(11, 112.9201, 27.85) + node(12, 112.9201, 27.8501) +
         node(13, 112.92, 27.8501);
  osm += way(200, {10, 11, 12, 13, 10}, tag("building", "yes"));
  osm += way(201, {10, 11, 12, 13, 10}, tag("building", "no"));
  // Streets with names (name:zh preferred), a river, a footway, and a power line (left out).
  osm += node(20, 112.93, 27.85) + node(21, 112.94, 27.85) + node(22, 112.95, 27.85);
  osm += way(300, {20, 21},
             tag("highway", "residential") + tag("name", "Meiyuan Rd") + tag("name:zh", "梅园路"));
  osm += way(301, {21, 22}, tag("highway", "primary") + tag("name", "韶山路"));
  osm += way(302, {20, 22}, tag("waterway", "river") + tag("name", "湘江"));
  osm += way(303, {20, 21, 22}, tag("highway", "footway"));
  osm += way(304, {20, 22}, tag("power", "line"));
  osm += way(305, {20, 999}, tag("highway", "service"));  // one node missing: no line left
  // Places: named ones kept, an unnamed one left out.
  osm += node(30, 112.925, 27.855, tag("place", "suburb") + tag("name", "窑湾"));
  osm += node(31, 112.926, 27.856, tag("place", "neighbourhood"));
  const std::string path = write_osm("kinds", osm);
  const auto basemap = network::import_basemap(path);
  std::filesystem::remove(path);

  std::map<std::string, int> kinds;
  for (const BasemapFeature& f : basemap->features()) ++kinds[f.kind];
  EXPECT_EQ(kinds, (std::map<std::string, int>{{"building", 1},
                                               {"major", 1},
                                               {"minor", 1},
                                               {"path", 1},
                                               {"river", 1},
                                               {"suburb", 1},
                                               {"water", 1}}));
  const BasemapFeature* lake = find(*basemap, "water");
  ASSERT_NE(lake, nullptr);
  EXPECT_EQ(lake->shape, BasemapFeature::Shape::area);
  EXPECT_EQ(lake->name, "梅湖");
  ASSERT_EQ(lake->area.polygons.size(), 1u);
  EXPECT_EQ(lake->area.polygons[0].holes.size(), 1u);  // the island
  EXPECT_EQ(lake->minzoom, 8);
  EXPECT_EQ(find(*basemap, "minor")->name, "梅园路");  // name:zh first
  EXPECT_EQ(find(*basemap, "minor")->minzoom, 13);
  EXPECT_EQ(find(*basemap, "major")->line.size(), 2u);
  EXPECT_EQ(find(*basemap, "building")->minzoom, 14);
  EXPECT_EQ(find(*basemap, "suburb")->shape, BasemapFeature::Shape::point);

  // The index: at z12 the lake, the major road and the river, not the street or the building.
  const geo::BBox all{112.8, 27.8, 113.0, 27.9};
  std::set<std::string> at12;
  for (const BasemapFeature* f : basemap->query(all, 12)) at12.insert(f->kind);
  EXPECT_EQ(at12, (std::set<std::string>{"major", "river", "suburb", "water"}));
  EXPECT_EQ(basemap->query(all, 16).size(), basemap->features().size());
  EXPECT_TRUE(basemap->query({113.5, 27.8, 113.6, 27.9}, 16).empty());
}

TEST(Basemap, TheIndexAnswersAsABruteForceFilter) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lon(112.90, 112.95), lat(27.84, 27.88);
  std::string osm;
  for (int i = 0; i < 400; ++i) osm += node(i + 1, lon(rng), lat(rng));
  for (int i = 0; i < 200; ++i)
    osm += way(1000 + i, {2 * i + 1, 2 * i + 2}, tag("highway", i % 2 ? "residential" : "primary"));
  const std::string path = write_osm("random", osm);
  const auto basemap = network::import_basemap(path);
  std::filesystem::remove(path);
  ASSERT_EQ(basemap->features().size(), 200u);
  for (int q = 0; q < 50; ++q) {
    const double x = lon(rng), y = lat(rng);
    const geo::BBox box{x, y, x + 0.005, y + 0.004};
    const int z = q % 2 ? 12 : 14;
    std::vector<const BasemapFeature*> expected;
    for (const BasemapFeature& f : basemap->features()) {
      const bool touches = f.bounds.max_x >= box.min_x && f.bounds.min_x <= box.max_x &&
                           f.bounds.max_y >= box.min_y && f.bounds.min_y <= box.max_y;
      if (touches && f.minzoom <= z) expected.push_back(&f);
    }
    EXPECT_EQ(basemap->query(box, z), expected) << "query " << q;
  }
}

TEST(Basemap, AFileWithNothingToDrawOrNoFileIsAClearError) {
  const std::string path = write_osm("empty", node(1, 112.9, 27.8));
  try {
    network::import_basemap(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing to draw"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(network::import_basemap("/nonexistent/x.osm"), Error);
  EXPECT_THROW(network::import_basemap("https://example.org/x.osm"), Error);
}
