// Web Mercator tile math.
#include "wangge/tiles/tile_math.hpp"
#include "wangge/util/number.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace wangge::tiles {
namespace {

constexpr double kRadius = 6378137.0;
constexpr double kHalf = std::numbers::pi * kRadius;  // 20037508.34…
constexpr double kMaxLat = 85.05112877980659;

double tile_size(int z) noexcept {
  return 2 * kHalf / static_cast<double>(1u << z);
}

}  // namespace

std::string TileId::str() const {
  return std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y);
}

bool valid(const TileId& t) noexcept {
  if (t.z < 0 || t.z > kMaxZoom) return false;
  const std::uint64_t n = std::uint64_t{1} << t.z;
  return t.x < n && t.y < n;
}

geo::XY to_mercator(geo::XY p) noexcept {
  const double lat = std::clamp(p.y, -kMaxLat, kMaxLat) * std::numbers::pi / 180;
  return {p.x * kHalf / 180, kRadius * std::log(std::tan(std::numbers::pi / 4 + lat / 2))};
}

geo::XY to_lonlat(geo::XY m) noexcept {
  return {m.x / kHalf * 180,
          (2 * std::atan(std::exp(m.y / kRadius)) - std::numbers::pi / 2) * 180 / std::numbers::pi};
}

geo::BBox mercator_bounds(const TileId& t) noexcept {
  const double size = tile_size(t.z);
  geo::BBox b;
  b.min_x = -kHalf + t.x * size;
  b.max_x = b.min_x + size;
  b.max_y = kHalf - t.y * size;
  b.min_y = b.max_y - size;
  return b;
}

geo::BBox lonlat_bounds(const TileId& t) noexcept {
  const geo::BBox m = mercator_bounds(t);
  const geo::XY lo = to_lonlat({m.min_x, m.min_y}), hi = to_lonlat({m.max_x, m.max_y});
  return geo::BBox{lo.x, lo.y, hi.x, hi.y};
}

TileId tile_of(geo::XY lonlat, int z) noexcept {
  const geo::XY m = to_mercator(lonlat);
  const double size = tile_size(z);
  const auto last = static_cast<std::uint32_t>((1u << z) - 1);
  return {z, number::clamp_to<std::uint32_t>(std::floor((m.x + kHalf) / size), 0, last),
          number::clamp_to<std::uint32_t>(std::floor((kHalf - m.y) / size), 0, last)};
}

std::vector<TileId> tiles_touching(const geo::BBox& lonlat, int z, double margin) noexcept {
  std::vector<TileId> out;
  if (!lonlat.valid() || z < 0 || z > kMaxZoom) return out;
  const geo::XY lo = to_mercator({lonlat.min_x, lonlat.min_y}),
                hi = to_mercator({lonlat.max_x, lonlat.max_y});
  const double size = tile_size(z);
  const double n = static_cast<double>(1u << z);
  auto index = [&](double v) { return std::clamp(std::floor(v), 0.0, n - 1); };
  const double x0 = index((lo.x + kHalf) / size - margin),
               x1 = index((hi.x + kHalf) / size + margin);
  const double y0 = index((kHalf - hi.y) / size - margin),
               y1 = index((kHalf - lo.y) / size + margin);
  for (double y = y0; y <= y1; ++y) {
    for (double x = x0; x <= x1; ++x)
      out.push_back({z, number::narrow<std::uint32_t>(x), number::narrow<std::uint32_t>(y)});
  }
  return out;
}

geo::MultiPolygon to_mercator(const geo::MultiPolygon& lonlat) {
  geo::MultiPolygon out;
  for (const geo::Polygon& p : lonlat.polygons) {
    geo::Polygon q;
    for (const geo::XY& v : p.outer) q.outer.push_back(to_mercator(v));
    for (const geo::Ring& h : p.holes) {
      q.holes.emplace_back();
      for (const geo::XY& v : h) q.holes.back().push_back(to_mercator(v));
    }
    out.polygons.push_back(std::move(q));
  }
  return out;
}

WorldProjection::WorldProjection(int z, std::uint32_t extent)
    : half_(kHalf), scale_(std::ldexp(static_cast<double>(extent), z) / (2 * kHalf)) {}

TileProjection::TileProjection(const TileId& t, std::uint32_t extent)
    : world_(t.z, extent),
      origin_x_(static_cast<double>(t.x) * extent),
      origin_y_(static_cast<double>(t.y) * extent),
      extent_(extent) {}

geo::XY TileProjection::operator()(geo::XY lonlat) const noexcept {
  return from_mercator(to_mercator(lonlat));
}

}  // namespace wangge::tiles
