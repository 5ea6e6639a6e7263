#pragma once
// Web Mercator tile math (EPSG:3857, the XYZ scheme of OSM, MapLibre, QGIS and GDAL): tile
// bounds, the tile of a point, the tiles a box touches, and projection into a tile's integer
// coordinate space (x right, y down, 0..extent).

#include <cstdint>
#include <string>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::tiles {

inline constexpr int kMaxZoom = 22;

struct TileId {
  int z = 0;
  std::uint32_t x = 0;
  std::uint32_t y = 0;
  friend bool operator==(const TileId&, const TileId&) = default;
  std::string str() const;  ///< "z/x/y"
};

/// @returns whether z is 0..kMaxZoom and x, y are inside the zoom's 2^z × 2^z matrix.
bool valid(const TileId& t) noexcept;

/// Web Mercator metres of a lon/lat (latitude clamped to ±85.0511°).
XY to_mercator(XY lonlat) noexcept;
XY to_lonlat(XY mercator) noexcept;

/// The tile's bounds in Web Mercator metres, and in lon/lat degrees.
BBox mercator_bounds(const TileId& t) noexcept;
BBox lonlat_bounds(const TileId& t) noexcept;

/// The tile at zoom @p z that contains @p lonlat.
TileId tile_of(XY lonlat, int z) noexcept;

/// Every tile at zoom @p z that a lon/lat box touches, each widened by @p margin (a fraction of
/// a tile, e.g. buffer / extent), row by row.
std::vector<TileId> tiles_touching(const BBox& lonlat, int z, double margin = 0) noexcept;

/// Every vertex of @p lonlat in Web Mercator metres (to project once, then tile many times).
MultiPolygon to_mercator(const MultiPolygon& lonlat);

/// Maps lon/lat into one tile's coordinate space of @p extent units (y down), as doubles.
class TileProjection {
 public:
  TileProjection(const TileId& t, std::uint32_t extent);
  XY operator()(XY lonlat) const noexcept;
  /// The same for a point already in Web Mercator metres (no trigonometry).
  XY from_mercator(XY m) const noexcept {
    return {(m.x - min_x_) * scale_, (max_y_ - m.y) * scale_};
  }
  std::uint32_t extent() const noexcept { return extent_; }

 private:
  double min_x_, max_y_, scale_;
  std::uint32_t extent_;
};

}  // namespace wangge::tiles
