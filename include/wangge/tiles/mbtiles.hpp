#pragma once
// Writing an MBTiles 1.3 file of vector tiles (SQLite: metadata + tiles, TMS row order, gzip
// tile data), as GDAL, QGIS, tileserver-gl and Martin read it. The file appears only when
// complete: it is written under a temporary name and renamed by commit().

#include <memory>
#include <string>
#include <vector>

#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

class MBTilesWriter {
 public:
  /// @throws Error(invalid_argument) when @p path cannot be created.
  explicit MBTilesWriter(const std::string& path);
  ~MBTilesWriter();  // without commit(): the temporary file is removed
  MBTilesWriter(const MBTilesWriter&) = delete;
  MBTilesWriter& operator=(const MBTilesWriter&) = delete;

  void metadata(const std::string& name, const std::string& value);
  /// @p gzipped: the tile's gzip bytes (MBTiles stores vector tiles compressed).
  void tile(const TileId& t, const std::string& gzipped);
  /// Finishes the file and moves it into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::tiles
