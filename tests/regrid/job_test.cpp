// run_regrid on files: a parent that fails is named and keeps its old grids while the others
// are re-gridded, the generation stays valid; inputs read with notes; bad input refused.
#include "wangge/regrid/job.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "drawing.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/util/error.hpp"

namespace wangge::regrid {
namespace {

namespace fs = std::filesystem;
using testing::Drawing;

const Drawing d;

nlohmann::json polygon(const geo::Ring& r) {
  nlohmann::json ring = nlohmann::json::array();
  for (const geo::XY& v : r) ring.push_back({v.x, v.y});
  return {{"type", "Polygon"}, {"coordinates", {ring}}};
}

nlohmann::json feature(nlohmann::json properties, nlohmann::json geometry) {
  return {{"type", "Feature"}, {"properties", std::move(properties)}, {"geometry", geometry}};
}

class RegridJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wangge-regrid-job-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    //  +--------+--------+--------+   R (level 0) holds A, B and C (level 1), 200 m × 200 m
    //  |   A    |   B    |   C    |   each, 240 households each; C's one child is named
    //  |        |        | "A001" |   "A001", the code A's first new grid would take.
    //  +--------+--------+--------+
    nlohmann::json grids = nlohmann::json::array();
    grids.push_back(feature({{"id", "R"}, {"level", 0}}, polygon(d.rect(0, 0, 600, 200))));
    grids.push_back(
        feature({{"id", "A"}, {"parent_id", "R"}, {"level", 1}}, polygon(d.rect(0, 0, 200, 200))));
    grids.push_back(feature({{"id", "B"}, {"parent_id", "R"}, {"level", 1}},
                            polygon(d.rect(200, 0, 400, 200))));
    grids.push_back(feature({{"id", "C"}, {"parent_id", "R"}, {"level", 1}},
                            polygon(d.rect(400, 0, 600, 200))));
    grids.push_back(feature({{"id", "A001"}, {"parent_id", "C"}, {"level", 2}},
                            polygon(d.rect(400, 0, 600, 200))));
    parents_ = write("grids.geojson", {{"type", "FeatureCollection"}, {"features", grids}});
    std::vector<Building> b;
    for (int p = 0; p < 3; ++p) d.fill(b, p * 200 + 10, 10, p * 200 + 190, 190, 6, 4, 10);
    for (const Building& x : b)
      units_.push_back(feature({{"households", x.households}},
                               {{"type", "Point"}, {"coordinates", {x.at.x, x.at.y}}}));
    job_.parents = parents_;
    job_.units = write("units.geojson", {{"type", "FeatureCollection"}, {"features", units_}});
    job_.parent_ids = {"A", "B"};
    job_.parent.band = {100, 200, 150};
    job_.parent.time_budget_s = 1;
    job_.threads = 2;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const nlohmann::json& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << content.dump();
    return p.string();
  }
  fs::path dir_;
  std::string parents_;
  nlohmann::json units_ = nlohmann::json::array();
  RegridJob job_;
};

std::vector<std::string> ids_of(const std::vector<grid::Grid>& grids) {
  std::vector<std::string> out;
  for (const grid::Grid& g : grids) out.push_back(g.id);
  return out;
}

TEST_F(RegridJobTest, AFailedParentIsNamedAndKeepsItsGridsWhileTheOthersAreWritten) {
  const RegridOutcome out = run_regrid(job_, nullptr);
  ASSERT_EQ(out.plans.size(), 2u);
  EXPECT_EQ(out.failed_parents(), 1u);
  ASSERT_TRUE(out.plans[0].failure);  // A: its new "A001" repeats C's child's id
  EXPECT_NE(out.plans[0].failure->find("duplicate-id"), std::string::npos) << *out.plans[0].failure;
  EXPECT_NE(out.plans[0].failure->find("'A001'"), std::string::npos) << *out.plans[0].failure;
  EXPECT_TRUE(out.plans[0].grids.empty());
  EXPECT_FALSE(out.plans[1].failure);
  ASSERT_GE(out.plans[1].grids.size(), 2u);

  // The generation: R, A (no children: it had none), B with its new grids, C and its child.
  const std::vector<std::string> ids = ids_of(out.generation);
  std::vector<std::string> want{"R", "A", "B", "C", "A001"};
  for (const grid::Grid& g : out.plans[1].grids) want.push_back(g.id);
  EXPECT_EQ(ids, want);
  std::vector<grid::Grid> copy = out.generation;
  const grid::ValidationReport report = grid::validate(copy, grid::ValidationOptions{});
  EXPECT_EQ(report.errors(), 0u);
  std::int64_t b_households = 0;
  for (const grid::Grid& g : out.plans[1].grids) b_households += g.households.value_or(0);
  EXPECT_EQ(b_households, 240);

  const nlohmann::json report_json = metrics_json(job_, out);
  ASSERT_EQ(report_json["failed_parents"].size(), 1u);
  EXPECT_EQ(report_json["failed_parents"][0]["parent"], "A");
  EXPECT_NE(report_json["failed_parents"][0]["reason"].get<std::string>().find("duplicate-id"),
            std::string::npos);
  EXPECT_EQ(report_json["totals"]["failed_parents"], 1);
  EXPECT_EQ(report_json["totals"]["households"], 240);  // only what is written counts
  EXPECT_NE(metrics_table(job_, out).find("A: FAILED: "), std::string::npos);
}

TEST_F(RegridJobTest, OnlyNewWritesTheGridsOfTheParentsThatDidNotFail) {
  job_.only_new = true;
  job_.parent_ids = {"B"};
  const RegridOutcome out = run_regrid(job_, nullptr);
  EXPECT_EQ(out.failed_parents(), 0u);
  EXPECT_EQ(ids_of(out.generation), ids_of(out.plans[0].grids));
}

TEST_F(RegridJobTest, UnitsAsABareJsonArrayAreReadWithANote) {
  job_.units = write("units-array.geojson", units_);
  job_.parent_ids = {"B"};
  const RegridOutcome out = run_regrid(job_, nullptr);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_NE(out.notes[0].find("bare JSON array of 72 features"), std::string::npos) << out.notes[0];
  EXPECT_EQ(out.failed_parents(), 0u);
}

TEST_F(RegridJobTest, AnInvalidParentPolygonIsRefusedNamingItBeforeAnyWork) {
  nlohmann::json grids = nlohmann::json::array();
  grids.push_back(feature({{"id", "bow"}, {"level", 1}},
                          polygon(d.ring({{0, 0}, {100, 100}, {100, 0}, {0, 100}}))));
  job_.parents = write("bow.geojson", {{"type", "FeatureCollection"}, {"features", grids}});
  job_.parent_ids.clear();
  job_.units = "/nonexistent/units.geojson";  // never read: the parents are refused first
  try {
    run_regrid(job_, nullptr);
    FAIL() << "expected Error(invalid_data)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_data);
    const std::string m = e.what();
    EXPECT_NE(m.find("grid 'bow' (feature 0): Self-intersection"), std::string::npos) << m;
    EXPECT_NE(m.find("invalid-geometry"), std::string::npos) << m;
  }
}

TEST_F(RegridJobTest, ABandWithoutRoomIsRefusedAsUsage) {
  job_.parent.band = {0, 0, 0};
  EXPECT_THROW(
      {
        try {
          run_regrid(job_, nullptr);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
          throw;
        }
      },
      Error);
}

}  // namespace
}  // namespace wangge::regrid
