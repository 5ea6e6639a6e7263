#include "wangge/geo/lonlat.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "wangge/util/error.hpp"

namespace wangge::geo {
namespace {

TEST(LonLat, AcceptsTheFullRangeIncludingItsEdges) {
  EXPECT_EQ(LonLat::checked(Longitude(180), Latitude(-90)).lon(), 180);
  EXPECT_EQ(LonLat::checked(Longitude(-180), Latitude(90)).lat(), 90);
  const LonLat p = LonLat::checked(Longitude(112.93), Latitude(27.86));
  EXPECT_DOUBLE_EQ(p.lon(), 112.93);
  EXPECT_DOUBLE_EQ(p.lat(), 27.86);
}

TEST(LonLat, RejectsOutOfRangeAndNonFiniteValuesNamingTheRule) {
  try {
    LonLat::checked(Longitude(112.9), Latitude(95));
    FAIL() << "latitude 95 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_coordinate);
    EXPECT_NE(std::string(e.what()).find("latitude 95"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[-90, 90]"), std::string::npos) << e.what();
  }
  std::string why;
  EXPECT_FALSE(LonLat::try_make(Longitude(std::nan("")), Latitude(0), &why));
  EXPECT_EQ(why, "longitude is not a finite number");
  EXPECT_FALSE(
      LonLat::try_make(Longitude(0), Latitude(std::numeric_limits<double>::infinity()), &why));
  EXPECT_EQ(why, "latitude is not a finite number");
  EXPECT_FALSE(LonLat::try_make(Longitude(180.0001), Latitude(0), &why));
}

TEST(LonLat, LatitudeCannotBePassedAsLongitude) {
  // The swap guard is a compile-time property; check it with traits so this test can fail.
  static_assert(!std::is_convertible_v<Latitude, Longitude>);
  static_assert(!std::is_convertible_v<double, Longitude>);
  static_assert(!std::is_invocable_v<decltype(&LonLat::checked), Latitude, Longitude>);
  SUCCEED();
}

}  // namespace
}  // namespace wangge::geo
