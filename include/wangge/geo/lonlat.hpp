#pragma once
// Strong coordinate types. Outside input becomes a LonLat only through the range-checked
// factory; a latitude cannot be passed where a longitude is expected (they are distinct types),
// so a lon/lat swap does not compile.

#include <optional>
#include <string>

namespace wangge::geo {

/// Longitude in degrees (east positive). A thin wrapper: it makes swaps a compile error.
struct Longitude {
  double degrees;
  explicit constexpr Longitude(double d) noexcept : degrees(d) {}
};

/// Latitude in degrees (north positive).
struct Latitude {
  double degrees;
  explicit constexpr Latitude(double d) noexcept : degrees(d) {}
};

/// A WGS-84 (or other declared datum) position in degrees, always finite and in range.
class LonLat {
 public:
  /// Range-checked construction from outside input.
  /// @throws Error(invalid_coordinate) naming the rule: finite, lon in [-180, 180], lat in [-90,
  /// 90].
  static LonLat checked(Longitude lon, Latitude lat);

  /// @returns the position, or std::nullopt with @p why set when the values are not a position.
  static std::optional<LonLat> try_make(Longitude lon, Latitude lat, std::string* why = nullptr);

  /// Construction for values already known to be valid (computed inside the core).
  /// @pre lon and lat are finite and in range (asserted in debug builds).
  static LonLat trusted(double lon, double lat) noexcept;

  constexpr double lon() const noexcept { return lon_; }
  constexpr double lat() const noexcept { return lat_; }

  friend bool operator==(const LonLat&, const LonLat&) = default;

 private:
  constexpr LonLat(double lon, double lat) noexcept : lon_(lon), lat_(lat) {}
  double lon_;
  double lat_;
};

}  // namespace wangge::geo
