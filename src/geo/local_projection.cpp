#include "wangge/geo/local_projection.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace wangge::geo {
namespace {
constexpr double kWgs84A = 6378137.0;
constexpr double kWgs84E2 = 0.00669437999014;
constexpr double kDegree = std::numbers::pi / 180.0;
}  // namespace

LocalProjection::LocalProjection(LonLat origin) noexcept
    : lon0_(origin.lon()), lat0_(origin.lat()) {
  const double phi = origin.lat() * kDegree;
  const double s = std::sin(phi);
  const double w = std::sqrt(1.0 - kWgs84E2 * s * s);
  const double prime_vertical = kWgs84A / w;                           // N
  const double meridional = kWgs84A * (1.0 - kWgs84E2) / (w * w * w);  // M
  metres_per_lat_ = meridional * kDegree;
  metres_per_lon_ = prime_vertical * std::cos(phi) * kDegree;
}

double haversine_m(LonLat a, LonLat b) noexcept {
  constexpr double kR = 6371008.8;
  const double dlat = (b.lat() - a.lat()) * kDegree;
  const double dlon = (b.lon() - a.lon()) * kDegree;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat() * kDegree) * std::cos(b.lat() * kDegree) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kR * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace wangge::geo

namespace wangge::geo {

double local_distance_m(LonLat a, LonLat b) noexcept {
  const LocalProjection frame(a);
  const Metres m = frame.to_metres(b.lon(), b.lat());
  return std::hypot(m.x, m.y);
}

}  // namespace wangge::geo
