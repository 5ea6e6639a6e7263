#include "wangge/util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wangge/util/error.hpp"

namespace wangge {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wangge-atomic-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, AppearsUnderItsNameOnlyOnCommit) {
  const fs::path path = dir_ / "out.csv";
  {
    std::ofstream(path) << "old content\n";
    AtomicFile f(path.string());
    f.write("new ");
    f.write("content\n");
    EXPECT_EQ(slurp(path), "old content\n");  // readers still see the old file
    EXPECT_TRUE(fs::exists(f.partial_path()));
    f.commit();
  }
  EXPECT_EQ(slurp(path), "new content\n");
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
}

TEST_F(AtomicFileTest, AbandonedWithoutCommitLeavesNothingBehind) {
  const fs::path path = dir_ / "out.csv";
  {
    AtomicFile f(path.string());
    f.write("half an output");
  }  // e.g. an exception unwinding
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));
}

TEST_F(AtomicFileTest, AnUnwritablePathIsAClearError) {
  try {
    AtomicFile f((dir_ / "no-such-dir" / "out.csv").string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("cannot write"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace wangge
