#include "wangge/util/error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wangge {
namespace {

TEST(ErrorCatalogue, EveryCodeHasADistinctPublicCodeAndSensibleStatus) {
  std::set<std::string_view> seen;
  for (int c = 0; c <= static_cast<int>(kLastErrorCode); ++c) {
    const ErrorInfo& info = describe(static_cast<ErrorCode>(c));
    EXPECT_TRUE(seen.insert(info.public_code).second) << info.public_code;
    EXPECT_GE(info.http_status, 400);
    EXPECT_LT(info.http_status, 600);
    EXPECT_NE(info.exit_status, 0);
  }
  EXPECT_EQ(describe(ErrorCode::unreadable_source).exit_status, 2);
  EXPECT_EQ(describe(ErrorCode::not_found).http_status, 404);
}

TEST(ErrorCatalogue, ErrorCarriesItsCodeAndMessage) {
  const Error e(ErrorCode::invalid_coordinate, "latitude 95 is outside [-90, 90]");
  EXPECT_EQ(e.code(), ErrorCode::invalid_coordinate);
  EXPECT_STREQ(e.what(), "latitude 95 is outside [-90, 90]");
}

}  // namespace
}  // namespace wangge
