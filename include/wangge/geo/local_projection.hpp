#pragma once
// A local metric frame around a reference point: x east and y north in metres, from the
// WGS-84 ellipsoid's radii of curvature at the reference latitude. Over a subdistrict
// (≤ 20 km) its scale error is below 0.05%, ample for areas, tolerances and distances to
// boundaries; geometry work far from the reference should build its own projection.

#include "wangge/geo/lonlat.hpp"

namespace wangge::geo {

struct Metres {
  double x;  ///< east, metres
  double y;  ///< north, metres
};

class LocalProjection {
 public:
  explicit LocalProjection(LonLat origin) noexcept;

  Metres to_metres(double lon, double lat) const noexcept {
    return {(lon - lon0_) * metres_per_lon_, (lat - lat0_) * metres_per_lat_};
  }
  double lon_of(double x) const noexcept { return lon0_ + x / metres_per_lon_; }
  double lat_of(double y) const noexcept { return lat0_ + y / metres_per_lat_; }

  double metres_per_degree_lon() const noexcept { return metres_per_lon_; }
  double metres_per_degree_lat() const noexcept { return metres_per_lat_; }

 private:
  double lon0_;
  double lat0_;
  double metres_per_lon_;
  double metres_per_lat_;
};

/// Great-circle distance in metres (haversine on the mean Earth radius 6,371,008.8 m).
double haversine_m(LonLat a, LonLat b) noexcept;

/// Distance in metres on the WGS-84 ellipsoid's local frame at @p a: within 0.05% for points
/// up to 20 km apart, and consistent with LocalProjection (what the network measures with).
double local_distance_m(LonLat a, LonLat b) noexcept;

}  // namespace wangge::geo
