#pragma once
// A Mapbox Vector Tile 2.1 layer encoder (protozero). Geometry goes in as lon/lat and comes out
// clipped to the tile plus a buffer, simplified in tile units, quantised to the integer grid and
// then re-validated: no repeated points, no rings with fewer than three distinct points or zero
// area, exterior rings with positive area in tile coordinates (y down) and holes negative, the
// command cursor carried across rings and parts. A polygon that collapses below the grid at a
// low zoom is kept visible as a small square at its place rather than dropped.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "wangge/geo/polygon.hpp"
#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

/// An attribute value; MVT keeps one of string, int, double or bool per value.
using Value = std::variant<std::string, std::int64_t, double, bool>;

struct Property {
  std::string key;
  Value value;
};

struct EncodeStats {
  std::size_t features = 0;
  std::size_t markers = 0;        ///< polygons below the grid, kept as a small square
  std::size_t unsimplified = 0;   ///< polygons whose simplified form was invalid, sent unsimplified
  std::size_t holes_dropped = 0;  ///< polygons valid only without their holes at this zoom
};

/// @p mercator simplified for tiles at zoom @p z: Douglas-Peucker per ring with a tolerance of
/// @p units tile units (of a 4096 extent) in metres. Done once per zoom, it spares every tile of
/// that zoom the work; the encoder re-validates each tile's polygons after quantisation.
geo::MultiPolygon simplify_for_zoom(const geo::MultiPolygon& mercator, int z, double units = 1.0,
                                    std::uint32_t extent = 4096);

/// A polygon prepared once for every tile of one zoom: simplified (simplify_for_zoom), then
/// rounded to the zoom's world units (WorldProjection) and validated once. Rounding commutes
/// with the integer shift to a tile, so in every tile that holds the polygon wholly (with its
/// buffer) the encoder copies these rings shifted, without clipping, rounding or validating
/// again; tiles that cut it clip the simplified geometry as usual.
struct PreparedPolygon {
  geo::MultiPolygon mercator;  ///< simplified, Web Mercator metres: the fallback for cut tiles
  int z = 0;
  std::uint32_t extent = 4096;
  geo::BBox world;  ///< of the unrounded geometry in world units (the wholly-inside test)
  /// Valid rounded polygons in world units: [exterior, holes...], rings not closed, exteriors
  /// with positive area (y down). Empty when the polygon collapses at this zoom or z > 18
  /// (world units would overflow 32 bits): such polygons always take the general path.
  std::vector<std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>>> parts;
  std::size_t holes_dropped = 0;  ///< parts valid only without their holes
};

/// @p mercator simplified and prepared for zoom @p z (see PreparedPolygon).
PreparedPolygon prepare_for_zoom(const geo::MultiPolygon& mercator, int z, double units = 1.0,
                                 std::uint32_t extent = 4096);

/// A feature id for @p id, below 2^53 so that JavaScript clients hold it exactly: decimal ids
/// below 2^52 (grid codes up to 15 digits) as their number, others as a 52-bit hash above it.
std::uint64_t feature_id(const std::string& id) noexcept;

class LayerEncoder {
 public:
  /// @p buffer is in tile units outside each edge (64 of 4096 is what Martin uses).
  LayerEncoder(std::string name, const TileId& tile, std::uint32_t extent = 4096,
               std::uint32_t buffer = 64, double simplify_units = 1.0);

  /// @returns whether any of it lies in the tile with its buffer (and so was added).
  bool add_polygon(std::uint64_t id, const geo::MultiPolygon& lonlat,
                   const std::vector<Property>& properties);
  /// The same for a polygon already in Web Mercator metres (see to_mercator): servers project
  /// their polygons once and tile them many times.
  bool add_polygon_mercator(std::uint64_t id, const geo::MultiPolygon& mercator,
                            const std::vector<Property>& properties);
  /// The same for a polygon prepared for this tile's zoom (and extent); the encoder must have
  /// been made with simplify_units 0, as the polygon is simplified already.
  bool add_prepared(std::uint64_t id, const PreparedPolygon& polygon,
                    const std::vector<Property>& properties);
  bool add_point(std::uint64_t id, geo::XY lonlat, const std::vector<Property>& properties);
  /// A line (a street, a river) in lon/lat: clipped to the tile and its buffer, simplified,
  /// quantised, with repeated points dropped; pieces shorter than one unit are left out.
  bool add_line(std::uint64_t id, const std::vector<geo::XY>& lonlat,
                const std::vector<Property>& properties);

  bool empty() const noexcept { return features_.empty(); }
  const EncodeStats& stats() const noexcept { return stats_; }

  /// The layer as a whole MVT message (a Tile holding this one layer); "" without features.
  /// MVT tiles concatenate: the bytes of several layers' messages form one composite tile.
  std::string finish() const;

 private:
  struct Feature {
    std::uint64_t id;
    std::uint32_t type;
    std::vector<std::uint32_t> tags;
    std::vector<std::uint32_t> geometry;
  };
  std::vector<std::uint32_t> tags_of(const std::vector<Property>& properties);
  template <class Project>
  bool add_projected(std::uint64_t id, const geo::MultiPolygon& g,
                     const std::vector<Property>& properties, Project project);

  std::string name_;
  int zoom_;
  TileProjection projection_;
  std::uint32_t extent_, buffer_;
  double simplify_units_;
  std::vector<Feature> features_;
  std::vector<std::string> keys_;
  std::vector<Value> values_;
  std::unordered_map<std::string, std::uint32_t> key_index_, value_index_;
  EncodeStats stats_;
};

/// A decoded layer, for tests and tools: what a client reads back.
struct DecodedFeature {
  std::uint64_t id = 0;
  std::uint32_t type = 0;  ///< 1 point, 2 line, 3 polygon
  std::vector<std::pair<std::string, Value>> properties;
  /// Rings (polygons) or points, in tile units; rings are not closed.
  std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> parts;
};
struct DecodedLayer {
  std::uint32_t version = 1;
  std::string name;
  std::uint32_t extent = 4096;
  std::vector<DecodedFeature> features;
};
/// Decodes an MVT message; throws Error(invalid_argument) on malformed input.
std::vector<DecodedLayer> decode(const std::string& tile);

}  // namespace wangge::tiles
