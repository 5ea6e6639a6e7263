#include "wangge/geo/datum.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace wangge::geo {
namespace {

constexpr double kA = 6378245.0;                // Krasovsky 1940 semi-major axis used by GCJ-02
constexpr double kEe = 0.00669342162296594323;  // its first eccentricity squared
constexpr double kPi = std::numbers::pi;
constexpr double kXPi = kPi * 3000.0 / 180.0;  // BD-09 constant

double transform_lat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
  return r;
}

double transform_lon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

// Clamp helper: conversions never leave the valid range, whatever floating noise does.
LonLat make(double lon, double lat) noexcept {
  return LonLat::trusted(std::clamp(lon, -180.0, 180.0), std::clamp(lat, -90.0, 90.0));
}

}  // namespace

std::optional<Datum> parse_datum(std::string_view name) {
  std::string n;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  if (n == "wgs84" || n == "cgcs2000") return Datum::wgs84;
  if (n == "gcj02") return Datum::gcj02;
  if (n == "bd09") return Datum::bd09;
  return std::nullopt;
}

std::string_view to_string(Datum datum) noexcept {
  switch (datum) {
    case Datum::wgs84:
      return "wgs84";
    case Datum::gcj02:
      return "gcj02";
    case Datum::bd09:
      return "bd09";
  }
  return "wgs84";
}

bool in_china_box(LonLat p) noexcept {
  return p.lon() >= 72.004 && p.lon() <= 137.8347 && p.lat() >= 0.8293 && p.lat() <= 55.8271;
}

LonLat wgs84_to_gcj02(LonLat p) noexcept {
  if (!in_china_box(p)) return p;
  const double x = p.lon() - 105.0;
  const double y = p.lat() - 35.0;
  double dlat = transform_lat(x, y);
  double dlon = transform_lon(x, y);
  const double rad_lat = p.lat() / 180.0 * kPi;
  double magic = std::sin(rad_lat);
  magic = 1 - kEe * magic * magic;
  const double sqrt_magic = std::sqrt(magic);
  dlat = (dlat * 180.0) / ((kA * (1 - kEe)) / (magic * sqrt_magic) * kPi);
  dlon = (dlon * 180.0) / (kA / sqrt_magic * std::cos(rad_lat) * kPi);
  return make(p.lon() + dlon, p.lat() + dlat);
}

LonLat gcj02_to_wgs84(LonLat p) noexcept {
  if (!in_china_box(p)) return p;
  // Fixed-point iteration: guess = guess - (forward(guess) - target). The map is a small
  // perturbation of the identity (derivative ≈ 1 ± 1e-5), so this converges geometrically.
  double lon = p.lon();
  double lat = p.lat();
  for (int i = 0; i < 30; ++i) {
    const LonLat f = wgs84_to_gcj02(make(lon, lat));
    const double dlon = f.lon() - p.lon();
    const double dlat = f.lat() - p.lat();
    lon -= dlon;
    lat -= dlat;
    if (std::abs(dlon) < 1e-10 && std::abs(dlat) < 1e-10) break;
  }
  return make(lon, lat);
}

LonLat gcj02_to_bd09(LonLat p) noexcept {
  const double x = p.lon();
  const double y = p.lat();
  const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * kXPi);
  const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * kXPi);
  return make(z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006);
}

// The published closed-form inverse; good to a few centimetres. bd09_to_gcj02 refines it.
static LonLat bd09_to_gcj02_approx(LonLat p) noexcept {
  const double x = p.lon() - 0.0065;
  const double y = p.lat() - 0.006;
  const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * kXPi);
  const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * kXPi);
  return make(z * std::cos(theta), z * std::sin(theta));
}

LonLat bd09_to_gcj02(LonLat p) noexcept {
  LonLat guess = bd09_to_gcj02_approx(p);
  for (int i = 0; i < 10; ++i) {
    const LonLat f = gcj02_to_bd09(guess);
    const double dlon = f.lon() - p.lon();
    const double dlat = f.lat() - p.lat();
    if (std::abs(dlon) < 1e-11 && std::abs(dlat) < 1e-11) break;
    guess = make(guess.lon() - dlon, guess.lat() - dlat);
  }
  return guess;
}

LonLat to_wgs84(LonLat p, Datum from) noexcept {
  switch (from) {
    case Datum::wgs84:
      return p;
    case Datum::gcj02:
      return gcj02_to_wgs84(p);
    case Datum::bd09:
      return gcj02_to_wgs84(bd09_to_gcj02(p));
  }
  return p;
}

LonLat from_wgs84(LonLat p, Datum to) noexcept {
  switch (to) {
    case Datum::wgs84:
      return p;
    case Datum::gcj02:
      return wgs84_to_gcj02(p);
    case Datum::bd09:
      return gcj02_to_bd09(wgs84_to_gcj02(p));
  }
  return p;
}

}  // namespace wangge::geo
