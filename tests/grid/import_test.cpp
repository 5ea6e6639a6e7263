#include "wangge/grid/import.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "../support/ascii_map.hpp"
#include "wangge/grid/export.hpp"
#include "wangge/util/error.hpp"

namespace wangge::grid {
namespace {

namespace fs = std::filesystem;

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wangge-import-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }
  fs::path dir_;
};

const char* kTwoLevels = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"root","name":"万楼","level_name":"街道","leader_name":"王芳","leader_role":"书记"},
  "geometry":{"type":"Polygon","coordinates":[[[112.90,27.80],[112.92,27.80],[112.92,27.82],[112.90,27.82],[112.90,27.80]]]}},
 {"type":"Feature","properties":{"id":"a","parent_id":"root","households":"120","code":"001"},
  "geometry":{"type":"Polygon","coordinates":[[[112.90,27.80],[112.91,27.80],[112.91,27.82],[112.90,27.82],[112.90,27.80]]]}}
]})";

TEST_F(ImportTest, ReadsGeoJsonWithDefaultFieldNames) {
  const ImportResult r = import_grids(write("g.geojson", kTwoLevels), {});
  ASSERT_EQ(r.grids.size(), 2u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.grids[0].id, "root");
  EXPECT_EQ(r.grids[0].name, "万楼");
  EXPECT_EQ(r.grids[0].leader.name, "王芳");
  EXPECT_EQ(r.grids[1].parent_id, "root");
  EXPECT_EQ(r.grids[1].households, 120);
  EXPECT_EQ(r.grids[1].code, "001");
  // Axis order: x is longitude even though EPSG:4326 is lat/lon by definition.
  EXPECT_DOUBLE_EQ(r.grids[1].geometry.polygons[0].outer[1].x, 112.91);
  EXPECT_DOUBLE_EQ(r.grids[1].geometry.polygons[0].outer[1].y, 27.80);
}

TEST_F(ImportTest, MapsFieldsAndFallsBackToFeatureIdsInCsvWithWkt) {
  const std::string path =
      write("g.csv",
            "WKT,gid,up,label\n"
            "\"POLYGON((112.90 27.80,112.91 27.80,112.91 27.81,112.90 27.80))\",g1,,one\n"
            "\"POLYGON((112.91 27.80,112.92 27.80,112.92 27.81,112.91 27.80))\",g2,g1,two\n");
  ImportOptions o;
  o.fields.id = "gid";
  o.fields.parent = "up";
  o.fields.name = "label";
  ImportResult r = import_grids(path, o);
  ASSERT_EQ(r.grids.size(), 2u);
  EXPECT_EQ(r.grids[1].id, "g2");
  EXPECT_EQ(r.grids[1].parent_id, "g1");
  EXPECT_EQ(r.grids[1].name, "two");
  // Without an id mapping and no 'id' field, the feature id names the grid; no parent: one level.
  r = import_grids(path, {});
  EXPECT_EQ(r.grids[0].id, std::to_string(r.grids[0].fid));
  EXPECT_TRUE(r.grids[1].parent_id.empty());
}

TEST_F(ImportTest, AMappedFieldThatDoesNotExistIsAClearError) {
  ImportOptions o;
  o.fields.parent = "parent_code";
  try {
    import_grids(write("g.geojson", kTwoLevels), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'parent_code'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("parent_id"), std::string::npos)
        << "should list the layer's fields: " << msg;
  }
}

TEST_F(ImportTest, ReprojectsAProjectedCrsToLonLat) {
  // Web Mercator by its closed formula, so the expected lon/lat does not come from GDAL.
  constexpr double R = 6378137.0;
  auto x = [](double lon) { return R * lon * std::numbers::pi / 180; };
  auto y = [](double lat) {
    return R * std::log(std::tan(std::numbers::pi / 4 + lat * std::numbers::pi / 360));
  };
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},
 "features":[{"type":"Feature","properties":{"id":"m"},"geometry":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}]})",
      x(116.4), y(39.9), x(116.41), y(39.9), x(116.41), y(39.91), x(116.4), y(39.9));
  const ImportResult r = import_grids(write("m.geojson", buf), {});
  const geo::XY p = r.grids[0].geometry.polygons[0].outer[0];
  EXPECT_NEAR(p.x, 116.4, 1e-7);
  EXPECT_NEAR(p.y, 39.9, 1e-7);
  EXPECT_NE(r.crs.find("3857"), std::string::npos) << r.crs;
}

TEST_F(ImportTest, ConvertsADeclaredGcj02DatumToWgs84) {
  ImportOptions o;
  o.datum = geo::Datum::gcj02;
  const ImportResult r = import_grids(write("g.geojson", kTwoLevels), o);
  const geo::XY p = r.grids[0].geometry.polygons[0].outer[0];
  const geo::LonLat back =
      geo::wgs84_to_gcj02(geo::LonLat::checked(geo::Longitude(p.x), geo::Latitude(p.y)));
  EXPECT_NEAR(back.lon(), 112.90, 1e-8);
  EXPECT_NEAR(back.lat(), 27.80, 1e-8);
  EXPECT_GT(std::abs(p.x - 112.90), 1e-4) << "GCJ-02 offsets are hundreds of metres";
}

TEST_F(ImportTest, RoundTripsThroughGeoPackageAndFlatGeobuf) {
  const ImportResult src = import_grids(write("g.geojson", kTwoLevels), {});
  for (const char* name : {"g.gpkg", "g.fgb", "g.shp"}) {
    const std::string path = (dir_ / name).string();
    write_grids(src.grids, path, "grids");
    const ImportResult back = import_grids(path, {});
    ASSERT_EQ(back.grids.size(), 2u) << name;
    // FlatGeobuf's spatial index may reorder features: look them up by id.
    auto by_id = [&](const std::string& id) -> const Grid& {
      return back.grids[0].id == id ? back.grids[0] : back.grids[1];
    };
    EXPECT_EQ(by_id("a").parent_id, "root") << name;
    EXPECT_EQ(by_id("a").households, 120) << name;
    EXPECT_EQ(by_id("root").leader.name, "王芳") << name;
    EXPECT_NEAR(by_id("a").geometry.polygons[0].outer[0].x, 112.90, 1e-9) << name;
  }
}

TEST_F(ImportTest, NonPolygonFeaturesAreReportedNotFatal) {
  const ImportResult r = import_grids(write("l.geojson", R"({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"x"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]})"),
                                      {});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("LineString"), std::string::npos) << r.problems[0].message;
  EXPECT_TRUE(r.grids[0].geometry.empty());
}

TEST_F(ImportTest, UnreadableEmptyAndRemoteSourcesAreRefusedClearly) {
  auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::internal;
  };
  EXPECT_EQ(code_of([&] { import_grids((dir_ / "missing.geojson").string(), {}); }),
            ErrorCode::unreadable_source);
  EXPECT_EQ(code_of([&] { import_grids(write("junk.geojson", "{not json"), {}); }),
            ErrorCode::unreadable_source);
  EXPECT_EQ(code_of([&] {
              import_grids(write("e.geojson", R"({"type":"FeatureCollection","features":[]})"), {});
            }),
            ErrorCode::invalid_data);
  EXPECT_EQ(code_of([&] { import_grids("https://example.invalid/grids.geojson", {}); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { import_grids("/vsicurl/http://x/y.shp", {}); }),
            ErrorCode::invalid_argument);
}

// A single level of districts from a GIS export: a "parent" property that is an object and a
// "level" that is a word, as such exports have them.
const char* kFlatExport = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"D1","parent":{"id":"city","name":"City"},"level":"district"},
  "geometry":{"type":"Polygon","coordinates":[[[112.90,27.80],[112.91,27.80],[112.91,27.81],[112.90,27.81],[112.90,27.80]]]}},
 {"type":"Feature","properties":{"id":"D2","parent":{"id":"city","name":"City"},"level":"district"},
  "geometry":{"type":"Polygon","coordinates":[[[112.91,27.80],[112.92,27.80],[112.92,27.81],[112.91,27.81],[112.91,27.80]]]}}
]})";

TEST_F(ImportTest, ADefaultParentFieldHoldingObjectsIsNotReadAsIdsAndSaysSo) {
  const ImportResult r = import_grids(write("flat.geojson", kFlatExport), {});
  ASSERT_EQ(r.grids.size(), 2u);
  EXPECT_EQ(r.grids[0].parent_id, "");
  EXPECT_EQ(r.grids[1].parent_id, "");
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("field 'parent' holds JSON objects"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[0].find("feature 0"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[1].find("field 'level' holds text"), std::string::npos) << r.notes[1];
  EXPECT_NE(r.notes[1].find("'district'"), std::string::npos) << r.notes[1];
  EXPECT_FALSE(r.grids[0].level);  // not misread as a bad level: not read at all
}

TEST_F(ImportTest, AParentFieldMappedToObjectsIsRefusedNamingTheFieldAndFeature) {
  ImportOptions o;
  o.fields.parent = "parent";
  try {
    import_grids(write("flat.geojson", kFlatExport), o);
    FAIL() << "expected Error(invalid_argument)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("--parent-field 'parent' holds JSON objects"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("feature 0"), std::string::npos) << e.what();
  }
}

TEST_F(ImportTest, FlatReadsOneLevelWhateverTheParentFieldSays) {
  ImportOptions o;
  o.fields.flat = true;
  const ImportResult r = import_grids(write("g.geojson", kTwoLevels), o);
  ASSERT_EQ(r.grids.size(), 2u);
  EXPECT_EQ(r.grids[1].parent_id, "");  // parent_id "root" is not read
  EXPECT_NE(std::find(r.fields_used.begin(), r.fields_used.end(), "parent <- none (one level)"),
            r.fields_used.end());
  o.fields.parent = "parent_id";
  EXPECT_THROW(import_grids(write("g2.geojson", kTwoLevels), o), Error);  // contradictory
}

TEST_F(ImportTest, AMappedLevelFieldWithTextIsAFindingNotIgnored) {
  ImportOptions o;
  o.fields.level = "level";
  const ImportResult r = import_grids(write("flat.geojson", kFlatExport), o);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].rule, "bad-attribute");
  EXPECT_NE(r.problems[0].message.find("level 'district'"), std::string::npos);
}

TEST_F(ImportTest, ABareJsonArrayOfFeaturesIsReadAsACollectionWithANote) {
  const std::string text = kTwoLevels;
  const std::string array = text.substr(text.find('['), text.rfind(']') - text.find('[') + 1);
  const ImportResult r = import_grids(write("array.geojson", "\xEF\xBB\xBF  " + array), {});
  ASSERT_EQ(r.grids.size(), 2u);
  EXPECT_EQ(r.grids[1].parent_id, "root");
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("bare JSON array of 2 features"), std::string::npos) << r.notes[0];
}

TEST_F(ImportTest, ABareJsonArrayOfSomethingElseIsRefusedNamingTheElement) {
  const std::string path = write(
      "geoms.json",
      R"([{"type":"Feature","properties":{},"geometry":null},{"type":"Polygon","coordinates":[]}])");
  try {
    import_grids(path, {});
    FAIL() << "expected Error(unreadable_source)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unreadable_source);
    EXPECT_NE(std::string(e.what()).find("element 1 is a Polygon, not a Feature"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace wangge::grid
