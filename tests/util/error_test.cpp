#include "wangge/util/error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wangge {
namespace {

TEST(ErrorCatalogue, EveryCodeHasADistinctPublicCodeAndATitle) {
  std::set<std::string_view> seen;
  for (int c = 0; c <= static_cast<int>(kLastErrorCode); ++c) {
    const ErrorInfo& info = describe(static_cast<ErrorCode>(c));
    EXPECT_TRUE(seen.insert(info.public_code).second) << info.public_code;
    EXPECT_FALSE(info.title.empty()) << info.public_code;
  }
  EXPECT_EQ(describe(ErrorCode::not_found).public_code, "not-found");
}

TEST(ErrorCatalogue, ErrorCarriesItsCodeAndMessage) {
  const Error e(ErrorCode::invalid_coordinate, "latitude 95 is outside [-90, 90]");
  EXPECT_EQ(e.code(), ErrorCode::invalid_coordinate);
  EXPECT_STREQ(e.what(), "latitude 95 is outside [-90, 90]");
}

}  // namespace
}  // namespace wangge
