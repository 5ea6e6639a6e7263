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
geo::XY to_mercator(geo::XY lonlat) noexcept;
geo::XY to_lonlat(geo::XY mercator) noexcept;

/// The tile's bounds in Web Mercator metres, and in lon/lat degrees.
geo::BBox mercator_bounds(const TileId& t) noexcept;
geo::BBox lonlat_bounds(const TileId& t) noexcept;

/// The tile at zoom @p z that contains @p lonlat.
TileId tile_of(geo::XY lonlat, int z) noexcept;

/// Every tile at zoom @p z that a lon/lat box touches, each widened by @p margin (a fraction of
/// a tile, e.g. buffer / extent), row by row.
std::vector<TileId> tiles_touching(const geo::BBox& lonlat, int z, double margin = 0) noexcept;

/// Every vertex of @p lonlat in Web Mercator metres (to project once, then tile many times).
geo::MultiPolygon to_mercator(const geo::MultiPolygon& lonlat);

/// Web Mercator metres → the units of one zoom's whole map, 2^z * extent wide, y down. A
/// tile's own units are these minus (x, y) * extent, an exact subtraction, so geometry rounded
/// in world units and then shifted is the same as geometry rounded in the tile.
class WorldProjection {
 public:
  WorldProjection(int z, std::uint32_t extent);
  geo::XY operator()(geo::XY m) const noexcept {
    return {(m.x + half_) * scale_, (half_ - m.y) * scale_};
  }

 private:
  double half_, scale_;
};

/// Maps lon/lat into one tile's coordinate space of @p extent units (y down), as doubles.
class TileProjection {
 public:
  TileProjection(const TileId& t, std::uint32_t extent);
  geo::XY operator()(geo::XY lonlat) const noexcept;
  /// The same for a point already in Web Mercator metres (no trigonometry).
  geo::XY from_mercator(geo::XY m) const noexcept {
    const geo::XY w = world_(m);
    return {w.x - origin_x_, w.y - origin_y_};
  }
  std::uint32_t extent() const noexcept { return extent_; }
  /// The tile's top-left corner in world units of its zoom.
  double origin_x() const noexcept { return origin_x_; }
  double origin_y() const noexcept { return origin_y_; }

 private:
  WorldProjection world_;
  double origin_x_, origin_y_;
  std::uint32_t extent_;
};

}  // namespace wangge::tiles
