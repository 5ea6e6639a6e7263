// Batch assignment (wangge assign) on inputs that break the format's rules: a bad row or
// feature is rejected with its reason and the batch goes on; a file that cannot be read at all
// is Error(unreadable_source), never another exception. The happy paths are exercised by
// tests/e2e/cli_test.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "wangge/service/batch_assign.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {
namespace {

namespace fs = std::filesystem;

struct BatchAssign : ::testing::Test {
  static void SetUpTestSuite() {
    service = new Service();
    service->load_grids(std::string(WANGGE_SOURCE_DIR) + "/geodata/sample/grids.geojson", {});
  }
  static void TearDownTestSuite() { delete service; }

  void SetUp() override {
    dir = fs::temp_directory_path() / ("wangge_batch_assign_" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  /// Assigns @p content given as a file named @p name; the output is dir/out.<extension>.
  AssignSummary assign(const std::string& name, const std::string& content) {
    AssignOptions options;
    options.input = (dir / name).string();
    std::ofstream(options.input) << content;
    options.output = (dir / ("out" + fs::path(name).extension().string())).string();
    options.threads = 1;
    options.progress = false;
    return assign_file(*service->grid_index(), options);
  }

  static inline Service* service = nullptr;
  fs::path dir;
};

TEST_F(BatchAssign, AGeoJsonMemberOfTheWrongTypeRejectsItsFeatureAndTheBatchGoesOn) {
  // "type" members that are not strings (found by fuzzing: they escaped as a JSON library
  // exception and stopped the batch).
  const AssignSummary s = assign("points.geojson", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":7,"coordinates":[112.926891,27.8576002]}},
    {"type":["Feature"],"geometry":{"type":"Point","coordinates":[112.926891,27.8576002]}},
    {"type":"Feature","geometry":{"type":"Point","coordinates":[112.926891,27.8576002]}}]})");
  EXPECT_EQ(s.rows, 3u);
  EXPECT_EQ(s.points, 1u);
  ASSERT_EQ(s.rejected.size(), 2u);
  EXPECT_NE(s.rejected[0].reason.find("geometry without a type, expected Point"), std::string::npos)
      << s.rejected[0].reason;
  EXPECT_NE(s.rejected[1].reason.find("is not a GeoJSON Feature"), std::string::npos)
      << s.rejected[1].reason;
  const auto out = nlohmann::json::parse(text::read_file((dir / "out.geojson").string()));
  EXPECT_EQ(out["features"].size(), 3u);

  EXPECT_THROW(assign("typed.geojson", R"({"type":1,"features":[]})"), Error);
}

TEST_F(BatchAssign, ANumberBeyondTheRangeOfADoubleMakesTheFileUnreadableNotACrash) {
  try {
    assign("big.geojson", R"({"type":"FeatureCollection","features":[{"type":"Feature",
      "geometry":{"type":"Point","coordinates":[1e400,27.85]}}]})");
    FAIL() << "a number beyond 1.8e308 was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unreadable_source);
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wangge::service
