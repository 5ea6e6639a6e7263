#include "wangge/geo/datum.hpp"

#include <gtest/gtest.h>

#include <random>

#include "wangge/geo/local_projection.hpp"

namespace wangge::geo {
namespace {

// Published reference pair (Tiananmen, widely used by GCJ-02 libraries' tests):
// WGS-84 116.391349, 39.907375 → GCJ-02 ≈ 116.397590, 39.908775 (offset ≈ 560 m).
TEST(Datum, ForwardGcj02MatchesTheKnownOffsetNearBeijing) {
  const LonLat gcj = wgs84_to_gcj02(LonLat::checked(Longitude(116.391349), Latitude(39.907375)));
  EXPECT_NEAR(gcj.lon(), 116.39759, 2e-5);
  EXPECT_NEAR(gcj.lat(), 39.908775, 2e-5);
}

TEST(Datum, NoOffsetOutsideChina) {
  const LonLat monaco = LonLat::checked(Longitude(7.42), Latitude(43.73));
  EXPECT_EQ(wgs84_to_gcj02(monaco), monaco);
  EXPECT_EQ(gcj02_to_wgs84(monaco), monaco);
}

TEST(Datum, InverseConversionsAreWithinHalfAMetreOfTheForwardOnes) {
  // 10,000 random points over China: forward then inverse must return within 0.5 m
  // (the bound); in fact the iteration converges to well under a millimetre.
  std::mt19937_64 rng(20261122);
  std::uniform_real_distribution<double> lon(73.0, 135.0), lat(18.0, 53.0);
  double worst_gcj = 0, worst_bd = 0;
  for (int i = 0; i < 10000; ++i) {
    const LonLat w = LonLat::checked(Longitude(lon(rng)), Latitude(lat(rng)));
    const LonLat gcj = from_wgs84(w, Datum::gcj02);
    const LonLat bd = from_wgs84(w, Datum::bd09);
    ASSERT_GT(haversine_m(w, gcj), 1.0) << "GCJ-02 must move points inside China";
    worst_gcj = std::max(worst_gcj, haversine_m(w, to_wgs84(gcj, Datum::gcj02)));
    worst_bd = std::max(worst_bd, haversine_m(w, to_wgs84(bd, Datum::bd09)));
  }
  EXPECT_LT(worst_gcj, 0.5);
  EXPECT_LT(worst_bd, 0.5);
  EXPECT_LT(worst_gcj, 0.001) << "iterative inverse should be sub-millimetre";
}

TEST(Datum, Bd09IsAboutAKilometreFromGcj02) {
  const LonLat gcj = LonLat::checked(Longitude(118.2846), Latitude(33.9204));
  const double d = haversine_m(gcj, gcj02_to_bd09(gcj));
  EXPECT_GT(d, 600);
  EXPECT_LT(d, 1200);
}

TEST(Datum, ParsesNamesLeniently) {
  EXPECT_EQ(parse_datum("WGS-84"), Datum::wgs84);
  EXPECT_EQ(parse_datum("gcj02"), Datum::gcj02);
  EXPECT_EQ(parse_datum("BD_09"), Datum::bd09);
  EXPECT_EQ(parse_datum("cgcs2000"), Datum::wgs84);
  EXPECT_FALSE(parse_datum("mars"));
}

}  // namespace
}  // namespace wangge::geo
