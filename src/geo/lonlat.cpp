#include "wangge/geo/lonlat.hpp"

#include <cassert>
#include <cmath>

#include "wangge/util/error.hpp"

namespace wangge::geo {

std::optional<LonLat> LonLat::try_make(Longitude lon, Latitude lat, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<LonLat> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (!std::isfinite(lon.degrees)) return fail("longitude is not a finite number");
  if (!std::isfinite(lat.degrees)) return fail("latitude is not a finite number");
  if (lon.degrees < -180.0 || lon.degrees > 180.0) {
    return fail("longitude " + std::to_string(lon.degrees) + " is outside [-180, 180]");
  }
  if (lat.degrees < -90.0 || lat.degrees > 90.0) {
    return fail("latitude " + std::to_string(lat.degrees) + " is outside [-90, 90]");
  }
  return LonLat(lon.degrees, lat.degrees);
}

LonLat LonLat::checked(Longitude lon, Latitude lat) {
  std::string why;
  if (auto p = try_make(lon, lat, &why)) return *p;
  throw Error(ErrorCode::invalid_coordinate, why);
}

LonLat LonLat::trusted(double lon, double lat) noexcept {
  assert(std::isfinite(lon) && std::isfinite(lat) && std::abs(lon) <= 180 && std::abs(lat) <= 90);
  return LonLat(lon, lat);
}

}  // namespace wangge::geo
