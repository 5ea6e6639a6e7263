#pragma once
// A size-bounded LRU cache of encoded tiles, one computation per key under concurrent misses
// (the others wait for it), with precise invalidation: a change at a point drops, at every
// zoom, only the tiles whose area (with the buffer) contains it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "wangge/tiles/tile_math.hpp"

namespace wangge::tiles {

/// One layer's tile as served: the MVT bytes ("" = empty tile), the gzip form, a strong ETag.
struct TileData {
  std::string mvt;
  std::string gzip;
  std::string etag;  ///< quoted, of the uncompressed bytes
  /// An earlier version, served because the tile could not be built again (the store is
  /// down): clients must not keep it.
  bool stale = false;
};

/// gzip (RFC 1952) of @p bytes; "" for "".
std::string gzip(const std::string& bytes);

struct TileCacheStats {
  std::uint64_t hits = 0, misses = 0, waits = 0, invalidated = 0, evicted = 0;
  std::size_t entries = 0, bytes = 0;
};

class TileCache {
 public:
  explicit TileCache(std::size_t capacity_bytes = std::size_t{256} << 20);

  /// The tile of @p layer (a name that includes its version, e.g. "grids@g2") at @p t, built
  /// by @p build on a miss. Concurrent misses of one key build once. A cached tile older than
  /// @p ttl (when not zero) is built again. When @p build fails with Error(unavailable) (the
  /// store is down) and the tile was cached before it was invalidated or expired, that earlier
  /// version is returned marked stale (stale-if-error) instead of the error.
  std::shared_ptr<const TileData> get(const std::string& layer, const TileId& t,
                                      const std::function<std::string()>& build,
                                      std::chrono::seconds ttl = std::chrono::seconds(0));

  /// The cached tile, if it is built and fresh; never builds or waits.
  std::shared_ptr<const TileData> peek(const std::string& layer, const TileId& t,
                                       std::chrono::seconds ttl = std::chrono::seconds(0)) const;

  /// Drops the cached tiles of @p layer that contain @p lonlat, at every zoom, with a margin
  /// of @p margin tile widths (the buffer: a point near an edge shows in the neighbour too).
  /// @returns how many were dropped.
  std::size_t invalidate_point(const std::string& layer, geo::XY lonlat, double margin);
  /// Drops the cached tiles of @p layer whose area (widened by @p margin tile widths) meets the
  /// lon/lat box @p box, at every zoom. @returns how many were dropped.
  std::size_t invalidate_box(const std::string& layer, const geo::BBox& box, double margin);
  /// Drops every tile of @p layer.
  std::size_t invalidate_layer(const std::string& layer);

  TileCacheStats stats() const;

 private:
  struct Entry;
  using Key = std::string;
  static Key key_of(const std::string& layer, const TileId& t);
  void erase_locked(const Key& key);
  /// Keeps @p entry's tile as the stale fallback of @p key (bounded, oldest dropped first).
  void keep_stale_locked(const Key& key, const Entry& entry);
  void keep_stale_locked(const Key& key, std::shared_ptr<const TileData> data);
  void drop_stale_locked(const Key& key);
  /// Drops every entry @p drop selects (under the lock). @returns how many.
  std::size_t erase_if(const std::function<bool(const Entry&)>& drop);

  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::size_t bytes_ = 0;
  std::list<Key> lru_;  // most recent first
  std::unordered_map<Key, std::shared_ptr<Entry>> entries_;
  /// Tiles dropped by invalidation or expiry, for stale-if-error; at most capacity_ / 4 bytes.
  struct Stale {
    std::shared_ptr<const TileData> data;
    std::list<Key>::iterator order;
  };
  std::unordered_map<Key, Stale> stale_;
  std::list<Key> stale_order_;  // oldest first
  std::size_t stale_bytes_ = 0;
  TileCacheStats stats_;
};

}  // namespace wangge::tiles
