#pragma once
// The offline basemap (底图): what a map needs under the grids, read from the same
// OpenStreetMap file the walking network comes from, so the console's map is whole inside a
// government intranet (政务外网) with no internet basemap in reach. Streets and paths (with
// their names), rivers and canals, water and parks, buildings, and named places; each feature
// carries the zoom from which it is worth drawing, and a spatial index answers "what touches
// this tile" without a scan.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wangge/geo/polygon.hpp"

namespace wangge::network {

struct BasemapFeature {
  enum class Shape { line, area, point };
  Shape shape = Shape::line;
  /// major, secondary, minor, path, rail, river, stream (lines); water, park, building
  /// (areas); city, town, suburb, village, neighbourhood (points).
  std::string kind;
  std::string name;  ///< name:zh, else name; "" when none
  int minzoom = 0;   ///< the first zoom it is drawn at
  std::uint64_t osm_id = 0;
  std::vector<geo::XY> line;  ///< lon/lat, Shape::line
  geo::MultiPolygon area;     ///< lon/lat, Shape::area
  geo::XY point;              ///< lon/lat, Shape::point
  geo::BBox bounds;
};

class Basemap {
 public:
  explicit Basemap(std::vector<BasemapFeature> features);
  ~Basemap();
  Basemap(const Basemap&) = delete;
  Basemap& operator=(const Basemap&) = delete;

  const std::vector<BasemapFeature>& features() const noexcept { return features_; }
  /// The features drawn at zoom @p z whose bounds touch @p box (lon/lat), in file order.
  std::vector<const BasemapFeature*> query(const geo::BBox& box, int z) const;
  geo::BBox bounds() const noexcept { return bounds_; }
  /// Changes with the content: a tile cache key.
  const std::string& version() const noexcept { return version_; }

 private:
  struct Index;
  std::vector<BasemapFeature> features_;
  std::unique_ptr<Index> index_;
  geo::BBox bounds_;
  std::string version_;
};

/// Reads the basemap from an OpenStreetMap file (.osm, .osm.pbf, .osm.bz2): ways and
/// multipolygon relations are assembled into areas (libosmium), broken ones left out.
/// @throws Error(io) when the file cannot be read, Error(invalid_argument) when it is not OSM.
std::shared_ptr<const Basemap> import_basemap(const std::string& path);

}  // namespace wangge::network
